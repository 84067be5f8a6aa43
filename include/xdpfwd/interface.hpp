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

#include "detail/rtnetlink.hpp"
#include "error.hpp"
#include "mac_address.hpp"

namespace xdpfwd {

/// What rtnetlink says about one link.
struct LinkInfo {
	unsigned ifindex = 0;
	std::string name;
	MacAddress mac;
	std::string kind;                   ///< IFLA_INFO_KIND: "veth", "dummy", ... or empty
	std::optional<unsigned> peer;       ///< IFLA_LINK: a veth's peer ifindex
	std::optional<int> peer_netnsid;    ///< set when that peer lives in another namespace
	std::uint32_t xdp_program_id = 0;   ///< 0 when no XDP program is attached
	std::uint8_t xdp_attach_mode = XDP_ATTACHED_NONE;
	unsigned mtu = 0;
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

/// Queries one link by ifindex; with `netnsid`, the link of that id in a peer namespace (as a
/// veth reports its peer). Throws Error(ENODEV) when there is no such link.
inline LinkInfo link_info(unsigned ifindex, std::optional<int> netnsid = std::nullopt)
{
	std::vector<char> request(NLMSG_SPACE(sizeof(ifinfomsg)));
	auto* header = reinterpret_cast<nlmsghdr*>(request.data());
	header->nlmsg_len = static_cast<std::uint32_t>(request.size());
	header->nlmsg_type = RTM_GETLINK;
	auto* info = static_cast<ifinfomsg*>(NLMSG_DATA(header));
	info->ifi_family = AF_UNSPEC;
	info->ifi_index = static_cast<int>(ifindex);
	if (netnsid) {
		const std::int32_t id = *netnsid;
		detail::append_attribute(request, IFLA_TARGET_NETNSID, &id, sizeof(id));
	}

	LinkInfo link;
	link.ifindex = ifindex;
	detail::RtNetlink netlink;
	netlink.transact(
	    reinterpret_cast<nlmsghdr*>(request.data()),
	    [&](const nlmsghdr& msg) {
		    if (msg.nlmsg_type != RTM_NEWLINK)
			    return;
		    const auto* reply = static_cast<const ifinfomsg*>(NLMSG_DATA(&msg));
		    const int length = static_cast<int>(msg.nlmsg_len - NLMSG_LENGTH(sizeof(*reply)));
		    detail::for_each_attribute(IFLA_RTA(reply), length, [&](int type, const void* data, std::size_t len) {
			    switch (type) {
			    case IFLA_IFNAME:
				    link.name.assign(static_cast<const char*>(data), ::strnlen(static_cast<const char*>(data), len));
				    break;
			    case IFLA_ADDRESS:
				    if (len == link.mac.bytes.size())
					    std::memcpy(link.mac.bytes.data(), data, len);
				    break;
			    case IFLA_MTU:
				    link.mtu = detail::attribute_value<std::uint32_t>(data, len);
				    break;
			    case IFLA_LINK:
				    link.peer = detail::attribute_value<std::uint32_t>(data, len);
				    break;
			    case IFLA_LINK_NETNSID:
				    link.peer_netnsid = detail::attribute_value<std::int32_t>(data, len);
				    break;
			    case IFLA_LINKINFO:
				    detail::for_each_attribute(static_cast<const rtattr*>(data), static_cast<int>(len),
							       [&](int nested, const void* value, std::size_t value_len) {
								       if (nested == IFLA_INFO_KIND)
									       link.kind.assign(static_cast<const char*>(value),
												::strnlen(static_cast<const char*>(value), value_len));
							       });
				    break;
			    case IFLA_XDP:
				    detail::for_each_attribute(static_cast<const rtattr*>(data), static_cast<int>(len),
							       [&](int nested, const void* value, std::size_t value_len) {
								       if (nested == IFLA_XDP_ATTACHED)
									       link.xdp_attach_mode = detail::attribute_value<std::uint8_t>(value, value_len);
								       else if (nested == IFLA_XDP_PROG_ID)
									       link.xdp_program_id = detail::attribute_value<std::uint32_t>(value, value_len);
							       });
				    break;
			    default:
				    break;
			    }
		    });
	    },
	    [&] {
		    return "query link with ifindex " + std::to_string(ifindex) +
			   (netnsid ? " in peer netns id " + std::to_string(*netnsid) : std::string());
	    });
	return link;
}

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
