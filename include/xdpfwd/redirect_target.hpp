// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <cerrno>
#include <string>

#include "error.hpp"
#include "interface.hpp"

namespace xdpfwd {

/// Throws Error(ENOLINK) when frames redirected into `ifindex` would be dropped silently: a
/// veth only receives XDP redirects when its peer runs an XDP program (PassProgram will do).
/// The peer may live in another namespace; rtnetlink reaches it through the peer's netnsid.
inline void check_redirect_target(unsigned ifindex)
{
	const LinkInfo link = link_info(ifindex);
	if (link.kind != "veth" || !link.peer)
		return;
	const LinkInfo peer = link_info(*link.peer, link.peer_netnsid);
	if (peer.xdp_program_id != 0)
		return;
	const std::string where = link.peer_netnsid ? " in peer namespace (netnsid " + std::to_string(*link.peer_netnsid) + ")"
						    : std::string(" in this namespace");
	throw Error(ENOLINK, "use " + describe_interface(ifindex) + " as redirect target",
		    "its veth peer " + peer.name + " (ifindex " + std::to_string(*link.peer) + ")" + where +
			" has no XDP program, so redirected frames would be dropped; attach xdpfwd::PassProgram to it");
}

} // namespace xdpfwd
