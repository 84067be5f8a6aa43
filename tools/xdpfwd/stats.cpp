// stats: the xdp_stats / xdp-bench view of an attached xdpfwd program, as text or JSON lines.
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <thread>

#include <CLI/CLI.hpp>

#include "cli.hpp"
#include "interrupt.hpp"
#include "json.hpp"

namespace xdpfwd::cli {

namespace {

constexpr const char* stats_description = R"(packets, bytes and rates per XDP action, and the reasons
Per XDP action (ABORTED, DROP, PASS, TX, REDIRECT): packets, bytes, pps and Mbit/s over the
interval, then the reasons that were counted (fib lookup results, TTL expiry, ...). The
counters are the program's: a map or fib program attached to several ports counts them together.
Without --interval: one sample over 1 s. With it: a live view every S seconds until Ctrl-C (which
ends it with status 0), or N samples with --count N.)";

} // namespace

void print_stats_text(const std::string& where, const StatsSnapshot& now, const StatsRates& rates)
{
	std::printf("%s  (%.2f s)\n", where.c_str(), rates.seconds);
	std::printf("  %-10s %14s %16s %14s %12s\n", "action", "packets", "bytes", "pps", "Mbit/s");
	for (std::size_t i = 0; i < xdp_action_count; ++i) {
		const auto action = static_cast<XdpAction>(i);
		std::printf("  %-10s %14llu %16llu %14.0f %12.3f\n", std::string(to_string(action)).c_str(),
			    static_cast<unsigned long long>(now[action].packets),
			    static_cast<unsigned long long>(now[action].bytes), rates[action].packets_per_second,
			    rates[action].bits_per_second / 1e6);
	}
	bool header = false;
	for (std::size_t i = 0; i < reason_count; ++i) {
		const auto reason = static_cast<Reason>(i);
		if (!now[reason].packets)
			continue;
		if (!header)
			std::printf("  %-18s %14s %14s\n", "reason", "packets", "pps");
		header = true;
		std::printf("  %-18s %14llu %14.0f\n", std::string(to_string(reason)).c_str(),
			    static_cast<unsigned long long>(now[reason].packets), rates[reason].packets_per_second);
	}
	std::fflush(stdout);
}

namespace {

/// One sample: interface, ifindex, program, program_id, interval_s, and per action and per
/// reason {packets, bytes, pps, mbps}: counters since load, rates over the interval. "reasons"
/// is null for a program that counts none (pass).
Json sample_json(unsigned ifindex, const AttachedProgram& attached, const StatsSnapshot& now, const StatsRates& rates)
{
	auto counter = [](const Counter& c, const Rate& r) {
		return Json{{"packets", c.packets}, {"bytes", c.bytes}, {"pps", r.packets_per_second}, {"mbps", r.bits_per_second / 1e6}};
	};
	Json sample = interface_json(ifindex);
	sample["program"] = attached.program.name();
	sample["program_id"] = attached.program.id();
	sample["interval_s"] = rates.seconds;
	Json& actions = sample["actions"] = Json::object();
	for (std::size_t i = 0; i < xdp_action_count; ++i) {
		const auto action = static_cast<XdpAction>(i);
		actions[std::string(to_string(action))] = counter(now[action], rates[action]);
	}
	Json& reasons = sample["reasons"] = Json::object();
	for (std::size_t i = 0; i < reason_count && now.has_reasons; ++i) {
		const auto reason = static_cast<Reason>(i);
		reasons[std::string(to_string(reason))] = counter(now[reason], rates[reason]);
	}
	if (!now.has_reasons)
		reasons = nullptr; // the program counts none (pass), rather than none seen
	return sample;
}

struct StatsArgs {
	std::string interface;
	std::optional<double> interval;
	std::optional<unsigned long> count;
	bool json = false;
};

int stats(const StatsArgs& args)
{
	const unsigned ifindex = Interface(args.interface).ifindex();
	const double interval = args.interval.value_or(1.0);
	const unsigned long count = args.count.value_or(args.interval ? 0 : 1); // 0: until interrupted
	auto attached = find_attached(ifindex);
	if (!attached)
		throw Error(ENOENT, "read XDP statistics of " + describe_interface(ifindex), "no XDP program is attached");
	const StatsReader reader(attached->program);
	const InterruptHandlers handlers; // Ctrl-C ends the live view, as --count would

	StatsSnapshot previous = reader.snapshot();
	for (unsigned long sample = 0; !interrupted() && (count == 0 || sample < count); ++sample) {
		const auto wake = previous.taken + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
						      std::chrono::duration<double>(interval));
		while (!interrupted() && std::chrono::steady_clock::now() < wake)
			std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
			    wake - std::chrono::steady_clock::now(), std::chrono::milliseconds(100)));
		const StatsSnapshot now = reader.snapshot();
		const StatsRates rates = rates_between(previous, now);
		if (args.json)
			print_json(sample_json(ifindex, *attached, now, rates));
		else
			print_stats_text(describe_interface(ifindex) + ": " + attached->program.name() + " id " +
				       std::to_string(attached->program.id()),
				   now, rates);
		previous = now;
	}
	return exit_ok;
}

} // namespace

void add_stats_command(CLI::App& app, Action& action)
{
	auto args = std::make_shared<StatsArgs>();
	CLI::App* stats_command = app.add_subcommand("stats", stats_description);
	stats_command->footer("example: xdpfwd -n router stats dos --interval 1 --count 5 --json");
	stats_command->add_option("IF", args->interface, "an interface with an XDP program")->required();
	stats_command->add_option("--interval", args->interval, "a live view, a sample every S seconds")
	    ->check(number("seconds from 0.01 to 86400", 0.01, 86400, false))
	    ->option_text("S");
	stats_command->add_option("--count", args->count, "stop after N samples (0: never)")
	    ->check(number("a whole number of samples from 0 to 1000000000", 0, 1e9, true))
	    ->option_text("N");
	stats_command->add_flag("--json", args->json, "one JSON object per sample, one line each");
	on_command(stats_command, action, [args] { return stats(*args); });
}

} // namespace xdpfwd::cli
