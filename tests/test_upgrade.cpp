// Hitless upgrade: a fresh copy of a running forwarder's program, sharing its maps, swapped in
// atomically on every port while traffic flows: no frame is lost, routes and counters carry
// over, and a change of mode is as atomic.
#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include <chrono>
#include <thread>

#include "support/live_line.hpp"
#include "support/shell.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;
using namespace std::chrono_literals;

namespace {

const MacAddress sink_mac = LiveLine::sink_mac;

/// Frames a veth refused to pass to its peer, whose ring was full (ethtool:
/// tx_queue_0_xdp_xmit_errors): g0's never reached the forwarder, rout's never reached the sink.
/// A flood on a loaded machine (or under TCG) fills a ring now and then, upgrades or not.
std::uint64_t ring_full_drops(const Netns& ns, const std::string& device)
{
	const std::string stats = output(ns.exec("ethtool -S " + device));
	const std::string name = "tx_queue_0_xdp_xmit_errors:";
	const auto at = stats.find(name);
	return at == std::string::npos ? 0 : std::stoull(stats.substr(at + name.size()));
}

} // namespace

TEST_CASE("100 hitless upgrades of a fib forwarder under load lose no frame; counters carry over")
{
	LiveLine line;
	auto scope = line.router.enter();
	FibForwarder fib;
	fib.add_port("rin", {}, false); // the generator's end needs no receive path
	fib.add_port("rout");
	const std::uint32_t first_id = fib.program().id();
	scope.reset();

	LiveTraffic traffic(line);
	std::this_thread::sleep_for(100ms);
	scope = line.router.enter();
	for (int i = 0; i < 100; ++i)
		fib = FibForwarder::upgrade(fib, false);
	scope.reset();
	std::this_thread::sleep_for(100ms);
	// what reached the router: the generator's frames less those g0's peer ring had no room for
	const std::uint64_t sent = traffic.stop() - ring_full_drops(line.gen, "g0");
	const std::uint64_t ring_full = ring_full_drops(line.router, "rout"); // final: nothing is sent any more
	const std::uint64_t received = line.wait_for(sent - ring_full, 30); // returns once all arrived
	MESSAGE("sent " << sent << ", received " << received << " across 100 upgrades; the sink's ring was full for "
			<< ring_full);
	REQUIRE(sent > 10000);
	CHECK(received + ring_full == sent); // none lost in the swap: every frame arrived or met a full ring
	CHECK(fib.program().id() != first_id);
	// the counters are the first program's maps: every frame is in them, as REDIRECT
	CHECK(fib.stats().snapshot()[XdpAction::redirect].packets == sent);
	scope = line.router.enter();
	CHECK(fib.egress_ports().size() == 2);
	CHECK(find_attached(ifindex_of("rin"))->program.id() == fib.program().id());
	CHECK(find_attached(ifindex_of("rout"))->program.id() == fib.program().id());
}

TEST_CASE("upgrades keep map routes and static routes; a change of mode is atomic too")
{
	LiveLine line;
	auto scope = line.router.enter();
	const unsigned rout = ifindex_of("rout");
	const MapRoute route{rout, sink_mac, mac_of(rout)};
	MapForwarder map;
	map.add_port("rin", route);
	scope.reset();

	LiveTraffic traffic(line);
	std::this_thread::sleep_for(50ms);
	scope = line.router.enter();
	map = MapForwarder::upgrade(map, false);
	CHECK(map.route("rin") == route);
	std::this_thread::sleep_for(20ms);
	// map -> fib -> static -> map, each swapped in where the other ran
	FibForwarder fib;
	fib.enable_egress("rout");
	CHECK(fib.take_over(map.program(), false) == std::vector<unsigned>{ifindex_of("rin")});
	std::this_thread::sleep_for(20ms);
	StaticForwarder fixed({rout, sink_mac, mac_of(rout)});
	fixed = StaticForwarder::upgrade(fixed, false); // a static program attached nowhere: nothing to take over
	CHECK(fixed.take_over(fib.program(), false).size() == 1);
	std::this_thread::sleep_for(20ms);
	fixed = StaticForwarder::upgrade(fixed, false);
	std::this_thread::sleep_for(20ms);
	CHECK(fixed.route().dst_mac == sink_mac);
	MapForwarder back;
	back.set_route("rin", route);
	CHECK(back.take_over(fixed.program(), false).size() == 1);
	scope.reset();
	std::this_thread::sleep_for(50ms);
	const std::uint64_t sent = traffic.stop() - ring_full_drops(line.gen, "g0");
	const std::uint64_t ring_full = ring_full_drops(line.router, "rout");
	const std::uint64_t received = line.wait_for(sent - ring_full, 30);
	MESSAGE("sent " << sent << ", received " << received << " across map -> fib -> static -> map; the sink's ring was full for "
			<< ring_full);
	CHECK(received + ring_full == sent);
}
