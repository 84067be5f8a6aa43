// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// Fib mode's VLAN maps (two hash maps and their direct-mapped front), kept equal to the VLAN
// devices stacked on the forwarder's ports.

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <map>
#include <vector>

#include "../abi.h"
#include "../bpf_map.hpp"
#include "../program.hpp"
#include "../vlan_devices.hpp"

namespace xdpfwd::detail {

class VlanMaps {
public:
	explicit VlanMaps(const Program& program)
	    : ingress_(program.map<xdpfwd_vlan_link, std::uint32_t>(XDPFWD_MAP_VLAN_INGRESS)),
	      egress_(program.map<std::uint32_t, xdpfwd_vlan_link>(XDPFWD_MAP_VLAN_EGRESS)),
	      slots_(program.map<std::uint32_t, xdpfwd_vlan_slot>(XDPFWD_MAP_VLAN_SLOTS))
	{
	}

	/// The front slot (vlan_slots) of a VLAN device's ingress entry, as the program computes it.
	static std::uint32_t ingress_slot(const xdpfwd_vlan_link& link)
	{
		std::uint32_t tpids = 0, vids = 0;
		std::memcpy(&tpids, link.tags.tpid, sizeof(tpids));
		std::memcpy(&vids, link.tags.vid, sizeof(vids));
		return xdpfwd_vlan_ingress_slot(link.port, tpids, vids);
	}

	/// Makes the maps hold exactly the devices among `devices` whose port is in `ports`, and
	/// returns those. New and changed devices are written before stale ones go, so traffic
	/// of a device that stays is never without its entries.
	std::vector<VlanDevice> sync(const std::vector<VlanDevice>& devices, const std::vector<unsigned>& ports)
	{
		std::vector<VlanDevice> wanted;
		for (const VlanDevice& device : devices)
			if (std::find(ports.begin(), ports.end(), device.port) != ports.end())
				wanted.push_back(device);
		for (const VlanDevice& device : wanted) {
			const xdpfwd_vlan_link link = link_of(device);
			ingress_.set(link, device.ifindex);
			egress_.set(device.ifindex, link);
		}
		sync_front(wanted);
		const auto is_wanted_link = [&](const xdpfwd_vlan_link& link, std::uint32_t ifindex) {
			return std::any_of(wanted.begin(), wanted.end(), [&](const VlanDevice& device) {
				const xdpfwd_vlan_link mine = link_of(device);
				return device.ifindex == ifindex && mine.port == link.port &&
				       std::equal(std::begin(mine.tags.tpid), std::end(mine.tags.tpid), std::begin(link.tags.tpid)) &&
				       std::equal(std::begin(mine.tags.vid), std::end(mine.tags.vid), std::begin(link.tags.vid));
			});
		};
		for (const auto& [link, ifindex] : ingress_.entries())
			if (!is_wanted_link(link, ifindex))
				ingress_.erase(link);
		for (const auto& [ifindex, link] : egress_.entries())
			if (!is_wanted_link(link, ifindex))
				egress_.erase(ifindex);
		return wanted;
	}

	/// The devices the maps hold now (names left empty), in ifindex order.
	[[nodiscard]] std::vector<VlanDevice> devices() const
	{
		std::vector<VlanDevice> result;
		for (const auto& [ifindex, link] : egress_.entries())
			result.push_back({ifindex, {}, link.port, VlanTags::from_abi(link.tags)});
		std::sort(result.begin(), result.end(), [](const auto& a, const auto& b) { return a.ifindex < b.ifindex; });
		return result;
	}

private:
	// The front holds whoever comes first in ifindex order per slot; the rest live in the hash
	// maps alone, which are written before and erased after, so the program finds every device
	// in one of the two throughout. A slot is rewritten only when its holder changes.
	void sync_front(const std::vector<VlanDevice>& wanted)
	{
		std::map<std::uint32_t, xdpfwd_vlan_slot> front;
		std::vector<VlanDevice> ordered = wanted;
		std::sort(ordered.begin(), ordered.end(), [](const auto& a, const auto& b) { return a.ifindex < b.ifindex; });
		for (const VlanDevice& device : ordered) {
			const xdpfwd_vlan_slot slot{link_of(device), device.ifindex};
			front.try_emplace(ingress_slot(slot.link), slot);
			front.try_emplace(xdpfwd_vlan_egress_slot(device.ifindex), slot);
		}
		for (std::uint32_t index = 0; index < 2 * XDPFWD_VLAN_SLOTS; ++index) {
			const auto found = front.find(index);
			const xdpfwd_vlan_slot want = found == front.end() ? xdpfwd_vlan_slot{} : found->second;
			const auto have = slots_.get(index);
			if (!have || std::memcmp(&*have, &want, sizeof(want)) != 0)
				slots_.set(index, want);
		}
	}

	static xdpfwd_vlan_link link_of(const VlanDevice& device)
	{
		xdpfwd_vlan_link link{};
		link.port = device.port;
		link.tags = device.tags.to_abi();
		return link;
	}

	BpfMap<xdpfwd_vlan_link, std::uint32_t> ingress_;
	BpfMap<std::uint32_t, xdpfwd_vlan_link> egress_;
	BpfMap<std::uint32_t, xdpfwd_vlan_slot> slots_;
};

} // namespace xdpfwd::detail
