// The original's second scenario, "semi-hardcoded forwarding": one map forwarder on the
// router's `uno` and `dos`, each port's egress and MACs in maps, traffic both ways in XDP.
#include <doctest/doctest.h>

#include <xdpfwd/xdpfwd.hpp>

#include "support/scenario.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

TEST_CASE("map: uno <-> dos forwarded in XDP both ways, routes change while traffic flows, detaching restores the kernel path")
{
	Scenario s;
	warm_up(s);
	// what arrives on dos leaves on uno for uno's host, and the other way round
	const MapRoute to_uno = s.map_route_to("uno");
	const MapRoute to_dos = s.map_route_to("dos");

	{
		const auto in_router = s.router.enter(); // the forwarder lives and dies in the router
		MapForwarder forwarder;
		forwarder.add_port("dos", to_uno);
		forwarder.add_port("uno", to_dos);
		CHECK(forwarder.routes().size() == 2);
		CHECK(forwarder.route("dos") == to_uno);
		CHECK(forwarder.route("uno") == to_dos);
		check_router_runs(s, forwarder.program());
		const StatsReader stats = forwarder.stats();

		check_xdp_forwards(s, stats, s.dos, s.uno, "map");
		check_xdp_forwards(s, stats, s.uno, s.dos, "map");

		// a port without a route is the kernel's, until the route is back
		{
			CHECK(forwarder.remove_route("dos"));
			CHECK_FALSE(forwarder.route("dos"));
			CHECK(find_attached(s.dos_port)); // still attached: it passes what it has no route for
			const Observed unrouted = ping_through(s, s.dos, s.uno, Family::v4, &stats);
			report("map without dos route, ping dos->uno IPv4: " + unrouted.describe());
			CHECK(unrouted.arrived == 3);
			CHECK(unrouted.kernel_forwarded == 3);        // the requests
			CHECK(unrouted.redirects == 3);               // the replies, still routed on uno
			CHECK(unrouted.delta(Reason::port_disabled) >= 3);

			forwarder.set_route("dos", to_uno);
			const Observed rerouted = ping_through(s, s.dos, s.uno, Family::v4, &stats);
			report("map dos route back, ping dos->uno IPv4: " + rerouted.describe());
			CHECK(rerouted.arrived == 3);
			CHECK(rerouted.kernel_forwarded == 0);
			CHECK(rerouted.redirects >= 6);
		}
		// remove_port detaches one port and leaves the other
		{
			CHECK(forwarder.remove_port("uno"));
			CHECK_FALSE(find_attached(s.uno_port));
			CHECK_FALSE(forwarder.route("uno"));
			REQUIRE(find_attached(s.dos_port));
			CHECK(find_attached(s.dos_port)->program.id() == forwarder.program().id());
			// dos -> uno still XDP; the replies uno -> dos the kernel's
			const Observed half = ping_through(s, s.dos, s.uno, Family::v6, &stats);
			report("map after remove_port(uno), ping dos->uno IPv6: " + half.describe());
			CHECK(half.arrived == 3);
			CHECK(half.redirects >= 3);
			CHECK(half.kernel_forwarded == 3);
			CHECK_FALSE(forwarder.remove_port("uno")); // nothing left to remove
		}
	}
	check_kernel_forwards(s, "map detached");
}
