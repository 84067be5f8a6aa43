// The original's third scenario, "auto forwarding": a fib forwarder on the router's `uno` and
// `dos` asks the kernel's routing table and neighbour cache per packet, so `ip route` changes
// apply to the very next packet.
#include <doctest/doctest.h>

#include <xdpfwd/xdpfwd.hpp>

#include "support/scenario.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

// A route that refuses `destination` (blackhole, prohibit, ...) makes the forwarder drop what
// goes there, counted with `reason`; deleting it brings XDP forwarding back.
void check_reject_route(const Scenario& s, const StatsReader& stats, Family family, const std::string& type,
			Reason reason, const std::string& label)
{
	const std::string destination = s.addresses(s.uno).of(family);
	const std::string route = (family == Family::v6 ? "-6 route " : "route ") + std::string("%s ") + type + " " +
				  destination + (family == Family::v6 ? "/128" : "/32");
	const auto route_command = [&](const char* verb) {
		std::string command = route;
		command.replace(command.find("%s"), 2, verb);
		return s.router.ip(command);
	};
	const std::string what = label + " " + type + " " + destination;
	CAPTURE(what);

	must(route_command("add"));
	const Observed refused = ping_through(s, s.dos, s.uno, family, &stats, 2);
	report(what + " added, ping dos->uno: " + refused.describe() + ", DROP +" +
	       std::to_string(refused.delta(XdpAction::drop)) + ", " + std::string(to_string(reason)) + " +" +
	       std::to_string(refused.delta(reason)));
	CHECK(refused.sent == 2);
	CHECK(refused.arrived == 0);
	CHECK(refused.delta(XdpAction::drop) >= 2);
	CHECK(refused.delta(reason) >= 2);
	CHECK(refused.redirects == 0);
	CHECK(refused.kernel_forwarded == 0);
	CHECK_FALSE(refused.frame);

	must(route_command("del"));
	const Observed restored = ping_through(s, s.dos, s.uno, family, &stats);
	report(what + " deleted, ping dos->uno: " + restored.describe());
	CHECK(restored.arrived == 3);
	CHECK(restored.redirects >= 6);
	CHECK(restored.delta(Reason::fib_success) >= 6);
	CHECK(restored.delta(XdpAction::drop) == 0);
	CHECK(restored.kernel_forwarded == 0);
}

void check_fib_scenario(FibLookup lookup, const std::string& label)
{
	Scenario s;
	warm_up(s);

	{
		const auto in_router = s.router.enter(); // the forwarder lives and dies in the router
		FibForwarder forwarder(lookup);
		forwarder.add_port("uno");
		forwarder.add_port("dos");
		CHECK(forwarder.lookup() == lookup);
		CHECK(forwarder.is_egress(s.uno_port));
		CHECK(forwarder.is_egress(s.dos_port));
		check_router_runs(s, forwarder.program());
		const StatsReader stats = forwarder.stats();

		const StatsSnapshot start = stats.snapshot();
		check_xdp_forwards(s, stats, s.dos, s.uno, label);
		check_xdp_forwards(s, stats, s.uno, s.dos, label);
		const StatsSnapshot end = stats.snapshot();
		// 2 directions x 2 families x (3 requests + 3 replies + 20 datagrams)
		const auto successes = end[Reason::fib_success].packets - start[Reason::fib_success].packets;
		report(label + ": fib_success +" + std::to_string(successes) + ", XDP_REDIRECT +" +
		       std::to_string(end[XdpAction::redirect].packets - start[XdpAction::redirect].packets));
		CHECK(successes >= 104);
		CHECK(end[XdpAction::redirect].packets - start[XdpAction::redirect].packets >= 104);

		check_reject_route(s, stats, Family::v4, "blackhole", Reason::fib_blackhole, label);
		check_reject_route(s, stats, Family::v6, "prohibit", Reason::fib_prohibit, label);
		check_reject_route(s, stats, Family::v4, "unreachable", Reason::fib_unreachable, label);

		// a packet that would expire is the kernel's: the router answers Time Exceeded (traceroute)
		{
			const StatsSnapshot before = stats.snapshot();
			const std::string text = Scenario::output_in(
			    s.dos, "ping -4 -n -c 1 -W 1 -t 1 " + s.addresses(s.uno).v4);
			const StatsSnapshot after = stats.snapshot();
			INFO(text);
			CHECK(text.find("From " + s.addresses(s.dos).router_v4) != std::string::npos);
			CHECK(text.find("Time to live exceeded") != std::string::npos);
			CHECK(after[Reason::ttl_expired].packets - before[Reason::ttl_expired].packets == 1);
			CHECK(after[XdpAction::redirect].packets == before[XdpAction::redirect].packets);
		}

		// an unknown neighbour is the kernel's to resolve; once it has, XDP takes over again
		must(s.router.ip("-4 neigh flush dev uno"));
		const Observed resolving = ping_through(s, s.dos, s.uno, Family::v4, &stats);
		report(label + " after neigh flush, ping dos->uno IPv4: " + resolving.describe() + ", fib_no_neigh +" +
		       std::to_string(resolving.delta(Reason::fib_no_neighbour)));
		CHECK(resolving.arrived == 3);
		CHECK(resolving.delta(Reason::fib_no_neighbour) >= 1);
		CHECK(resolving.kernel_forwarded >= 1);
		const Observed resolved = ping_through(s, s.dos, s.uno, Family::v4, &stats);
		CHECK(resolved.arrived == 3);
		CHECK(resolved.redirects >= 6);
		CHECK(resolved.kernel_forwarded == 0);

		// a port taken out of tx_ports may no longer be an egress: the kernel forwards there
		CHECK(forwarder.disable_egress(s.uno_port));
		const Observed disabled = ping_through(s, s.dos, s.uno, Family::v6, &stats);
		report(label + " uno not in tx_ports, ping dos->uno IPv6: " + disabled.describe());
		CHECK(disabled.arrived == 3);
		CHECK(disabled.kernel_forwarded == 3); // the requests; the replies still leave on dos in XDP
		CHECK(disabled.redirects >= 3);
		CHECK(disabled.delta(Reason::port_disabled) >= 3);
		forwarder.enable_egress(s.uno_port);
	}
	check_kernel_forwards(s, label + " detached");
}

} // namespace

TEST_CASE("fib (full lookup): uno <-> dos in XDP, ip route changes apply to the next packet, detaching restores the kernel path")
{
	check_fib_scenario(FibLookup::full, "fib full");
}

TEST_CASE("fib (direct lookup): uno <-> dos in XDP, ip route changes apply to the next packet, detaching restores the kernel path")
{
	check_fib_scenario(FibLookup::direct, "fib direct");
}
