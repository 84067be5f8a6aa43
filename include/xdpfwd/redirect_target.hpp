// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <optional>
#include <string>

#include "detail/netns_id.hpp"
#include "error.hpp"
#include "interface.hpp"
#include "netns.hpp"
#include "unique_fd.hpp"

namespace xdpfwd {

/// Whether GRO is on for the interface called `name` in the caller's namespace (ETHTOOL_GGRO).
inline bool gro_enabled(const std::string& name)
{
	const UniqueFd sock(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0));
	if (!sock)
		throw Error(errno, "open socket to ask ethtool about " + name);
	ethtool_value value{ETHTOOL_GGRO, 0};
	ifreq request{};
	std::strncpy(request.ifr_name, name.c_str(), IFNAMSIZ - 1);
	request.ifr_data = reinterpret_cast<char*>(&value);
	if (::ioctl(sock.get(), SIOCETHTOOL, &request) != 0)
		throw Error(errno, "read GRO setting of " + name);
	return value.data != 0;
}

/// Throws Error(ENOLINK) when frames redirected into `ifindex` would be dropped silently. A veth
/// hands redirected frames to its peer only through the peer's NAPI, which runs when the peer
/// has an XDP program or (kernel 5.13 and later) GRO on; a peer with neither is refused. The
/// peer may live in another namespace: rtnetlink reaches it through the peer's netnsid, and its
/// GRO setting is read inside that namespace.
inline void check_redirect_target(unsigned ifindex)
{
	const LinkInfo link = link_info(ifindex);
	if (link.kind != "veth" || !link.peer)
		return;
	const LinkInfo peer = link_info(*link.peer, link.peer_netnsid);
	if (peer.xdp_program_id != 0)
		return;

	std::optional<bool> gro;
	std::string netns_name;
	if (!link.peer_netnsid) {
		gro = gro_enabled(peer.name);
	} else if (auto found = detail::find_netns_by_id(*link.peer_netnsid)) {
		const NetnsScope scope(found->fd);
		gro = gro_enabled(peer.name);
		netns_name = found->name;
	}
	if (gro == true)
		return;

	const std::string where = !link.peer_netnsid ? " in this namespace"
				  : netns_name.empty() ? " in peer namespace (netnsid " + std::to_string(*link.peer_netnsid) + ")"
						       : " in namespace " + netns_name;
	const std::string fixes =
	    netns_name.empty() && link.peer_netnsid
		? "attach an XDP program to it (xdpfwd attach pass " + peer.name + ") or turn its GRO on (ethtool -K " +
		      peer.name + " gro on), inside its namespace"
		: "attach an XDP program to it (xdpfwd" + (netns_name.empty() ? "" : " -n " + netns_name) + " attach pass " +
		      peer.name + ") or turn its GRO on (" + (netns_name.empty() ? "" : "ip netns exec " + netns_name + " ") +
		      "ethtool -K " + peer.name + " gro on)";
	throw Error(ENOLINK, "use " + describe_interface(ifindex) + " as redirect target",
		    "its veth peer " + peer.name + " (ifindex " + std::to_string(*link.peer) + ")" + where +
			(gro ? " has no XDP program and GRO off" : " has no XDP program (its GRO setting could not be read)") +
			", so redirected frames would be dropped; " + fixes);
}

} // namespace xdpfwd
