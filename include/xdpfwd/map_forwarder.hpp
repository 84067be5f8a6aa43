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
		const auto previous = macs_.get(key);
		// MACs first: the program redirects only once the devmap entry exists
		macs_.set(key, to_macs(route));
		try {
			ports_.set(key, route.egress);
		} catch (const Error& e) {
			undo(e, [&] {
				if (previous)
					macs_.set(key, *previous);
				else
					macs_.erase(key);
			});
			throw;
		}
	}

	/// False when `ingress` had no route.
	bool remove_route(Interface ingress)
	{
		const std::uint32_t key = ingress.ifindex();
		const bool had_port = ports_.erase(key); // the devmap first: no redirect without MACs
		const bool had_macs = macs_.erase(key);
		return had_port || had_macs;
	}

	[[nodiscard]] std::optional<MapRoute> route(Interface ingress) const
	{
		const std::uint32_t key = ingress.ifindex();
		const auto egress = ports_.get(key);
		const auto macs = egress ? macs_.get(key) : std::nullopt;
		if (!macs)
			return std::nullopt;
		MapRoute route{*egress, {}, {}};
		std::copy(std::begin(macs->dst), std::end(macs->dst), route.dst_mac.bytes.begin());
		std::copy(std::begin(macs->src), std::end(macs->src), route.src_mac.bytes.begin());
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
	      macs_(this->program().map<std::uint32_t, xdpfwd_macs>(XDPFWD_MAP_PORT_MACS))
	{
	}

	static xdpfwd_macs to_macs(const MapRoute& route)
	{
		xdpfwd_macs macs{};
		std::copy(route.dst_mac.bytes.begin(), route.dst_mac.bytes.end(), macs.dst);
		std::copy(route.src_mac.bytes.begin(), route.src_mac.bytes.end(), macs.src);
		return macs;
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
	BpfMap<std::uint32_t, xdpfwd_macs> macs_;
};

} // namespace xdpfwd
