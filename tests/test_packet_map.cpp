// Map mode on single frames (BPF_PROG_RUN): a routed ingress port's IP packets are redirected
// with the MACs of its route, TTL / hop limit one less and a correct IPv4 checksum; a port
// without a complete route, and whatever must not be forwarded, reach the kernel untouched.
#include <bpf/bpf.h>

#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include <optional>

#include "support/netns.hpp"
#include "support/prog_run.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

const MacAddress next_hop_mac = MacAddress::parse("02:00:00:00:00:aa");
const MacAddress egress_mac = MacAddress::parse("02:00:00:00:00:bb");

/// fwd holds in0 (routed to out0), in1 (never routed) and out0, whose peer in `sink` runs
/// PassProgram as the redirect-target check demands. Routes are set from inside fwd, where the
/// kernel resolves the devmap's egress ifindex.
struct MapSetup {
	Netns fwd{"map-fwd"};
	Netns sender{"map-src"};
	Netns sink{"map-sink"};
	std::optional<PassProgram> sink_pass;
	MapForwarder forwarder;
	unsigned in0 = 0;
	unsigned in1 = 0;
	unsigned out0 = 0;

	MapSetup()
	{
		add_veth(fwd, "in0", sender, "in0-peer");
		add_veth(fwd, "in1", sender, "in1-peer");
		add_veth(fwd, "out0", sink, "out0-peer");
		{
			const auto scope = sink.enter();
			sink_pass.emplace().attach("out0-peer");
		}
		const auto scope = fwd.enter();
		in0 = ifindex_of("in0");
		in1 = ifindex_of("in1");
		out0 = ifindex_of("out0");
		forwarder.set_route(in0, {out0, next_hop_mac, egress_mac});
	}
	MapSetup(const MapSetup&) = delete;
	MapSetup& operator=(const MapSetup&) = delete;
	~MapSetup()
	{
		// detach where the ifindex means out0-peer, not in whatever namespace the test is in
		const auto scope = sink.enter();
		sink_pass.reset();
	}
};

} // namespace

TEST_CASE("map: IPv4, IPv6 and tagged frames are forwarded with the route's MACs")
{
	MapSetup setup;
	const auto scope = setup.fwd.enter();
	REQUIRE(setup.forwarder.route(setup.in0) == MapRoute{setup.out0, next_hop_mac, egress_mac});

	for (auto frames : {forwardable_ipv4_frames(), forwardable_ipv6_frames(), tagged_frames()})
		for (const auto& [name, frame] : frames) {
			INFO(name);
			check_forwarded(setup.forwarder.program(), setup.in0, frame, next_hop_mac, egress_mac);
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
		check_left_to_kernel(program, setup.in0, tagged_frames().front().frame, Reason::port_disabled);
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
	const Program& program = setup.forwarder.program();

	// the gate comes before the port lookup: same reasons on a routed and an unknown port
	for (const unsigned ingress : {setup.in0, setup.in1}) {
		CAPTURE(ingress);
		check_runts_refused(program, ingress);
		for (const auto& [name, frame] : expiring_frames()) {
			INFO(name);
			check_left_to_kernel(program, ingress, frame, Reason::ttl_expired);
		}
		for (const auto& [name, frame] : malformed_frames()) {
			INFO(name);
			check_left_to_kernel(program, ingress, frame, Reason::malformed);
		}
		for (const auto& [name, frame] : non_ip_frames()) {
			INFO(name);
			check_left_to_kernel(program, ingress, frame, Reason::not_ip);
		}
		for (const auto& [name, frame] : link_scoped_frames()) {
			INFO(name);
			check_left_to_kernel(program, ingress, frame, Reason::link_scoped);
		}
	}
}

TEST_CASE("map: the counters add up to what was run")
{
	MapSetup setup;
	const auto scope = setup.fwd.enter();
	const Program& program = setup.forwarder.program();

	std::array<Counter, xdp_action_count> expected{};
	auto run_counting = [&](const Bytes& frame, unsigned ingress) {
		const RunResult result = run(program, frame, ingress);
		auto& counter = expected[static_cast<std::size_t>(result.action)];
		++counter.packets;
		counter.bytes += frame.size();
		return result.action;
	};
	Ipv6Header expiring;
	expiring.hop_limit = 1;
	for (int i = 0; i < 5; ++i)
		CHECK(run_counting(ipv4_frame({}, {}, 50 * i), setup.in0) == XdpAction::redirect);
	CHECK(run_counting(ipv6_frame({}, {}, 700), setup.in0) == XdpAction::redirect);
	CHECK(run_counting(ipv4_frame(), setup.in1) == XdpAction::pass);
	CHECK(run_counting(ipv6_frame(expiring), setup.in0) == XdpAction::pass);
	CHECK(run_counting(malformed_frames().front().frame, setup.in0) == XdpAction::pass);

	const StatsSnapshot snap = setup.forwarder.stats().snapshot();
	for (std::size_t i = 0; i < xdp_action_count; ++i) {
		INFO("action " << to_string(static_cast<XdpAction>(i)));
		CHECK(snap.actions[i].packets == expected[i].packets);
		CHECK(snap.actions[i].bytes == expected[i].bytes);
	}
	CHECK(snap[XdpAction::redirect].packets == 6);
	CHECK(snap[XdpAction::pass].packets == 3);
	CHECK(snap[Reason::port_disabled].packets == 1);
	CHECK(snap[Reason::ttl_expired].packets == 1);
	CHECK(snap[Reason::malformed].packets == 1);
}
