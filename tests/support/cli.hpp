// The xdpfwd command line as the tests drive it, as a user would: the binary named by
// $XDPFWD_CLI run as a subprocess (in the foreground, or in the background for commands that
// keep running), its exit status, stdout and stderr; the scenario it builds (`scenario up
// --prefix xfwdt-<pid>-<tag>`), removed again also when an assertion fails; pings across it,
// and what the host looks like from outside its namespaces.
#pragma once

#include <doctest/doctest.h>

#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iterator>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "netns.hpp"

namespace xdpfwd::test::cli {

// ---------------------------------------------------------------------------------------------
// Running things

inline std::string quote(const std::string& word)
{
	std::string q = "'";
	for (const char c : word)
		q += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return q + "'";
}

inline const std::string& cli_path()
{
	static const std::string path = [] {
		const char* env = std::getenv("XDPFWD_CLI");
		if (!env || !*env)
			throw std::runtime_error("XDPFWD_CLI is not set: it names the xdpfwd binary (meson test sets it)");
		if (::access(env, X_OK) != 0)
			throw std::runtime_error(std::string("XDPFWD_CLI=") + env + " is not an executable");
		return std::string(env);
	}();
	return path;
}

inline std::string cli() { return quote(cli_path()); }

inline std::vector<std::string> lines_of(const std::string& text)
{
	std::vector<std::string> lines;
	std::istringstream in(text);
	for (std::string line; std::getline(in, line);)
		lines.push_back(line);
	return lines;
}

inline bool contains(const std::string& haystack, const std::string& needle) { return haystack.find(needle) != std::string::npos; }

struct Result {
	int status = -1;
	std::string out;
	std::string err;
	[[nodiscard]] std::vector<std::string> err_lines() const { return lines_of(err); }
};

doctest::String toString(const Result& r)
{
	return ("exit " + std::to_string(r.status) + "\n--- stdout\n" + r.out + "--- stderr\n" + r.err).c_str();
}

/// Runs a shell command line; stdout through a pipe, stderr through a file, kept apart.
inline Result sh(const std::string& command)
{
	char err_path[] = "/tmp/xfwdc-stderr-XXXXXX";
	const int err_fd = ::mkstemp(err_path);
	if (err_fd < 0)
		throw std::runtime_error("mkstemp failed");
	::close(err_fd);
	Result r;
	FILE* pipe = ::popen(("exec 2>" + std::string(err_path) + "; " + command).c_str(), "r");
	if (!pipe) {
		::unlink(err_path);
		throw std::runtime_error("popen failed: " + command);
	}
	char buffer[4096];
	std::size_t n = 0;
	while ((n = std::fread(buffer, 1, sizeof(buffer), pipe)) > 0)
		r.out.append(buffer, n);
	const int rc = ::pclose(pipe);
	r.status = WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
	std::ifstream err(err_path);
	r.err.assign(std::istreambuf_iterator<char>(err), std::istreambuf_iterator<char>());
	::unlink(err_path);
	return r;
}

/// `xdpfwd ARGS`
inline Result xfwd(const std::string& args) { return sh(cli() + " " + args); }

// ---------------------------------------------------------------------------------------------
// Scenarios and cleanup

inline void remove_scenario(const std::string& prefix) noexcept
{
	std::system((cli() + " scenario down --prefix " + prefix + " >/dev/null 2>&1").c_str());
}

/// A scenario prefix unique to this process and test; `scenario down` when destroyed.
struct ScenarioGuard {
	explicit ScenarioGuard(const std::string& tag) : prefix(unique_name("c" + tag))
	{
		// the fixture removes them on exit or signal even if the CLI itself is broken
		for (const char* role : {"-router", "-uno", "-dos"})
			track(prefix + role);
	}
	ScenarioGuard(const ScenarioGuard&) = delete;
	ScenarioGuard& operator=(const ScenarioGuard&) = delete;
	~ScenarioGuard() { remove_scenario(prefix); }

	[[nodiscard]] std::string router() const { return prefix + "-router"; }
	[[nodiscard]] std::string uno() const { return prefix + "-uno"; }
	[[nodiscard]] std::string dos() const { return prefix + "-dos"; }
	/// "-n <prefix>-router "
	[[nodiscard]] std::string in_router() const { return "-n " + router() + " "; }

	void up() const
	{
		const Result r = xfwd("scenario up --prefix " + prefix);
		REQUIRE_MESSAGE(r.status == 0, r);
		CHECK_MESSAGE(r.err.empty(), r);
		CHECK(contains(r.out, "scenario up: " + router()));
	}

	std::string prefix;
};

/// The MAC of `ifname` in namespace `netns`, as the library reads it.
inline std::string mac_in(const std::string& netns, const std::string& ifname)
{
	const xdpfwd::NetnsScope scope(netns);
	return xdpfwd::mac_of(xdpfwd::ifindex_of(ifname)).to_string();
}

inline std::vector<std::string> namespaces_with(const std::string& prefix)
{
	std::vector<std::string> found;
	for (const std::string& name : lines_of(output("ip netns list | awk '{print $1}'")))
		if (name.rfind(prefix, 0) == 0)
			found.push_back(name);
	return found;
}

/// What the host looks like from outside our namespaces.
struct HostState {
	std::set<std::string> bpffs;         // every path under /sys/fs/bpf
	std::set<std::string> root_xdp;      // root-namespace links with an XDP program
	bool bpffs_mounted = false;

	static HostState now()
	{
		HostState s;
		for (const auto& path : lines_of(output("find /sys/fs/bpf -mindepth 1 2>/dev/null")))
			s.bpffs.insert(path);
		for (const auto& line : lines_of(output("ip -o link show")))
			if (contains(line, "xdp"))
				s.root_xdp.insert(line.substr(0, line.find('\\')));
		s.bpffs_mounted = contains(output("cat /proc/self/mounts"), " /sys/fs/bpf bpf ");
		return s;
	}
};

inline void check_host_unchanged(const HostState& before, const std::string& prefix)
{
	const HostState after = HostState::now();
	CHECK_MESSAGE(namespaces_with(prefix).empty(), "namespaces left: ", output("ip netns list"));
	CHECK(after.bpffs_mounted == before.bpffs_mounted);
	for (const auto& path : after.bpffs)
		CHECK_MESSAGE(before.bpffs.count(path) == 1, "new under /sys/fs/bpf: ", path);
	for (const auto& link : after.root_xdp)
		CHECK_MESSAGE(before.root_xdp.count(link) == 1, "XDP on a root-namespace link: ", link);
}

/// The program ids `status` reports ("... id N ...") in `text`.
inline std::vector<std::string> program_ids(const std::string& text)
{
	std::vector<std::string> ids;
	for (const auto& line : lines_of(text)) {
		const auto at = line.find(" id ");
		if (at == std::string::npos || contains(line, "map program id"))
			continue;
		std::size_t end = at + 4;
		while (end < line.size() && std::isdigit(static_cast<unsigned char>(line[end])))
			++end;
		if (end > at + 4)
			ids.push_back(line.substr(at + 4, end - at - 4));
	}
	return ids;
}

/// True once no program with kernel id `id` exists (namespace teardown frees them lazily).
inline bool program_gone(const std::string& id)
{
	for (int i = 0; i < 60; ++i) {
		if (run("bpftool prog show id " + id) != 0)
			return true;
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	}
	return false;
}

// ---------------------------------------------------------------------------------------------
// Traffic

/// `ping -c COUNT` from `netns`; the number of replies.
inline int ping(const std::string& netns, const std::string& address, int count = 3)
{
	const std::string text = output("ip netns exec " + netns + " ping -q -c " + std::to_string(count) +
					" -i 0.2 -W 1 " + address);
	const auto at = text.find(" received");
	if (at == std::string::npos)
		return 0;
	auto start = text.rfind(' ', at - 1);
	return std::atoi(text.substr(start + 1, at - start - 1).c_str());
}

/// One ping that may wait for ARP / ND on the way (not counted).
inline void warm_up(const std::string& netns, const std::string& address)
{
	run("ip netns exec " + netns + " ping -q -c 1 -W 2 " + address);
}

/// The scenario's host addresses.
inline constexpr const char* uno_v4 = "192.0.2.2";
inline constexpr const char* uno_v6 = "2001:db8:1::2";
inline constexpr const char* dos_v4 = "198.51.100.2";
inline constexpr const char* dos_v6 = "2001:db8:2::2";

// ---------------------------------------------------------------------------------------------
// Commands that must succeed, and those that keep running

/// `xdpfwd ARGS`, which must succeed.
inline Result ok(const std::string& args)
{
	Result r = xfwd(args);
	REQUIRE_MESSAGE(r.status == 0, r);
	return r;
}

/// xdpfwd running in the background with `args` (through `wrapper`, a command such as
/// setpriv that execs the rest, when given); stdout and stderr go to one file.
class Background {
public:
	explicit Background(const std::vector<std::string>& args, const std::vector<std::string>& wrapper = {})
	    : started_(std::chrono::steady_clock::now())
	{
		char out_path[] = "/tmp/xfwdc-bg-XXXXXX";
		out_fd_ = ::mkstemp(out_path);
		REQUIRE(out_fd_ >= 0);
		::unlink(out_path);
		std::vector<std::string> argv = wrapper;
		argv.push_back(cli_path());
		argv.insert(argv.end(), args.begin(), args.end());
		pid_ = ::fork();
		REQUIRE(pid_ >= 0);
		if (pid_ == 0) {
			::dup2(out_fd_, STDOUT_FILENO);
			::dup2(out_fd_, STDERR_FILENO);
			std::vector<char*> raw;
			for (auto& a : argv)
				raw.push_back(a.data());
			raw.push_back(nullptr);
			::execvp(raw[0], raw.data());
			::_exit(127);
		}
	}
	Background(const Background&) = delete;
	Background& operator=(const Background&) = delete;
	~Background()
	{
		if (pid_ > 0 && !ended_) {
			::kill(pid_, SIGKILL);
			::waitpid(pid_, nullptr, 0);
		}
		::close(out_fd_);
	}

	/// Seconds since it started.
	[[nodiscard]] double age() const
	{
		return std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
	}

	/// Sends `signal` and waits for the exit (at most 10 s); the seconds that took.
	double interrupt(int signal)
	{
		const auto sent = std::chrono::steady_clock::now();
		REQUIRE(::kill(pid_, signal) == 0);
		for (int i = 0; i < 1000 && !ended_; ++i) {
			ended_ = ::waitpid(pid_, &status_, WNOHANG) == pid_;
			if (!ended_)
				std::this_thread::sleep_for(std::chrono::milliseconds(10));
		}
		REQUIRE_MESSAGE(ended_, "still running 10 s after the signal:\n", output());
		return std::chrono::duration<double>(std::chrono::steady_clock::now() - sent).count();
	}

	[[nodiscard]] int status() const { return status_; }
	[[nodiscard]] pid_t pid() const { return pid_; }

	/// Waits for it to end by itself; its exit status (128 + the signal that ended it).
	int wait()
	{
		if (!ended_)
			ended_ = ::waitpid(pid_, &status_, 0) == pid_;
		return WIFEXITED(status_) ? WEXITSTATUS(status_) : 128 + WTERMSIG(status_);
	}

	/// Waits until what it printed contains `text`; false when `timeout` passed first or it
	/// ended without printing it.
	bool wait_for(const std::string& text, std::chrono::milliseconds timeout = std::chrono::seconds(10))
	{
		const auto until = std::chrono::steady_clock::now() + timeout;
		while (output().find(text) == std::string::npos) {
			if (std::chrono::steady_clock::now() >= until || ended_ || (ended_ = ::waitpid(pid_, &status_, WNOHANG) == pid_))
				return output().find(text) != std::string::npos;
			std::this_thread::sleep_for(std::chrono::milliseconds(10));
		}
		return true;
	}

	/// What it printed on stdout and stderr.
	[[nodiscard]] std::string output() const
	{
		std::string text;
		char buffer[4096];
		ssize_t n = 0;
		for (off_t at = 0; (n = ::pread(out_fd_, buffer, sizeof(buffer), at)) > 0; at += n)
			text.append(buffer, static_cast<std::size_t>(n));
		return text;
	}

private:
	std::chrono::steady_clock::time_point started_;
	int out_fd_ = -1;
	pid_t pid_ = -1;
	bool ended_ = false;
	int status_ = 0;
};

} // namespace xdpfwd::test::cli
