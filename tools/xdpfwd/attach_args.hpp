// What `attach` and `run` share on the command line: how to attach (--mode, --force,
// --no-peer-check), static mode's arguments and fib mode's --lookup.
#pragma once

#include <string>

#include <xdpfwd/xdpfwd.hpp>

namespace CLI {
class App;
class Validator;
} // namespace CLI

namespace xdpfwd::cli {

struct AttachFlags {
	std::string mode = "auto";
	bool force = false;
	bool no_peer_check = false;

	[[nodiscard]] AttachOptions options() const;
};

/// --mode, --force and --no-peer-check on `command` (its modes accept them too: fallthrough).
void add_attach_flags(CLI::App& command, AttachFlags& flags);

/// A CLI11 check: a MAC address, refused with MacAddress::parse's own explanation.
const CLI::Validator& mac_address();

/// Static mode's IN OUT DST_MAC [SRC_MAC].
struct StaticArgs {
	std::string in, out, dst_mac, src_mac;

	/// The route to freeze into the program, OUT resolved now (Error ENODEV if it does not exist).
	[[nodiscard]] StaticRoute route(bool check_veth_peer) const;
};

/// IN OUT DST_MAC [SRC_MAC] as positionals of `command`, the MACs checked while parsing.
void add_static_arguments(CLI::App& command, StaticArgs& args);

/// --lookup full|direct on `command`.
void add_lookup_option(CLI::App& command, std::string& lookup);
[[nodiscard]] inline FibLookup parse_lookup(const std::string& lookup)
{
	return lookup == "direct" ? FibLookup::direct : FibLookup::full;
}

} // namespace xdpfwd::cli
