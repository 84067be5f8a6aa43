// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// A minimal rtnetlink request/reply client. xdpfwd asks the kernel about links through
// netlink rather than /sys because `ip netns exec` leaves /sys showing another namespace's view
// in some set-ups and without bpffs in all of them; netlink always speaks for the caller's
// network namespace (or, with IFLA_TARGET_NETNSID, for a peer namespace).

#include <arpa/inet.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../error.hpp"
#include "../unique_fd.hpp"

namespace xdpfwd::detail {

/// Calls `visit(type, payload, length)` for each attribute in [attr, attr + length).
template <class Visit>
void for_each_attribute(const rtattr* attr, int length, Visit&& visit)
{
	for (; RTA_OK(attr, length); attr = RTA_NEXT(attr, length))
		visit(attr->rta_type & NLA_TYPE_MASK, RTA_DATA(attr), RTA_PAYLOAD(attr));
}

/// The fixed header that starts `msg`'s payload, or nullptr when `msg` is too short to hold it.
template <class Header>
const Header* header_of(const nlmsghdr& msg)
{
	if (msg.nlmsg_len < NLMSG_LENGTH(NLMSG_ALIGN(sizeof(Header))))
		return nullptr;
	return static_cast<const Header*>(NLMSG_DATA(&msg));
}

/// Calls `visit(type, payload, length)` for each attribute after `msg`'s Header (none when the
/// message is too short for the header).
template <class Header, class Visit>
void for_each_attribute_of(const nlmsghdr& msg, Visit&& visit)
{
	if (!header_of<Header>(msg))
		return;
	const auto* first = reinterpret_cast<const rtattr*>(static_cast<const char*>(NLMSG_DATA(&msg)) + NLMSG_ALIGN(sizeof(Header)));
	for_each_attribute(first, static_cast<int>(msg.nlmsg_len - NLMSG_LENGTH(NLMSG_ALIGN(sizeof(Header)))), visit);
}

/// An address attribute (RTA_DST, NDA_DST) as text, or empty when its length is not the family's.
inline std::string address_text(int family, const void* data, std::size_t length)
{
	char text[INET6_ADDRSTRLEN] = {};
	if ((family == AF_INET && length == 4) || (family == AF_INET6 && length == 16))
		::inet_ntop(family, data, text, sizeof(text));
	return text;
}

template <class T>
T attribute_value(const void* payload, std::size_t length)
{
	T value{};
	std::memcpy(&value, payload, length < sizeof(T) ? length : sizeof(T));
	return value;
}

class RtNetlink {
public:
	RtNetlink()
	    : socket_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE))
	{
		if (!socket_)
			throw Error(errno, "open rtnetlink socket");
		int one = 1;
		// extended acks carry the kernel's own explanation of a refused request
		::setsockopt(socket_.get(), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
	}

	/// Sends a request built in `request` (nlmsg_len set) and hands each reply message to
	/// `on_message` until the kernel says done. Throws Error with the kernel's errno.
	void transact(nlmsghdr* request, const std::function<void(const nlmsghdr&)>& on_message,
		      const std::function<std::string()>& context)
	{
		request->nlmsg_seq = ++sequence_;
		request->nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
		if (::send(socket_.get(), request, request->nlmsg_len, 0) < 0)
			throw Error(errno, context());
		std::vector<char> buffer(32768);
		for (;;) {
			const ssize_t got = ::recv(socket_.get(), buffer.data(), buffer.size(), 0);
			if (got < 0) {
				if (errno == EINTR)
					continue;
				throw Error(errno, context());
			}
			int length = static_cast<int>(got); // int: NLMSG_NEXT may take it below zero
			for (auto* msg = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(msg, length);
			     msg = NLMSG_NEXT(msg, length)) {
				if (msg->nlmsg_seq != sequence_)
					continue;
				if (msg->nlmsg_type == NLMSG_DONE)
					return;
				if (msg->nlmsg_type == NLMSG_ERROR) {
					const auto* err = header_of<nlmsgerr>(*msg);
					if (!err)
						throw Error(EBADMSG, context(), "the kernel's error message is cut short");
					if (err->error == 0)
						return; // the ack
					throw Error(-err->error, context());
				}
				on_message(*msg); // a single reply is followed by the ack, a dump by NLMSG_DONE
			}
		}
	}

private:
	UniqueFd socket_;
	std::uint32_t sequence_ = 0;
};

/// A dump request (RTM_GET*, NLM_F_DUMP) whose payload is a Header with `family` as its first
/// byte (rtmsg, ndmsg, fib_rule_hdr, ifinfomsg all start so); transact() sends it.
template <class Header>
std::vector<char> dump_request(std::uint16_t type, unsigned char family)
{
	std::vector<char> request(NLMSG_SPACE(sizeof(Header)));
	auto* header = reinterpret_cast<nlmsghdr*>(request.data());
	header->nlmsg_len = static_cast<std::uint32_t>(request.size());
	header->nlmsg_type = type;
	header->nlmsg_flags = NLM_F_DUMP;
	*static_cast<unsigned char*>(NLMSG_DATA(header)) = family;
	return request;
}

/// Appends an attribute to a request buffer whose first bytes are the nlmsghdr.
inline void append_attribute(std::vector<char>& message, std::uint16_t type, const void* data,
			     std::size_t length)
{
	const std::size_t offset = NLMSG_ALIGN(message.size());
	message.resize(offset + RTA_SPACE(length));
	auto* attr = reinterpret_cast<rtattr*>(message.data() + offset);
	attr->rta_type = type;
	attr->rta_len = static_cast<unsigned short>(RTA_LENGTH(length));
	std::memcpy(RTA_DATA(attr), data, length);
	reinterpret_cast<nlmsghdr*>(message.data())->nlmsg_len = static_cast<std::uint32_t>(message.size());
}

} // namespace xdpfwd::detail
