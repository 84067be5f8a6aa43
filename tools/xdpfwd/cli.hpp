// The xdpfwd command line: argument parsing, subprocesses and output shared by its commands.
#pragma once

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

namespace xdpfwd::cli {

/// Exit codes, documented in README.md and `xdpfwd --help`.
enum Exit : int {
	exit_ok = 0,
	exit_failed = 1,  ///< the system refused, or something named does not exist
	exit_usage = 2,   ///< the command line is wrong: unknown command, mode or option, malformed value
};

/// A mistake on the command line; main() prints it with a pointer to --help and exits 2.
struct UsageError : std::runtime_error {
	using std::runtime_error::runtime_error;
};

/// Options and positionals of one command. Options are declared with the values they take, so
/// that anything unknown is a usage error rather than silently ignored.
class Args {
public:
	Args(std::vector<std::string> words, const std::vector<std::string>& flags, const std::vector<std::string>& valued)
	{
		for (std::size_t i = 0; i < words.size(); ++i) {
			const std::string& w = words[i];
			if (w.size() > 1 && w[0] == '-' && !positional_only_) {
				if (w == "--") {
					positional_only_ = true;
				} else if (contains(flags, w)) {
					options_[w] = "";
				} else if (contains(valued, w)) {
					if (i + 1 >= words.size())
						throw UsageError(w + " needs a value");
					options_[w] = words[++i];
				} else {
					throw UsageError("unknown option " + w);
				}
			} else {
				positionals_.push_back(w);
			}
		}
	}

	[[nodiscard]] bool has(const std::string& option) const { return options_.count(option) > 0; }
	[[nodiscard]] std::optional<std::string> value(const std::string& option) const
	{
		const auto it = options_.find(option);
		return it == options_.end() ? std::nullopt : std::optional(it->second);
	}
	[[nodiscard]] const std::vector<std::string>& positionals() const { return positionals_; }

	/// The positional at `index`, or a usage error naming what was expected.
	[[nodiscard]] const std::string& need(std::size_t index, const std::string& what) const
	{
		if (index >= positionals_.size())
			throw UsageError("missing " + what);
		return positionals_[index];
	}

	[[nodiscard]] double number(const std::string& option, double fallback) const
	{
		const auto text = value(option);
		if (!text)
			return fallback;
		try {
			std::size_t used = 0;
			const double n = std::stod(*text, &used);
			if (used == text->size() && n >= 0)
				return n;
		} catch (const std::exception&) {
		}
		throw UsageError(option + " takes a non-negative number, not \"" + *text + "\"");
	}

private:
	static bool contains(const std::vector<std::string>& list, const std::string& w)
	{
		for (const auto& item : list)
			if (item == w)
				return true;
		return false;
	}

	std::map<std::string, std::string> options_;
	std::vector<std::string> positionals_;
	bool positional_only_ = false;
};

/// MACs typed by a user are a usage matter, not a system failure.
inline MacAddress parse_mac(const std::string& text)
{
	try {
		return MacAddress::parse(text);
	} catch (const Error& e) {
		throw UsageError(e.what());
	}
}

inline AttachMode parse_attach_mode(const std::optional<std::string>& text)
{
	if (!text || *text == "auto")
		return AttachMode::automatic;
	if (*text == "native")
		return AttachMode::native;
	if (*text == "generic")
		return AttachMode::generic;
	throw UsageError("unknown --mode \"" + *text + "\": use native, generic or auto");
}

/// Runs argv without a shell; returns the exit status. Output is discarded when quiet; stderr
/// goes to `stderr_fd` when one is given.
int run(const std::vector<std::string>& argv, bool quiet = true, int stderr_fd = -1);
/// Runs argv and throws Error(EIO) naming the command when it fails.
void must(const std::vector<std::string>& argv);

struct DetachResult {
	std::string program;  ///< what was attached; empty when nothing was
	bool ours = false;    ///< false: not an xdpfwd program, left in place
};
/// Detaches what xdpfwd attached to `ifindex` (and its map/fib entries); leaves others alone.
DetachResult detach_xdpfwd(unsigned ifindex);

/// The text table of `xdpfwd stats`: counters now, rates over the last interval.
void print_stats_text(const std::string& where, const StatsSnapshot& now, const StatsRates& rates);

// Commands: each takes the words after its name and returns an exit code.
int cmd_attach(const std::vector<std::string>& words);
int cmd_detach(const std::vector<std::string>& words);
int cmd_status(const std::vector<std::string>& words);
int cmd_route(const std::vector<std::string>& words);
int cmd_stats(const std::vector<std::string>& words);
int cmd_scenario(const std::vector<std::string>& words);
int cmd_demo(const std::vector<std::string>& words);

} // namespace xdpfwd::cli
