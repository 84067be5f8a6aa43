// Ctrl-C for commands that clean up after themselves (demo, scenario up, stats --interval).
// The handler only records the signal; the command notices it between steps
// (throw_if_interrupted, and must() after every subprocess), an interruptible subprocess is
// ended within 0.1 s, and the cleanup runs in normal context while the exception unwinds.
#pragma once

#include <csignal>
#include <stdexcept>

namespace xdpfwd::cli {

/// Records SIGINT, SIGTERM and SIGHUP while it lives (and puts the previous handlers back).
/// Without SA_RESTART, so that a blocking call returns EINTR.
class InterruptHandlers {
public:
	InterruptHandlers();
	~InterruptHandlers();
	InterruptHandlers(const InterruptHandlers&) = delete;
	InterruptHandlers& operator=(const InterruptHandlers&) = delete;

private:
	struct sigaction previous_[3];
};

/// The signal recorded since handlers were installed; 0 if none.
int interrupted() noexcept;

/// Thrown at a step boundary once a signal is recorded. main() prints one line and ends the
/// process with that signal, after the destructors on the way cleaned up.
struct Interrupted : std::runtime_error {
	explicit Interrupted(int signal);
	int signal;
};

/// Throws Interrupted if a signal was recorded.
void throw_if_interrupted();

} // namespace xdpfwd::cli
