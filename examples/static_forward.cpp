// Static mode, as in the teaching case's first program: every IP packet arriving on IN leaves
// through OUT towards one fixed MAC. Nothing is compiled in: the egress and the MACs are the
// program's read-only data, set before load.
//
//   static_forward IN OUT DST_MAC [SRC_MAC] [--seconds N]
//   e.g. in the router namespace: static_forward dos uno <MAC of veth0 behind uno>
#include <cstdio>
#include <optional>

#include <xdpfwd/xdpfwd.hpp>

#include "example.hpp"

int main(int argc, char** argv)
{
	const example::StopSignal stop;  // first: no signal may end us while attached
	const example::Options options = example::parse(argc, argv);
	if (!options.ok || options.args.size() < 3 || options.args.size() > 4)
		return example::usage(argv[0], "IN OUT DST_MAC [SRC_MAC] [--seconds N]");
	const auto& in = options.args[0];
	const auto& out = options.args[1];
	try {
		std::optional<xdpfwd::MacAddress> src_mac;
		if (options.args.size() == 4)
			src_mac = xdpfwd::MacAddress::parse(options.args[3]);
		// Refuses a veth OUT whose peer has no XDP program (ENOLINK): see pass_attach.
		xdpfwd::StaticForwarder forwarder(
		    {.egress = out, .dst_mac = xdpfwd::MacAddress::parse(options.args[2]), .src_mac = src_mac});
		forwarder.add_port(in);  // attached until `forwarder` is destroyed

		std::printf("static: %s -> %s, dst MAC %s\n", in.c_str(), out.c_str(), options.args[2].c_str());
		stop.wait(options.seconds);

		std::printf("xdpfwd_static on %s:\n", in.c_str());
		example::print_stats(forwarder.stats());
	} catch (const xdpfwd::Error& e) {
		std::fprintf(stderr, "static_forward: %s\n", e.what());
		return 1;
	}
	return 0;
}
