// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "abi.h"
#include "detail/vlan_maps.hpp"
#include "dev_map.hpp"
#include "forwarder.hpp"
#include "policy_rules.hpp"
#include "redirect_target.hpp"
#include "rodata.hpp"
#include "vlan_devices.hpp"
#include "vlan_offload.hpp"
#include "xdpfwd_fib.skel.h"

namespace xdpfwd {

/// full: the lookup honours policy routing (ip rule); direct: main table only, cheaper, and
/// refused by add_port where IPv4 policy rules exist (the router's own addresses would be missed).
enum class FibLookup { full, direct };

/// Fib mode: the kernel's routing table and neighbour cache decide, per packet, through
/// bpf_fib_lookup; `ip route` changes apply to the next packet. A port is an interface the
/// program runs on that is also enabled as an egress (tx_ports). The VLAN devices stacked on a
/// port (802.1Q, and QinQ two deep) are forwarded through it: tagged frames are looked up as
/// arriving on their VLAN device, and frames routed to one leave with its tags. Throws Error:
/// ENODEV, EBUSY (another program attached), ENOLINK (a veth port whose peer has no XDP
/// program), EOPNOTSUPP (a port with VLAN devices that strips tags: receive VLAN offload).
class FibForwarder : public Forwarder {
public:
	/// `route_cache_entries` sizes the route cache: slots per CPU, rounded up to a power of two
	/// (at most 2^24; each takes 56 bytes on every possible CPU). A destination has one slot,
	/// shared with those that hash to the same one: the newest answer holds it; the cache is used only while a RouteCacheKeeper runs (route_cache.hpp).
	explicit FibForwarder(FibLookup lookup = FibLookup::full, std::uint32_t route_cache_entries = 65536)
	    : FibForwarder(load_skeleton<xdpfwd_fib>(XDPFWD_PROG_FIB, [&](xdpfwd_fib& skel) {
		      skel.rodata->direct_lookup = lookup == FibLookup::direct;
		      const std::uint32_t slots = route_cache_slots(route_cache_entries);
		      check(bpf_map__set_max_entries(skel.maps.route_cache, slots),
			    [] { return std::string("size the route cache"); });
		      skel.rodata->route_cache_mask = slots - 1;
	      }))
	{
	}

	/// The fib forwarder some process attached to `port`, to add ports or read its state.
	static FibForwarder attached_to(Interface port) { return FibForwarder(attached_program(port, ForwarderKind::fib)); }

	/// A hitless upgrade: a fresh copy of the program, with `running`'s settings and maps (egress
	/// ports, route cache, counters), swapped in wherever `running` runs (take_over).
	static FibForwarder upgrade(const FibForwarder& running, bool persistent = true)
	{
		FibForwarder fresh(detail::load_sharing_maps<xdpfwd_fib>(XDPFWD_PROG_FIB, running.program(), [&](xdpfwd_fib& skel) {
			*skel.rodata = read_rodata<xdpfwd_fib::xdpfwd_fib__rodata>(running.program());
		}));
		fresh.take_over(running.program(), persistent);
		return fresh;
	}

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
		const auto devices = vlan_devices();
		require_vlan_tags_visible(port, options.turn_off_vlan_offload, devices);
		const bool was_enabled = is_egress(port);
		enable_egress(port);
		try {
			attach(port, options);
			vlans_.sync(devices, egress_ports());
		} catch (...) {
			if (!was_enabled)
				disable_egress(port);
			throw;
		}
	}

	/// Detaches from `port` and stops routes from egressing there.
	bool remove_port(Interface port)
	{
		const bool disabled = disable_egress(port);
		const bool detached = detach(port);
		vlans_.sync(vlan_devices(), egress_ports());
		return detached || disabled;
	}

	/// When VLAN devices sit on `port`, makes sure XDP sees their tags there: turns receive VLAN
	/// offload off with `turn_off`, else throws Error(EOPNOTSUPP) naming the fix (add_port does this).
	static void require_vlan_tags_visible(Interface port, bool turn_off, const std::vector<VlanDevice>& devices = vlan_devices())
	{
		if (std::any_of(devices.begin(), devices.end(), [&](const VlanDevice& d) { return d.port == port.ifindex(); }))
			require_tags_visible(port.ifindex(), turn_off, "forward the VLAN devices on " + describe_interface(port.ifindex()));
	}

	/// Makes the program's VLAN maps match the VLAN devices now stacked on the egress ports, and
	/// returns those. add_port and remove_port do this; a RouteCacheKeeper does it on every link
	/// change, and without one, call it after adding or removing VLAN devices.
	std::vector<VlanDevice> refresh_vlans() { return vlans_.sync(vlan_devices(), egress_ports()); }

	/// The VLAN devices the program forwards now (names left empty), in ifindex order.
	[[nodiscard]] std::vector<VlanDevice> vlans() const { return vlans_.devices(); }

	/// Lets routes send traffic out of `port` (add_port does this; a port the program does not
	/// run on may be an egress too, when its peer can receive redirects). Throws Error(ENODEV).
	void enable_egress(Interface port) { ports_.set(port.ifindex(), port.ifindex()); }
	/// Routes through `port` go to the kernel again; false when it was no egress.
	bool disable_egress(Interface port) { return ports_.erase(port.ifindex()); }
	[[nodiscard]] bool is_egress(Interface port) const { return ports_.get(port.ifindex()).has_value(); }
	/// Every egress port's ifindex, in ascending order.
	[[nodiscard]] std::vector<unsigned> egress_ports() const
	{
		std::vector<unsigned> result;
		for (const auto& entry : ports_.entries())
			result.push_back(entry.ifindex);
		std::sort(result.begin(), result.end());
		return result;
	}

	/// Slots in use in the route cache now, on all CPUs together, stale ones included (reads the
	/// whole table, in batches: for metrics, not for a hot loop).
	[[nodiscard]] std::uint64_t route_cache_entries() const
	{
		const auto cache = program().per_cpu_map<std::uint32_t, xdpfwd_route_slot>(XDPFWD_MAP_ROUTE_CACHE);
		std::uint64_t used = 0;
		cache.for_each([&](std::uint32_t, const xdpfwd_route_slot* per_cpu) {
			for (std::size_t cpu = 0; cpu < cache.cpus(); ++cpu)
				used += per_cpu[cpu].ingress != 0;
		});
		return used;
	}

	/// The route cache's slots per CPU for a requested size: a power of two, 1 to 2^24.
	static std::uint32_t route_cache_slots(std::uint32_t entries)
	{
		return std::bit_ceil(std::clamp<std::uint32_t>(entries, 1, 1u << 24));
	}

	[[nodiscard]] FibLookup lookup() const
	{
		// read back from the program's frozen .rodata, so it holds for attached_to() too
		return read_rodata<xdpfwd_fib::xdpfwd_fib__rodata>(program()).direct_lookup ? FibLookup::direct : FibLookup::full;
	}

private:
	friend detail::Adopt;
	explicit FibForwarder(Program program)
	    : Forwarder(std::move(program)), ports_(this->program(), XDPFWD_MAP_TX_PORTS), vlans_(this->program())
	{
	}

	DevMap ports_;
	detail::VlanMaps vlans_;
};

} // namespace xdpfwd
