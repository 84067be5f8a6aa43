// Map mode, as in the teaching case's second program: A -> B and B -> A, with the egress port
// and the MACs to write in BPF maps that user space may change while traffic flows.
//
//   map_forward IF_A IF_B [MAC_BEHIND_A MAC_BEHIND_B] [--seconds N]
//
// Without MACs, a veth port's far end is asked for its own: the MAC of its peer.
#include <cstdio>

#include <xdpfwd/xdpfwd.hpp>

#include "example.hpp"

namespace {

// The host behind a veth port is its peer, possibly in another namespace.
xdpfwd::MacAddress far_mac(unsigned port)
{
	const xdpfwd::LinkInfo link = xdpfwd::link_info(port);
	if (link.kind != "veth" || !link.peer)
		throw xdpfwd::Error(EINVAL, "find the host behind " + xdpfwd::describe_interface(port),
				    "not a veth: give MAC_BEHIND_A and MAC_BEHIND_B");
	return xdpfwd::link_info(*link.peer, link.peer_netnsid).mac;
}

} // namespace

int main(int argc, char** argv)
{
	const example::StopSignal stop;
	const example::Options options = example::parse(argc, argv);
	if (!options.ok || (options.args.size() != 2 && options.args.size() != 4))
		return example::usage(argv[0], "IF_A IF_B [MAC_BEHIND_A MAC_BEHIND_B] [--seconds N]");
	try {
		const unsigned a = xdpfwd::ifindex_of(options.args[0]);
		const unsigned b = xdpfwd::ifindex_of(options.args[1]);
		const bool given = options.args.size() == 4;
		const auto behind_a = given ? xdpfwd::MacAddress::parse(options.args[2]) : far_mac(a);
		const auto behind_b = given ? xdpfwd::MacAddress::parse(options.args[3]) : far_mac(b);

		xdpfwd::MapForwarder forwarder;
		// what arrives on a leaves b, addressed to the host behind b, from b's own MAC
		forwarder.add_port(a, {.egress = b, .dst_mac = behind_b, .src_mac = xdpfwd::mac_of(b)});
		forwarder.add_port(b, {.egress = a, .dst_mac = behind_a, .src_mac = xdpfwd::mac_of(a)});

		for (const auto& [ingress, route] : forwarder.routes())
			std::printf("map: %s -> %s, dst MAC %s\n", xdpfwd::name_of(ingress).c_str(),
				    xdpfwd::name_of(route.egress).c_str(), route.dst_mac.to_string().c_str());
		stop.wait(options.seconds);

		std::printf("xdpfwd_map on %s and %s:\n", options.args[0].c_str(), options.args[1].c_str());
		example::print_stats(forwarder.stats());
	} catch (const xdpfwd::Error& e) {
		std::fprintf(stderr, "map_forward: %s\n", e.what());
		return 1;
	}
	return 0;
}
