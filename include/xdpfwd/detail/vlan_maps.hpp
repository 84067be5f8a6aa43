// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// Fib mode's two VLAN maps, kept equal to the VLAN devices stacked on the forwarder's ports.

#include <algorithm>
#include <cstdint>
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
	      egress_(program.map<std::uint32_t, xdpfwd_vlan_link>(XDPFWD_MAP_VLAN_EGRESS))
	{
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
	static xdpfwd_vlan_link link_of(const VlanDevice& device)
	{
		xdpfwd_vlan_link link{};
		link.port = device.port;
		link.tags = device.tags.to_abi();
		return link;
	}

	BpfMap<xdpfwd_vlan_link, std::uint32_t> ingress_;
	BpfMap<std::uint32_t, xdpfwd_vlan_link> egress_;
};

} // namespace xdpfwd::detail
