// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// The kernel's neighbour cache (ARP / NDP), read through rtnetlink: how map mode finds the MAC
// of the host behind an egress port when the user does not give it.

#include <arpa/inet.h>
#include <linux/neighbour.h>

#include <optional>
#include <string>
#include <vector>

#include "detail/rtnetlink.hpp"
#include "mac_address.hpp"

namespace xdpfwd {

struct Neighbour {
	unsigned ifindex = 0;
	std::string address;  ///< "192.0.2.2" or "2001:db8:1::2"
	MacAddress mac;
	std::uint16_t state = 0; ///< NUD_* bits

	/// Entries whose MAC the kernel currently trusts enough to send to.
	[[nodiscard]] bool usable() const noexcept
	{
		return state & (NUD_REACHABLE | NUD_PERMANENT | NUD_STALE | NUD_DELAY | NUD_PROBE | NUD_NOARP);
	}
};

/// Neighbour entries on `ifindex` (all interfaces when 0), IPv4 and IPv6, with a link-layer address.
inline std::vector<Neighbour> neighbours(unsigned ifindex = 0)
{
	auto request = detail::dump_request<ndmsg>(RTM_GETNEIGH, AF_UNSPEC);
	auto* header = reinterpret_cast<nlmsghdr*>(request.data());

	std::vector<Neighbour> result;
	detail::RtNetlink().transact(
	    header,
	    [&](const nlmsghdr& msg) {
		    if (msg.nlmsg_type != RTM_NEWNEIGH)
			    return;
		    const auto* nd = detail::header_of<ndmsg>(msg);
		    if (!nd || (ifindex && static_cast<unsigned>(nd->ndm_ifindex) != ifindex))
			    return;
		    Neighbour entry;
		    entry.ifindex = static_cast<unsigned>(nd->ndm_ifindex);
		    entry.state = nd->ndm_state;
		    bool has_mac = false;
		    detail::for_each_attribute_of<ndmsg>(msg, [&](int type, const void* data, std::size_t len) {
			    if (type == NDA_DST) {
				    entry.address = detail::address_text(nd->ndm_family, data, len);
			    } else if (type == NDA_LLADDR && len == entry.mac.bytes.size()) {
				    std::memcpy(entry.mac.bytes.data(), data, len);
				    has_mac = true;
			    }
		    });
		    if (has_mac && !entry.address.empty())
			    result.push_back(std::move(entry));
	    },
	    [] { return std::string("list neighbours"); });
	return result;
}

/// The MAC of the one host the kernel knows on `ifindex` (or of `address` there, when given);
/// nullopt when there is none or, without an address, more than one.
inline std::optional<MacAddress> neighbour_mac(unsigned ifindex, const std::string& address = {})
{
	std::optional<MacAddress> found;
	for (const Neighbour& n : neighbours(ifindex)) {
		if (!n.usable() || (!address.empty() && n.address != address))
			continue;
		if (n.mac.bytes[0] & 1)
			continue; // a multicast group's fixed entry (NOARP, e.g. ff02::16 -> 33:33:...), not a host
		if (found && *found != n.mac)
			return std::nullopt; // ambiguous
		found = n.mac;
	}
	return found;
}

} // namespace xdpfwd
