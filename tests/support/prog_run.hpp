// Runs an xdpfwd program on one frame through BPF_PROG_RUN, and the checks every packet test
// makes on the outcome: the action, the frame that comes out, and exactly which counters moved.
#pragma once

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <initializer_list>
#include <optional>
#include <utility>
#include <string>
#include <vector>

#include <doctest/doctest.h>
#include <xdpfwd/error.hpp>
#include <xdpfwd/program.hpp>
#include <xdpfwd/stats.hpp>

#include "packet.hpp"

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

struct RunResult {
	XdpAction action = XdpAction::aborted;
	Bytes frame; ///< the frame as the program left it
};

/// Runs `program` once on a copy of `frame` as if it had arrived on `ingress_ifindex`. The kernel
/// looks that ifindex up in the calling thread's network namespace (enter it first: Netns::enter),
/// and the program's fib lookups and devmap redirects see that device. Returns 0, or the
/// kernel's refusal as a negative errno.
inline int try_run(const Program& program, const Bytes& frame, unsigned ingress_ifindex, RunResult& result)
{
	xdp_md ctx{};
	ctx.data_end = static_cast<std::uint32_t>(frame.size()); // the whole frame is packet data
	ctx.ingress_ifindex = ingress_ifindex;
	Bytes out(4096); // more than any test frame: the kernel fails with ENOSPC if it does not fit

	bpf_test_run_opts opts{};
	opts.sz = sizeof(opts);
	opts.data_in = frame.data();
	opts.data_size_in = static_cast<std::uint32_t>(frame.size());
	opts.data_out = out.data();
	opts.data_size_out = static_cast<std::uint32_t>(out.size());
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.repeat = 1;
	const int rc = bpf_prog_test_run_opts(program.fd(), &opts);
	if (rc != 0)
		return rc < 0 ? rc : -EIO;
	out.resize(opts.data_size_out);
	result = {static_cast<XdpAction>(opts.retval), std::move(out)};
	return 0;
}

inline RunResult run(const Program& program, const Bytes& frame, unsigned ingress_ifindex)
{
	RunResult result;
	check(try_run(program, frame, ingress_ifindex, result), [&] {
		return "BPF_PROG_RUN of " + program.name() + " on a " + std::to_string(frame.size()) + "-byte frame";
	});
	return result;
}

/// How much one counter grew between two snapshots.
inline Counter growth(const Counter& before, const Counter& after)
{
	return {after.packets - before.packets, after.bytes - before.bytes};
}

/// Exactly `reasons` grew, by one packet of `bytes` each, and no other reason moved; likewise
/// the one slot of `action`.
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
	const bool is_ipv4 = get16(frame, l3_offset(frame) - 2) == ethertype_ipv4;
	if (is_ipv4) {
		CHECK(ipv4_ttl(out) == ipv4_ttl(frame) - 1);
		CHECK(ipv4_checksum(out) == ipv4_checksum_from_scratch(out));
		for (const std::size_t offset : {ipv4_ttl_offset(frame), ipv4_checksum_offset(frame), ipv4_checksum_offset(frame) + 1})
			expected_rest[offset] = rest[offset] = 0;
	} else {
		REQUIRE(get16(frame, l3_offset(frame) - 2) == ethertype_ipv6);
		CHECK(ipv6_hop_limit(out) == ipv6_hop_limit(frame) - 1);
		expected_rest[ipv6_hop_limit_offset(frame)] = rest[ipv6_hop_limit_offset(frame)] = 0;
	}
	expected_rest.erase(expected_rest.begin(), expected_rest.begin() + 12);
	rest.erase(rest.begin(), rest.begin() + 12);
	CHECK(rest == expected_rest);
	check_counted(before, stats.snapshot(), XdpAction::redirect, reasons, frame.size());
	return result;
}

// ---- frames a forwarder forwards (to the default destinations 198.51.100.2, 2001:db8:2::2) ---

struct NamedFrame {
	std::string name;
	Bytes frame;
};

inline const MacAddress peer_mac = MacAddress::parse("02:00:00:00:00:01");   // the sender
inline const MacAddress router_mac = MacAddress::parse("02:00:00:00:00:02"); // what it sent to

inline Bytes ipv4_frame(const Ipv4Header& h = {}, std::vector<VlanTag> tags = {}, std::size_t udp_data = 18)
{
	return ethernet(router_mac, peer_mac, ethertype_ipv4, ipv4(h, udp(1024, 5353, udp_data)), tags);
}

inline Bytes ipv4_frame_with_checksum(const Ipv4Header& h, std::uint16_t checksum)
{
	return ethernet(router_mac, peer_mac, ethertype_ipv4, ipv4_with_checksum(h, udp(1024, 5353, 18), checksum));
}

inline Bytes ipv6_frame(const Ipv6Header& h = {}, std::vector<VlanTag> tags = {}, std::size_t udp_data = 18)
{
	return ethernet(router_mac, peer_mac, ethertype_ipv6, ipv6(h, udp(1024, 5353, udp_data)), tags);
}

inline Bytes icmpv6_frame(const std::string& dst, std::uint8_t type, std::uint8_t hop_limit = 255)
{
	Ipv6Header h;
	h.dst = dst;
	h.hop_limit = hop_limit;
	h.next_header = IPPROTO_ICMPV6;
	return ethernet(router_mac, peer_mac, ethertype_ipv6, ipv6(h, icmp(type)));
}

/// Header checksums around the points where the incremental update wraps: decrementing the TTL
/// adds 0x0100 to the checksum in one's complement, so 0xfeff becomes 0x0000 and 0xff00 becomes
/// 0x0001 (0xffff never occurs: see ipv4_with_checksum()).
inline constexpr std::uint16_t wrapping_checksums[] = {0x0000, 0x0001, 0x00ff, 0x0100, 0xfeff, 0xff00, 0xfffe};

/// Untagged IPv4 that must be forwarded: many TTL / TOS / id combinations, the checksum edge
/// cases, every options length (ihl 6..15), fragments, and a non-UDP protocol.
inline std::vector<NamedFrame> forwardable_ipv4_frames()
{
	std::vector<NamedFrame> frames;
	for (const std::uint8_t ttl : {2, 3, 64, 128, 255})
		for (const std::uint8_t tos : {0x00, 0x10, 0xb8, 0xff})
			for (const std::uint16_t id : {0x0000, 0x1234, 0xffff}) {
				Ipv4Header h;
				h.ttl = ttl;
				h.tos = tos;
				h.id = id;
				frames.push_back({"IPv4 ttl " + std::to_string(ttl) + " tos " + std::to_string(tos) + " id " +
							  std::to_string(id),
						  ipv4_frame(h)});
			}
	for (const std::uint16_t checksum : wrapping_checksums)
		for (const std::uint8_t ttl : {2, 255}) {
			Ipv4Header h;
			h.ttl = ttl;
			frames.push_back({"IPv4 ttl " + std::to_string(ttl) + " checksum " + std::to_string(checksum),
					  ipv4_frame_with_checksum(h, checksum)});
		}
	for (std::size_t options = 4; options <= 40; options += 4) {
		Ipv4Header h;
		h.option_bytes = options;
		h.id = static_cast<std::uint16_t>(options * 997); // vary the checksum too
		frames.push_back({"IPv4 ihl " + std::to_string(5 + options / 4), ipv4_frame(h)});
	}
	const std::pair<const char*, std::uint16_t> fragments[] = {
	    {"first fragment (MF, offset 0)", ipv4_more_fragments},
	    {"middle fragment (MF, offset 1480)", ipv4_more_fragments | 185},
	    {"last fragment (offset 2960)", 370},
	    {"DF set", ipv4_dont_fragment},
	};
	for (const auto& [name, frag] : fragments) {
		Ipv4Header h;
		h.frag = frag;
		h.id = 0xbeef;
		frames.push_back({std::string("IPv4 ") + name, ipv4_frame(h)});
	}
	Ipv4Header ping;
	ping.protocol = IPPROTO_ICMP;
	frames.push_back({"IPv4 ICMP echo request",
			  ethernet(router_mac, peer_mac, ethertype_ipv4, ipv4(ping, icmp(8, 0, 56)))});
	return frames;
}

/// Untagged IPv6 that must be forwarded, including ICMPv6 that only looks like neighbour
/// discovery (a type outside 133..137, or a hop limit other than 255).
inline std::vector<NamedFrame> forwardable_ipv6_frames()
{
	std::vector<NamedFrame> frames;
	for (const std::uint8_t hop_limit : {2, 64, 255})
		for (const std::uint8_t traffic_class : {0x00, 0xb8})
			for (const std::uint32_t flow_label : {0u, 0xabcdeu}) {
				Ipv6Header h;
				h.hop_limit = hop_limit;
				h.traffic_class = traffic_class;
				h.flow_label = flow_label;
				frames.push_back({"IPv6 hop limit " + std::to_string(hop_limit) + " class " +
							  std::to_string(traffic_class) + " flow " + std::to_string(flow_label),
						  ipv6_frame(h)});
			}
	frames.push_back({"ICMPv6 echo request hop limit 255", icmpv6_frame("2001:db8:2::2", 128)});
	frames.push_back({"ICMPv6 type 138 hop limit 255", icmpv6_frame("2001:db8:2::2", 138)});
	frames.push_back({"ICMPv6 type 135 hop limit 64 (not valid ND)", icmpv6_frame("2001:db8:2::2", 135, 64)});
	return frames;
}

/// IPv4 and IPv6 behind one 802.1Q tag, two 802.1Q tags, and 802.1ad + 802.1Q (QinQ).
inline std::vector<NamedFrame> tagged_frames()
{
	const VlanTag inner{ethertype_8021q, 0x2064}; // priority 1, VLAN 100
	const VlanTag outer{ethertype_8021ad, 200};
	const VlanTag outer_q{ethertype_8021q, 300};
	return {
	    {"IPv4 in 802.1Q", ipv4_frame({}, {inner})},
	    {"IPv6 in 802.1Q", ipv6_frame({}, {inner})},
	    {"IPv4 in 802.1ad + 802.1Q", ipv4_frame({}, {outer, inner})},
	    {"IPv6 in 802.1ad + 802.1Q", ipv6_frame({}, {outer, inner})},
	    {"IPv4 in 802.1Q + 802.1Q", ipv4_frame({}, {outer_q, inner})},
	};
}

// ---- frames every forwarding mode leaves to the kernel, whatever its configuration -----------

/// TTL / hop limit 0 or 1: forwarding would expire them; the kernel sends Time Exceeded.
inline std::vector<NamedFrame> expiring_frames()
{
	std::vector<NamedFrame> frames;
	for (const std::uint8_t ttl : {0, 1}) {
		Ipv4Header v4;
		v4.ttl = ttl;
		Ipv6Header v6;
		v6.hop_limit = ttl;
		frames.push_back({"IPv4 TTL " + std::to_string(ttl), ipv4_frame(v4)});
		frames.push_back({"IPv6 hop limit " + std::to_string(ttl), ipv6_frame(v6)});
	}
	return frames;
}

/// Every length from a bare Ethernet header up to one byte short of the complete L3 header,
/// for untagged, tagged and QinQ frames, IPv4 with and without options, and IPv6; plus headers
/// that are complete but inconsistent.
inline std::vector<NamedFrame> malformed_frames()
{
	const VlanTag inner{ethertype_8021q, 100};
	const VlanTag outer{ethertype_8021ad, 200};
	Ipv4Header with_options;
	with_options.option_bytes = 40; // ihl 15
	Ipv4Header one_option_word;
	one_option_word.option_bytes = 4; // ihl 6
	const std::vector<NamedFrame> complete = {
	    {"IPv4", ipv4_frame()},
	    {"IPv4 in 802.1Q", ipv4_frame({}, {inner})},
	    {"IPv4 in QinQ", ipv4_frame({}, {outer, inner})},
	    {"IPv4 ihl 6", ipv4_frame(one_option_word)},
	    {"IPv4 ihl 15", ipv4_frame(with_options)},
	    {"IPv4 ihl 15 in QinQ", ipv4_frame(with_options, {outer, inner})},
	    {"IPv6", ipv6_frame()},
	    {"IPv6 in 802.1Q", ipv6_frame({}, {inner})},
	    {"IPv6 in QinQ", ipv6_frame({}, {outer, inner})},
	};
	std::vector<NamedFrame> frames;
	for (const auto& [name, frame] : complete) {
		const std::size_t l3 = l3_offset(frame);
		const bool is_ipv4 = get16(frame, l3 - 2) == ethertype_ipv4;
		const std::size_t l3_end = l3 + (is_ipv4 ? (frame[l3] & 0xf) * 4u : ipv6_header_len);
		for (std::size_t length = eth_header_len; length < l3_end; ++length)
			frames.push_back({name + " cut to " + std::to_string(length) + " bytes",
					  Bytes(frame.begin(), frame.begin() + static_cast<std::ptrdiff_t>(length))});
	}

	Ipv4Header short_ihl;
	short_ihl.ihl = 4; // claims less than the fixed header
	Ipv4Header long_ihl;
	long_ihl.ihl = 15; // claims 40 bytes of options the frame does not have (only 18 + 8 follow)
	Ipv4Header not_v4;
	not_v4.version = 6;
	Ipv6Header not_v6;
	not_v6.version = 4;
	frames.push_back({"IPv4 ihl 4", ipv4_frame(short_ihl)});
	frames.push_back({"IPv4 ihl 15 without the options", ipv4_frame(long_ihl, {}, 0)});
	frames.push_back({"version 6 in an IPv4 ethertype", ipv4_frame(not_v4)});
	frames.push_back({"version 4 in an IPv6 ethertype", ipv6_frame(not_v6)});
	frames.push_back({"three VLAN tags", ipv4_frame({}, {outer, outer, inner})});
	return frames;
}

/// Not IP at all (possibly behind a tag): ARP and ethertypes nobody here knows.
inline std::vector<NamedFrame> non_ip_frames()
{
	const Bytes arp = arp_request(peer_mac, "192.0.2.2", "192.0.2.1");
	const MacAddress broadcast = MacAddress::parse("ff:ff:ff:ff:ff:ff");
	return {
	    {"ARP request", ethernet(broadcast, peer_mac, ethertype_arp, arp)},
	    {"ARP request in 802.1Q", ethernet(broadcast, peer_mac, ethertype_arp, arp, {{ethertype_8021q, 100}})},
	    {"LLDP", ethernet(MacAddress::parse("01:80:c2:00:00:0e"), peer_mac, 0x88cc, Bytes(46, 0))},
	    {"local experimental ethertype 0x88b5", ethernet(router_mac, peer_mac, 0x88b5, Bytes(46, 0x5a))},
	    {"bare Ethernet header, unknown ethertype", ethernet(router_mac, peer_mac, 0x1234, {})},
	};
}

/// Traffic that belongs to the link the router receives it on.
inline std::vector<NamedFrame> link_scoped_frames()
{
	std::vector<NamedFrame> frames;
	for (const char* dst : {"224.0.0.1", "224.0.0.251", "239.255.255.250", "255.255.255.255", "169.254.0.1", "169.254.255.254"}) {
		Ipv4Header h;
		h.dst = dst;
		frames.push_back({std::string("IPv4 to ") + dst, ipv4_frame(h)});
	}
	// a link-local source may not be routed off its link, even to a global destination
	for (const char* src : {"169.254.1.1", "169.254.255.255"}) {
		Ipv4Header h;
		h.src = src;
		frames.push_back({std::string("IPv4 from ") + src, ipv4_frame(h)});
	}
	for (const char* src : {"fe80::1", "febf::2"}) {
		Ipv6Header h;
		h.src = src;
		frames.push_back({std::string("IPv6 from ") + src, ipv6_frame(h)});
	}
	for (const char* dst : {"ff02::1", "ff02::1:ff00:2", "ff05::2", "ff0e::101", "fe80::1", "febf:ffff::1"}) {
		Ipv6Header h;
		h.dst = dst;
		frames.push_back({std::string("IPv6 to ") + dst, ipv6_frame(h)});
	}
	// neighbour discovery to a global address: the router answers it, whatever the destination
	for (std::uint8_t type = 133; type <= 137; ++type)
		frames.push_back({"ICMPv6 type " + std::to_string(type) + " hop limit 255", icmpv6_frame("2001:db8:2::2", type)});
	Ipv6Header truncated_nd;
	truncated_nd.hop_limit = 255;
	truncated_nd.next_header = IPPROTO_ICMPV6;
	frames.push_back({"ICMPv6 hop limit 255 without the ICMPv6 type",
			  ethernet(router_mac, peer_mac, ethertype_ipv6, ipv6(truncated_nd, {}))});
	return frames;
}

} // namespace xdpfwd::test
