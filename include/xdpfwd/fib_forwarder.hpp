// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <bpf/bpf.h>

#include <utility>

#include "abi.h"
#include "dev_map.hpp"
#include "forwarder.hpp"
#include "policy_rules.hpp"
#include "redirect_target.hpp"
#include "xdpfwd_fib.skel.h"

namespace xdpfwd {

/// full: the lookup honours policy routing (ip rule); direct: main table only, cheaper, and
/// refused by add_port where IPv4 policy rules exist (the router's own addresses would be missed).
enum class FibLookup { full, direct };

/// Fib mode: the kernel's routing table and neighbour cache decide, per packet, through
/// bpf_fib_lookup; `ip route` changes apply to the next packet. A port is an interface the
/// program runs on that is also enabled as an egress (tx_ports). Throws Error: ENODEV, EBUSY
/// (another program attached), ENOLINK (a veth port whose peer has no XDP program).
class FibForwarder : public Forwarder {
public:
	explicit FibForwarder(FibLookup lookup = FibLookup::full)
	    : FibForwarder(load_skeleton<xdpfwd_fib>(XDPFWD_PROG_FIB, [&](xdpfwd_fib& skel) {
		      skel.rodata->direct_lookup = lookup == FibLookup::direct;
	      }))
	{
	}

	/// The fib forwarder some process attached to `port`, to add ports or read its state.
	static FibForwarder attached_to(Interface port) { return FibForwarder(attached_program(port, XDPFWD_PROG_FIB)); }

	/// Forwards what arrives on `port` and lets routes send traffic out of it.
	void add_port(Interface port, AttachOptions options = {}, bool check_veth_peer = true)
	{
		if (lookup() == FibLookup::direct && has_ipv4_policy_rules())
			throw Error(EINVAL, "add " + describe_interface(port.ifindex()) + " to a direct-lookup fib forwarder",
				    "this namespace has IPv4 policy rules (ip rule), so the main table no longer holds the "
				    "router's own addresses and direct lookups would forward traffic meant for it; use "
				    "FibLookup::full");
		if (check_veth_peer)
			check_redirect_target(port.ifindex());
		const bool was_enabled = ports_.get(port.ifindex()).has_value();
		ports_.set(port.ifindex(), port.ifindex());
		try {
			attach(port, options);
		} catch (...) {
			if (!was_enabled)
				ports_.erase(port.ifindex());
			throw;
		}
	}

	bool remove_port(Interface port)
	{
		const bool disabled = ports_.erase(port.ifindex());
		return detach(port) || disabled;
	}

	/// Egress ports: routes through an interface not in here are left to the kernel.
	[[nodiscard]] DevMap& ports() noexcept { return ports_; }
	[[nodiscard]] const DevMap& ports() const noexcept { return ports_; }

	[[nodiscard]] FibLookup lookup() const
	{
		// read back from the program's frozen .rodata, so it holds for attached_to() too
		const UniqueFd rodata = program().map(".rodata");
		xdpfwd_fib::xdpfwd_fib__rodata value{};
		const std::uint32_t key = 0;
		check(bpf_map_lookup_elem(rodata.get(), &key, &value), [] { return std::string("read fib lookup mode"); });
		return value.direct_lookup ? FibLookup::direct : FibLookup::full;
	}

private:
	explicit FibForwarder(Program program)
	    : Forwarder(std::move(program)), ports_(this->program().map(XDPFWD_MAP_TX_PORTS), XDPFWD_MAP_TX_PORTS)
	{
	}

	DevMap ports_;
};

} // namespace xdpfwd
