// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <linux/bpf.h>

#include <array>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "abi.h"
#include "bpf_map.hpp"
#include "error.hpp"
#include "program.hpp"

namespace xdpfwd {

enum class XdpAction : std::uint32_t { aborted = 0, drop = 1, pass = 2, tx = 3, redirect = 4 };
inline constexpr std::size_t xdp_action_count = 5;
// the BPF programs count into the slot of the action they return
static_assert(static_cast<int>(XdpAction::aborted) == XDP_ABORTED && static_cast<int>(XdpAction::drop) == XDP_DROP &&
	      static_cast<int>(XdpAction::pass) == XDP_PASS && static_cast<int>(XdpAction::tx) == XDP_TX &&
	      static_cast<int>(XdpAction::redirect) == XDP_REDIRECT && xdp_action_count <= XDPFWD_ACTION_SLOTS);

inline std::string_view to_string(XdpAction action)
{
	static constexpr std::array<std::string_view, xdp_action_count> names{"ABORTED", "DROP", "PASS", "TX",
									      "REDIRECT"};
	const auto index = static_cast<std::size_t>(action);
	return index < names.size() ? names[index] : "UNKNOWN";
}

/// Why a program did not simply forward (or what fib's lookup said): 0..9 mirror
/// BPF_FIB_LKUP_RET_*, the rest are xdpfwd's. Forwarded packets are the REDIRECT action.
enum class Reason : std::uint32_t {
	fib_success = XDPFWD_REASON_FIB_SUCCESS,
	fib_blackhole = XDPFWD_REASON_FIB_BLACKHOLE,
	fib_unreachable = XDPFWD_REASON_FIB_UNREACHABLE,
	fib_prohibit = XDPFWD_REASON_FIB_PROHIBIT,
	fib_not_forwarded = XDPFWD_REASON_FIB_NOT_FWDED,
	fib_forwarding_disabled = XDPFWD_REASON_FIB_FWD_DISABLED,
	fib_unsupported_lwt = XDPFWD_REASON_FIB_UNSUPP_LWT,
	fib_no_neighbour = XDPFWD_REASON_FIB_NO_NEIGH,
	fib_fragmentation_needed = XDPFWD_REASON_FIB_FRAG_NEEDED,
	fib_no_source_address = XDPFWD_REASON_FIB_NO_SRC_ADDR,
	ttl_expired = XDPFWD_REASON_TTL_EXPIRED,
	port_disabled = XDPFWD_REASON_PORT_DISABLED,
	not_ip = XDPFWD_REASON_NOT_IP,
	malformed = XDPFWD_REASON_MALFORMED,
	link_scoped = XDPFWD_REASON_LOCAL,
	vlan = XDPFWD_REASON_VLAN,
	cache_hit = XDPFWD_REASON_CACHE_HIT,
	cache_miss = XDPFWD_REASON_CACHE_MISS,
	cache_stale = XDPFWD_REASON_CACHE_STALE,
	bad_checksum = XDPFWD_REASON_BAD_CHECKSUM,
	bad_length = XDPFWD_REASON_BAD_LENGTH,
	martian = XDPFWD_REASON_MARTIAN,
	hop_by_hop = XDPFWD_REASON_HOP_BY_HOP,
};
inline constexpr std::size_t reason_count = XDPFWD_REASON_COUNT;
static_assert(reason_count <= XDPFWD_REASON_SLOTS);

inline std::string_view to_string(Reason reason)
{
	static constexpr std::array<std::string_view, reason_count> names{
	    "fib_success",     "fib_blackhole", "fib_unreachable", "fib_prohibit", "fib_not_fwded", "fib_fwd_disabled",
	    "fib_unsupp_lwt",  "fib_no_neigh",  "fib_frag_needed", "fib_no_src_addr", "ttl_expired",
	    "port_disabled",   "not_ip",        "malformed",       "link_scoped",  "vlan",
	    "cache_hit",       "cache_miss",    "cache_stale",     "bad_checksum", "bad_length",    "martian",
	    "hop_by_hop"};
	const auto index = static_cast<std::size_t>(reason);
	return index < names.size() ? names[index] : "unknown";
}

struct Counter {
	std::uint64_t packets = 0;
	std::uint64_t bytes = 0;

	/// Adds one CPU's slot of a BPF counter map.
	Counter& operator+=(const xdpfwd_counter& cpu)
	{
		packets += cpu.packets;
		bytes += cpu.bytes;
		return *this;
	}
};

/// Counters summed over all CPUs at one instant.
struct StatsSnapshot {
	std::chrono::steady_clock::time_point taken;
	std::array<Counter, xdp_action_count> actions{};
	std::array<Counter, reason_count> reasons{};
	bool has_reasons = false;  ///< false: the program counts no reasons (pass), all read 0

	[[nodiscard]] const Counter& operator[](XdpAction a) const { return actions[static_cast<std::size_t>(a)]; }
	[[nodiscard]] const Counter& operator[](Reason r) const { return reasons[static_cast<std::size_t>(r)]; }
	[[nodiscard]] std::uint64_t total_packets() const
	{
		std::uint64_t total = 0;
		for (const auto& c : actions)
			total += c.packets;
		return total;
	}
};

struct Rate {
	double packets_per_second = 0;
	double bits_per_second = 0;
};

/// Rates between two snapshots of the same counters.
struct StatsRates {
	double seconds = 0;
	std::array<Rate, xdp_action_count> actions{};
	std::array<Rate, reason_count> reasons{};

	[[nodiscard]] const Rate& operator[](XdpAction a) const { return actions[static_cast<std::size_t>(a)]; }
	[[nodiscard]] const Rate& operator[](Reason r) const { return reasons[static_cast<std::size_t>(r)]; }
};

inline StatsRates rates_between(const StatsSnapshot& earlier, const StatsSnapshot& later)
{
	StatsRates rates;
	rates.seconds = std::chrono::duration<double>(later.taken - earlier.taken).count();
	if (rates.seconds <= 0)
		return rates;
	auto rate = [&](const Counter& a, const Counter& b) {
		// a counter that went backwards belongs to a reloaded program: report no rate
		if (b.packets < a.packets || b.bytes < a.bytes)
			return Rate{};
		return Rate{static_cast<double>(b.packets - a.packets) / rates.seconds,
			    static_cast<double>(b.bytes - a.bytes) * 8 / rates.seconds};
	};
	for (std::size_t i = 0; i < xdp_action_count; ++i)
		rates.actions[i] = rate(earlier.actions[i], later.actions[i]);
	for (std::size_t i = 0; i < reason_count; ++i)
		rates.reasons[i] = rate(earlier.reasons[i], later.reasons[i]);
	return rates;
}

/// Reads an xdpfwd program's per-CPU action and reason counters. Owns fds of both maps, so it
/// keeps working after the forwarder that made it is gone (while the program lives).
class StatsReader {
public:
	/// The counters of any xdpfwd program (the pass program counts actions only).
	explicit StatsReader(const Program& program)
	    : actions_(program.per_cpu_map<std::uint32_t, xdpfwd_counter>(XDPFWD_MAP_ACTION_STATS))
	{
		if (program.has_map(XDPFWD_MAP_REASON_STATS))
			reasons_.emplace(program.per_cpu_map<std::uint32_t, xdpfwd_counter>(XDPFWD_MAP_REASON_STATS));
	}

	[[nodiscard]] StatsSnapshot snapshot() const
	{
		StatsSnapshot snap;
		for (std::uint32_t i = 0; i < xdp_action_count; ++i)
			snap.actions[i] = actions_.sum<Counter>(i);
		snap.has_reasons = reasons_.has_value();
		for (std::uint32_t i = 0; reasons_ && i < reason_count; ++i)
			snap.reasons[i] = reasons_->sum<Counter>(i);
		snap.taken = std::chrono::steady_clock::now();
		return snap;
	}

private:
	PerCpuMap<std::uint32_t, xdpfwd_counter> actions_;
	std::optional<PerCpuMap<std::uint32_t, xdpfwd_counter>> reasons_;
};

} // namespace xdpfwd
