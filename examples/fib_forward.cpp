// Fib mode, as in the teaching case's third program: the kernel's routing table and neighbour
// cache decide per packet (bpf_fib_lookup), so `ip route` changes apply to the next packet.
// Every port both runs the program and may be chosen as an egress.
//
//   fib_forward [--direct] IF... [--seconds N]
//
// --direct looks up the main table only, skipping policy rules (ip rule).
#include <cstdio>
#include <string>

#include <xdpfwd/xdpfwd.hpp>

#include "example.hpp"

int main(int argc, char** argv)
{
	const example::StopSignal stop;
	const example::Options options = example::parse(argc, argv, {"--direct"});
	if (!options.ok || options.args.empty())
		return example::usage(argv[0], "[--direct] IF... [--seconds N]");
	try {
		xdpfwd::FibForwarder forwarder(options.has("--direct") ? xdpfwd::FibLookup::direct
								      : xdpfwd::FibLookup::full);
		std::string ports;
		for (const auto& port : options.args) {
			forwarder.add_port(port);  // ENOLINK for a veth whose peer has no XDP program
			ports += " " + port;
		}
		std::printf("fib (%s lookup) between%s\n", options.has("--direct") ? "direct" : "full", ports.c_str());
		stop.wait(options.seconds);

		std::printf("xdpfwd_fib on%s:\n", ports.c_str());
		example::print_stats(forwarder.stats());
	} catch (const xdpfwd::Error& e) {
		std::fprintf(stderr, "fib_forward: %s\n", e.what());
		return 1;
	}
	return 0;
}
