// The checks every packet test makes on what a program did to one frame (BPF_PROG_RUN): the
// action, the frame that comes out, and exactly which counters moved.
#pragma once

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <xdpfwd/program.hpp>
#include <xdpfwd/stats.hpp>

#include "frame_sets.hpp"
#include "prog_run.hpp"

namespace doctest {
template <>
struct StringMaker<xdpfwd::XdpAction> {
	static String convert(xdpfwd::XdpAction action) { return std::string(xdpfwd::to_string(action)).c_str(); }
};
template <>
struct StringMaker<xdpfwd::MacAddress> {
	static String convert(const xdpfwd::MacAddress& mac) { return mac.to_string().c_str(); }
};
template <>
struct StringMaker<xdpfwd::test::Bytes> {
	static String convert(const xdpfwd::test::Bytes& bytes)
	{
		std::string text;
		char hex[4];
		for (const auto byte : bytes) {
			std::snprintf(hex, sizeof(hex), "%02x ", byte);
			text += hex;
		}
		return text.c_str();
	}
};
} // namespace doctest

namespace xdpfwd::test {

/// How much one counter grew between two snapshots.
inline Counter growth(const Counter& before, const Counter& after)
{
	return {after.packets - before.packets, after.bytes - before.bytes};
}

/// Exactly `reasons` grew, by one packet of `bytes` each, and no other reason moved; likewise
/// the one slot of `action`. A program without reason counters (pass) has no reasons to grow.
inline void check_counted(const StatsSnapshot& before, const StatsSnapshot& after, XdpAction action,
			  std::initializer_list<Reason> reasons, std::size_t bytes)
{
	for (std::size_t i = 0; i < xdp_action_count; ++i) {
		const auto slot = static_cast<XdpAction>(i);
		const Counter grew = growth(before[slot], after[slot]);
		INFO("action counter " << to_string(slot));
		CHECK(grew.packets == (slot == action ? 1u : 0u));
		CHECK(grew.bytes == (slot == action ? bytes : 0u));
	}
	if (!after.has_reasons) {
		CHECK(reasons.size() == 0);
		return;
	}
	for (std::size_t i = 0; i < reason_count; ++i) {
		const auto reason = static_cast<Reason>(i);
		const bool expected = std::find(reasons.begin(), reasons.end(), reason) != reasons.end();
		const Counter grew = growth(before[reason], after[reason]);
		INFO("reason counter " << to_string(reason));
		CHECK(grew.packets == (expected ? 1u : 0u));
		CHECK(grew.bytes == (expected ? bytes : 0u));
	}
}

/// A frame the program does not forward: `action`, the frame exactly as it came in, and the
/// counters of that action and of `reasons` (only those) up by one.
inline void check_verdict(const Program& program, unsigned ingress, const Bytes& frame, XdpAction action,
			  std::initializer_list<Reason> reasons)
{
	const StatsReader stats(program);
	const StatsSnapshot before = stats.snapshot();
	const RunResult result = run(program, frame, ingress);
	CHECK(result.action == action);
	CHECK(result.frame == frame);
	check_counted(before, stats.snapshot(), action, reasons, frame.size());
}

inline void check_left_to_kernel(const Program& program, unsigned ingress, const Bytes& frame, Reason reason)
{
	check_verdict(program, ingress, frame, XdpAction::pass, {reason});
}

/// Frames shorter than an Ethernet header: BPF_PROG_RUN refuses them before the program runs
/// (no driver hands XDP a runt either), so nothing is counted and the parsers' Ethernet bounds
/// check stays a verifier obligation that no test input can reach.
inline void check_runts_refused(const Program& program, unsigned ingress)
{
	const StatsReader stats(program);
	const StatsSnapshot before = stats.snapshot();
	for (std::size_t length = 0; length < eth_header_len; ++length) {
		INFO("runt of " << length << " bytes");
		RunResult result;
		CHECK(try_run(program, Bytes(length, 0xff), ingress, result) == -EINVAL);
	}
	CHECK(stats.snapshot().total_packets() == before.total_packets());
}

/// The gate every forwarding mode shares, on a frame arriving on `ingress`: runts refused, and
/// each of gated_frames() left to the kernel unchanged with its reason.
inline void check_gate(const Program& program, unsigned ingress)
{
	check_runts_refused(program, ingress);
	// named members, not structured bindings: doctest's INFO captures in a lambda, and clang
	// (the ASan build's, before 16) cannot capture a structured binding
	for (const GatedFrames& gated : gated_frames())
		for (const NamedFrame& named : gated.frames) {
			INFO(named.name);
			check_left_to_kernel(program, ingress, named.frame, gated.reason);
		}
}

/// A forwarded frame: REDIRECT, the new MACs, TTL or hop limit one less, a correct IPv4 header
/// checksum, and every other byte (tags, addresses, options, L4) as it came in. Returns the run.
inline RunResult check_forwarded(const Program& program, unsigned ingress, const Bytes& frame, const MacAddress& dst,
				 const MacAddress& src, std::initializer_list<Reason> reasons = {})
{
	const StatsReader stats(program);
	const StatsSnapshot before = stats.snapshot();
	const RunResult result = run(program, frame, ingress);
	const Bytes& out = result.frame;
	CHECK(result.action == XdpAction::redirect);
	REQUIRE(out.size() == frame.size());
	CHECK(dst_mac(out) == dst);
	CHECK(src_mac(out) == src);

	Bytes expected_rest = frame; // what must not change: everything but MACs, TTL and checksum
	Bytes rest = out;
	if (l3_ethertype(frame) == ethertype_ipv4) {
		CHECK(ipv4_ttl(out) == ipv4_ttl(frame) - 1);
		CHECK(ipv4_checksum(out) == ipv4_checksum_from_scratch(out));
		for (const std::size_t offset : {ipv4_ttl_offset(frame), ipv4_checksum_offset(frame), ipv4_checksum_offset(frame) + 1})
			expected_rest[offset] = rest[offset] = 0;
	} else {
		REQUIRE(l3_ethertype(frame) == ethertype_ipv6);
		CHECK(ipv6_hop_limit(out) == ipv6_hop_limit(frame) - 1);
		expected_rest[ipv6_hop_limit_offset(frame)] = rest[ipv6_hop_limit_offset(frame)] = 0;
	}
	expected_rest.erase(expected_rest.begin(), expected_rest.begin() + 12);
	rest.erase(rest.begin(), rest.begin() + 12);
	CHECK(rest == expected_rest);
	check_counted(before, stats.snapshot(), XdpAction::redirect, reasons, frame.size());
	return result;
}

/// check_forwarded() for each of `frames`.
inline void check_all_forwarded(const Program& program, unsigned ingress, const std::vector<NamedFrame>& frames,
				const MacAddress& dst, const MacAddress& src, std::initializer_list<Reason> reasons = {})
{
	for (const NamedFrame& named : frames) {
		INFO(named.name); // not a structured binding: see check_gate()
		check_forwarded(program, ingress, named.frame, dst, src, reasons);
	}
}

/// Runs frames and keeps, per action, the packets and bytes the program's counters must have
/// grown by: "the counters add up to what was run".
class ActionTally {
public:
	ActionTally(const Program& program, unsigned ingress) : program_(program), ingress_(ingress), stats_(program)
	{
		before_ = stats_.snapshot();
	}

	/// Runs `frame` (arriving on `ingress`, by default the one given above); its action.
	XdpAction run(const Bytes& frame) { return run(frame, ingress_); }
	XdpAction run(const Bytes& frame, unsigned ingress)
	{
		const RunResult result = test::run(program_, frame, ingress);
		Counter& counter = expected_[static_cast<std::size_t>(result.action)];
		++counter.packets;
		counter.bytes += frame.size();
		return result.action;
	}

	/// Every action counter grew by what was tallied; the snapshot, for checks of reasons.
	StatsSnapshot check_counters() const
	{
		const StatsSnapshot after = stats_.snapshot();
		for (std::size_t i = 0; i < xdp_action_count; ++i) {
			INFO("action " << to_string(static_cast<XdpAction>(i)));
			const Counter grew = growth(before_.actions[i], after.actions[i]);
			CHECK(grew.packets == expected_[i].packets);
			CHECK(grew.bytes == expected_[i].bytes);
		}
		return after;
	}

private:
	const Program& program_;
	unsigned ingress_;
	StatsReader stats_;
	StatsSnapshot before_;
	std::array<Counter, xdp_action_count> expected_{};
};

} // namespace xdpfwd::test
