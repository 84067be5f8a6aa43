// Routes from a routing daemon: BIRD 2 in the router namespace learns prefixes over BGP from a
// BIRD on host dos and installs them in the kernel; fib mode forwards to them in XDP, stops when
// dos withdraws a prefix, and forwards again when dos announces it anew.
//
//   [uno] ---- [router: BIRD AS 65001, fib forwarder] ---- [dos: BIRD AS 65002]
//                                                          203.0.113.10, 2001:db8:ff::10 on lo,
//                                                          announced as 203.0.113.0/24 and
//                                                          2001:db8:ff::/48
//
// Every wait has a deadline and nothing is asserted about time: the times are reported
// (XDPFWD_TEST_VERBOSE=1).
#include <doctest/doctest.h>

#include <xdpfwd/xdpfwd.hpp>

#include <chrono>
#include <thread>

#include "support/bird.hpp"
#include "support/scenario.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

using Clock = std::chrono::steady_clock;

const std::string prefix_v4 = "203.0.113.0/24";
const std::string prefix_v6 = "2001:db8:ff::/48";
const std::string target_v4 = "203.0.113.10";
const std::string target_v6 = "2001:db8:ff::10";

// BGP's defaults wait 5 s before the first connection and 120 s before another: a lab wants 1 s.
const std::string bgp_timers = "  connect delay time 1;\n  connect retry time 1;\n  error wait time 1, 5;\n";

std::string router_config()
{
	return "router id 198.51.100.1;\n"
	       "protocol device { }\n"
	       "protocol kernel { ipv4 { import none; export all; }; }\n"
	       "protocol kernel { ipv6 { import none; export all; }; }\n"
	       "protocol bgp dos4 {\n  local 198.51.100.1 as 65001;\n  neighbor 198.51.100.2 as 65002;\n" +
	       bgp_timers +
	       "  ipv4 { import all; export none; };\n}\n"
	       "protocol bgp dos6 {\n  local 2001:db8:2::1 as 65001;\n  neighbor 2001:db8:2::2 as 65002;\n" +
	       bgp_timers + "  ipv6 { import all; export none; };\n}\n";
}

std::string peer_config()
{
	return "router id 198.51.100.2;\n"
	       "protocol device { }\n"
	       "protocol static announce4 { ipv4; route " + prefix_v4 + " blackhole; }\n"
	       "protocol static announce6 { ipv6; route " + prefix_v6 + " blackhole; }\n"
	       "protocol bgp router4 {\n  local 198.51.100.2 as 65002;\n  neighbor 198.51.100.1 as 65001;\n" +
	       bgp_timers +
	       "  ipv4 { import none; export all; };\n}\n"
	       "protocol bgp router6 {\n  local 2001:db8:2::2 as 65002;\n  neighbor 2001:db8:2::1 as 65001;\n" +
	       bgp_timers + "  ipv6 { import none; export all; };\n}\n";
}

/// Whether the router's kernel has `prefix` from BIRD (proto bird).
bool installed(const Scenario& s, Family family, const std::string& prefix)
{
	const std::string text = output(s.router.ip(std::string(family == Family::v6 ? "-6 " : "-4 ") + "route show " + prefix + " proto bird"));
	return text.find(prefix.substr(0, prefix.find('/'))) != std::string::npos;
}

/// Waits (at most `limit`) until the kernel's route to `prefix` is present or gone as `wanted`;
/// the seconds that took, or a negative number at the deadline.
double wait_route(const Scenario& s, Family family, const std::string& prefix, bool wanted,
		  std::chrono::seconds limit = std::chrono::seconds(30))
{
	const auto start = Clock::now();
	while (installed(s, family, prefix) != wanted) {
		if (Clock::now() - start > limit)
			return -1;
		std::this_thread::sleep_for(std::chrono::milliseconds(1));
	}
	return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string ms(double seconds)
{
	return std::to_string(static_cast<long>(seconds * 1000 + 0.5)) + " ms";
}

/// Pings and UDP datagrams from uno to `target` arrive at dos, forwarded in XDP both ways.
void check_forwarded(const Scenario& s, const StatsReader& stats, Family family, const std::string& target,
		     const std::string& what)
{
	CAPTURE(what);
	const StatsSnapshot before = stats.snapshot();
	const auto kernel_before = s.kernel_forwarded(family);
	const PingResult pinged = ping(s.uno.name(), target, {.count = 3});
	UdpFlow flow(s.uno, s.dos, target, 40000);
	const int arrived = flow.send_and_count(20);
	const StatsSnapshot after = stats.snapshot();
	const auto redirects = after[XdpAction::redirect].packets - before[XdpAction::redirect].packets;
	const auto kernel = s.kernel_forwarded(family) - kernel_before;
	report(what + ": ping " + std::to_string(pinged.received) + "/3, UDP " + std::to_string(arrived) +
	       "/20 at dos, XDP_REDIRECT +" + std::to_string(redirects) + ", kernel forwarded +" + std::to_string(kernel));
	CHECK(pinged.received == 3);
	CHECK(arrived == 20);
	CHECK(redirects >= 3 + 3 + 20); // requests, replies, datagrams
	CHECK(kernel == 0);
}

/// Pings from uno to `target` get nowhere: no route, so the lookup finds nothing to forward to
/// (NOT_FWDED) and the kernel answers "unreachable"; nothing is redirected.
void check_not_forwarded(const Scenario& s, const StatsReader& stats, const std::string& target, const std::string& what)
{
	CAPTURE(what);
	const StatsSnapshot before = stats.snapshot();
	const PingResult pinged = ping(s.uno.name(), target, {.count = 2});
	const StatsSnapshot after = stats.snapshot();
	const auto redirects = after[XdpAction::redirect].packets - before[XdpAction::redirect].packets;
	const auto not_forwarded = after[Reason::fib_not_forwarded].packets - before[Reason::fib_not_forwarded].packets;
	report(what + ": ping " + std::to_string(pinged.received) + "/" + std::to_string(pinged.transmitted) +
	       ", XDP_REDIRECT +" + std::to_string(redirects) + ", fib_not_forwarded +" + std::to_string(not_forwarded));
	CHECK(pinged.transmitted == 2);
	CHECK(pinged.received == 0);
	CHECK(redirects == 0);
	CHECK(not_forwarded >= 2);
}

} // namespace

TEST_CASE("bird: prefixes learned over BGP are forwarded in XDP, a withdrawn one is not, a re-announced one is again")
{
	Scenario s;
	warm_up(s);
	for (const Netns* ns : {&s.dos})
		for (const std::string& target : {target_v4 + "/32", target_v6 + "/128"})
			ns->add_address("lo", target);

	const auto in_router = s.router.enter();
	FibForwarder forwarder(FibLookup::full);
	forwarder.add_port("uno");
	forwarder.add_port("dos");
	KeeperThread keeper(forwarder); // route changes from BIRD must reach a cached forwarder too
	const StatsReader stats = forwarder.stats();

	// nothing routes there yet
	check_not_forwarded(s, stats, target_v4, "before BGP, IPv4");

	const auto start = Clock::now();
	Bird router_bird(s.router, router_config());
	Bird peer_bird(s.dos, peer_config());
	struct Prefix {
		Family family;
		std::string prefix, target, announcer;
	};
	const Prefix prefixes[] = {{Family::v4, prefix_v4, target_v4, "announce4"},
				   {Family::v6, prefix_v6, target_v6, "announce6"}};
	for (const auto& p : prefixes) {
		const std::string label = to_string(p.family);
		CAPTURE(label);
		const double waited = wait_route(s, p.family, p.prefix, true);
		INFO("router's BIRD:\n" << router_bird.log() << "\npeer's BIRD:\n" << peer_bird.log());
		REQUIRE(waited >= 0);
		report(label + " " + p.prefix + " in the router's kernel " +
		       ms(std::chrono::duration<double>(Clock::now() - start).count()) + " after BIRD started");
	}

	for (const auto& p : prefixes) {
		const std::string label = to_string(p.family);
		CAPTURE(label);
		check_forwarded(s, stats, p.family, p.target, label + " announced");

		peer_bird.birdc("disable " + p.announcer);
		const double withdrawn = wait_route(s, p.family, p.prefix, false);
		REQUIRE(withdrawn >= 0);
		report(label + " withdrawn: gone from the router's kernel " + ms(withdrawn) + " after birdc returned");
		check_not_forwarded(s, stats, p.target, label + " withdrawn");

		peer_bird.birdc("enable " + p.announcer);
		const double restored = wait_route(s, p.family, p.prefix, true);
		REQUIRE(restored >= 0);
		report(label + " re-announced: in the router's kernel " + ms(restored) + " after birdc returned");
		check_forwarded(s, stats, p.family, p.target, label + " re-announced");
	}
	CHECK_FALSE(keeper.failure());
}
