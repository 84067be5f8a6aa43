// Faults while traffic flows through a fib forwarder with its route cache kept: interfaces
// deleted and recreated, a route flapped 500 times, the neighbour flushed, the program detached
// by another tool. Each asserts that nothing throws or crashes, that forwarding comes back where
// it can, and that nothing leaks: fds, programs and maps are counted before and after.
#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include <bpf/bpf.h>
#include <dirent.h>

#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "support/live_line.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;
using namespace std::chrono_literals;

namespace {

std::size_t open_fds()
{
	std::size_t count = 0;
	DIR* dir = ::opendir("/proc/self/fd");
	while (dir && ::readdir(dir))
		++count;
	if (dir)
		::closedir(dir);
	return count;
}

/// The kernel objects a forwarder holds: its program and its maps, by id.
struct KernelObjects {
	std::uint32_t program = 0;
	std::vector<std::uint32_t> maps;

	explicit KernelObjects(const Program& p) : program(p.id())
	{
		bpf_prog_info info{};
		std::uint32_t length = sizeof(info);
		maps.resize(16);
		info.nr_map_ids = static_cast<std::uint32_t>(maps.size());
		info.map_ids = reinterpret_cast<std::uintptr_t>(maps.data());
		REQUIRE(bpf_obj_get_info_by_fd(p.fd(), &info, &length) == 0);
		maps.resize(info.nr_map_ids);
	}

	/// True once the kernel has freed them all (it frees after the last reference, soon).
	[[nodiscard]] bool released() const
	{
		for (int i = 0; i < 100; ++i) {
			bool any = false;
			if (const int fd = bpf_prog_get_fd_by_id(program); fd >= 0) {
				::close(fd);
				any = true;
			}
			for (const std::uint32_t id : maps)
				if (const int fd = bpf_map_get_fd_by_id(id); fd >= 0) {
					::close(fd);
					any = true;
				}
			if (!any)
				return true;
			std::this_thread::sleep_for(10ms);
		}
		return false;
	}
};

/// A fib forwarder on rin and rout with a keeper, made inside the router; checks at the end
/// that it released everything it held.
struct Forwarding {
	const LiveLine& line;
	std::size_t fds_before = open_fds();
	std::optional<FibForwarder> fib;
	std::optional<KeeperThread> keeper;
	std::optional<KernelObjects> objects;

	explicit Forwarding(const LiveLine& l) : line(l)
	{
		const auto scope = line.router.enter();
		fib.emplace();
		fib->add_port("rin", {}, false);
		fib->add_port("rout");
		keeper.emplace(*fib);
		objects.emplace(fib->program());
	}

	[[nodiscard]] std::uint64_t redirected() const { return fib->stats().snapshot()[XdpAction::redirect].packets; }

	/// Frames keep arriving at the sink: `count` more within two seconds.
	[[nodiscard]] bool flowing(std::uint64_t count = 1000) const
	{
		const std::uint64_t from = line.received();
		return line.wait_for(from + count, 2.0) >= from + count;
	}

	/// `extra_fds`: what the test itself opened since (a generator program, an attachment).
	void finish(std::size_t extra_fds)
	{
		keeper.reset();
		{
			const auto scope = line.router.enter();
			fib.reset();
		}
		CHECK(objects->released());
		CHECK(open_fds() == fds_before + extra_fds);
	}
};

} // namespace

TEST_CASE("faults: the egress deleted and recreated")
{
	LiveLine line;
	Forwarding f(line);
	LiveTraffic traffic(line);
	REQUIRE(f.flowing());

	must(line.router.ip("link del rout")); // and s0 with it
	std::this_thread::sleep_for(100ms);
	add_veth(line.router, "rout", line.sink, "s0", {.b_mac = LiveLine::sink_mac});
	line.router.add_address("rout", "198.51.100.1/24");
	line.sink.add_address("s0", "198.51.100.2/24");
	must(line.router.ip("neigh replace 198.51.100.2 lladdr " + LiveLine::sink_mac.to_string() + " nud permanent dev rout"));
	line.sink.inside([&] {
		const_cast<PassProgram&>(line.arrived).attach("s0");
		return 0;
	});
	line.router.inside([&] {
		f.fib->add_port("rout");
		return 0;
	});
	CHECK(f.flowing());
	CHECK(f.keeper->stats().events[static_cast<std::size_t>(NetEvent::link)] > 0);
	traffic.stop();
	f.finish(1 + 2); // the generator; the sink's new attachment (program and namespace fds)
}

TEST_CASE("faults: the ingress deleted, traffic gone, then both back")
{
	LiveLine line;
	Forwarding f(line);
	{
		LiveTraffic traffic(line);
		REQUIRE(f.flowing());
		must(line.router.ip("link del rin")); // the generator's g0 goes with it: sending stops
		std::this_thread::sleep_for(100ms);
	}
	add_veth(line.gen, "g0", line.router, "rin", {.a_mac = LiveLine::gen_mac, .b_mac = LiveLine::rin_mac});
	line.router.add_address("rin", "192.0.2.1/24");
	line.router.inside([&] {
		CHECK_FALSE(f.fib->detach("rin")); // nothing of ours there any more: not an error
		f.fib->add_port("rin", {}, false);
		return 0;
	});
	LiveTraffic traffic(line);
	CHECK(f.flowing());
	traffic.stop();
	f.finish(1); // the generator
}

TEST_CASE("faults: a route flapped 500 times under traffic; the last word holds")
{
	LiveLine line;
	Forwarding f(line);
	must(line.router.ip("route replace 198.51.100.2/32 dev rout"));
	LiveTraffic traffic(line);
	REQUIRE(f.flowing());

	std::string batch;
	for (int i = 0; i < 250; ++i)
		batch += "route replace blackhole 198.51.100.2/32\nroute replace 198.51.100.2/32 dev rout\n";
	must("printf '" + batch + "' | " + line.router.ip("-batch -"));
	CHECK(f.flowing()); // the last replace routes it again, and the cache knows
	const KeeperStats stats = f.keeper->stats();
	MESSAGE("keeper: " << stats.events[static_cast<std::size_t>(NetEvent::route)] << " route events, "
			   << stats.events[static_cast<std::size_t>(NetEvent::overflow)] << " overflows, " << stats.invalidations
			   << " invalidations");
	CHECK(stats.events[static_cast<std::size_t>(NetEvent::route)] + stats.events[static_cast<std::size_t>(NetEvent::overflow)] > 0);
	CHECK(stats.cache_on);
	CHECK(f.fib->stats().snapshot()[Reason::cache_hit].packets > 0);

	// and the blackhole, when it is the last word, is obeyed in XDP
	must(line.router.ip("route replace blackhole 198.51.100.2/32"));
	std::this_thread::sleep_for(100ms);
	const std::uint64_t dropped = f.fib->stats().snapshot()[XdpAction::drop].packets;
	std::this_thread::sleep_for(200ms);
	CHECK(f.fib->stats().snapshot()[XdpAction::drop].packets > dropped + 100);
	CHECK_FALSE(f.flowing(100));
	traffic.stop();
	f.finish(1); // the generator
}

TEST_CASE("faults: the neighbour flushed; the kernel resolves it and XDP takes over again")
{
	LiveLine line(false);
	must(line.router.exec("ping -c 1 -W 1 198.51.100.2")); // resolve it once
	Forwarding f(line);
	LiveTraffic traffic(line);
	REQUIRE(f.flowing());
	must(line.router.ip("neigh flush dev rout"));
	CHECK(f.flowing());
	std::this_thread::sleep_for(200ms);
	const std::uint64_t redirected = f.redirected();
	std::this_thread::sleep_for(200ms);
	CHECK(f.redirected() > redirected + 100); // forwarded in XDP again, not by the kernel
	CHECK(f.fib->stats().snapshot()[Reason::fib_no_neighbour].packets > 0);
	traffic.stop();
	f.finish(1); // the generator
}

TEST_CASE("faults: the program detached by another tool; the kernel forwards, then XDP again")
{
	LiveLine line;
	// with GRO on, rin keeps receiving the generator's frames once no XDP program runs there
	must(line.router.exec("ethtool -K rin gro on"));
	Forwarding f(line);
	LiveTraffic traffic(line);
	REQUIRE(f.flowing());
	must(line.router.ip("link set dev rin xdp off"));
	const std::uint64_t redirected = f.redirected();
	CHECK(f.flowing()); // through the kernel's own forwarding
	line.router.inside([&] {
		CHECK(find_attached(ifindex_of("rin")) == std::nullopt);
		f.fib->add_port("rin", {}, false);
		return 0;
	});
	CHECK(f.flowing());
	CHECK(f.redirected() > redirected);
	traffic.stop();
	f.finish(1); // the generator
}
