// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <fcntl.h>

#include <cerrno>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "bpf_map.hpp"
#include "error.hpp"
#include "unique_fd.hpp"

namespace xdpfwd {

/// A loaded BPF program: owns its fd and one fd per map it uses (opened once, by id), knows its
/// kernel name and id, and hands out its maps by name, typed. It comes from load_skeleton() in
/// the process that loads it, or from Program::from_id() (see find_attached()) in any other.
/// Throws Error: ENOENT for a map the program does not use, EPERM without privileges.
class Program {
public:
	explicit Program(UniqueFd fd) : fd_(std::move(fd))
	{
		bpf_prog_info info{};
		std::uint32_t length = sizeof(info);
		check(bpf_obj_get_info_by_fd(fd_.get(), &info, &length), [] { return std::string("read BPF program info"); });
		id_ = info.id;
		name_ = info.name;
		std::vector<std::uint32_t> map_ids(info.nr_map_ids);
		if (!map_ids.empty()) {
			info = {};
			info.nr_map_ids = static_cast<std::uint32_t>(map_ids.size());
			info.map_ids = reinterpret_cast<std::uintptr_t>(map_ids.data());
			length = sizeof(info);
			check(bpf_obj_get_info_by_fd(fd_.get(), &info, &length),
			      [&] { return "read map ids of BPF program " + name_; });
			map_ids.resize(info.nr_map_ids);
		}
		for (const std::uint32_t map_id : map_ids)
			open_map(map_id);
	}

	/// Opens the program with kernel id `id` (what bpf_xdp_query reports).
	static Program from_id(std::uint32_t id)
	{
		return Program(UniqueFd(check(bpf_prog_get_fd_by_id(id), [&] {
			return "open BPF program id " + std::to_string(id);
		})));
	}

	[[nodiscard]] int fd() const noexcept { return fd_.get(); }
	[[nodiscard]] std::uint32_t id() const noexcept { return id_; }
	[[nodiscard]] const std::string& name() const noexcept { return name_; }

	/// Whether the program uses a map called `name` (see raw_map for how names match).
	[[nodiscard]] bool has_map(std::string_view name) const noexcept { return find(name) != nullptr; }

	/// The fd of the program's map called `name`, valid while this Program lives. Kernel names
	/// are cut at 15 characters, and global data maps are named "<object prefix>.rodata" and the
	/// like: a name starting with '.' matches by suffix. Throws Error(ENOENT).
	[[nodiscard]] int raw_map(std::string_view name) const
	{
		if (const Map* map = find(name))
			return map->fd.get();
		throw Error(ENOENT, "find map \"" + std::string(name) + "\" of BPF program " + name_,
			    "not an xdpfwd program of the expected mode");
	}

	/// The map called `name` as a typed owner of its own fd (see raw_map). Throws Error(ENOENT).
	template <class Key, class Value>
	[[nodiscard]] BpfMap<Key, Value> map(std::string_view name) const
	{
		return BpfMap<Key, Value>(dup_map(name), std::string(name));
	}

	/// The per-CPU map called `name`, typed (see raw_map). Throws Error(ENOENT).
	template <class Key, class Value>
	[[nodiscard]] PerCpuMap<Key, Value> per_cpu_map(std::string_view name) const
	{
		return PerCpuMap<Key, Value>(dup_map(name), std::string(name));
	}

private:
	struct Map {
		std::string name;
		UniqueFd fd;
	};

	void open_map(std::uint32_t map_id)
	{
		const int fd = bpf_map_get_fd_by_id(map_id);
		if (fd == -ENOENT)
			return; // freed meanwhile
		UniqueFd map_fd(check(fd, [&] { return "open map id " + std::to_string(map_id) + " of BPF program " + name_; }));
		bpf_map_info info{};
		std::uint32_t length = sizeof(info);
		check(bpf_obj_get_info_by_fd(map_fd.get(), &info, &length),
		      [&] { return "read info of map id " + std::to_string(map_id); });
		maps_.push_back({info.name, std::move(map_fd)});
	}

	[[nodiscard]] const Map* find(std::string_view name) const noexcept
	{
		for (const Map& map : maps_) {
			const std::string_view found(map.name);
			const bool suffix = !name.empty() && name.front() == '.' && found.size() >= name.size() &&
					    found.substr(found.size() - name.size()) == name;
			if (found == name || suffix)
				return &map;
		}
		return nullptr;
	}

	[[nodiscard]] UniqueFd dup_map(std::string_view name) const
	{
		return UniqueFd(check(::fcntl(raw_map(name), F_DUPFD_CLOEXEC, 0),
				      [&] { return "duplicate fd of map " + std::string(name); }));
	}

	UniqueFd fd_;
	std::uint32_t id_ = 0;
	std::string name_;
	std::vector<Map> maps_;
};

/// Opens a bpftool skeleton, lets `configure` set read-only data (the only moment it can be
/// set), loads it, and returns the single program it holds. The skeleton itself is freed: the
/// Program keeps the kernel objects alive.
template <class Skeleton, class Configure>
Program load_skeleton(std::string_view what, Configure&& configure)
{
	struct Destroy {
		void operator()(Skeleton* skeleton) const noexcept { Skeleton::destroy(skeleton); }
	};
	errno = 0;
	std::unique_ptr<Skeleton, Destroy> skeleton(Skeleton::open());
	if (!skeleton)
		throw Error(errno ? errno : ENOMEM, "open BPF object for " + std::string(what));
	configure(*skeleton);
	const int rc = Skeleton::load(skeleton.get());
	if (rc == -EACCES || rc == -EINVAL)
		throw Error(-rc, "load BPF program " + std::string(what),
			    "the verifier refused it or privileges are missing (CAP_BPF, CAP_NET_ADMIN); libbpf's log says which");
	check(rc, [&] { return "load BPF program " + std::string(what); });
	bpf_program* program = bpf_object__next_program(skeleton->obj, nullptr);
	return Program(UniqueFd(check(::dup(bpf_program__fd(program)), [&] { return "dup fd of " + std::string(what); })));
}

template <class Skeleton>
Program load_skeleton(std::string_view what)
{
	return load_skeleton<Skeleton>(what, [](Skeleton&) {});
}

} // namespace xdpfwd
