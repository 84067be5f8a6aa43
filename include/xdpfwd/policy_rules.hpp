// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// Whether the caller's namespace routes IPv4 by policy (`ip rule`). A direct FIB lookup reads the
// main table only, and once policy rules exist the kernel keeps the local table (the router's
// own addresses) apart from main: direct lookups would then forward traffic meant for the router.

#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cstdint>
#include <string>

#include "detail/rtnetlink.hpp"

namespace xdpfwd {

namespace detail {

/// How many policy rules of `family` (AF_INET, AF_INET6, or AF_UNSPEC for both) exist besides
/// the kernel's defaults: local (0), main (32766) and, for IPv4, default (32767).
inline unsigned custom_rule_count(unsigned char family)
{
	auto request = dump_request<fib_rule_hdr>(RTM_GETRULE, family);
	auto* header = reinterpret_cast<nlmsghdr*>(request.data());

	unsigned custom = 0;
	RtNetlink().transact(
	    header,
	    [&](const nlmsghdr& msg) {
		    if (msg.nlmsg_type != RTM_NEWRULE)
			    return;
		    const auto* rule = header_of<fib_rule_hdr>(msg);
		    if (!rule || (rule->family != AF_INET && rule->family != AF_INET6))
			    return;
		    std::uint32_t table = rule->table;
		    std::uint32_t priority = 0;
		    for_each_attribute_of<fib_rule_hdr>(msg, [&](int type, const void* data, std::size_t len) {
			    if (type == FRA_TABLE)
				    table = attribute_value<std::uint32_t>(data, len);
			    else if (type == FRA_PRIORITY)
				    priority = attribute_value<std::uint32_t>(data, len);
		    });
		    const bool builtin = (priority == 0 && table == RT_TABLE_LOCAL) || (priority == 32766 && table == RT_TABLE_MAIN) ||
					 (priority == 32767 && table == RT_TABLE_DEFAULT && rule->family == AF_INET);
		    if (!builtin)
			    ++custom;
	    },
	    [] { return std::string("list policy rules"); });
	return custom;
}

} // namespace detail

/// True when an IPv4 rule other than the kernel's three defaults (local, main, default) exists.
inline bool has_ipv4_policy_rules() { return detail::custom_rule_count(AF_INET) != 0; }

} // namespace xdpfwd
