// What `attach` and `run` share on the command line: how to attach (--mode, --force,
// --no-peer-check, --vlan-offload-off), static mode's arguments and fib mode's --lookup.
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
	bool vlan_offload_off = false; ///< AttachOptions::turn_off_vlan_offload

	[[nodiscard]] AttachOptions options() const;
};

/// --mode, --force and --no-peer-check on `command` (its modes accept them too: fallthrough).
void add_attach_flags(CLI::App& command, AttachFlags& flags);

/// --vlan-offload-off on `mode` (attach's map and fib), which turns the offload off `where`.
void add_vlan_offload_flag(CLI::App& mode, AttachFlags& flags, const std::string& where);

/// A CLI11 check: VLAN tags as VlanTags::parse reads them ("100", "300.10", "ad:100", "none").
const CLI::Validator& vlan_tags();

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
