// What the examples share and a host application would write its own way: the command line,
// waiting for SIGINT/SIGTERM or a deadline, and printing a program's counters.
#pragma once

#include <signal.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <set>
#include <string>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

namespace example {

/// The command line: positional arguments, "--flag"s out of `known`, "--seconds N", and
/// "--verbose", without which libbpf's own messages (verifier log, kernel explanations) are
/// silenced: the one-line xdpfwd::Error says what failed and why.
struct Options {
	std::vector<std::string> args;
	std::set<std::string> flags;
	long seconds = 0;  ///< 0: until a signal
	bool ok = true;    ///< false after an unknown flag or a bad number
	[[nodiscard]] bool has(const std::string& flag) const { return flags.count(flag) != 0; }
};

inline Options parse(int argc, char** argv, const std::set<std::string>& known = {})
{
	Options options;
	for (int i = 1; i < argc; ++i) {
		const std::string arg = argv[i];
		if (arg == "--seconds" && i + 1 < argc) {
			char* end = nullptr;
			options.seconds = std::strtol(argv[++i], &end, 10);
			options.ok = options.ok && *end == '\0' && options.seconds >= 0;
		} else if (arg.rfind("--", 0) == 0) {
			options.ok = options.ok && (known.count(arg) != 0 || arg == "--verbose");
			options.flags.insert(arg);
		} else {
			options.args.push_back(arg);
		}
	}
	xdpfwd::set_libbpf_log(options.has("--verbose") ? xdpfwd::LibbpfLog::to_stderr : xdpfwd::LibbpfLog::off);
	return options;
}

inline int usage(const char* program, const char* synopsis)
{
	std::fprintf(stderr, "usage: %s %s [--verbose]\n", program, synopsis);
	return 2;
}

/// Blocks SIGINT and SIGTERM from construction on, so neither can end the process while a
/// program is attached: wait() returns when one arrives, and the destructors detach.
class StopSignal {
public:
	StopSignal()
	{
		sigemptyset(&set_);
		sigaddset(&set_, SIGINT);
		sigaddset(&set_, SIGTERM);
		sigprocmask(SIG_BLOCK, &set_, nullptr);
	}

	/// Returns after `seconds` (0: no limit) or at SIGINT/SIGTERM, whichever comes first.
	void wait(long seconds) const
	{
		if (seconds)
			std::printf("running for %ld s; SIGINT or SIGTERM stops earlier\n", seconds);
		else
			std::printf("running until SIGINT or SIGTERM (Ctrl-C)\n");
		std::fflush(stdout);
		const timespec timeout{seconds, 0};
		while (sigtimedwait(&set_, nullptr, seconds ? &timeout : nullptr) < 0 && errno == EINTR) {
		}
	}

private:
	sigset_t set_;
};

/// Packets and bytes per XDP action, then every reason that counted something.
inline void print_stats(const xdpfwd::StatsReader& stats)
{
	const xdpfwd::StatsSnapshot snap = stats.snapshot();
	for (std::size_t i = 0; i < xdpfwd::xdp_action_count; ++i) {
		const auto action = static_cast<xdpfwd::XdpAction>(i);
		std::printf("  XDP_%-9s %10llu packets %12llu bytes\n", std::string(to_string(action)).c_str(),
			    static_cast<unsigned long long>(snap[action].packets),
			    static_cast<unsigned long long>(snap[action].bytes));
	}
	for (std::size_t i = 0; i < xdpfwd::reason_count; ++i) {
		const auto reason = static_cast<xdpfwd::Reason>(i);
		if (snap[reason].packets)
			std::printf("  reason %-16s %7llu packets\n", std::string(to_string(reason)).c_str(),
				    static_cast<unsigned long long>(snap[reason].packets));
	}
}

} // namespace example
