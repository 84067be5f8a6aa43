// Link notifications (RTM_NEWLINK / RTM_DELLINK) of the caller's network namespace, for an
// event loop: `run` follows its interfaces by name as they go and come back.
#pragma once

#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>

#include <array>
#include <cerrno>

#include <xdpfwd/xdpfwd.hpp>

namespace xdpfwd::cli {

class LinkWatch {
public:
	/// Subscribes in the caller's namespace. Throws Error.
	LinkWatch() : socket_(::socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_ROUTE))
	{
		sockaddr_nl address{};
		address.nl_family = AF_NETLINK;
		address.nl_groups = RTMGRP_LINK;
		if (!socket_ || ::bind(socket_.get(), reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
			throw Error(errno, "subscribe to link notifications");
	}

	/// Readable when links changed.
	[[nodiscard]] int fd() const noexcept { return socket_.get(); }

	/// Reads what is pending; true when a link was added, changed or removed, or when
	/// notifications were lost (ENOBUFS): either way, look at the links again.
	bool drain()
	{
		bool changed = false;
		for (;;) {
			const ssize_t got = ::recv(socket_.get(), buffer_.data(), buffer_.size(), 0);
			if (got < 0) {
				if (errno == EINTR)
					continue;
				if (errno == EAGAIN)
					return changed;
				if (errno == ENOBUFS) {
					changed = true;
					continue;
				}
				throw Error(errno, "read link notifications");
			}
			auto length = static_cast<std::uint32_t>(got);
			for (auto* msg = reinterpret_cast<const nlmsghdr*>(buffer_.data()); NLMSG_OK(msg, length);
			     msg = NLMSG_NEXT(msg, length))
				changed = changed || msg->nlmsg_type == RTM_NEWLINK || msg->nlmsg_type == RTM_DELLINK;
		}
	}

private:
	UniqueFd socket_;
	std::array<char, 1 << 16> buffer_{};
};

} // namespace xdpfwd::cli
