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
	// per frame: PASS, the frame as it came, and the PASS counter (only it) up by one frame
	for (const NamedFrame& named : assorted_frames()) {
		INFO(named.name); // not a structured binding: INFO's lambda cannot capture one in clang < 16
		check_verdict(setup.pass.program(), setup.port, named.frame, XdpAction::pass, {});
	}
	// it keeps no reason counters at all, and its snapshots say so rather than reading zeros
	CHECK_FALSE(setup.pass.program().has_map(XDPFWD_MAP_REASON_STATS));
	CHECK_FALSE(setup.pass.stats().snapshot().has_reasons);
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
