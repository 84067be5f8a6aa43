// Map mode on single frames (BPF_PROG_RUN): a routed ingress port's IP packets are redirected
// with the MACs of its route, TTL / hop limit one less and a correct IPv4 checksum; a port
// without a complete route, and whatever must not be forwarded, reach the kernel untouched.
#include <bpf/bpf.h>

#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include <optional>

#include "support/checks.hpp"
#include "support/forwarding_ports.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

/// in0 routed to out0, in1 never routed.
struct MapSetup : ForwardingPorts {
	MapForwarder forwarder;

	MapSetup() : ForwardingPorts("map")
	{
		fwd.inside([&] { forwarder.set_route(in0, {out0, next_hop_mac, egress_mac}); });
	}
};

} // namespace

TEST_CASE("map: IPv4 and IPv6 frames are forwarded with the route's MACs; tagged ones are not the route's")
{
	MapSetup setup;
	const auto scope = setup.fwd.enter();
	REQUIRE(setup.forwarder.route(setup.in0) == MapRoute{setup.out0, next_hop_mac, egress_mac});

	for (const auto& frames : {forwardable_ipv4_frames(), forwardable_ipv6_frames()})
		check_all_forwarded(setup.forwarder.program(), setup.in0, frames, next_hop_mac, egress_mac);
	// a route without tags takes untagged frames only: a VLAN's traffic is not silently routed
	for (const NamedFrame& named : tagged_frames()) {
		CAPTURE(named.name);
		check_left_to_kernel(setup.forwarder.program(), setup.in0, named.frame, Reason::vlan);
	}
}

TEST_CASE("map: a changed route applies to the next frame")
{
	MapSetup setup;
	const auto scope = setup.fwd.enter();
	const MacAddress other_next_hop = MacAddress::parse("02:00:00:00:00:cc");
	const MacAddress other_src = MacAddress::parse("02:00:00:00:00:dd");
	check_forwarded(setup.forwarder.program(), setup.in0, ipv4_frame(), next_hop_mac, egress_mac);
	setup.forwarder.set_route(setup.in0, {setup.out0, other_next_hop, other_src});
	check_forwarded(setup.forwarder.program(), setup.in0, ipv4_frame(), other_next_hop, other_src);
	check_forwarded(setup.forwarder.program(), setup.in0, ipv6_frame(), other_next_hop, other_src);
}

TEST_CASE("map: a port without a complete route is left to the kernel, unmodified")
{
	MapSetup setup;
	const auto scope = setup.fwd.enter();
	const Program& program = setup.forwarder.program();

	SUBCASE("unknown ingress")
	{
		check_left_to_kernel(program, setup.in1, ipv4_frame(), Reason::port_disabled);
		check_left_to_kernel(program, setup.in1, ipv6_frame(), Reason::port_disabled);
	}
	SUBCASE("MACs present, devmap entry removed")
	{
		// the redirect's fallback action reports the missing egress before anything is rewritten
		const std::uint32_t key = setup.in0;
		REQUIRE(bpf_map_delete_elem(setup.forwarder.ports().fd(), &key) == 0);
		REQUIRE_FALSE(setup.forwarder.route(setup.in0).has_value());
		check_left_to_kernel(program, setup.in0, ipv4_frame(), Reason::port_disabled);
		check_left_to_kernel(program, setup.in0, ipv6_frame(), Reason::port_disabled);
	}
	SUBCASE("route removed")
	{
		CHECK(setup.forwarder.remove_route(setup.in0));
		check_left_to_kernel(program, setup.in0, ipv4_frame(), Reason::port_disabled);
	}
}

TEST_CASE("map: what must not be forwarded reaches the kernel unchanged, with its reason")
{
	MapSetup setup;
	const auto scope = setup.fwd.enter();
	// the gate comes before the port lookup: same reasons on a routed and an unknown port
	for (const unsigned ingress : {setup.in0, setup.in1}) {
		CAPTURE(ingress);
		check_gate(setup.forwarder.program(), ingress);
	}
}

TEST_CASE("map: the counters add up to what was run")
{
	MapSetup setup;
	const auto scope = setup.fwd.enter();

	ActionTally tally(setup.forwarder.program(), setup.in0);
	Ipv6Header expiring;
	expiring.hop_limit = 1;
	for (int i = 0; i < 5; ++i)
		CHECK(tally.run(ipv4_frame({}, {}, 50 * i)) == XdpAction::redirect);
	CHECK(tally.run(ipv6_frame({}, {}, 700)) == XdpAction::redirect);
	CHECK(tally.run(ipv4_frame(), setup.in1) == XdpAction::pass);
	CHECK(tally.run(ipv6_frame(expiring)) == XdpAction::pass);
	CHECK(tally.run(malformed_frames().front().frame) == XdpAction::pass);

	const StatsSnapshot snap = tally.check_counters();
	CHECK(snap[XdpAction::redirect].packets == 6);
	CHECK(snap[XdpAction::pass].packets == 3);
	CHECK(snap[Reason::port_disabled].packets == 1);
	CHECK(snap[Reason::ttl_expired].packets == 1);
	CHECK(snap[Reason::malformed].packets == 1);
}
