// The original's first scenario, "hardcoded forwarding": what arrives on the router's `dos`
// leaves through its `uno` in XDP with fixed MACs; the way back is the router kernel's.
#include <doctest/doctest.h>

#include <xdpfwd/xdpfwd.hpp>

#include "support/scenario.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

TEST_CASE("static: dos -> uno forwarded in XDP, replies through the kernel, detaching restores the kernel path")
{
	Scenario s;
	warm_up(s);
	const MacAddress uno_host_mac = Scenario::mac(s.uno, "veth0");
	const MacAddress router_uno_mac = Scenario::mac(s.router, "uno");

	{
		const auto in_router = s.router.enter(); // the forwarder lives and dies in the router
		StaticForwarder forwarder(StaticRoute{Interface("uno"), uno_host_mac, router_uno_mac});
		forwarder.add_port("dos");
		const StaticRoute frozen = forwarder.route();
		CHECK(frozen.egress.ifindex() == s.uno_port);
		CHECK(frozen.dst_mac == uno_host_mac);
		CHECK(frozen.src_mac == router_uno_mac);
		const auto attached = find_attached(s.dos_port);
		REQUIRE(attached);
		CHECK(attached->program.name() == "xdpfwd_static");
		CHECK_FALSE(find_attached(s.uno_port)); // the return path is the kernel's
		const StatsReader stats = forwarder.stats();

		// the echo requests never reach the router's stack; the replies go through it
		check_xdp_forwards(s, stats, s.dos, s.uno, "static", Replies::kernel);

		// uno -> dos is not the forwarder's: the kernel forwards the requests, XDP the replies
		const Observed back = ping_through(s, s.uno, s.dos, Family::v4, &stats);
		report("static ping uno->dos IPv4: " + back.describe());
		CHECK(back.arrived == 3);
		CHECK(back.kernel_forwarded == 3);
		CHECK(back.redirects >= 3);
		REQUIRE(back.frame);
		CHECK(back.frame->ttl == 63);
	}
	check_kernel_forwards(s, "static detached");
}

TEST_CASE("static: the egress check refuses a veth whose peer has no XDP program")
{
	Scenario s;
	s.remove_pass(s.uno);
	{
		const auto in_uno = s.uno.enter();
		CHECK_FALSE(find_attached(ifindex_of("veth0")));
	}
	const auto in_router = s.router.enter();
	try {
		StaticForwarder forwarder(StaticRoute{Interface("uno"), Scenario::mac(s.uno, "veth0"), std::nullopt});
		FAIL("a veth egress whose peer has no XDP program was accepted");
	} catch (const Error& e) {
		CHECK(e.code().value() == ENOLINK);
		CHECK(std::string(e.what()).find("attach pass veth0") != std::string::npos);
	}
}
