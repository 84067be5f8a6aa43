// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// A minimal rtnetlink request/reply client. xdpfwd asks the kernel about links through
// netlink rather than /sys because `ip netns exec` leaves /sys showing another namespace's view
// in some set-ups and without bpffs in all of them; netlink always speaks for the caller's
// network namespace (or, with IFLA_TARGET_NETNSID, for a peer namespace).

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
			auto length = static_cast<std::uint32_t>(got);
			for (auto* msg = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(msg, length);
			     msg = NLMSG_NEXT(msg, length)) {
				if (msg->nlmsg_seq != sequence_)
					continue;
				if (msg->nlmsg_type == NLMSG_DONE)
					return;
				if (msg->nlmsg_type == NLMSG_ERROR) {
					const auto* err = static_cast<const nlmsgerr*>(NLMSG_DATA(msg));
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

/// Calls `visit(type, payload, length)` for each attribute in [attr, attr + length).
template <class Visit>
void for_each_attribute(const rtattr* attr, int length, Visit&& visit)
{
	for (; RTA_OK(attr, length); attr = RTA_NEXT(attr, length))
		visit(attr->rta_type & NLA_TYPE_MASK, RTA_DATA(attr), RTA_PAYLOAD(attr));
}

template <class T>
T attribute_value(const void* payload, std::size_t length)
{
	T value{};
	std::memcpy(&value, payload, length < sizeof(T) ? length : sizeof(T));
	return value;
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
