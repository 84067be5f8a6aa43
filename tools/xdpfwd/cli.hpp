// The xdpfwd command line: what its commands share (exit codes, subprocesses, output).
#pragma once

#include <functional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

namespace CLI {
class App;
class Validator;
} // namespace CLI

namespace xdpfwd::cli {

/// Exit codes, documented in README.md and `xdpfwd --help`.
enum Exit : int {
	exit_ok = 0,
	exit_failed = 1,  ///< the system refused, or something named does not exist
	exit_usage = 2,   ///< the command line is wrong: unknown command, mode or option, malformed value
};

/// A mistake on the command line that CLI11 cannot see; main() prints it like CLI11's own
/// errors, with a pointer to --help, and exits 2.
struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

/// What the command named on the command line does, run by main() after parsing (and after
/// entering -n NETNS). Each add_* registers its commands and sets the action when one is given.
using Action = std::function<int()>;
void add_port_commands(CLI::App& app, Action& action);     // attach, detach, status, route
void add_stats_command(CLI::App& app, Action& action);     // stats
void add_scenario_commands(CLI::App& app, Action& action); // scenario, demo
void add_run_command(CLI::App& app, Action& action);       // run

/// Makes `command`, when given on the command line, the action main() runs.
void on_command(CLI::App* command, Action& action, Action run);
/// A usage error naming `what` and the choices when `group` is given without a subcommand.
void needs_subcommand(CLI::App* group, const std::string& what);

/// A CLI11 check: a number above 0 (or 0 too), refused as "takes WHAT, not ..." (CLI11's
/// PositiveNumber names a 300-digit maximum when it refuses).
/// A CLI11 check: a finite number in [min, max] (whole when `whole`), refused naming `what`.
CLI::Validator number(const std::string& what, double min, double max, bool whole);

/// A CLI11 check: what `parse` accepts, refused with the message of what it throws.
CLI::Validator parses_with(const std::function<void(const std::string&)>& parse, const std::string& name = "");

/// `text` on one line, control characters escaped (\n, \t, \x01): a value a user typed cannot
/// split an error message or hide what follows it.
std::string one_line(std::string_view text);
/// A value the user typed, for quoting in a message: cut when overlong (the message is made
/// one_line where it is printed).
std::string echo(std::string_view value);

struct RunOptions {
	bool quiet = true;          ///< discard the command's stdout and stderr
	int stderr_fd = -1;         ///< else send its stderr here
	bool interruptible = false; ///< end it once a signal is recorded (see interrupt.hpp)
};
/// Runs argv without a shell; returns the exit status (128 + signal when it was killed).
int run(const std::vector<std::string>& argv, const RunOptions& options = {});
/// Runs argv and throws Error(EIO) naming the command when it fails, and Interrupted when a
/// signal was recorded meanwhile: every step of a longer job is a point where it stops.
void must(const std::vector<std::string>& argv);

struct DetachResult {
	std::string program;  ///< what was attached; empty when nothing was
	bool ours = false;    ///< false: not an xdpfwd program, left in place
};
/// Detaches what xdpfwd attached to `ifindex` (and its map/fib entries); leaves others alone.
DetachResult detach_xdpfwd(unsigned ifindex);

/// The text table of `xdpfwd stats`: counters now, rates over the last interval.
void print_stats_text(const std::string& where, const StatsSnapshot& now, const StatsRates& rates);

} // namespace xdpfwd::cli
