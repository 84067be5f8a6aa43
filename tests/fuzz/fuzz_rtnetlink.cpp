// libFuzzer target: rtnetlink replies, as the kernel's bytes arrive in a receive buffer, walked
// as NLMSG_OK / NLMSG_NEXT do, each message handed to the library's parsers that take one:
// detail::parse_link (links) and detail::CacheSafety::observe (routes; links and nexthops only
// mark a rebuild). Crashes and sanitizer reports are the findings.
//
// The walk never lets the remaining length wrap: RtNetlink::transact and RouteMonitor::drain keep
// it in a uint32_t, which NLMSG_NEXT wraps past an unaligned last message, and NLMSG_OK then reads
// beyond the buffer (the kernel always aligns, so only a malformed buffer does that). Not reachable from here, their parsing sitting in lambdas around
// a socket: those two loops, neighbours() and detail::custom_rule_count().
#include <sched.h>

#include <cstdint>
#include <optional>
#include <vector>

#include <xdpfwd/detail/cache_safety.hpp>
#include <xdpfwd/interface.hpp>

extern "C" int LLVMFuzzerInitialize(int*, char***)
{
	// CacheSafety dumps the routes and rules of the namespace it is made in: an empty one of our
	// own, so that every input starts from the same state (needs root; else the current one)
	::unshare(CLONE_NEWNET);
	return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
	// a heap copy of exactly `size` bytes, aligned as a receive buffer is: reads past it are caught
	const std::vector<char> buffer(data, data + size);
	std::optional<xdpfwd::detail::CacheSafety> safety;
	for (std::size_t at = 0; at + sizeof(nlmsghdr) <= size;) {
		const auto* msg = reinterpret_cast<const nlmsghdr*>(buffer.data() + at);
		if (msg->nlmsg_len < sizeof(nlmsghdr) || msg->nlmsg_len > size - at)
			break; // what NLMSG_OK refuses
		const auto event = xdpfwd::detail::classify(msg->nlmsg_type);
		if (msg->nlmsg_type == RTM_NEWLINK)
			(void)xdpfwd::detail::parse_link(*msg);
		if (event == xdpfwd::NetEvent::route || event == xdpfwd::NetEvent::link || event == xdpfwd::NetEvent::nexthop) {
			if (!safety)
				safety.emplace(false);
			safety->observe(*event, msg);
		}
		at += NLMSG_ALIGN(msg->nlmsg_len);
	}
	if (safety)
		(void)safety->unsafe_reason();
	return 0;
}
