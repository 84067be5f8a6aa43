// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <bpf/bpf.h>

#include <optional>
#include <utility>
#include <vector>

#include "abi.h"
#include "dev_map.hpp"
#include "forwarder.hpp"
#include "mac_address.hpp"
#include "redirect_target.hpp"
#include "vlan_offload.hpp"
#include "vlan_tags.hpp"
#include "xdpfwd_map.skel.h"

namespace xdpfwd {

/// Where map mode sends what arrives on one ingress port, and the MACs it writes. Only frames
/// tagged exactly `ingress_tags` (none: untagged frames) take the route; they leave with
/// `egress_tags` instead of their own (the tags are popped, pushed or rewritten in XDP). Other
/// frames go to the kernel, counted as Reason::vlan.
struct MapRoute {
	unsigned egress = 0;
	MacAddress dst_mac;
	MacAddress src_mac;
	VlanTags ingress_tags{};
	VlanTags egress_tags{};
	friend bool operator==(const MapRoute&, const MapRoute&) = default;
};

/// Map mode: per ingress port, an egress port (devmap, bpf_redirect_map) and the MACs to write,
/// all in maps that any process may change while traffic flows. A port with no route is left to
/// the kernel. Throws Error: ENODEV for an unknown interface, ENOLINK for a veth egress whose
/// peer has no XDP program; a refused change leaves the previous route in place.
class MapForwarder : public Forwarder {
public:
	MapForwarder() : MapForwarder(load_skeleton<xdpfwd_map>(XDPFWD_PROG_MAP)) {}

	/// The map forwarder some process attached to `port` (persistently), to change its routes.
	static MapForwarder attached_to(Interface port) { return MapForwarder(attached_program(port, ForwarderKind::map)); }

	/// A hitless upgrade: a fresh copy of the program, with `running`'s maps (routes, MACs,
	/// counters), swapped in wherever `running` runs (take_over).
	static MapForwarder upgrade(const MapForwarder& running, bool persistent = true)
	{
		MapForwarder fresh(detail::load_sharing_maps<xdpfwd_map>(XDPFWD_PROG_MAP, running.program(), [](xdpfwd_map&) {}));
		fresh.take_over(running.program(), persistent);
		return fresh;
	}

	/// Attaches to `ingress` and routes it (the usual one-step set-up).
	void add_port(Interface ingress, const MapRoute& route, AttachOptions options = {}, bool check_veth_peer = true)
	{
		set_route(ingress, route, check_veth_peer, options.turn_off_vlan_offload);
		try {
			attach(ingress, options);
		} catch (...) {
			remove_route(ingress);
			throw;
		}
	}

	/// Detaches from `ingress` and forgets its route.
	bool remove_port(Interface ingress)
	{
		const bool removed = remove_route(ingress);
		return detach(ingress) || removed;
	}

	/// A route for tagged frames needs `ingress` to see their tags: with receive VLAN offload on,
	/// it is refused (Error EOPNOTSUPP), or the offload turned off with `turn_off_vlan_offload`.
	void set_route(Interface ingress, const MapRoute& route, bool check_veth_peer = true,
		       bool turn_off_vlan_offload = false)
	{
		const std::uint32_t key = ingress.ifindex();
		if (check_veth_peer)
			check_redirect_target(route.egress);
		if (!route.ingress_tags.empty())
			require_tags_visible(key, turn_off_vlan_offload,
					     "route " + route.ingress_tags.text() + "-tagged frames from " + describe_interface(key));
		const auto previous = routes_.get(key);
		// MACs and tags first: the program redirects only once the devmap entry exists
		routes_.set(key, to_abi(route));
		try {
			ports_.set(key, route.egress);
		} catch (const Error& e) {
			undo(e, [&] {
				if (previous)
					routes_.set(key, *previous);
				else
					routes_.erase(key);
			});
			throw;
		}
	}

	/// False when `ingress` had no route.
	bool remove_route(Interface ingress)
	{
		const std::uint32_t key = ingress.ifindex();
		const bool had_port = ports_.erase(key); // the devmap first: no redirect without MACs
		const bool had_route = routes_.erase(key);
		return had_port || had_route;
	}

	[[nodiscard]] std::optional<MapRoute> route(Interface ingress) const
	{
		const std::uint32_t key = ingress.ifindex();
		const auto egress = ports_.get(key);
		const auto value = egress ? routes_.get(key) : std::nullopt;
		if (!value)
			return std::nullopt;
		MapRoute route;
		route.egress = *egress;
		std::copy(std::begin(value->dst), std::end(value->dst), route.dst_mac.bytes.begin());
		std::copy(std::begin(value->src), std::end(value->src), route.src_mac.bytes.begin());
		route.ingress_tags = VlanTags::from_abi(value->ingress);
		route.egress_tags = VlanTags::from_abi(value->egress);
		return route;
	}

	/// Every routed ingress port with its route.
	[[nodiscard]] std::vector<std::pair<unsigned, MapRoute>> routes() const
	{
		std::vector<std::pair<unsigned, MapRoute>> result;
		for (const auto& entry : ports_.entries())
			if (auto r = route(entry.key))
				result.emplace_back(entry.key, *r);
		return result;
	}

	[[nodiscard]] const DevMap& ports() const noexcept { return ports_; }

private:
	friend detail::Adopt;
	explicit MapForwarder(Program program)
	    : Forwarder(std::move(program)), ports_(this->program(), XDPFWD_MAP_ROUTE_EGRESS),
	      routes_(this->program().map<std::uint32_t, xdpfwd_port_route>(XDPFWD_MAP_PORT_ROUTES))
	{
	}

	static xdpfwd_port_route to_abi(const MapRoute& route)
	{
		xdpfwd_port_route value{};
		std::copy(route.dst_mac.bytes.begin(), route.dst_mac.bytes.end(), value.dst);
		std::copy(route.src_mac.bytes.begin(), route.src_mac.bytes.end(), value.src);
		value.ingress = route.ingress_tags.to_abi();
		value.egress = route.egress_tags.to_abi();
		return value;
	}

	// Restores what a refused change touched; if that fails too, the error says so, since the
	// route is then neither the old one nor the new one.
	template <class Restore>
	static void undo(const Error& failure, Restore&& restore)
	{
		try {
			restore();
		} catch (const Error& also) {
			throw Error(failure.code().value(), failure.context(),
				    std::string("restoring the previous route failed too: ") + also.what());
		}
	}

	DevMap ports_;
	BpfMap<std::uint32_t, xdpfwd_port_route> routes_;
};

} // namespace xdpfwd
