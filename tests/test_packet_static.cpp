// Static mode on single frames (BPF_PROG_RUN): every forwardable IP packet is redirected to the
// one egress with the configured MACs, TTL / hop limit one less and a correct IPv4 checksum;
// everything else reaches the kernel exactly as it arrived, with the reason counted.
#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include <memory>

#include "support/checks.hpp"
#include "support/forwarding_ports.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

struct StaticSetup : ForwardingPorts {
	StaticSetup() : ForwardingPorts("st") {}

	/// A static forwarder to out0 (made inside fwd: the egress name resolves there).
	[[nodiscard]] std::unique_ptr<StaticForwarder> forwarder(std::optional<MacAddress> src) const
	{
		return fwd.inside([&] { return std::make_unique<StaticForwarder>(StaticRoute{"out0", next_hop_mac, src}); });
	}
};

void check_all_forwarded(const StaticForwarder& forwarder, unsigned ingress, const std::vector<NamedFrame>& frames,
			 const MacAddress& expected_src)
{
	test::check_all_forwarded(forwarder.program(), ingress, frames, next_hop_mac, expected_src);
}

} // namespace

TEST_CASE("static: IPv4 is forwarded with the configured MACs, TTL - 1 and a correct checksum")
{
	StaticSetup setup;
	const auto rewriting = setup.forwarder(egress_mac);
	const auto keeping = setup.forwarder(std::nullopt);
	const auto scope = setup.fwd.enter();
	CHECK(rewriting->route().egress.ifindex() == setup.out0);

	SUBCASE("source MAC rewritten") { check_all_forwarded(*rewriting, setup.in0, forwardable_ipv4_frames(), egress_mac); }
	SUBCASE("source MAC kept") { check_all_forwarded(*keeping, setup.in0, forwardable_ipv4_frames(), peer_mac); }
}

TEST_CASE("static: the incremental checksum update wraps like a from-scratch sum")
{
	StaticSetup setup;
	const auto forwarder = setup.forwarder(egress_mac);
	const auto scope = setup.fwd.enter();
	// TTL - 1 adds 0x0100 to the checksum (one's complement): these pairs straddle the wrap
	const std::pair<std::uint16_t, std::uint16_t> expected[] = {
	    {0xfeff, 0x0000}, {0xff00, 0x0001}, {0xfffe, 0x00ff}, {0x0000, 0x0100}, {0xfe00, 0xff00}};
	for (const auto& pair : expected) {
		// named, not a structured binding, which INFO's lambda cannot capture in clang < 16
		const std::uint16_t before = pair.first;
		const std::uint16_t after = pair.second;
		INFO("checksum before " << before);
		const Bytes frame = ipv4_frame_with_checksum({}, before);
		REQUIRE(ipv4_checksum(frame) == before);
		const RunResult result = check_forwarded(forwarder->program(), setup.in0, frame, next_hop_mac, egress_mac);
		CHECK(ipv4_checksum(result.frame) == after);
	}
}

TEST_CASE("static: IPv6 is forwarded with the configured MACs and hop limit - 1")
{
	StaticSetup setup;
	const auto rewriting = setup.forwarder(egress_mac);
	const auto keeping = setup.forwarder(std::nullopt);
	const auto scope = setup.fwd.enter();
	check_all_forwarded(*rewriting, setup.in0, forwardable_ipv6_frames(), egress_mac);
	check_all_forwarded(*keeping, setup.in0, forwardable_ipv6_frames(), peer_mac);
}

TEST_CASE("static: VLAN-tagged frames are forwarded with their tags intact")
{
	StaticSetup setup;
	const auto forwarder = setup.forwarder(egress_mac);
	const auto scope = setup.fwd.enter();
	// check_forwarded compares every byte after the MACs: the tags included
	check_all_forwarded(*forwarder, setup.in0, tagged_frames(), egress_mac);
}

TEST_CASE("static: what must not be forwarded reaches the kernel unchanged, with its reason")
{
	StaticSetup setup;
	const auto forwarder = setup.forwarder(egress_mac);
	const auto scope = setup.fwd.enter();
	check_gate(forwarder->program(), setup.in0);
}

TEST_CASE("static: the counters add up to what was run")
{
	StaticSetup setup;
	const auto forwarder = setup.forwarder(egress_mac);
	const auto scope = setup.fwd.enter();

	ActionTally tally(forwarder->program(), setup.in0);
	Ipv4Header expiring;
	expiring.ttl = 1;
	for (int i = 0; i < 3; ++i)
		CHECK(tally.run(ipv4_frame({}, {}, 100 + i)) == XdpAction::redirect);
	CHECK(tally.run(ipv6_frame({}, {}, 1000)) == XdpAction::redirect);
	CHECK(tally.run(ipv4_frame(expiring)) == XdpAction::pass);
	CHECK(tally.run(non_ip_frames().front().frame) == XdpAction::pass);

	const StatsSnapshot snap = tally.check_counters();
	CHECK(snap[XdpAction::redirect].packets == 4); // not just "equal": the runs above did happen
	CHECK(snap[Reason::ttl_expired].packets == 1);
	CHECK(snap[Reason::not_ip].packets == 1);
}
