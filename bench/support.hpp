// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the benchmark needs around xdpfwd: shell commands, a stop flag set by SIGINT/SIGTERM,
// namespaces that are removed on every way out, and owners for skeletons and attachments that
// live in another namespace.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "shell.hpp" // tests/support: commands and the stale-namespace sweep

namespace bench {

// ---- stopping ----------------------------------------------------------------------------------

/// Set by the first SIGINT/SIGTERM/SIGHUP; the benchmark checks it between steps, and a running
/// BPF_PROG_RUN returns EINTR. A second signal cleans up from the handler and exits at once.
inline volatile sig_atomic_t stop_signal = 0;

struct Interrupted : std::runtime_error {
	Interrupted() : std::runtime_error("interrupted by signal " + std::to_string(stop_signal)) {}
};

inline void check_stop()
{
	if (stop_signal)
		throw Interrupted();
}

// ---- shell ---------------------------------------------------------------------------------------

using xdpfwd::test::output;

/// Runs a command that must succeed; throws with its output otherwise.
inline void must(const std::string& command)
{
	int status = 0;
	const std::string text = output(command, &status);
	check_stop();
	if (status != 0)
		throw std::runtime_error("command failed (" + std::to_string(status) + "): " + command + "\n" + text);
}

inline void quiet(const std::string& command) { (void)std::system((command + " >/dev/null 2>&1").c_str()); }

// ---- namespaces ----------------------------------------------------------------------------------

inline constexpr const char* netns_prefix = "xfwdb-";

namespace detail {

// What the signal handler may touch: fixed arrays, filled before the namespace exists.
inline constexpr int max_namespaces = 16;
inline char ip_path[256] = "";
inline char names[max_namespaces][64];
inline volatile sig_atomic_t used[max_namespaces];

/// Async-signal-safe: fork + execve of `ip netns del NAME`, waited for.
inline void delete_from_handler(const char* name)
{
	const pid_t pid = ::fork();
	if (pid == 0) {
		char arg0[] = "ip", arg1[] = "netns", arg2[] = "del";
		char* argv[] = {arg0, arg1, arg2, const_cast<char*>(name), nullptr};
		char* envp[] = {nullptr};
		const int null = ::open("/dev/null", O_WRONLY);
		if (null >= 0) {
			::dup2(null, 1);
			::dup2(null, 2);
		}
		::execve(ip_path, argv, envp);
		::_exit(127);
	}
	if (pid > 0) {
		int status = 0;
		::waitpid(pid, &status, 0);
	}
}

extern "C" inline void on_stop_signal(int sig)
{
	if (!stop_signal) {
		stop_signal = sig;
		return;
	}
	for (int i = 0; i < max_namespaces; ++i)
		if (used[i])
			delete_from_handler(names[i]);
	::_exit(128 + sig);
}

} // namespace detail

/// Installs the handlers (without SA_RESTART, so that blocking calls return EINTR), finds `ip`,
/// and removes namespaces that earlier runs left when they were killed (their pid is gone).
inline void prepare_process()
{
	const std::string ip = output("command -v ip");
	std::snprintf(detail::ip_path, sizeof(detail::ip_path), "%s", ip.substr(0, ip.find('\n')).c_str());
	struct sigaction action{};
	action.sa_handler = detail::on_stop_signal;
	sigemptyset(&action.sa_mask);
	for (int sig : {SIGINT, SIGTERM, SIGHUP})
		::sigaction(sig, &action, nullptr);

	xdpfwd::test::sweep_stale_namespaces(netns_prefix, [](const std::string& name) {
		std::fprintf(stderr, "bench: removing namespace %s left by a run that died\n", name.c_str());
	});
}

/// A network namespace xfwdb-<pid>-<role> with loopback up; deleted when destroyed, by the
/// signal handler, or (after SIGKILL) by the next run's prepare_process().
class Netns {
public:
	explicit Netns(const std::string& role) : name_(std::string(netns_prefix) + std::to_string(::getpid()) + "-" + role)
	{
		for (slot_ = 0; slot_ < detail::max_namespaces && detail::used[slot_]; ++slot_) {
		}
		if (slot_ == detail::max_namespaces || name_.size() >= sizeof(detail::names[0]))
			throw std::runtime_error("too many benchmark namespaces");
		std::snprintf(detail::names[slot_], sizeof(detail::names[0]), "%s", name_.c_str());
		detail::used[slot_] = 1;
		try {
			must("ip netns add " + name_);
			must(ip("link set lo up"));
		} catch (...) {
			release();
			throw;
		}
	}
	Netns(const Netns&) = delete;
	Netns& operator=(const Netns&) = delete;
	~Netns() { release(); }

	[[nodiscard]] const std::string& name() const { return name_; }
	[[nodiscard]] std::string ip(const std::string& args) const { return "ip -n " + name_ + " " + args; }
	[[nodiscard]] std::string exec(const std::string& command) const { return "ip netns exec " + name_ + " " + command; }

private:
	void release() noexcept
	{
		if (!detail::used[slot_])
			return;
		quiet("ip netns del " + name_);
		detail::used[slot_] = 0;
	}

	std::string name_;
	int slot_ = 0;
};

// ---- BPF objects ---------------------------------------------------------------------------------

/// Owns a bpftool skeleton for its whole life (the generator's .bss is written while it runs).
template <class Skel>
class Skeleton {
public:
	template <class Configure>
	Skeleton(const char* what, Configure&& configure)
	{
		errno = 0;
		skel_.reset(Skel::open());
		if (!skel_)
			throw xdpfwd::Error(errno ? errno : ENOMEM, std::string("open BPF object ") + what);
		configure(*skel_);
		xdpfwd::check(Skel::load(skel_.get()), [&] { return std::string("load BPF object ") + what; });
	}

	Skel* operator->() const noexcept { return skel_.get(); }

	/// A Program (xdpfwd's owner of a program fd) for one of the skeleton's programs.
	static xdpfwd::Program program(bpf_program* prog)
	{
		return xdpfwd::Program(xdpfwd::UniqueFd(xdpfwd::check(::dup(bpf_program__fd(prog)), [] {
			return std::string("dup program fd");
		})));
	}

private:
	struct Destroy {
		void operator()(Skel* s) const noexcept { Skel::destroy(s); }
	};
	std::unique_ptr<Skel, Destroy> skel_;
};

/// An XDP attachment made inside a namespace and undone inside it: XdpProgram detaches by
/// ifindex in the calling thread's namespace, so it must never be destroyed elsewhere.
class ScopedAttachment {
public:
	ScopedAttachment(const Netns& ns, const xdpfwd::Program& program, const std::string& ifname, xdpfwd::AttachMode mode)
	    : ns_(&ns)
	{
		xdpfwd::NetnsScope scope(ns.name());
		attachment_.emplace(program, xdpfwd::ifindex_of(ifname), xdpfwd::AttachOptions{mode, false, false});
	}
	ScopedAttachment(const ScopedAttachment&) = delete;
	ScopedAttachment& operator=(const ScopedAttachment&) = delete;
	~ScopedAttachment()
	{
		try {
			xdpfwd::NetnsScope scope(ns_->name());
			attachment_.reset();
		} catch (...) {
			// the namespace is going away with the attachment
		}
	}

private:
	const Netns* ns_;
	std::optional<xdpfwd::XdpProgram> attachment_;
};

} // namespace bench
