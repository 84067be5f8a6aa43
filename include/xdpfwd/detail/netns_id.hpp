// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// rtnetlink names another network namespace by a number (IFLA_LINK_NETNSID: where a veth's
// peer lives), and that number only means something to the namespace that assigned it. To act
// inside the peer's namespace (ethtool ioctls have no netnsid), find an fd for it: ask
// RTM_GETNSID for the id of each namespace this process can open (named ones in /run/netns
// first, then those of running processes) until one matches.

#include <dirent.h>
#include <fcntl.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "../unique_fd.hpp"
#include "rtnetlink.hpp"

namespace xdpfwd::detail {

/// The id the caller's namespace gives the namespace `netns` (an open fd of it), if any.
inline std::optional<int> netnsid_of(RtNetlink& netlink, const UniqueFd& netns)
{
	std::vector<char> request(NLMSG_SPACE(sizeof(rtgenmsg)));
	auto* header = reinterpret_cast<nlmsghdr*>(request.data());
	header->nlmsg_len = static_cast<std::uint32_t>(request.size());
	header->nlmsg_type = RTM_GETNSID;
	static_cast<rtgenmsg*>(NLMSG_DATA(header))->rtgen_family = AF_UNSPEC;
	const std::uint32_t fd = static_cast<std::uint32_t>(netns.get());
	append_attribute(request, NETNSA_FD, &fd, sizeof(fd));
	std::optional<int> id;
	try {
		netlink.transact(
		    reinterpret_cast<nlmsghdr*>(request.data()),
		    [&](const nlmsghdr& msg) {
			    if (msg.nlmsg_type != RTM_NEWNSID)
				    return;
			    for_each_attribute_of<rtgenmsg>(msg, [&](int type, const void* data, std::size_t len) {
				    if (type == NETNSA_NSID)
					    id = attribute_value<std::int32_t>(data, len);
			    });
		    },
		    [] { return std::string("query network namespace id"); });
	} catch (const Error&) {
		return std::nullopt; // not a namespace we may ask about: not the one we look for
	}
	if (id && *id < 0)
		return std::nullopt; // NETNSA_NSID_NOT_ASSIGNED
	return id;
}

/// A namespace found by its id: an fd to enter it, and its /run/netns name when it has one.
struct FoundNetns {
	UniqueFd fd;
	std::string name;
};

/// The namespace the caller's namespace calls `nsid`, or nullopt when none it can open has it.
inline std::optional<FoundNetns> find_netns_by_id(int nsid)
{
	RtNetlink netlink;
	auto search = [&](const std::string& directory, const char* suffix, bool named) -> std::optional<FoundNetns> {
		std::unique_ptr<DIR, int (*)(DIR*)> dir(::opendir(directory.c_str()), ::closedir);
		if (!dir)
			return std::nullopt;
		while (const dirent* entry = ::readdir(dir.get())) {
			const std::string name = entry->d_name;
			if (name == "." || name == ".." || (!named && name.find_first_not_of("0123456789") != std::string::npos))
				continue;
			UniqueFd fd(::open((directory + "/" + name + suffix).c_str(), O_RDONLY | O_CLOEXEC));
			if (fd && netnsid_of(netlink, fd) == nsid)
				return FoundNetns{std::move(fd), named ? name : std::string()};
		}
		return std::nullopt;
	};
	if (auto found = search("/run/netns", "", true))
		return found;
	return search("/proc", "/ns/net", false);
}

} // namespace xdpfwd::detail
