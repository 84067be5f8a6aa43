// Fib mode's route cache against the FIB itself (BPF_PROG_RUN in a real router namespace): a
// cached and an uncached fib program see the same frames while random route tables change under
// them, with a RouteCacheKeeper processing each change; every answer must be the same. Then what
// the keeper promises: the cache off where its key is not complete, and off again soon after a
// keeper dies.
#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>
#include <xdpfwd/route_cache.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/netns.hpp"
#include "support/packet.hpp"
#include "support/pinned.hpp"
#include "support/prog_run.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;
using namespace std::chrono_literals;

namespace {

const MacAddress router_mac = MacAddress::parse("02:00:00:00:00:01");
const MacAddress host_mac = MacAddress::parse("02:00:00:00:00:99");

/// src:s0 -- p0 router p1..p3 -- sink:k1..k3. p1..p3 have 198.51.100.{1,65,129}/26 and
/// 2001:db8:a{1,2,3}::1/64, each with a permanent neighbour (.2 / ::2) behind it. Destinations
/// are routed in 203.0.113.0/24 and 2001:db8:f000::/36, to which no traffic ever goes: the
/// frames only run through BPF_PROG_RUN.
struct Lab {
	Netns src{"rc-src"};
	Netns router{"rc-rtr"};
	Netns sink{"rc-sink"};
	unsigned p0 = 0;

	Lab()
	{
		add_veth(src, "s0", router, "p0", {.b_mac = router_mac});
		for (int i = 1; i <= 3; ++i) {
			const std::string port = "p" + std::to_string(i);
			add_veth(router, port, sink, "k" + std::to_string(i));
			router.add_address(port, "198.51.100." + std::to_string(64 * (i - 1) + 1) + "/26");
			router.add_address(port, "2001:db8:a" + std::to_string(i) + "::1/64");
			set_neighbour(i, 1);
		}
		router.add_address("p0", "192.0.2.1/24");
		router.add_address("p0", "2001:db8:1::1/64");
		router.set_forwarding(true);
		p0 = router.inside([] { return ifindex_of("p0"); });
	}

	static std::string gateway4(int port) { return "198.51.100." + std::to_string(64 * (port - 1) + 2); }
	static std::string gateway6(int port) { return "2001:db8:a" + std::to_string(port) + "::2"; }

	/// The neighbours behind `port` get MAC 02:00:00:00:<port>:<version>.
	void set_neighbour(int port, int version) const
	{
		char mac[32];
		std::snprintf(mac, sizeof(mac), "02:00:00:00:%02x:%02x", port, version);
		const std::string dev = " dev p" + std::to_string(port);
		must(router.ip("neigh replace " + gateway4(port) + " lladdr " + mac + " nud permanent" + dev));
		must(router.ip("neigh replace " + gateway6(port) + " lladdr " + mac + " nud permanent" + dev));
	}

	void enable_egress(FibForwarder& fib) const
	{
		router.inside([&] {
			for (const char* port : {"p0", "p1", "p2", "p3"})
				fib.enable_egress(port);
			return 0;
		});
	}
};

/// Runs the keeper until it has handled notifications (after a change the test just made).
void settle(RouteCacheKeeper& keeper)
{
	auto total = [&] {
		std::uint64_t sum = 0;
		for (const auto n : keeper.stats().events)
			sum += n;
		return sum;
	};
	const std::uint64_t before = total();
	const auto deadline = std::chrono::steady_clock::now() + 2s;
	while (total() == before && std::chrono::steady_clock::now() < deadline) {
		pollfd p{keeper.fd(), POLLIN, 0};
		::poll(&p, 1, 20);
		keeper.process();
	}
	REQUIRE(total() > before);
	// notifications of one command may come in several reads
	std::this_thread::sleep_for(5ms);
	keeper.process();
}

struct Random {
	std::mt19937 engine;
	explicit Random(unsigned seed) : engine(seed) {}
	int below(int n) { return std::uniform_int_distribution<int>(0, n - 1)(engine); }
	bool chance(double p) { return std::bernoulli_distribution(p)(engine); }
};

/// A prefix inside the routed ranges: IPv4 /24../32 of 203.0.113.0/24, IPv6 /40../64 of
/// 2001:db8:f000::/36. `host` picks an address inside it instead.
std::string random_prefix(Random& r, bool v6, bool host)
{
	if (!v6) {
		const int len = 24 + r.below(9);
		const unsigned last = static_cast<unsigned>(r.below(256)) & (len == 24 ? 0u : ~0u << (32 - len)) & 0xff;
		const unsigned address = host ? static_cast<unsigned>(r.below(256)) : last;
		return "203.0.113." + std::to_string(address) + (host ? "" : "/" + std::to_string(len));
	}
	char text[64];
	const int len = 40 + 4 * r.below(7);
	// two hex groups below f000 pick the prefix; lengths past them fix the third group too
	const unsigned g2 = 0xf000 | static_cast<unsigned>(r.below(16)) << 8 | static_cast<unsigned>(r.below(2)) << 4;
	const unsigned g3 = static_cast<unsigned>(r.below(4));
	if (host)
		std::snprintf(text, sizeof(text), "2001:db8:%x:%x::%x", g2, g3, r.below(100) + 1);
	else
		std::snprintf(text, sizeof(text), "2001:db8:%x:%x::/%d", g2, len >= 64 ? g3 : 0, len);
	return text;
}

/// One random route (to a prefix from random_prefix), as `ip route replace` arguments.
std::string random_route(Random& r, bool v6)
{
	const std::string prefix = random_prefix(r, v6, false);
	const int port = 1 + r.below(3);
	switch (r.below(8)) {
	case 0:
		return "blackhole " + prefix;
	case 1:
		return "unreachable " + prefix;
	case 2:
		return "prohibit " + prefix;
	case 3: // a next hop with no neighbour entry: NO_NEIGH
		return prefix + " via " + (v6 ? "2001:db8:a" + std::to_string(port) + "::7" : "198.51.100." + std::to_string(64 * (port - 1) + 7));
	case 4: // a smaller MTU: long packets must take the lookup and get FRAG_NEEDED
		return prefix + " via " + (v6 ? Lab::gateway6(port) : Lab::gateway4(port)) + " mtu lock " + std::to_string(1280 + r.below(200));
	default:
		return prefix + " via " + (v6 ? Lab::gateway6(port) : Lab::gateway4(port));
	}
}

Bytes random_frame(Random& r, bool v6)
{
	const std::size_t data = static_cast<std::size_t>(r.below(1400));
	if (v6) {
		Ipv6Header h;
		h.dst = random_prefix(r, true, true);
		h.flow_label = static_cast<std::uint32_t>(r.below(1 << 20));
		return ethernet(router_mac, host_mac, ethertype_ipv6, ipv6(h, udp(1000, 2000, data)));
	}
	Ipv4Header h;
	h.dst = random_prefix(r, false, true);
	h.tos = static_cast<std::uint8_t>(r.below(4) << 2);
	return ethernet(router_mac, host_mac, ethertype_ipv4, ipv4(h, udp(1000, 2000, data)));
}

} // namespace

TEST_CASE("a cached fib program answers as the FIB does, through random tables and changes")
{
	const unsigned seed = 20261202;
	INFO("seed " << seed);
	Random r(seed);
	Lab lab;
	FibForwarder cached;
	FibForwarder crowded(FibLookup::full, 4); // 4 slots per CPU: destinations keep taking each other's slot
	FibForwarder plain;
	lab.enable_egress(cached);
	lab.enable_egress(crowded);
	lab.enable_egress(plain);
	// covering routes, so that most destinations resolve; random ones on top of them
	must(lab.router.ip("route replace 203.0.113.0/24 via " + Lab::gateway4(1)));
	must(lab.router.ip("route replace 2001:db8:f000::/36 via " + Lab::gateway6(1)));
	for (int i = 0; i < 60; ++i)
		must(lab.router.ip(std::string(i % 2 ? "-6 " : "") + "route replace " + random_route(r, i % 2)));

	const auto scope = lab.router.enter();
	RouteCacheKeeper keeper(cached);
	RouteCacheKeeper crowded_keeper(crowded);
	keeper.process();
	crowded_keeper.process();
	REQUIRE(keeper.stats().cache_on);
	REQUIRE(crowded_keeper.stats().cache_on);

	unsigned compared = 0;
	unsigned cache_off_batches = 0;
	bool rule = false;
	bool multipath = false;
	for (int batch = 0; batch < 40; ++batch) {
		CAPTURE(batch);
		std::vector<std::pair<Bytes, RunResult>> frames;
		for (int i = 0; i < 150; ++i) {
			const Bytes frame = random_frame(r, r.chance(0.5));
			frames.emplace_back(frame, run(plain.program(), frame, lab.p0));
		}
		// twice over: the first pass may fill the caches, the second must answer from them alike,
		// where the crowded one has mostly had the slot taken over by another destination since
		for (int pass = 0; pass < 2; ++pass)
			for (const auto& [frame, want] : frames)
				for (const FibForwarder* fib : {&cached, &crowded}) {
					const RunResult got = run(fib->program(), frame, lab.p0);
					CHECK(got.action == want.action);
					CHECK(got.frame == want.frame);
					compared += fib == &cached;
				}
		if (!keeper.stats().cache_on)
			++cache_off_batches;

		// one random change, then the keeper hears of it; a rule or multipath route stays one batch
		const int change = rule ? 6 : multipath ? 7 : r.below(12);
		switch (change) {
		case 0:
		case 1:
		case 2:
		case 9:
		case 10:
		case 11: {
			const bool v6 = r.chance(0.5);
			must(lab.router.ip(std::string(v6 ? "-6 " : "") + "route replace " + random_route(r, v6)));
			break;
		}
		case 3:
			// deleting may hit a prefix that is not there: the kernel refuses, nothing changes
			run(lab.router.ip("route del " + random_prefix(r, false, false)));
			must(lab.router.ip("route replace " + random_route(r, false))); // always some notification
			break;
		case 4:
			lab.set_neighbour(1 + r.below(3), 2 + batch);
			break;
		case 5:
			lab.router.set_forwarding(batch % 2 == 0);
			break;
		case 6:
			must(lab.router.ip(std::string(rule ? "rule del" : "rule add") + " from 192.0.2.0/24 table main priority 100"));
			rule = !rule;
			break;
		case 7:
			must(lab.router.ip(std::string(multipath ? "route del 203.0.113.240/28" :
								   "route replace 203.0.113.240/28 nexthop via " + Lab::gateway4(1) +
								       " nexthop via " + Lab::gateway4(2))));
			multipath = !multipath;
			break;
		default:
			must(lab.router.ip("link set p" + std::to_string(1 + r.below(3)) + " mtu " + std::to_string(1300 + r.below(200))));
			break;
		}
		settle(keeper);
		settle(crowded_keeper);
		// the keeper turns the cache off exactly while its key would be incomplete
		CHECK(keeper.stats().cache_on == (!rule && !multipath));
	}
	lab.router.set_forwarding(true);

	const StatsSnapshot stats = cached.stats().snapshot();
	MESSAGE("compared " << compared << " answers; cache hits " << stats[Reason::cache_hit].packets << ", misses "
			    << stats[Reason::cache_miss].packets << ", stale " << stats[Reason::cache_stale].packets
			    << "; batches with the cache off " << cache_off_batches);
	// the comparison meant something: the cache answered, and refused entries from before changes
	CHECK(stats[Reason::cache_hit].packets > compared / 5);
	CHECK(stats[Reason::cache_stale].packets > 0);
	// and the crowded cache answered too, between its many misses (every one a slot taken over)
	const StatsSnapshot crowded_stats = crowded.stats().snapshot();
	MESSAGE("4-slot cache: hits " << crowded_stats[Reason::cache_hit].packets << ", misses "
				      << crowded_stats[Reason::cache_miss].packets);
	CHECK(crowded_stats[Reason::cache_hit].packets > 0);
	CHECK(crowded_stats[Reason::cache_miss].packets > stats[Reason::cache_miss].packets + compared / 4);
	CHECK(plain.stats().snapshot()[Reason::cache_hit].packets == 0); // no keeper: no cache
}

TEST_CASE("a set holds two destinations and gives up the least recently used one")
{
	Lab lab;
	FibForwarder tiny(FibLookup::full, 2); // one set of two slots: every destination shares it
	const Pinned pinned(::sched_getcpu()); // one CPU's cache (BPF_PROG_RUN runs where the caller does)
	lab.enable_egress(tiny);
	must(lab.router.ip("route replace 203.0.113.0/24 via " + Lab::gateway4(1)));
	const auto scope = lab.router.enter();
	RouteCacheKeeper keeper(tiny);
	keeper.process();
	REQUIRE(keeper.stats().cache_on);

	const auto frame_to = [](const char* dst) {
		Ipv4Header h;
		h.dst = dst;
		return ethernet(router_mac, host_mac, ethertype_ipv4, ipv4(h, udp(1000, 2000, 18)));
	};
	const Bytes a = frame_to("203.0.113.10"), b = frame_to("203.0.113.20"), c = frame_to("203.0.113.30");
	std::uint64_t hits = 0, misses = 0;
	const auto send = [&](const Bytes& frame) {
		const RunResult got = run(tiny.program(), frame, lab.p0);
		CHECK(got.action == XdpAction::redirect);
		const StatsSnapshot stats = tiny.stats().snapshot();
		const bool hit = stats[Reason::cache_hit].packets > hits;
		hits = stats[Reason::cache_hit].packets;
		misses = stats[Reason::cache_miss].packets;
		return hit;
	};
	CHECK_FALSE(send(a));
	CHECK_FALSE(send(b));
	for (int i = 0; i < 10; ++i) { // two destinations in one set both stay
		CHECK(send(a));
		CHECK(send(b));
	}
	CHECK(send(a));       // a is now the more recent,
	CHECK_FALSE(send(c)); // so c takes b's slot
	CHECK(send(a));
	CHECK(send(c));
	CHECK_FALSE(send(b));
	CHECK(misses == 4);
}

TEST_CASE("the keeper turns the cache off for rules and multipath, and on again when they go")
{
	Lab lab;
	FibForwarder fib;
	FibForwarder direct(FibLookup::direct);
	const auto scope = lab.router.enter();
	RouteCacheKeeper keeper(fib);
	RouteCacheKeeper direct_keeper(direct);
	CHECK(keeper.stats().cache_on);

	must(lab.router.ip("-6 rule add from 2001:db8:1::/64 table main priority 100"));
	settle(keeper);
	settle(direct_keeper);
	CHECK_FALSE(keeper.stats().cache_on);
	CHECK(keeper.stats().off_reason.find("policy rule") != std::string::npos);
	const RouteCacheState state = route_cache_state(fib); // what another process (status) sees
	CHECK(state.keeper_alive);
	CHECK_FALSE(state.on);
	CHECK(state.off_reason == XDPFWD_CACHE_OFF_POLICY_RULES);
	CHECK(direct_keeper.stats().cache_on); // a direct lookup never reads rules
	must(lab.router.ip("-6 rule del from 2001:db8:1::/64 table main priority 100"));
	settle(keeper);
	CHECK(keeper.stats().cache_on);

	must(lab.router.ip("-6 route add 2001:db8:f100::/48 nexthop via " + Lab::gateway6(1) + " nexthop via " + Lab::gateway6(2)));
	settle(keeper);
	CHECK_FALSE(keeper.stats().cache_on);
	CHECK(keeper.stats().off_reason.find("multipath route to 2001:db8:f100::/48") != std::string::npos);
	// IPv6 removes a multipath route one nexthop at a time: off until the last one goes
	must(lab.router.ip("-6 route del 2001:db8:f100::/48 via " + Lab::gateway6(1)));
	settle(keeper);
	must(lab.router.ip("-6 route del 2001:db8:f100::/48"));
	settle(keeper);
	CHECK(keeper.stats().cache_on);

	must(lab.router.ip("-6 route add 2001:db8:f200::/48 from 2001:db8:1::/64 via " + Lab::gateway6(1)));
	settle(keeper);
	CHECK(keeper.stats().off_reason.find("source-specific route") != std::string::npos);
}

TEST_CASE("a killed keeper's lease runs out: the program then follows route changes again")
{
	Lab lab;
	FibForwarder fib;
	lab.enable_egress(fib);
	must(lab.router.ip("route add 203.0.113.0/24 via " + Lab::gateway4(1)));
	Ipv4Header header;
	header.dst = "203.0.113.9";
	const Bytes frame = ethernet(router_mac, host_mac, ethertype_ipv4, ipv4(header, udp(1, 2, 32)));
	const auto scope = lab.router.enter();
	// every run on one CPU: on another, this CPU's cache slot would be empty and the lookup made
	const Pinned pinned(::sched_getcpu());

	// the keeper runs in a child, which the test kills without warning
	int ready[2];
	REQUIRE(::pipe(ready) == 0);
	const pid_t child = ::fork();
	if (child == 0) {
		KeeperThread keeper(fib, {.heartbeat = 50ms, .lease = 250ms});
		(void)!::write(ready[1], "k", 1);
		for (;;)
			::pause();
	}
	char byte = 0;
	REQUIRE(::read(ready[0], &byte, 1) == 1);

	// the cache fills and answers while the keeper lives
	run(fib.program(), frame, lab.p0);
	REQUIRE(run(fib.program(), frame, lab.p0).action == XdpAction::redirect);
	CHECK(fib.stats().snapshot()[Reason::cache_hit].packets >= 1);
	RouteCacheState state = route_cache_state(fib);
	CHECK(state.keeper_alive);
	CHECK(state.on);
	CHECK(state.entries == 1);

	REQUIRE(::kill(child, SIGKILL) == 0);
	::waitpid(child, nullptr, 0);
	// a change the dead keeper never hears of: a cache still in use would keep forwarding
	must(lab.router.ip("route replace blackhole 203.0.113.0/24"));
	const auto killed = std::chrono::steady_clock::now();
	XdpAction action = XdpAction::redirect;
	while (action == XdpAction::redirect && std::chrono::steady_clock::now() - killed < 5s) {
		action = run(fib.program(), frame, lab.p0).action;
		std::this_thread::sleep_for(10ms);
	}
	const auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - killed);
	MESSAGE("the blackhole was obeyed " << waited.count() << " ms after the keeper was killed (lease 250 ms)");
	CHECK(action == XdpAction::drop);
	CHECK(waited < 3s); // the lease (250 ms) plus a tick, not forever; generous for a loaded machine
	state = route_cache_state(fib);
	CHECK_FALSE(state.keeper_alive);
	CHECK_FALSE(state.on);
}
