// Namespaces a test or benchmark process makes are removed on every way out it can act on:
// their owners' destructors, exit(), and SIGINT / SIGTERM / SIGHUP. The signal handler only
// records the signal and wakes a thread, which deletes the namespaces in normal context and then
// ends the process with that signal. Crash signals (SIGSEGV, SIGABRT...) and SIGKILL leave them
// behind, as nothing can run safely then: the next run of the same kind sweeps namespaces whose
// pid is gone, when it calls prepare_process().
#pragma once

#include <functional>
#include <string>

namespace xdpfwd::test {

enum class OnSignal {
	clean_up,          ///< remove the namespaces and end with the signal (the tests)
	stop_then_clean_up ///< first signal: stop_signal() says so and the process unwinds by itself;
			   ///< a second one cleans up and ends (the benchmark)
};

struct ProcessSetup {
	std::string netns_prefix;                             ///< names are <prefix><pid>-...
	OnSignal on_signal = OnSignal::clean_up;
	std::function<void(const std::string&)> on_stale = {}; ///< hears of each namespace the sweep removes
};

/// Once, at the start of main() and before any other thread: removes namespaces with this
/// prefix left by runs that died, installs the handlers (without SA_RESTART: a blocking call of
/// the main thread returns EINTR) and starts the cleanup thread.
void prepare_process(const ProcessSetup& setup);

/// The prefix given to prepare_process(); throws std::logic_error before it.
const std::string& netns_prefix();

/// Namespaces to delete on a signal or at exit (made by this process, or for it by a command).
void track(const std::string& name);
void untrack(const std::string& name);

/// The first SIGINT / SIGTERM / SIGHUP received, or 0.
int stop_signal() noexcept;

/// For a forked child that does not exec: default signal dispositions, since the cleanup
/// thread that the handlers wake does not exist in the child.
void restore_default_signals() noexcept;

} // namespace xdpfwd::test
