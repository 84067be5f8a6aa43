// Map mode's VLAN tags: the tag syntax (VlanTags), the receive-offload check a tagged route
// needs (on veths this test makes), and frames through the program (BPF_PROG_RUN). A frame with
// exactly the route's ingress tags leaves with the egress tags in their place (popped, pushed or
// rewritten; pushed tags carry priority 0), the route's MACs, TTL / hop limit one less and a
// correct IPv4 checksum; a frame with any other tags reaches the kernel unchanged (Reason::vlan).
#include <doctest/doctest.h>

#include <arpa/inet.h>

#include <cstdio>
#include <string>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "support/checks.hpp"
#include "support/errors.hpp"
#include "support/forwarding_ports.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

/// Tags as they are on the wire, outermost first (TCI with priority and DEI bits).
using WireTags = std::vector<test::VlanTag>;

WireTags wire(const VlanTags& tags)
{
	WireTags result;
	for (const xdpfwd::VlanTag& tag : tags)
		result.push_back({tag.tpid, tag.vid}); // priority 0, DEI 0
	return result;
}

/// The tags a frame carries, as "88a8 vid 300 pcp 0 dei 0, 8100 vid 10 pcp 0 dei 0" ("none").
std::string tags_text(const WireTags& tags)
{
	std::string text;
	for (const test::VlanTag& tag : tags) {
		char one[64];
		const unsigned tci = tag.tci;
		std::snprintf(one, sizeof(one), "%04x vid %u pcp %u dei %u", unsigned{tag.tpid}, tci & 0x0fffu, tci >> 13,
			      (tci >> 12) & 1u);
		text += (text.empty() ? "" : ", ") + std::string(one);
	}
	return text.empty() ? "none" : text;
}

std::string tags_text(const Bytes& frame)
{
	WireTags tags;
	for (std::size_t at = 12; get16(frame, at) == ethertype_8021q || get16(frame, at) == ethertype_8021ad; at += vlan_tag_len)
		tags.push_back({get16(frame, at), get16(frame, at + 2)});
	return tags_text(tags);
}

/// The IP packets each tag combination is tried with: options move the IPv4 checksum further
/// from the tags, and TTL / hop limit 2 is the lowest that is forwarded.
enum class Kind { ipv4, ipv4_options, ipv6 };
constexpr Kind kinds[] = {Kind::ipv4, Kind::ipv4_options, Kind::ipv6};

std::string name_of(Kind kind)
{
	return kind == Kind::ipv4 ? "IPv4" : kind == Kind::ipv4_options ? "IPv4 with 40 option bytes" : "IPv6";
}

Bytes packet(Kind kind, const WireTags& tags, std::uint8_t ttl = 64)
{
	if (kind == Kind::ipv6) {
		Ipv6Header h;
		h.hop_limit = ttl;
		h.flow_label = 0x12345;
		return ipv6_frame(h, tags);
	}
	Ipv4Header h;
	h.ttl = ttl;
	h.id = 0x4242;
	if (kind == Kind::ipv4_options)
		h.option_bytes = 40;
	return ipv4_frame(h, tags);
}

/// What a route's frame must become: the same packet with `tags`, the route's MACs and one hop
/// less, built from scratch (the IPv4 checksum too).
Bytes forwarded(Kind kind, const WireTags& tags, std::uint8_t ttl)
{
	Bytes frame = packet(kind, tags, static_cast<std::uint8_t>(ttl - 1));
	std::copy(next_hop_mac.bytes.begin(), next_hop_mac.bytes.end(), frame.begin());
	std::copy(egress_mac.bytes.begin(), egress_mac.bytes.end(), frame.begin() + 6);
	return frame;
}

/// in0 routed to out0 with the tags each case gives (receive VLAN offload turned off on in0).
struct VlanSetup : ForwardingPorts {
	MapForwarder forwarder;

	VlanSetup() : ForwardingPorts("mapvlan") {}

	MapRoute route(const std::string& ingress_tags, const std::string& egress_tags) const
	{
		return {out0, next_hop_mac, egress_mac, VlanTags::parse(ingress_tags), VlanTags::parse(egress_tags)};
	}

	void set(const std::string& ingress_tags, const std::string& egress_tags)
	{
		const MapRoute wanted = route(ingress_tags, egress_tags);
		fwd.inside([&] { forwarder.set_route(in0, wanted, true, true); });
		REQUIRE(fwd.inside([&] { return forwarder.route(in0); }) == wanted);
	}
};

/// `in` arrives on in0 and is redirected as `expected`: checked field by field as a user reading
/// the forwarded frame would, then whole, and the REDIRECT counter grew by one frame of the new
/// length.
void check_retagged(const VlanSetup& setup, const Bytes& in, std::size_t in_tags, const Bytes& expected,
		    std::size_t out_tags)
{
	const Program& program = setup.forwarder.program();
	const StatsReader stats(program);
	const StatsSnapshot before = stats.snapshot();
	const RunResult result = run(program, in, setup.in0);
	const Bytes& out = result.frame;
	REQUIRE(result.action == XdpAction::redirect);
	CHECK(tags_text(out) == tags_text(expected));
	REQUIRE(out.size() == in.size() + vlan_tag_len * out_tags - vlan_tag_len * in_tags);
	REQUIRE(l3_offset(out) == l3_offset(expected)); // else the IP header is not where the checks below read
	CHECK(dst_mac(out) == next_hop_mac);
	CHECK(src_mac(out) == egress_mac);
	CHECK(l3_ethertype(out) == l3_ethertype(in));
	if (l3_ethertype(in) == ethertype_ipv4) {
		CHECK(ipv4_ttl(out) == ipv4_ttl(in) - 1);
		CHECK(ipv4_checksum(out) == ipv4_checksum_from_scratch(out));
	} else {
		CHECK(ipv6_hop_limit(out) == ipv6_hop_limit(in) - 1);
	}
	CHECK(out == expected); // every other byte (addresses, options, UDP) as it came in
	check_counted(before, stats.snapshot(), XdpAction::redirect, {}, out.size());
}

struct Retag {
	std::string name;
	WireTags in;          ///< as the frame arrives
	const char* ingress;  ///< the route's tags (VlanTags::parse)
	const char* egress;
};

const test::VlanTag q100{ethertype_8021q, 100};
const test::VlanTag ad100{ethertype_8021ad, 100};
const test::VlanTag ad300{ethertype_8021ad, 300};
const test::VlanTag q300{ethertype_8021q, 300};
const test::VlanTag q10{ethertype_8021q, 10};

} // namespace

TEST_CASE("VlanTags: parse and text round trip, for 802.1Q, 802.1ad and QinQ")
{
	struct Case {
		std::string text;
		VlanTags tags;
		const char* canonical;
	};
	const Case cases[] = {
	    {"none", {}, "none"},
	    {"", {}, "none"},
	    {"1", VlanTags({tpid_8021q, 1}), "1"},
	    {"100", VlanTags({tpid_8021q, 100}), "100"},
	    {"4094", VlanTags({tpid_8021q, 4094}), "4094"},
	    {"0100", VlanTags({tpid_8021q, 100}), "100"},
	    {"q:100", VlanTags({tpid_8021q, 100}), "100"},
	    {"ad:100", VlanTags({tpid_8021ad, 100}), "ad:100"},
	    {"300.10", VlanTags({tpid_8021ad, 300}, {tpid_8021q, 10}), "300.10"},
	    {"ad:300.10", VlanTags({tpid_8021ad, 300}, {tpid_8021q, 10}), "300.10"},
	    {"q:300.10", VlanTags({tpid_8021q, 300}, {tpid_8021q, 10}), "q:300.10"},
	    {"4094.1", VlanTags({tpid_8021ad, 4094}, {tpid_8021q, 1}), "4094.1"},
	};
	for (const Case& c : cases) {
		CAPTURE(c.text);
		const VlanTags parsed = VlanTags::parse(c.text);
		CHECK(parsed == c.tags);
		CHECK(parsed.text() == c.canonical);
		CHECK(VlanTags::parse(parsed.text()) == parsed);
		CHECK(VlanTags::from_abi(parsed.to_abi()) == parsed);
	}
	// as the BPF maps hold them: network byte order, zero past the last tag
	const xdpfwd_vlan_tags abi = VlanTags::parse("300.10").to_abi();
	CHECK(abi.tpid[0] == htons(0x88a8));
	CHECK(abi.vid[0] == htons(300));
	CHECK(abi.tpid[1] == htons(0x8100));
	CHECK(abi.vid[1] == htons(10));
	const xdpfwd_vlan_tags single = VlanTags::parse("100").to_abi();
	CHECK(single.tpid[1] == 0);
	CHECK(single.vid[1] == 0);
}

TEST_CASE("VlanTags: bad text is refused with EINVAL, naming it")
{
	for (const std::string bad : {"0", "4095", "10000", "1.2.3", "x", "100.", ".100", "1..2", "-1", "+1", " 100", "100 ",
				"0x10", "q:", "ad:", "dot1q:100", "Q:100", "100.0", "0.100", "none.1"}) {
		CAPTURE(bad);
		CHECK(errno_of([&] { (void)VlanTags::parse(bad); }) == EINVAL);
		const std::string message = message_of([&] { (void)VlanTags::parse(bad); });
		CHECK(message.find("\"" + bad + "\"") != std::string::npos);
		CHECK(message.find("1..4094") != std::string::npos); // what would be right
	}
}

TEST_CASE("map: a tagged route is refused while the port strips tags, unless told to turn that off")
{
	ForwardingPorts ports("mapvlanoff");
	const auto scope = ports.fwd.enter();
	MapForwarder forwarder;
	// a veth starts with receive VLAN offload on, as many NICs do
	REQUIRE(!rx_vlan_offloads(ports.in0).empty());
	const MapRoute tagged{ports.out0, next_hop_mac, egress_mac, VlanTags::parse("100"), {}};

	CHECK(errno_of([&] { forwarder.set_route(ports.in0, tagged); }) == EOPNOTSUPP);
	const std::string message = message_of([&] { forwarder.set_route(ports.in0, tagged); });
	CHECK_MESSAGE(message.find("ethtool -K in0") != std::string::npos, message);
	CHECK_MESSAGE(message.find("rx-vlan-hw-parse") != std::string::npos, message);
	CHECK_FALSE(forwarder.route(ports.in0).has_value()); // refused before anything was written
	CHECK(!rx_vlan_offloads(ports.in0).empty());

	// tags only on the way out need nothing of the ingress port
	const MapRoute push{ports.out0, next_hop_mac, egress_mac, {}, VlanTags::parse("300.10")};
	forwarder.set_route(ports.in1, push);
	CHECK(forwarder.route(ports.in1) == push);
	CHECK(!rx_vlan_offloads(ports.in1).empty());

	forwarder.set_route(ports.in0, tagged, true, true);
	CHECK(forwarder.route(ports.in0) == tagged);
	CHECK(rx_vlan_offloads(ports.in0).empty());

	// add_port, through AttachOptions
	forwarder.remove_route(ports.in1);
	AttachOptions options;
	options.turn_off_vlan_offload = true;
	const MapRoute qinq{ports.out0, next_hop_mac, egress_mac, VlanTags::parse("300.10"), {}};
	CHECK(errno_of([&] { forwarder.add_port(ports.in1, qinq); }) == EOPNOTSUPP);
	CHECK_FALSE(forwarder.route(ports.in1).has_value());
	forwarder.add_port(ports.in1, qinq, options);
	CHECK(forwarder.route(ports.in1) == qinq);
	CHECK(rx_vlan_offloads(ports.in1).empty());
}

TEST_CASE("map: tags are popped, pushed and rewritten, for IPv4 and IPv6")
{
	// priorities on the way in (pcp 7 + DEI, pcp 1, pcp 5) must neither stop the match nor leave
	const Retag cases[] = {
	    {"untagged in, untagged out", {}, "none", "none"},
	    {"802.1Q in, untagged out (pop)", {q100}, "100", "none"},
	    {"untagged in, 802.1Q out (push)", {}, "none", "200"},
	    {"802.1Q in, another VID out (rewrite)", {q100}, "100", "200"},
	    {"802.1Q in, same VID out", {q100}, "100", "100"},
	    {"802.1ad in, 802.1ad out", {ad100}, "ad:100", "ad:4094"},
	    {"802.1ad in, untagged out", {ad100}, "ad:100", "none"},
	    {"untagged in, 802.1ad out", {}, "none", "ad:1"},
	    {"802.1ad in, 802.1Q out (TPID rewritten)", {ad100}, "ad:100", "100"},
	    {"QinQ in, QinQ out (both VIDs rewritten)", {ad300, q10}, "300.10", "400.20"},
	    {"QinQ in, untagged out (two popped)", {ad300, q10}, "300.10", "none"},
	    {"untagged in, QinQ out (two pushed)", {}, "none", "300.10"},
	    {"QinQ in, 802.1Q out (outer popped)", {ad300, q10}, "300.10", "10"},
	    {"802.1Q in, QinQ out (outer pushed)", {q10}, "10", "300.10"},
	    {"two 802.1Q in, two 802.1Q out", {q300, q10}, "q:300.10", "q:301.11"},
	    {"two 802.1Q in, QinQ out", {q300, q10}, "q:300.10", "300.10"},
	    {"priority 7 and DEI in, cleared out", {{ethertype_8021q, 0xf064}}, "100", "100"},
	    {"QinQ with priorities in, cleared out", {{ethertype_8021ad, 0x312c}, {ethertype_8021q, 0xa00a}}, "300.10", "300.10"},
	    {"priority 1 in, popped", {{ethertype_8021q, 0x2064}}, "100", "none"},
	};
	VlanSetup setup;
	for (const Retag& c : cases) {
		CAPTURE(c.name);
		setup.set(c.ingress, c.egress);
		const WireTags out = wire(VlanTags::parse(c.egress));
		const auto scope = setup.fwd.enter();
		for (const Kind kind : kinds)
			for (const int ttl : {64, 2}) {
				CAPTURE(name_of(kind));
				CAPTURE(ttl);
				const auto hops = static_cast<std::uint8_t>(ttl);
				check_retagged(setup, packet(kind, c.in, hops), c.in.size(), forwarded(kind, out, hops), out.size());
			}
	}
}

TEST_CASE("map: frames with other tags than the route's reach the kernel unchanged, counted as vlan")
{
	struct Mismatch {
		std::string route; ///< the route's ingress tags
		std::string name;
		WireTags in;
	};
	const Mismatch cases[] = {
	    {"100", "untagged", {}},
	    {"100", "another VID", {{ethertype_8021q, 101}}},
	    {"100", "a priority tag (VID 0)", {{ethertype_8021q, 0x2000}}},
	    {"100", "802.1ad instead of 802.1Q", {ad100}},
	    {"100", "two tags instead of one (outer 100)", {{ethertype_8021ad, 100}, q10}},
	    {"100", "two tags instead of one (inner 100)", {ad300, q100}},
	    {"ad:100", "802.1Q instead of 802.1ad", {q100}},
	    {"300.10", "untagged", {}},
	    {"300.10", "the outer tag only", {ad300}},
	    {"300.10", "the inner tag only", {q10}},
	    {"300.10", "802.1Q outside", {q300, q10}},
	    {"300.10", "802.1ad inside", {ad300, {ethertype_8021ad, 10}}},
	    {"300.10", "another inner VID", {ad300, {ethertype_8021q, 11}}},
	    {"300.10", "another outer VID", {{ethertype_8021ad, 301}, q10}},
	    {"300.10", "the VIDs swapped", {{ethertype_8021ad, 10}, {ethertype_8021q, 300}}},
	    {"q:300.10", "QinQ (802.1ad outside)", {ad300, q10}},
	};
	VlanSetup setup;
	for (const Mismatch& c : cases) {
		CAPTURE(c.route);
		CAPTURE(c.name);
		setup.set(c.route, "200");
		const auto scope = setup.fwd.enter();
		for (const Kind kind : kinds) {
			CAPTURE(name_of(kind));
			check_left_to_kernel(setup.forwarder.program(), setup.in0, packet(kind, c.in), Reason::vlan);
		}
	}
}

TEST_CASE("map: on a tagged route the gate still comes first")
{
	VlanSetup setup;
	setup.set("300.10", "none");
	const auto scope = setup.fwd.enter();
	for (const Kind kind : kinds) {
		CAPTURE(name_of(kind));
		// expiring: the kernel sends Time Exceeded, whatever the tags
		check_left_to_kernel(setup.forwarder.program(), setup.in0, packet(kind, {ad300, q10}, 1), Reason::ttl_expired);
		check_left_to_kernel(setup.forwarder.program(), setup.in0, packet(kind, {q100}, 1), Reason::ttl_expired);
		// another port's frames are not this route's
		check_left_to_kernel(setup.forwarder.program(), setup.in1, packet(kind, {ad300, q10}), Reason::port_disabled);
	}
}
