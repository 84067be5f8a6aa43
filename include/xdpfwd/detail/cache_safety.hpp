// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// When a route cache keyed by (ingress, family, destination) answers exactly as bpf_fib_lookup
// would, and when it cannot: the lookup then also reads things the key leaves out.
// - policy rules (ip rule) other than the defaults can select by source, TOS, ports, ...;
// - a multipath route picks a nexthop by a hash of source, ports or flow label;
// - routes using nexthop objects (RTA_NH_ID) may be such groups;
// - IPv6 source-specific routes (from ...) and IPv4 TOS routes select by source or TOS.
// The tracker learns the namespace's routes and rules once (a dump), follows notifications, and
// says why the cache must stay off while any of these exist.

#include <arpa/inet.h>
#include <linux/rtnetlink.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <string>

#include "../abi.h"
#include "../policy_rules.hpp"
#include "route_monitor.hpp"
#include "rtnetlink.hpp"

namespace xdpfwd::detail {

/// Why the cache must be off: the code the keeper publishes, and words for people.
struct CacheOff {
	xdpfwd_cache_off code;
	std::string why;
};

class CacheSafety {
public:
	/// direct: lookups skip policy rules (BPF_FIB_LOOKUP_DIRECT), so rules do not matter.
	explicit CacheSafety(bool direct) : direct_(direct) { rebuild(); }

	/// Forgets everything and dumps the routes and rules again.
	void rebuild()
	{
		special_routes_.clear();
		dump_routes([&](const nlmsghdr& msg) { observe_route(msg); });
		recount_rules();
		rebuild_pending_ = false;
	}

	/// Follows one notification (nullptr for an overflow).
	void observe(NetEvent event, const nlmsghdr* msg)
	{
		switch (event) {
		case NetEvent::route:
			observe_route(*msg);
			break;
		case NetEvent::rule:
			recount_rules();
			break;
		case NetEvent::overflow:
			rebuild_pending_ = true;
			break;
		case NetEvent::link:
		case NetEvent::nexthop:
			// IPv4 drops a dead link's routes without notifying: learn them again, but only when
			// it can matter (something special was known)
			if (!special_routes_.empty())
				rebuild_pending_ = true;
			break;
		default:
			break;
		}
	}

	/// Runs a rebuild that observe() asked for (kept apart so a burst of events costs one dump).
	void settle()
	{
		if (rebuild_pending_)
			rebuild();
	}

	/// Why the cache must stay off, or nullopt when it may be used.
	[[nodiscard]] std::optional<CacheOff> unsafe_reason() const
	{
		if (!direct_ && custom_rules_)
			return CacheOff{XDPFWD_CACHE_OFF_POLICY_RULES,
					std::to_string(custom_rules_) + " policy rule(s) (ip rule) besides the defaults"};
		if (!special_routes_.empty()) {
			CacheOff off = special_routes_.begin()->second;
			off.why += " (" + std::to_string(special_routes_.size()) + " route(s) the cache cannot key)";
			return off;
		}
		return std::nullopt;
	}

private:
	template <class OnMessage>
	static void dump_routes(OnMessage&& on_message)
	{
		auto request = dump_request<rtmsg>(RTM_GETROUTE, AF_UNSPEC);
		RtNetlink().transact(reinterpret_cast<nlmsghdr*>(request.data()), on_message,
				     [] { return std::string("list routes"); });
	}

	void observe_route(const nlmsghdr& msg)
	{
		if (msg.nlmsg_type != RTM_NEWROUTE && msg.nlmsg_type != RTM_DELROUTE)
			return;
		const auto* route = header_of<rtmsg>(msg);
		if (!route || (route->rtm_family != AF_INET && route->rtm_family != AF_INET6))
			return;
		std::uint32_t table = route->rtm_table;
		std::uint32_t priority = 0;
		std::string dst;
		bool multipath = false;
		bool nexthop_object = false;
		for_each_attribute_of<rtmsg>(msg, [&](int type, const void* data, std::size_t len) {
			if (type == RTA_TABLE)
				table = attribute_value<std::uint32_t>(data, len);
			else if (type == RTA_PRIORITY)
				priority = attribute_value<std::uint32_t>(data, len);
			else if (type == RTA_DST)
				dst = address_text(route->rtm_family, data, len);
			else if (type == RTA_MULTIPATH)
				multipath = true;
			else if (type == RTA_NH_ID)
				nexthop_object = true;
		});
		const std::string prefix = (dst.empty() ? std::string("default") : dst) + "/" + std::to_string(route->rtm_dst_len);
		// what tells routes apart in the kernel: a replace keeps the key, a new metric does not
		const std::string key = std::to_string(route->rtm_family) + " " + std::to_string(table) + " " + prefix + " " +
					std::to_string(route->rtm_tos) + " " + std::to_string(priority) + " " +
					std::to_string(route->rtm_src_len);
		std::optional<CacheOff> off;
		if (multipath)
			off = CacheOff{XDPFWD_CACHE_OFF_MULTIPATH, "a multipath route to " + prefix};
		else if (nexthop_object)
			off = CacheOff{XDPFWD_CACHE_OFF_NEXTHOP_OBJECT, "a route through a nexthop object to " + prefix};
		else if (route->rtm_family == AF_INET6 && route->rtm_src_len)
			off = CacheOff{XDPFWD_CACHE_OFF_SOURCE_ROUTE, "a source-specific route to " + prefix};
		else if (route->rtm_family == AF_INET && route->rtm_tos)
			off = CacheOff{XDPFWD_CACHE_OFF_TOS_ROUTE, "a TOS route to " + prefix};
		if (msg.nlmsg_type == RTM_NEWROUTE && off) {
			special_routes_[key] = *off;
		} else if (special_routes_.erase(key) && route->rtm_family == AF_INET6) {
			// IPv6 deletes one nexthop of a multipath route at a time: ask again what is left
			rebuild_pending_ = true;
		}
	}

	void recount_rules() { custom_rules_ = custom_rule_count(AF_UNSPEC); }

	bool direct_;
	bool rebuild_pending_ = false;
	unsigned custom_rules_ = 0;
	std::map<std::string, CacheOff> special_routes_; // route key -> why it makes the cache unsafe
};

} // namespace xdpfwd::detail
