// stats: the xdp_stats / xdp-bench view of an attached xdpfwd program, as text or JSON lines.
#include <csignal>
#include <cstdio>
#include <iostream>
#include <thread>

#include "cli.hpp"

namespace xdpfwd::cli {

namespace {

constexpr const char* stats_help = R"(usage: xdpfwd stats IF [--interval S] [--count N] [--json]
Per XDP action (ABORTED, DROP, PASS, TX, REDIRECT): packets, bytes, pps and Mbit/s over the
interval, then the reasons that were counted (fib lookup results, TTL expiry, ...). The
counters are the program's: a map or fib program attached to several ports counts them together.
Without --interval: one sample over 1 s. With it: a live view every S seconds until Ctrl-C, or
N samples with --count N. --json prints one JSON object per sample (one line each).
example: xdpfwd -n router stats dos --interval 1 --count 5 --json
)";

volatile std::sig_atomic_t stop = 0;

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

void print_json(unsigned ifindex, const AttachedProgram& attached, const StatsSnapshot& now, const StatsRates& rates)
{
	auto counter = [](const Counter& c, const Rate& r) {
		char text[200];
		std::snprintf(text, sizeof(text), "{\"packets\":%llu,\"bytes\":%llu,\"pps\":%.1f,\"mbps\":%.4f}",
			      static_cast<unsigned long long>(c.packets), static_cast<unsigned long long>(c.bytes),
			      r.packets_per_second, r.bits_per_second / 1e6);
		return std::string(text);
	};
	std::string line = "{\"interface\":\"" + name_of(ifindex) + "\",\"ifindex\":" + std::to_string(ifindex) +
			   ",\"program\":\"" + attached.program.name() + "\",\"program_id\":" +
			   std::to_string(attached.program.id()) + ",\"interval_s\":" + std::to_string(rates.seconds) +
			   ",\"actions\":{";
	for (std::size_t i = 0; i < xdp_action_count; ++i) {
		const auto action = static_cast<XdpAction>(i);
		line += (i ? "," : "") + ("\"" + std::string(to_string(action)) + "\":") + counter(now[action], rates[action]);
	}
	line += "},\"reasons\":{";
	for (std::size_t i = 0; i < reason_count; ++i) {
		const auto reason = static_cast<Reason>(i);
		line += (i ? "," : "") + ("\"" + std::string(to_string(reason)) + "\":") + counter(now[reason], rates[reason]);
	}
	line += "}}";
	std::cout << line << std::endl;
}

} // namespace

int cmd_stats(const std::vector<std::string>& words)
{
	for (const auto& w : words)
		if (w == "-h" || w == "--help") {
			std::cout << stats_help;
			return exit_ok;
		}
	const Args args(words, {"--json"}, {"--interval", "--count"});
	if (args.positionals().size() != 1)
		throw UsageError("stats takes one interface");
	const unsigned ifindex = Interface(args.positionals()[0]).ifindex();
	const double interval = args.number("--interval", 1.0);
	const double count_arg = args.number("--count", args.has("--interval") ? 0 : 1);
	const auto count = static_cast<unsigned long>(count_arg); // 0: until interrupted
	if (interval <= 0)
		throw UsageError("--interval must be positive");

	auto attached = find_attached(ifindex);
	if (!attached)
		throw Error(ENOENT, "read XDP statistics of " + describe_interface(ifindex), "no XDP program is attached");
	const StatsReader reader(attached->program);
	std::signal(SIGINT, [](int) { stop = 1; });
	std::signal(SIGTERM, [](int) { stop = 1; });

	StatsSnapshot previous = reader.snapshot();
	for (unsigned long sample = 0; !stop && (count == 0 || sample < count); ++sample) {
		const auto wake = previous.taken + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
						      std::chrono::duration<double>(interval));
		while (!stop && std::chrono::steady_clock::now() < wake)
			std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
			    wake - std::chrono::steady_clock::now(), std::chrono::milliseconds(100)));
		const StatsSnapshot now = reader.snapshot();
		const StatsRates rates = rates_between(previous, now);
		if (args.has("--json"))
			print_json(ifindex, *attached, now, rates);
		else
			print_stats_text(describe_interface(ifindex) + ": " + attached->program.name() + " id " +
				       std::to_string(attached->program.id()),
				   now, rates);
		previous = now;
	}
	return exit_ok;
}

} // namespace xdpfwd::cli
