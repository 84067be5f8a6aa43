// The test-support library's promise about namespaces: a process that made them removes them on
// SIGINT / SIGTERM (from its cleanup thread, in normal context) and ends by that signal; with
// stop_then_clean_up (the benchmark) the first signal only asks it to stop; what SIGKILL leaves,
// the next run's prepare_process() sweeps. Each case runs this binary again as a role.
#include <doctest/doctest.h>

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "support/cleanup.hpp"
#include "support/netns.hpp"
#include "support/process.hpp"
#include "support/roles.hpp"

extern char** environ;

using namespace xdpfwd::test;

namespace {

// The roles: make a namespace, say its name, wait to be signalled.
int hold_namespace(OnSignal on_signal)
{
	prepare_process({.netns_prefix = "xfwdt-", .on_signal = on_signal});
	const Netns ns("held");
	std::printf("%s\n", ns.name().c_str());
	std::fflush(stdout);
	for (int i = 0; i < 600 && !stop_signal(); ++i)
		std::this_thread::sleep_for(std::chrono::milliseconds(50));
	std::printf("stopping\n");
	std::fflush(stdout);
	std::this_thread::sleep_for(std::chrono::seconds(2)); // time for a second signal
	return 0;
}

/// This binary as role `role`, its stdout readable line by line.
class RoleProcess {
public:
	explicit RoleProcess(const std::string& role)
	{
		int out[2];
		REQUIRE(::pipe(out) == 0);
		posix_spawn_file_actions_t actions;
		posix_spawn_file_actions_init(&actions);
		posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
		posix_spawn_file_actions_addclose(&actions, out[0]);
		const std::string exe = self_exe();
		const std::string env = "XDPFWD_TEST_ROLE=" + role;
		std::vector<char*> envp{const_cast<char*>(env.c_str())};
		for (char** e = environ; *e; ++e)
			envp.push_back(*e);
		envp.push_back(nullptr);
		char* argv[] = {const_cast<char*>(exe.c_str()), nullptr};
		REQUIRE(::posix_spawn(&pid_, exe.c_str(), &actions, nullptr, argv, envp.data()) == 0);
		posix_spawn_file_actions_destroy(&actions);
		::close(out[1]);
		out_ = ::fdopen(out[0], "r");
	}
	RoleProcess(const RoleProcess&) = delete;
	RoleProcess& operator=(const RoleProcess&) = delete;
	~RoleProcess()
	{
		if (status_ < 0) {
			::kill(pid_, SIGKILL);
			::waitpid(pid_, nullptr, 0);
		}
		std::fclose(out_);
	}

	std::string line()
	{
		char buffer[256] = {};
		if (!std::fgets(buffer, sizeof(buffer), out_))
			return {};
		std::string text = buffer;
		if (!text.empty() && text.back() == '\n')
			text.pop_back();
		return text;
	}

	void signal(int sig) { REQUIRE(::kill(pid_, sig) == 0); }

	/// The wait status once it ended.
	int wait()
	{
		REQUIRE(::waitpid(pid_, &status_, 0) == pid_);
		return status_;
	}

private:
	pid_t pid_ = -1;
	FILE* out_ = nullptr;
	int status_ = -1;
};

bool netns_exists(const std::string& name) { return run("ip netns pids " + name) == 0; }

bool ended_by(int status, int sig) { return WIFSIGNALED(status) && WTERMSIG(status) == sig; }

} // namespace

XDPFWD_TEST_ROLE("hold-clean-up") { return hold_namespace(OnSignal::clean_up); }
XDPFWD_TEST_ROLE("hold-stop") { return hold_namespace(OnSignal::stop_then_clean_up); }
XDPFWD_TEST_ROLE("sweep")
{
	prepare_process({.netns_prefix = "xfwdt-"});
	return 0;
}

TEST_CASE("support: SIGINT and SIGTERM remove the namespaces, and the process ends by the signal")
{
	for (const int sig : {SIGINT, SIGTERM}) {
		CAPTURE(sig);
		RoleProcess holder("hold-clean-up");
		const std::string name = holder.line();
		REQUIRE(name.rfind("xfwdt-", 0) == 0);
		CHECK(netns_exists(name));
		holder.signal(sig);
		CHECK(ended_by(holder.wait(), sig));
		CHECK_FALSE(netns_exists(name));
	}
}

TEST_CASE("support: with stop_then_clean_up the first signal asks to stop, a second one cleans up at once")
{
	RoleProcess holder("hold-stop");
	const std::string name = holder.line();
	holder.signal(SIGTERM);
	REQUIRE(holder.line() == "stopping");
	CHECK(netns_exists(name)); // still the process's own to remove
	holder.signal(SIGTERM);
	CHECK(ended_by(holder.wait(), SIGTERM));
	CHECK_FALSE(netns_exists(name));
}

TEST_CASE("support: what SIGKILL leaves is swept by the next run")
{
	RoleProcess holder("hold-clean-up");
	const std::string name = holder.line();
	holder.signal(SIGKILL);
	CHECK(ended_by(holder.wait(), SIGKILL));
	CHECK(netns_exists(name)); // nothing could run
	RoleProcess next("sweep");
	CHECK(next.wait() == 0);
	CHECK_FALSE(netns_exists(name));
}
