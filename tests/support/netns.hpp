// Test namespaces: uniquely named per run, removed by the destructor, by an exit or signal
// handler, and, for runs that crashed, by the next run's sweep of namespaces whose pid is gone.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>

#include <xdpfwd/netns.hpp>

#include "shell.hpp"

namespace xdpfwd::test {

inline constexpr const char* netns_prefix = "xfwdt-";

namespace detail {

// Never destroyed: the exit handler, registered before main, runs after static destructors.
inline std::mutex& registry_mutex()
{
	static auto* m = new std::mutex;
	return *m;
}

inline std::set<std::string>& registry()
{
	static auto* names = new std::set<std::string>;
	return *names;
}

inline void remove_registered() noexcept
{
	for (const auto& name : registry())
		run("ip netns del " + name);
	registry().clear();
}

inline void on_signal(int sig)
{
	remove_registered();
	::signal(sig, SIG_DFL);
	::raise(sig);
}

/// Before main(): doctest sets its own handlers around each test case and, on a fatal signal,
/// puts back the ones it found before re-raising, so handlers installed first still clean up.
inline const bool handlers_installed = [] {
	std::atexit(remove_registered);
	for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGABRT, SIGSEGV})
		::signal(sig, on_signal);
	return true;
}();

/// Once per process: remove namespaces left by test runs that died (their pid is gone).
inline void prepare_once()
{
	static std::once_flag once;
	std::call_once(once, [] {
		(void)handlers_installed;
		sweep_stale_namespaces(netns_prefix);
	});
}

} // namespace detail

/// A name for namespaces something else creates (the CLI's scenario, say): xfwdt-<pid>-<tag>,
/// so that a crashed run's leftovers are swept like the fixture's own.
inline std::string unique_name(const std::string& tag)
{
	return std::string(netns_prefix) + std::to_string(::getpid()) + "-" + tag;
}

/// Namespaces made by something else that this process must remove on exit or signal too.
inline void track(const std::string& name)
{
	detail::prepare_once();
	std::lock_guard lock(detail::registry_mutex());
	detail::registry().insert(name);
}

/// A network namespace named xfwdt-<pid>-<n>-<role>, with loopback up, gone when destroyed.
class Netns {
public:
	explicit Netns(const std::string& role)
	{
		detail::prepare_once();
		static int counter = 0;
		name_ = std::string(netns_prefix) + std::to_string(::getpid()) + "-" + std::to_string(++counter) + "-" + role;
		{
			std::lock_guard lock(detail::registry_mutex());
			detail::registry().insert(name_);
		}
		must("ip netns add " + name_);
		must("ip -n " + name_ + " link set lo up");
	}
	Netns(const Netns&) = delete;
	Netns& operator=(const Netns&) = delete;
	~Netns()
	{
		run("ip netns del " + name_);
		std::lock_guard lock(detail::registry_mutex());
		detail::registry().erase(name_);
	}

	[[nodiscard]] const std::string& name() const { return name_; }

	/// "ip netns exec <name> <command>"
	[[nodiscard]] std::string exec(const std::string& command) const { return "ip netns exec " + name_ + " " + command; }
	/// "ip -n <name> <args>"
	[[nodiscard]] std::string ip(const std::string& args) const { return "ip -n " + name_ + " " + args; }

	/// Moves the calling thread into this namespace until the returned scope ends.
	[[nodiscard]] std::unique_ptr<NetnsScope> enter() const { return std::make_unique<NetnsScope>(name_); }

private:
	std::string name_;
};

/// A veth pair: `a_name` in `a`, `b_name` in `b`, both up.
inline void add_veth(const Netns& a, const std::string& a_name, const Netns& b, const std::string& b_name)
{
	must("ip link add " + a_name + " netns " + a.name() + " type veth peer name " + b_name + " netns " + b.name());
	must(a.ip("link set " + a_name + " up"));
	must(b.ip("link set " + b_name + " up"));
}

} // namespace xdpfwd::test
