// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// Prometheus text exposition (format 0.0.4) of what xdpfwd counts: a host application serves
// metrics_text() on /metrics with whatever HTTP server it has (the xdpfwd command line uses
// cpp-httplib). Counters are per program (a program serves all its ports); xdpfwd_port_info
// says which interfaces each program runs on, to join on program_id.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "route_cache.hpp"
#include "stats.hpp"
#include "xdp_program.hpp"

namespace xdpfwd {

/// One program's counters and where it runs, as of one moment.
struct ProgramMetrics {
	std::uint32_t program_id = 0;
	std::string program;  ///< kernel name, e.g. xdpfwd_fib
	struct Port {
		std::string interface;
		unsigned ifindex = 0;
		AttachMode mode = AttachMode::native;
	};
	std::vector<Port> ports;
	StatsSnapshot stats;
	std::optional<std::uint64_t> cache_entries;  ///< fib mode with a route cache
};

namespace detail {

/// Escapes a label value: backslash, double quote and newline (the exposition format's rule).
inline std::string label_value(std::string_view text)
{
	std::string out;
	for (const char c : text) {
		if (c == '\\' || c == '"')
			out += '\\';
		if (c == '\n') {
			out += "\\n";
			continue;
		}
		out += c;
	}
	return out;
}

/// Builds the text family by family: one HELP and TYPE line each, then its samples.
class Exposition {
public:
	void family(std::string_view name, std::string_view type, std::string_view help)
	{
		name_ = name;
		text_ += "# HELP " + name_ + " " + std::string(help) + "\n# TYPE " + name_ + " " + std::string(type) + "\n";
	}

	/// labels: name=value pairs, values unescaped.
	void sample(const std::vector<std::pair<std::string, std::string>>& labels, std::uint64_t value)
	{
		text_ += name_;
		if (!labels.empty()) {
			text_ += "{";
			for (std::size_t i = 0; i < labels.size(); ++i)
				text_ += (i ? "," : "") + labels[i].first + "=\"" + label_value(labels[i].second) + "\"";
			text_ += "}";
		}
		text_ += " " + std::to_string(value) + "\n";
	}

	[[nodiscard]] std::string take() { return std::move(text_); }

private:
	std::string name_;
	std::string text_;
};

inline std::string lower(std::string_view text)
{
	std::string out(text);
	for (char& c : out)
		c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
	return out;
}

} // namespace detail

/// The Prometheus text for `programs` and, when a route cache keeper runs, its state.
inline std::string metrics_text(const std::vector<ProgramMetrics>& programs, const std::optional<KeeperStats>& keeper = {})
{
	detail::Exposition out;
	auto id_of = [](const ProgramMetrics& p) { return std::to_string(p.program_id); };

	out.family("xdpfwd_port_info", "gauge", "Interfaces an xdpfwd program is attached to (always 1).");
	for (const auto& p : programs)
		for (const auto& port : p.ports)
			out.sample({{"interface", port.interface}, {"ifindex", std::to_string(port.ifindex)}, {"program", p.program},
				    {"program_id", id_of(p)}, {"attach_mode", to_string(port.mode)}},
				   1);

	out.family("xdpfwd_packets_total", "counter", "Packets an xdpfwd program ended with each XDP action.");
	for (const auto& p : programs)
		for (std::size_t i = 0; i < xdp_action_count; ++i)
			out.sample({{"program", p.program}, {"program_id", id_of(p)}, {"action", detail::lower(to_string(static_cast<XdpAction>(i)))}},
				   p.stats.actions[i].packets);
	out.family("xdpfwd_bytes_total", "counter", "Bytes of the packets an xdpfwd program ended with each XDP action.");
	for (const auto& p : programs)
		for (std::size_t i = 0; i < xdp_action_count; ++i)
			out.sample({{"program", p.program}, {"program_id", id_of(p)}, {"action", detail::lower(to_string(static_cast<XdpAction>(i)))}},
				   p.stats.actions[i].bytes);
	out.family("xdpfwd_reason_packets_total", "counter",
		   "Packets counted per reason: fib lookup results, route cache results, and why a packet was left to the kernel.");
	for (const auto& p : programs)
		for (std::size_t i = 0; p.stats.has_reasons && i < reason_count; ++i)
			out.sample({{"program", p.program}, {"program_id", id_of(p)}, {"reason", std::string(to_string(static_cast<Reason>(i)))}},
				   p.stats.reasons[i].packets);

	out.family("xdpfwd_route_cache_entries", "gauge", "Slots in use in a fib program's route cache, on all CPUs together, stale ones included.");
	for (const auto& p : programs)
		if (p.cache_entries)
			out.sample({{"program", p.program}, {"program_id", id_of(p)}}, *p.cache_entries);
	if (keeper) {
		out.family("xdpfwd_route_cache_enabled", "gauge", "1 while the route cache is in use, 0 while the keeper keeps it off.");
		out.sample({}, keeper->cache_on ? 1 : 0);
		out.family("xdpfwd_route_cache_invalidations_total", "counter", "Times the keeper invalidated the whole route cache.");
		out.sample({}, keeper->invalidations);
		out.family("xdpfwd_keeper_events_total", "counter", "Routing notifications the route cache keeper handled, per class.");
		for (std::size_t i = 0; i < net_event_count; ++i)
			out.sample({{"event", std::string(to_string(static_cast<NetEvent>(i)))}}, keeper->events[i]);
	}
	return out.take();
}

} // namespace xdpfwd
