// The veth peer's side: frames redirected into a veth are only received when its peer runs an
// XDP program. This attaches xdpfwd_pass persistently (it outlives this process), and with
// --detach finds it again by interface, prints what it counted, and removes it.
//
//   pass_attach IF [--detach]
//   e.g. ip netns exec uno pass_attach veth0
#include <cstdio>

#include <xdpfwd/xdpfwd.hpp>

#include "example.hpp"

int main(int argc, char** argv)
{
	const example::StopSignal stop;  // not waited on: only keeps a signal from interrupting us
	const example::Options options = example::parse(argc, argv, {"--detach"});
	if (!options.ok || options.args.size() != 1 || options.seconds)
		return example::usage(argv[0], "IF [--detach]");
	const auto& name = options.args[0];
	try {
		const unsigned port = xdpfwd::ifindex_of(name);
		auto attached = xdpfwd::find_attached(port);
		const bool ours = attached && attached->kind == xdpfwd::ForwarderKind::pass;

		if (options.has("--detach")) {
			if (!ours) {
				std::printf("%s: no xdpfwd_pass attached, nothing to do\n", name.c_str());
				return 0;
			}
			std::printf("xdpfwd_pass on %s (id %u):\n", name.c_str(), attached->program.id());
			example::print_stats(xdpfwd::StatsReader(attached->program));
			xdpfwd::XdpProgram(std::move(*attached)).detach();  // adopt what we left, then detach
			std::printf("%s: detached\n", name.c_str());
			return 0;
		}
		if (ours) {
			std::printf("%s: xdpfwd_pass already attached (id %u)\n", name.c_str(), attached->program.id());
			return 0;
		}
		xdpfwd::PassProgram pass;
		pass.attach(port, {.persistent = true});  // EBUSY naming any other program there
		std::printf("%s: xdpfwd_pass attached (id %u, %s mode), persistent\n", name.c_str(), pass.program().id(),
			    xdpfwd::to_string(pass.attachments().front().mode()));
	} catch (const xdpfwd::Error& e) {
		std::fprintf(stderr, "pass_attach: %s\n", e.what());
		return 1;
	}
	return 0;
}
