// Subprocesses: `ip`, `sysctl` and `ping` for the scenario and the demo.
#include <poll.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>

#include "cli.hpp"
#include "interrupt.hpp"

namespace xdpfwd::cli {

int run(const std::vector<std::string>& argv, const RunOptions& options)
{
	std::fflush(nullptr);
	const pid_t pid = ::fork();
	if (pid < 0)
		throw Error(errno, "start " + argv.front());
	if (pid == 0) {
		// Its own process group: a terminal's Ctrl-C reaches xdpfwd alone, which decides what
		// to end (a ping) and what to let finish (the `ip netns del` of its cleanup).
		::setpgid(0, 0);
		if (options.quiet) {
			std::freopen("/dev/null", "w", stdout);
			std::freopen("/dev/null", "w", stderr);
		}
		if (options.stderr_fd >= 0)
			::dup2(options.stderr_fd, STDERR_FILENO);
		std::vector<char*> args;
		for (const auto& a : argv)
			args.push_back(const_cast<char*>(a.c_str()));
		args.push_back(nullptr);
		::execvp(args[0], args.data());
		::_exit(127);
	}
	// An interruptible child is watched through a pidfd, waking at least every 0.1 s: a signal
	// that arrives just before poll() blocks is seen by the next round.
	// (glibc 2.36's sys/pidfd.h lacks extern "C": the system call directly)
	const UniqueFd child(options.interruptible ? static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)) : -1);
	bool ended = false;
	int status = 0;
	for (;;) {
		if (options.interruptible) {
			if (interrupted() && !ended)
				ended = ::kill(pid, SIGTERM) == 0;
			pollfd exited{child.get(), POLLIN, 0};
			::poll(&exited, 1, 100);
		}
		const pid_t done = ::waitpid(pid, &status, options.interruptible ? WNOHANG : 0);
		if (done == pid)
			break;
		if (done < 0 && errno != EINTR)
			throw Error(errno, "wait for " + argv.front());
	}
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

void must(const std::vector<std::string>& argv)
{
	// keep the command's first complaint for the error message
	char path[] = "/tmp/xdpfwd-stderr-XXXXXX";
	const UniqueFd err(::mkstemp(path));
	if (err)
		::unlink(path);
	const int status = run(argv, {.stderr_fd = err.get()});
	throw_if_interrupted();
	if (status == 0)
		return;
	std::string line;
	for (const auto& a : argv)
		line += (line.empty() ? "" : " ") + a;
	std::string complaint;
	if (err) {
		char text[512] = {};
		const ssize_t got = ::pread(err.get(), text, sizeof(text) - 1, 0);
		complaint.assign(text, got > 0 ? static_cast<std::size_t>(got) : 0);
		complaint = complaint.substr(0, complaint.find('\n'));
	}
	throw Error(EIO, "run `" + line + "`", complaint.empty() ? "the command failed" : "it said: " + complaint);
}

} // namespace xdpfwd::cli
