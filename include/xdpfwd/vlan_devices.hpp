// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <map>
#include <string>
#include <vector>

#include "interface.hpp"
#include "vlan_tags.hpp"

namespace xdpfwd {

/// A VLAN device as XDP sees its traffic: frames on `port`, the device at the bottom of its
/// stack, that carry `tags` (a QinQ device stacked on another VLAN device: the lower one's tag
/// first).
struct VlanDevice {
	unsigned ifindex = 0;
	std::string name;
	unsigned port = 0;
	VlanTags tags;
	friend bool operator==(const VlanDevice&, const VlanDevice&) = default;
};

/// The VLAN devices among `links` (of one namespace) with the tags that reach them. Left out:
/// devices more than two tags deep and those whose lower device is in another namespace.
inline std::vector<VlanDevice> vlan_devices_in(const std::vector<LinkInfo>& links)
{
	std::map<unsigned, const LinkInfo*> by_ifindex;
	for (const LinkInfo& link : links)
		by_ifindex[link.ifindex] = &link;
	const auto lower_of = [&](const LinkInfo& link) -> const LinkInfo* {
		if (!link.peer || link.peer_netnsid)
			return nullptr;
		const auto found = by_ifindex.find(*link.peer);
		return found == by_ifindex.end() ? nullptr : found->second;
	};
	std::vector<VlanDevice> devices;
	for (const LinkInfo& link : links) {
		if (!link.vlan)
			continue;
		const LinkInfo* lower = lower_of(link);
		if (!lower)
			continue;
		VlanDevice device{link.ifindex, link.name, lower->ifindex, VlanTags(*link.vlan)};
		if (lower->vlan) { // QinQ: the lower device's tag goes outside
			const LinkInfo* port = lower_of(*lower);
			if (!port || port->vlan)
				continue;
			device.port = port->ifindex;
			device.tags = VlanTags(*lower->vlan, *link.vlan);
		}
		devices.push_back(std::move(device));
	}
	return devices;
}

/// The VLAN devices in the caller's network namespace (rtnetlink). Throws Error.
inline std::vector<VlanDevice> vlan_devices() { return vlan_devices_in(list_links()); }

} // namespace xdpfwd
