// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// Interface lookups in the caller's network namespace, through ioctl and rtnetlink, never
// through /sys (which `ip netns exec` remounts).

#include <linux/if_link.h>
#include <net/if.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "detail/rtnetlink.hpp"
#include "error.hpp"
#include "mac_address.hpp"
#include "vlan_tags.hpp"

namespace xdpfwd {

/// What rtnetlink says about one link.
struct LinkInfo {
	unsigned ifindex = 0;
	std::string name;
	MacAddress mac;
	std::string kind;                   ///< IFLA_INFO_KIND: "veth", "dummy", ... or empty
	std::optional<unsigned> peer;       ///< IFLA_LINK: a veth's peer, a VLAN device's lower device
	std::optional<int> peer_netnsid;    ///< set when that peer lives in another namespace
	std::uint32_t xdp_program_id = 0;   ///< 0 when no XDP program is attached
	std::uint8_t xdp_attach_mode = XDP_ATTACHED_NONE;
	unsigned mtu = 0;
	std::optional<VlanTag> vlan;        ///< a VLAN device's tag (IFLA_VLAN_PROTOCOL, IFLA_VLAN_ID)
};

/// ifindex of `name`; throws Error(ENODEV) naming the interface.
inline unsigned ifindex_of(std::string_view name)
{
	const std::string owned(name);
	const unsigned ifindex = ::if_nametoindex(owned.c_str());
	if (ifindex == 0)
		throw Error(errno == ENXIO || errno == 0 ? ENODEV : errno,
			    "look up interface \"" + owned + "\"");
	return ifindex;
}

/// Name of `ifindex`; throws Error(ENODEV).
inline std::string name_of(unsigned ifindex)
{
	char name[IF_NAMESIZE] = {};
	if (!::if_indextoname(ifindex, name))
		throw Error(errno == ENXIO || errno == 0 ? ENODEV : errno,
			    "look up interface with ifindex " + std::to_string(ifindex));
	return name;
}

/// "veth3 (ifindex 7)", or "ifindex 7" when the interface has no name (any more): for messages.
inline std::string describe_interface(unsigned ifindex)
{
	char name[IF_NAMESIZE] = {};
	if (::if_indextoname(ifindex, name))
		return std::string(name) + " (ifindex " + std::to_string(ifindex) + ")";
	return "ifindex " + std::to_string(ifindex);
}

namespace detail {

inline std::string attribute_string(const void* data, std::size_t length)
{
	return std::string(static_cast<const char*>(data), ::strnlen(static_cast<const char*>(data), length));
}

/// A VLAN device's IFLA_INFO_DATA: its VID and TPID (802.1Q when the kernel leaves it out).
inline void parse_vlan_data(LinkInfo& link, const rtattr* data, int length)
{
	VlanTag tag;
	bool has_id = false;
	for_each_attribute(data, length, [&](int type, const void* value, std::size_t len) {
		if (type == IFLA_VLAN_ID) {
			tag.vid = attribute_value<std::uint16_t>(value, len);
			has_id = true;
		} else if (type == IFLA_VLAN_PROTOCOL) {
			tag.tpid = ntohs(attribute_value<std::uint16_t>(value, len));
		}
	});
	if (has_id)
		link.vlan = tag;
}

/// The fields of one RTM_NEWLINK message xdpfwd cares about.
inline LinkInfo parse_link(const nlmsghdr& msg)
{
	LinkInfo link;
	const auto* reply = header_of<ifinfomsg>(msg);
	if (!reply)
		return link; // cut short: nothing to read (ifindex 0)
	link.ifindex = static_cast<unsigned>(reply->ifi_index);
	for_each_attribute_of<ifinfomsg>(msg, [&](int type, const void* data, std::size_t len) {
		const auto* nested = static_cast<const rtattr*>(data);
		switch (type) {
		case IFLA_IFNAME:
			link.name = attribute_string(data, len);
			break;
		case IFLA_ADDRESS:
			if (len == link.mac.bytes.size())
				std::memcpy(link.mac.bytes.data(), data, len);
			break;
		case IFLA_MTU:
			link.mtu = attribute_value<std::uint32_t>(data, len);
			break;
		case IFLA_LINK:
			link.peer = attribute_value<std::uint32_t>(data, len);
			break;
		case IFLA_LINK_NETNSID:
			link.peer_netnsid = attribute_value<std::int32_t>(data, len);
			break;
		case IFLA_LINKINFO:
			for_each_attribute(nested, static_cast<int>(len), [&](int kind, const void* value, std::size_t value_len) {
				if (kind == IFLA_INFO_KIND)
					link.kind = attribute_string(value, value_len);
				else if (kind == IFLA_INFO_DATA)
					parse_vlan_data(link, static_cast<const rtattr*>(value), static_cast<int>(value_len));
			});
			if (link.kind != "vlan")
				link.vlan.reset(); // IFLA_INFO_DATA of another kind
			break;
		case IFLA_XDP:
			for_each_attribute(nested, static_cast<int>(len), [&](int xdp, const void* value, std::size_t value_len) {
				if (xdp == IFLA_XDP_ATTACHED)
					link.xdp_attach_mode = attribute_value<std::uint8_t>(value, value_len);
				else if (xdp == IFLA_XDP_PROG_ID)
					link.xdp_program_id = attribute_value<std::uint32_t>(value, value_len);
			});
			break;
		default:
			break;
		}
	});
	return link;
}

/// RTM_GETLINK for one ifindex (optionally in a peer namespace), or a dump of all links.
inline std::vector<LinkInfo> get_links(unsigned ifindex, std::optional<int> netnsid)
{
	std::vector<char> request(NLMSG_SPACE(sizeof(ifinfomsg)));
	auto* header = reinterpret_cast<nlmsghdr*>(request.data());
	header->nlmsg_len = static_cast<std::uint32_t>(request.size());
	header->nlmsg_type = RTM_GETLINK;
	header->nlmsg_flags = ifindex == 0 ? NLM_F_DUMP : 0;
	auto* info = static_cast<ifinfomsg*>(NLMSG_DATA(header));
	info->ifi_family = AF_UNSPEC;
	info->ifi_index = static_cast<int>(ifindex);
	if (netnsid) {
		const std::int32_t id = *netnsid;
		append_attribute(request, IFLA_TARGET_NETNSID, &id, sizeof(id));
	}
	std::vector<LinkInfo> links;
	RtNetlink().transact(
	    reinterpret_cast<nlmsghdr*>(request.data()),
	    [&](const nlmsghdr& msg) {
		    if (msg.nlmsg_type == RTM_NEWLINK)
			    links.push_back(parse_link(msg));
	    },
	    [&] {
		    return (ifindex ? "query link with ifindex " + std::to_string(ifindex) : std::string("list links")) +
			   (netnsid ? " in peer netns id " + std::to_string(*netnsid) : std::string());
	    });
	return links;
}

} // namespace detail

/// Queries one link by ifindex; with `netnsid`, the link of that id in a peer namespace (as a
/// veth reports its peer). Throws Error(ENODEV) when there is no such link.
inline LinkInfo link_info(unsigned ifindex, std::optional<int> netnsid = std::nullopt)
{
	if (ifindex == 0)
		throw Error(ENODEV, "query link with ifindex 0");
	auto links = detail::get_links(ifindex, netnsid);
	if (links.empty())
		throw Error(ENODEV, "query link with ifindex " + std::to_string(ifindex));
	return std::move(links.front());
}

/// Every link in the caller's network namespace, in ifindex order.
inline std::vector<LinkInfo> list_links() { return detail::get_links(0, std::nullopt); }

/// An interface named either way: `add_port("veth1")` or `add_port(7)`. A name is resolved
/// once, when the Interface is made (Error(ENODEV) if unknown).
class Interface {
public:
	Interface(unsigned ifindex) : ifindex_(ifindex) {}
	Interface(int ifindex) : ifindex_(static_cast<unsigned>(ifindex)) {}
	Interface(std::string_view name) : ifindex_(ifindex_of(name)) {}
	Interface(const char* name) : Interface(std::string_view(name)) {}
	Interface(const std::string& name) : Interface(std::string_view(name)) {}

	[[nodiscard]] unsigned ifindex() const noexcept { return ifindex_; }

private:
	unsigned ifindex_;
};

/// Hardware address of `ifindex`.
inline MacAddress mac_of(unsigned ifindex) { return link_info(ifindex).mac; }

} // namespace xdpfwd
