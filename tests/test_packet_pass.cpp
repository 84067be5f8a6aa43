// The pass program (what a veth peer runs so that redirects into the veth are accepted): every
// frame goes to the stack exactly as it came, and is counted as PASS.
#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include "support/checks.hpp"
#include "support/netns.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;

namespace {

/// A namespace with one veth end (ifindex `port`) for the frames to arrive on.
struct PassSetup {
	Netns ns{"pass"};
	Netns peer{"pass-peer"};
	PassProgram pass;
	unsigned port = 0;

	PassSetup()
	{
		add_veth(ns, "p0", peer, "p0-peer");
		const auto scope = ns.enter();
		port = ifindex_of("p0");
	}
};

std::vector<NamedFrame> assorted_frames()
{
	std::vector<NamedFrame> frames = {
	    {"IPv4", ipv4_frame()},
	    {"IPv6", ipv6_frame()},
	    {"IPv4 in QinQ", ipv4_frame({}, {{ethertype_8021ad, 1}, {ethertype_8021q, 2}})},
	    {"IPv4 1400 bytes", ipv4_frame({}, {}, 1400)},
	};
	for (auto list : {expiring_frames(), malformed_frames(), non_ip_frames(), link_scoped_frames()})
		frames.insert(frames.end(), list.begin(), list.end());
	return frames;
}

} // namespace

TEST_CASE("pass: every frame goes to the stack untouched and is counted")
{
	PassSetup setup;
	const auto scope = setup.ns.enter();
	const StatsReader stats = setup.pass.stats();

	std::uint64_t packets = 0;
	std::uint64_t bytes = 0;
	for (const auto& [name, frame] : assorted_frames()) {
		INFO(name);
		const RunResult result = run(setup.pass.program(), frame, setup.port);
		CHECK(result.action == XdpAction::pass);
		CHECK(result.frame == frame);
		++packets;
		bytes += frame.size();
	}

	const StatsSnapshot snap = stats.snapshot();
	CHECK(snap[XdpAction::pass].packets == packets);
	CHECK(snap[XdpAction::pass].bytes == bytes);
	CHECK(snap.total_packets() == packets); // nothing counted as anything else
	for (std::size_t i = 0; i < reason_count; ++i)
		CHECK(snap.reasons[i].packets == 0); // the pass program has no reasons
}

TEST_CASE("pass: the kernel refuses to run XDP on a frame shorter than an Ethernet header")
{
	PassSetup setup;
	const auto scope = setup.ns.enter();
	check_runts_refused(setup.pass.program(), setup.port);
}

TEST_CASE("pass: the ingress ifindex must exist in the caller's namespace")
{
	// why the packet tests enter the namespace before running: the kernel resolves the ifindex
	// in the calling thread's namespace, and a missing one is refused
	PassSetup setup;
	RunResult result;
	{
		const auto scope = setup.ns.enter();
		CHECK(try_run(setup.pass.program(), ipv4_frame(), setup.port, result) == 0);
	}
	const auto scope = setup.peer.enter();
	// p0-peer has a different ifindex space; an index that exists nowhere here is refused
	CHECK(try_run(setup.pass.program(), ipv4_frame(), 4000, result) == -ENODEV);
}
