// The ports a packet test of a static or map forwarder runs frames on (BPF_PROG_RUN): a
// forwarding namespace with two ingress ports and one egress whose veth peer accepts redirects.
#pragma once

#include <string>

#include <xdpfwd/xdpfwd.hpp>

#include "netns.hpp"

namespace xdpfwd::test {

/// What a route of the tests writes: the next hop as destination, the egress port as source.
inline const MacAddress next_hop_mac = MacAddress::parse("02:00:00:00:00:aa");
inline const MacAddress egress_mac = MacAddress::parse("02:00:00:00:00:bb");

/// `fwd` holds in0 and in1 (frames arrive there; their peers are in `sender`) and out0, the
/// egress, whose peer in `sink` runs PassProgram as the redirect-target check demands. Make
/// forwarders and routes from inside `fwd`, where the kernel resolves the egress.
struct ForwardingPorts {
	Netns fwd;
	Netns sender;
	Netns sink;
	PassProgram sink_pass;
	unsigned in0 = 0;
	unsigned in1 = 0;
	unsigned out0 = 0;

	explicit ForwardingPorts(const std::string& tag) : fwd(tag + "-fwd"), sender(tag + "-src"), sink(tag + "-sink")
	{
		add_veth(fwd, "in0", sender, "in0-peer");
		add_veth(fwd, "in1", sender, "in1-peer");
		add_veth(fwd, "out0", sink, "out0-peer");
		sink.inside([&] { sink_pass.attach("out0-peer"); });
		const auto scope = fwd.enter();
		in0 = ifindex_of("in0");
		in1 = ifindex_of("in1");
		out0 = ifindex_of("out0");
	}
};

} // namespace xdpfwd::test
