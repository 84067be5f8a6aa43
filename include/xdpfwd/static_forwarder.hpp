// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <cstring>
#include <optional>

#include "forwarder.hpp"
#include "mac_address.hpp"
#include "redirect_target.hpp"
#include "rodata.hpp"
#include "xdpfwd_static.skel.h"

namespace xdpfwd {

/// Static mode's one decision, frozen into the program at load.
struct StaticRoute {
	Interface egress;
	MacAddress dst_mac;
	std::optional<MacAddress> src_mac;  ///< left as received when empty
	bool check_veth_peer = true;        ///< refuse a veth egress whose peer has no XDP program
};

/// Static mode: every forwardable IP packet arriving on a port leaves through one egress with a
/// fixed destination MAC (bpf_redirect). Throws Error at construction for a bad egress (ENODEV,
/// ENOLINK for a veth peer without XDP) and at add_port for attach failures.
class StaticForwarder : public Forwarder {
public:
	explicit StaticForwarder(const StaticRoute& route) : Forwarder(load(route)) {}

	/// The static forwarder some process attached to `port`, to read its route or stats.
	static StaticForwarder attached_to(Interface port)
	{
		return StaticForwarder(attached_program(port, ForwarderKind::static_));
	}

	/// A hitless upgrade: a fresh copy of the program, with `running`'s route and counters,
	/// swapped in wherever `running` runs (take_over).
	static StaticForwarder upgrade(const StaticForwarder& running, bool persistent = true)
	{
		StaticForwarder fresh(detail::load_sharing_maps<xdpfwd_static>(
		    XDPFWD_PROG_STATIC, running.program(), [&](xdpfwd_static& skel) {
			    *skel.rodata = read_rodata<xdpfwd_static::xdpfwd_static__rodata>(running.program());
		    }));
		fresh.take_over(running.program(), persistent);
		return fresh;
	}

	/// Starts forwarding what arrives on `ingress`.
	void add_port(Interface ingress, AttachOptions options = {}) { attach(ingress, options); }
	bool remove_port(Interface ingress) { return detach(ingress); }

	/// The route frozen into the program, read back from its .rodata.
	[[nodiscard]] StaticRoute route() const
	{
		const auto value = read_rodata<xdpfwd_static::xdpfwd_static__rodata>(program());
		StaticRoute route{value.egress_ifindex, {}, std::nullopt};
		std::memcpy(route.dst_mac.bytes.data(), value.dst_mac, route.dst_mac.bytes.size());
		if (value.rewrite_src_mac) {
			route.src_mac.emplace();
			std::memcpy(route.src_mac->bytes.data(), value.src_mac, route.src_mac->bytes.size());
		}
		return route;
	}

private:
	friend detail::Adopt;
	explicit StaticForwarder(Program program) : Forwarder(std::move(program)) {}

	static Program load(const StaticRoute& route)
	{
		const unsigned egress = route.egress.ifindex();
		if (route.check_veth_peer)
			check_redirect_target(egress);
		else
			link_info(egress); // still refuse an interface that does not exist
		return load_skeleton<xdpfwd_static>(XDPFWD_PROG_STATIC, [&](xdpfwd_static& skel) {
			skel.rodata->egress_ifindex = egress;
			std::memcpy(skel.rodata->dst_mac, route.dst_mac.bytes.data(), route.dst_mac.bytes.size());
			if (route.src_mac) {
				std::memcpy(skel.rodata->src_mac, route.src_mac->bytes.data(), route.src_mac->bytes.size());
				skel.rodata->rewrite_src_mac = true;
			}
		});
	}
};

} // namespace xdpfwd
