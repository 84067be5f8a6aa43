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
#include "xdpfwd_map.skel.h"

namespace xdpfwd {

/// Where map mode sends what arrives on one ingress port, and the MACs it writes.
struct MapRoute {
	unsigned egress = 0;
	MacAddress dst_mac;
	MacAddress src_mac;
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
	static MapForwarder attached_to(Interface port) { return MapForwarder(attached_program(port, XDPFWD_PROG_MAP)); }

	/// Attaches to `ingress` and routes it (the usual one-step set-up).
	void add_port(Interface ingress, const MapRoute& route, AttachOptions options = {}, bool check_veth_peer = true)
	{
		set_route(ingress, route, check_veth_peer);
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

	void set_route(Interface ingress, const MapRoute& route, bool check_veth_peer = true)
	{
		const std::uint32_t key = ingress.ifindex();
		if (check_veth_peer)
			check_redirect_target(route.egress);
		const auto previous = this->route(ingress);
		// MACs first: the program redirects only once the devmap entry exists
		check(set_macs(key, route), [&] { return "set MACs for " + describe_interface(key); });
		try {
			ports_.set(key, route.egress);
		} catch (...) {
			if (previous)
				set_macs(key, *previous);
			else
				bpf_map_delete_elem(macs_.get(), &key);
			throw;
		}
	}

	/// False when `ingress` had no route.
	bool remove_route(Interface ingress)
	{
		const std::uint32_t key = ingress.ifindex();
		const bool had_port = ports_.erase(key);
		const bool had_macs = bpf_map_delete_elem(macs_.get(), &key) == 0;
		return had_port || had_macs;
	}

	[[nodiscard]] std::optional<MapRoute> route(Interface ingress) const
	{
		const std::uint32_t key = ingress.ifindex();
		const auto egress = ports_.get(key);
		xdpfwd_macs macs{};
		if (!egress || bpf_map_lookup_elem(macs_.get(), &key, &macs) != 0)
			return std::nullopt;
		MapRoute route{*egress, {}, {}};
		std::copy(std::begin(macs.dst), std::end(macs.dst), route.dst_mac.bytes.begin());
		std::copy(std::begin(macs.src), std::end(macs.src), route.src_mac.bytes.begin());
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
	explicit MapForwarder(Program program)
	    : Forwarder(std::move(program)), ports_(this->program().map(XDPFWD_MAP_ROUTE_EGRESS), XDPFWD_MAP_ROUTE_EGRESS),
	      macs_(this->program().map(XDPFWD_MAP_PORT_MACS))
	{
	}

	int set_macs(std::uint32_t key, const MapRoute& route)
	{
		xdpfwd_macs macs{};
		std::copy(route.dst_mac.bytes.begin(), route.dst_mac.bytes.end(), macs.dst);
		std::copy(route.src_mac.bytes.begin(), route.src_mac.bytes.end(), macs.src);
		return bpf_map_update_elem(macs_.get(), &key, &macs, BPF_ANY);
	}

	DevMap ports_;
	UniqueFd macs_;
};

} // namespace xdpfwd
