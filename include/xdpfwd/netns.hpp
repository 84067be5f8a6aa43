// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <fcntl.h>
#include <sched.h>

#include <cerrno>
#include <string>

#include "error.hpp"
#include "unique_fd.hpp"

namespace xdpfwd {

/// Moves the calling thread into the named network namespace (as `ip netns exec` would, at
/// /run/netns/NAME) and back when destroyed. Sockets, netlink requests and attachments made
/// meanwhile belong to that namespace; BPF fds work in any. Throws Error(ENOENT) for an unknown name.
class NetnsScope {
public:
	explicit NetnsScope(const std::string& name)
	    : original_(open_or_throw("/proc/thread-self/ns/net", "open current network namespace"))
	{
		const UniqueFd target = open_or_throw("/run/netns/" + name, "open network namespace \"" + name + "\"");
		if (::setns(target.get(), CLONE_NEWNET) != 0)
			throw Error(errno, "enter network namespace \"" + name + "\"");
	}
	NetnsScope(const NetnsScope&) = delete;
	NetnsScope& operator=(const NetnsScope&) = delete;
	~NetnsScope() { ::setns(original_.get(), CLONE_NEWNET); }

private:
	static UniqueFd open_or_throw(const std::string& path, const std::string& what)
	{
		UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
		if (!fd)
			throw Error(errno, what);
		return fd;
	}

	UniqueFd original_;
};

} // namespace xdpfwd
