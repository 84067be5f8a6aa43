// What a test can leak, counted before and after: BPF programs and maps (on the whole host, by
// id: one left attached in a namespace, pinned, or held by a stray process counts too) and a
// process's open fds. Objects another process holds an fd of (a benchmark running alongside,
// say) are not counted as the test's.
#pragma once

#include <bpf/bpf.h>
#include <dirent.h>
#include <sys/types.h>

#include <unistd.h>

#include <chrono>
#include <algorithm>
#include <cstdint>
#include <fstream>
#include <ostream>
#include <set>
#include <string>
#include <thread>

namespace xdpfwd::test {

/// The open fds of process `pid` (0: this one), from /proc/PID/fd; 0 when it is gone.
inline std::size_t open_fds(pid_t pid = 0)
{
	const std::string path = pid == 0 ? "/proc/self/fd" : "/proc/" + std::to_string(pid) + "/fd";
	DIR* dir = ::opendir(path.c_str());
	if (!dir)
		return 0;
	std::size_t count = 0;
	while (const dirent* entry = ::readdir(dir))
		count += entry->d_name[0] != '.';
	::closedir(dir);
	return pid == 0 ? count - 1 : count; // not opendir's own
}

/// The programs and maps other processes hold fds of (/proc/PID/fdinfo: prog_id, map_id), and
/// the maps those programs use.
inline void held_by_others(std::set<std::uint32_t>& programs, std::set<std::uint32_t>& maps)
{
	const std::string self = std::to_string(::getpid());
	DIR* proc = ::opendir("/proc");
	if (!proc)
		return;
	while (const dirent* process = ::readdir(proc)) {
		const std::string pid = process->d_name;
		if (pid.find_first_not_of("0123456789") != std::string::npos || pid == self)
			continue;
		const std::string dir_path = "/proc/" + pid + "/fdinfo";
		DIR* dir = ::opendir(dir_path.c_str());
		if (!dir)
			continue; // gone meanwhile
		while (const dirent* fd = ::readdir(dir)) {
			if (fd->d_name[0] == '.')
				continue;
			std::ifstream info(dir_path + "/" + fd->d_name);
			for (std::string key; info >> key;) {
				std::uint32_t id = 0;
				if (key == "prog_id:" && info >> id)
					programs.insert(id);
				else if (key == "map_id:" && info >> id)
					maps.insert(id);
			}
		}
		::closedir(dir);
	}
	::closedir(proc);
	for (const std::uint32_t id : programs) {
		const int fd = bpf_prog_get_fd_by_id(id);
		if (fd < 0)
			continue;
		std::uint32_t ids[64];
		bpf_prog_info info{};
		info.nr_map_ids = 64;
		info.map_ids = reinterpret_cast<std::uintptr_t>(ids);
		std::uint32_t length = sizeof(info);
		if (bpf_obj_get_info_by_fd(fd, &info, &length) == 0)
			maps.insert(ids, ids + std::min<std::uint32_t>(info.nr_map_ids, 64));
		::close(fd);
	}
}

/// How many programs, maps and fds there are beyond a snapshot's.
struct Growth {
	std::size_t programs = 0;
	std::size_t maps = 0;
	long fds = 0;
	friend bool operator==(const Growth&, const Growth&) = default;
	friend std::ostream& operator<<(std::ostream& out, const Growth& g)
	{
		return out << "{" << g.programs << " programs, " << g.maps << " maps, " << g.fds << " fds}";
	}
};

/// A snapshot: the ids of every BPF program and map on the host, and this process's fds.
struct KernelObjects {
	std::set<std::uint32_t> programs;
	std::set<std::uint32_t> maps;
	std::size_t fds = 0;

	static KernelObjects now()
	{
		KernelObjects s;
		for (std::uint32_t id = 0; bpf_prog_get_next_id(id, &id) == 0;)
			s.programs.insert(id);
		for (std::uint32_t id = 0; bpf_map_get_next_id(id, &id) == 0;)
			s.maps.insert(id);
		s.fds = open_fds();
		return s;
	}

	/// Programs and maps that exist now and did not in `before` (the kernel hands out ids in
	/// turn, so a new object has a new id), other processes' aside, and the fds opened since.
	[[nodiscard]] Growth since(const KernelObjects& before) const
	{
		std::set<std::uint32_t> other_programs, other_maps;
		held_by_others(other_programs, other_maps);
		Growth g;
		for (const std::uint32_t id : programs)
			g.programs += before.programs.count(id) == 0 && other_programs.count(id) == 0;
		for (const std::uint32_t id : maps)
			g.maps += before.maps.count(id) == 0 && other_maps.count(id) == 0;
		g.fds = static_cast<long>(fds) - static_cast<long>(before.fds);
		return g;
	}
};

/// The growth since `before` once it is down to `expected` (what the test still holds on
/// purpose), or when a generous deadline passed: the kernel frees a program or map after the
/// last reference goes, and a deleted namespace's attachments in a workqueue, later than that.
inline Growth settled_growth(const KernelObjects& before, const Growth& expected = {})
{
	using namespace std::chrono_literals;
	const auto deadline = std::chrono::steady_clock::now() + 30s;
	for (;;) {
		const Growth g = KernelObjects::now().since(before);
		if (g == expected || std::chrono::steady_clock::now() >= deadline)
			return g;
		std::this_thread::sleep_for(20ms);
	}
}

} // namespace xdpfwd::test
