// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <fcntl.h>
#include <sched.h>
#include <sys/stat.h>

#include <cerrno>
#include <string>

#include "error.hpp"
#include "unique_fd.hpp"

namespace xdpfwd {

/// An fd for the calling thread's network namespace (to come back to it, or to remember where
/// an ifindex means something).
inline UniqueFd current_netns()
{
	UniqueFd fd(::open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC));
	if (!fd)
		throw Error(errno, "open current network namespace");
	return fd;
}

/// Moves the calling thread into a network namespace, by name (as `ip netns exec` would, at
/// /run/netns/NAME) or by fd, and back when destroyed. Sockets, netlink requests and
/// attachments made meanwhile belong to that namespace; BPF fds work in any.
/// Throws Error(ENOENT) for an unknown name.
class NetnsScope {
public:
	explicit NetnsScope(const std::string& name) : original_(current_netns())
	{
		UniqueFd target(::open(("/run/netns/" + name).c_str(), O_RDONLY | O_CLOEXEC));
		if (!target)
			throw Error(errno, "open network namespace \"" + name + "\"");
		enter(target, "enter network namespace \"" + name + "\"");
	}

	explicit NetnsScope(const UniqueFd& netns) : original_(current_netns())
	{
		enter(netns, "enter network namespace");
	}

	NetnsScope(const NetnsScope&) = delete;
	NetnsScope& operator=(const NetnsScope&) = delete;
	~NetnsScope()
	{
		if (moved_)
			::setns(original_.get(), CLONE_NEWNET);
	}

	/// Whether two namespace fds name the same namespace.
	static bool same(const UniqueFd& a, const UniqueFd& b)
	{
		struct stat sa {}, sb {};
		return ::fstat(a.get(), &sa) == 0 && ::fstat(b.get(), &sb) == 0 && sa.st_dev == sb.st_dev &&
		       sa.st_ino == sb.st_ino;
	}

private:
	void enter(const UniqueFd& target, const std::string& what)
	{
		if (same(target, original_))
			return; // nothing to do, and no CAP_SYS_ADMIN needed for it
		if (::setns(target.get(), CLONE_NEWNET) != 0)
			throw Error(errno, what, errno == EPERM ? "entering a network namespace needs CAP_SYS_ADMIN" : "");
		moved_ = true;
	}

	UniqueFd original_;
	bool moved_ = false;
};

} // namespace xdpfwd
