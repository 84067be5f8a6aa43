// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// An rtnetlink socket subscribed to every notification that can change what bpf_fib_lookup
// answers: links, addresses, routes, rules, neighbours, nexthops and netconf (the forwarding
// sysctls), IPv4 and IPv6. Non-blocking, so an event loop can poll its fd.

#include <fcntl.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "../error.hpp"
#include "../unique_fd.hpp"

namespace xdpfwd {

/// What changed, as rtnetlink groups it; overflow: notifications were lost (ENOBUFS).
enum class NetEvent : std::uint8_t { link, address, route, rule, neighbour, nexthop, netconf, overflow };
inline constexpr std::size_t net_event_count = 8;

inline std::string_view to_string(NetEvent event)
{
	static constexpr std::array<std::string_view, net_event_count> names{
	    "link", "address", "route", "rule", "neighbour", "nexthop", "netconf", "overflow"};
	return names[static_cast<std::size_t>(event)];
}

namespace detail {

/// The event class of one notification; nullopt for a message type no lookup depends on.
inline std::optional<NetEvent> classify(std::uint16_t type)
{
	switch (type) {
	case RTM_NEWLINK:
	case RTM_DELLINK:
		return NetEvent::link;
	case RTM_NEWADDR:
	case RTM_DELADDR:
		return NetEvent::address;
	case RTM_NEWROUTE:
	case RTM_DELROUTE:
		return NetEvent::route;
	case RTM_NEWRULE:
	case RTM_DELRULE:
		return NetEvent::rule;
	case RTM_NEWNEIGH:
	case RTM_DELNEIGH:
		return NetEvent::neighbour;
	case RTM_NEWNEXTHOP:
	case RTM_DELNEXTHOP:
		return NetEvent::nexthop;
	case RTM_NEWNETCONF:
	case RTM_DELNETCONF:
		return NetEvent::netconf;
	default:
		return std::nullopt;
	}
}

class RouteMonitor {
public:
	/// Subscribes in the caller's network namespace. Throws Error (EPERM, ENOMEM).
	RouteMonitor() : socket_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE))
	{
		if (!socket_)
			throw Error(errno, "open rtnetlink socket for route notifications");
		// a full table arriving at once must not overflow the queue; FORCE needs CAP_NET_ADMIN
		const int bytes = 32 << 20;
		if (::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUFFORCE, &bytes, sizeof(bytes)) != 0)
			::setsockopt(socket_.get(), SOL_SOCKET, SO_RCVBUF, &bytes, sizeof(bytes));
		// bound, so that it has a port id: the kernel skips listeners whose id is its own (0)
		sockaddr_nl self{};
		self.nl_family = AF_NETLINK;
		if (::bind(socket_.get(), reinterpret_cast<const sockaddr*>(&self), sizeof(self)) != 0)
			throw Error(errno, "bind rtnetlink socket for route notifications");
		for (const unsigned group : {RTNLGRP_LINK, RTNLGRP_NEIGH, RTNLGRP_IPV4_IFADDR, RTNLGRP_IPV6_IFADDR,
					     RTNLGRP_IPV4_ROUTE, RTNLGRP_IPV6_ROUTE, RTNLGRP_IPV4_RULE, RTNLGRP_IPV6_RULE,
					     RTNLGRP_NEXTHOP, RTNLGRP_IPV4_NETCONF, RTNLGRP_IPV6_NETCONF})
			if (::setsockopt(socket_.get(), SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &group, sizeof(group)) != 0)
				throw Error(errno, "subscribe to rtnetlink group " + std::to_string(group));
	}

	[[nodiscard]] int fd() const noexcept { return socket_.get(); }

	/// Reads every pending notification and calls `on_event(NetEvent, const nlmsghdr*)` for each
	/// (nullptr with NetEvent::overflow when the kernel dropped some). Returns how many it read.
	template <class OnEvent>
	std::size_t drain(OnEvent&& on_event)
	{
		std::size_t count = 0;
		for (;;) {
			const ssize_t got = ::recv(socket_.get(), buffer_.data(), buffer_.size(), 0);
			if (got < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					return count;
				if (errno == ENOBUFS) {
					on_event(NetEvent::overflow, static_cast<const nlmsghdr*>(nullptr));
					++count;
					continue;
				}
				throw Error(errno, "read route notifications");
			}
			int length = static_cast<int>(got); // int: NLMSG_NEXT may take it below zero
			for (auto* msg = reinterpret_cast<const nlmsghdr*>(buffer_.data()); NLMSG_OK(msg, length);
			     msg = NLMSG_NEXT(msg, length)) {
				if (const auto event = classify(msg->nlmsg_type)) {
					on_event(*event, msg);
					++count;
				}
			}
		}
	}

private:
	UniqueFd socket_;
	std::vector<char> buffer_ = std::vector<char>(1 << 16);
};

} // namespace detail
} // namespace xdpfwd
