// A persistent forwarder outlives its C++ object and the process that made it: another process
// finds it by interface (no bpffs: xdpfwd never pins, it asks the interface), changes its routes
// or ports, reads its counters, and detaches exactly it.
#include <doctest/doctest.h>

#include <sched.h>
#include <sys/mount.h>

#include <cstdio>
#include <string>

#include <xdpfwd/xdpfwd.hpp>

#include "support/process.hpp"
#include "support/roles.hpp"
#include "support/scenario.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

void check_found_and_detached(const Scenario& s, const char* name, auto&& find)
{
	const auto in_router = s.router.enter();
	auto found = find();
	CHECK(found.program().name() == name);
	CHECK(found.attachments().empty()); // found, not owned: destroying it detaches nothing
	// another forwarder of the same mode cannot detach what is not its program
	{
		std::decay_t<decltype(found)> other;
		CHECK_FALSE(other.detach("uno"));
		REQUIRE(find_attached(s.uno_port));
		CHECK(find_attached(s.uno_port)->program.id() == found.program().id());
	}
	CHECK(found.detach("uno"));
	CHECK(found.detach("dos"));
	CHECK_FALSE(find_attached(s.uno_port));
	CHECK_FALSE(find_attached(s.dos_port));
	CHECK_FALSE(found.detach("uno")); // nothing left
	// the hosts' pass programs were not touched
	const auto in_uno = s.uno.enter();
	CHECK(find_attached(ifindex_of("veth0")));
}

} // namespace

TEST_CASE("persist: a map forwarder made persistent by one process is routed by a second (without bpffs) and used and detached by a third")
{
	Scenario s;
	warm_up(s);
	const MapRoute to_uno = s.map_route_to("uno");
	const MapRoute to_dos = s.map_route_to("dos");

	// 1. loads, attaches persistently without routes, destroys its forwarder and exits
	const int made = in_child([&] {
		const auto in_router = s.router.enter();
		MapForwarder forwarder;
		forwarder.attach("uno", AttachOptions{.persistent = true});
		forwarder.attach("dos", AttachOptions{.persistent = true});
		return 0;
	});
	REQUIRE(made == 0);
	std::uint32_t id = 0;
	{
		const auto in_router = s.router.enter();
		const auto on_uno = find_attached(s.uno_port);
		const auto on_dos = find_attached(s.dos_port);
		REQUIRE(on_uno);
		REQUIRE(on_dos);
		CHECK(on_uno->program.name() == "xdpfwd_map");
		CHECK(on_uno->program.id() == on_dos->program.id());
		id = on_uno->program.id();
	}
	CHECK(s.router_shows_xdp());
	{
		// attached without routes, it passes everything to the kernel
		const StatsReader stats = [&] {
			const auto in_router = s.router.enter();
			return MapForwarder::attached_to("dos").stats();
		}();
		const Observed unrouted = ping_through(s, s.dos, s.uno, Family::v4, &stats);
		report("persist map, no routes yet, ping dos->uno IPv4: " + unrouted.describe());
		CHECK(unrouted.arrived == 3);
		CHECK(unrouted.redirects == 0);
		CHECK(unrouted.kernel_forwarded == 6);
		CHECK(unrouted.delta(Reason::port_disabled) >= 6);
	}

	// 2. another process, in a mount namespace without bpffs, finds it by interface and routes
	const int routed = in_child([&] {
		if (::unshare(CLONE_NEWNS) != 0)
			return 10;
		if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0)
			return 11; // never unmount anything that would propagate to the host
		while (bpffs_mounted())
			if (::umount2("/sys/fs/bpf", MNT_DETACH) != 0)
				return 12;
		const auto in_router = s.router.enter();
		MapForwarder found = MapForwarder::attached_to("uno");
		if (found.program().id() != id || MapForwarder::attached_to("dos").program().id() != id)
			return 13;
		found.set_route("dos", to_uno);
		found.set_route("uno", to_dos);
		return 0;
	});
	REQUIRE(routed == 0);
	CHECK(bpffs_mounted()); // ours is untouched

	// 3. this process finds it again, sees the routes, and traffic flows in XDP
	{
		const StatsReader stats = [&] {
			const auto in_router = s.router.enter();
			const MapForwarder found = MapForwarder::attached_to("uno");
			CHECK(found.program().id() == id);
			CHECK(found.routes().size() == 2);
			CHECK(found.route("dos") == to_uno);
			CHECK(found.route("uno") == to_dos);
			return found.stats();
		}();
		check_xdp_forwards(s, stats, s.dos, s.uno, "persist map");
		check_xdp_forwards(s, stats, s.uno, s.dos, "persist map");
	}

	check_found_and_detached(s, "xdpfwd_map", [] { return MapForwarder::attached_to("dos"); });
	check_kernel_forwards(s, "persist map detached");
}

// Run by the next test case through `ip netns exec <router> <this binary>`, as a user's tool
// would be: a new process in the router namespace with /sys remounted, hence no bpffs.
XDPFWD_TEST_ROLE("fib-finder")
{
	auto fail = [](const char* why) {
		std::fprintf(stderr, "fib-finder: %s\n", why);
		return 1;
	};
	if (bpffs_mounted())
		return fail("bpffs is mounted here; the test wants to show it is not needed");
	FibForwarder found = FibForwarder::attached_to("uno");
	if (found.lookup() != FibLookup::direct)
		return fail("the found forwarder does not use direct lookups");
	if (FibForwarder::attached_to("dos").program().id() != found.program().id())
		return fail("uno and dos run different programs");
	if (!found.egress_ports().empty())
		return fail("ports were enabled before this process ran");
	for (const char* port : {"uno", "dos"})
		found.enable_egress(port);
	if (found.egress_ports().size() != 2)
		return fail("the two ports did not stick");
	std::printf("fib-finder: enabled uno and dos in program %u\n", found.program().id());
	return 0;
}

TEST_CASE("persist: a fib forwarder left by persist() is given its ports by an `ip netns exec` process, then used and detached by this one")
{
	Scenario s;
	warm_up(s);

	// 1. attaches (no egress ports yet), persist(), and exits
	const int made = in_child([&] {
		const auto in_router = s.router.enter();
		FibForwarder forwarder(FibLookup::direct);
		forwarder.attach("uno");
		forwarder.attach("dos");
		forwarder.persist();
		return 0;
	});
	REQUIRE(made == 0);
	{
		const auto in_router = s.router.enter();
		REQUIRE(find_attached(s.uno_port));
		REQUIRE(find_attached(s.dos_port));
		CHECK(find_attached(s.uno_port)->program.name() == "xdpfwd_fib");
	}

	// 2. a separate process started the way a user would
	int status = 0;
	const std::string text =
	    output("XDPFWD_TEST_ROLE=fib-finder " + s.router.exec(self_exe()), &status);
	INFO(text);
	REQUIRE(status == 0);
	CHECK(text.find("fib-finder: enabled uno and dos") != std::string::npos);

	// 3. this process finds it and traffic flows in XDP, as the kernel's FIB says
	{
		const StatsReader stats = [&] {
			const auto in_router = s.router.enter();
			const FibForwarder found = FibForwarder::attached_to("dos");
			CHECK(found.lookup() == FibLookup::direct);
			CHECK(found.is_egress(s.uno_port));
			CHECK(found.is_egress(s.dos_port));
			return found.stats();
		}();
		const StatsSnapshot start = stats.snapshot();
		check_xdp_forwards(s, stats, s.dos, s.uno, "persist fib");
		check_xdp_forwards(s, stats, s.uno, s.dos, "persist fib");
		const StatsSnapshot end = stats.snapshot();
		CHECK(end[Reason::fib_success].packets - start[Reason::fib_success].packets >= 104);
	}

	check_found_and_detached(s, "xdpfwd_fib", [] { return FibForwarder::attached_to("uno"); });
	check_kernel_forwards(s, "persist fib detached");
}
