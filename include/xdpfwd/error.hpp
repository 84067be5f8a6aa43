// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <system_error>
#include <utility>

namespace xdpfwd {

/// Every failure xdpfwd reports: errno, what was being done, and, where one helps, a hint.
/// what() reads "attach xdpfwd_fib to veth3 (ifindex 7): Operation not permitted — needs
/// CAP_NET_ADMIN and CAP_BPF"; code() is the errno as std::generic_category.
class Error : public std::system_error {
public:
	Error(int errnum, std::string context, std::string hint = {})
	    : std::system_error(errnum, std::generic_category()), context_(std::move(context))
	{
		if (hint.empty())
			hint = default_hint(errnum);
		message_ = context_ + ": " + std::strerror(errnum);
		if (!hint.empty())
			message_ += " \u2014 " + hint;
	}

	const char* what() const noexcept override { return message_.c_str(); }
	/// What was being attempted, without the errno text.
	const std::string& context() const noexcept { return context_; }

	/// The hint used when the caller has none: what usually causes this errno in xdpfwd.
	static std::string default_hint(int errnum)
	{
		switch (errnum) {
		case EPERM:
		case EACCES:
			// CAP_PERFMON to load, CAP_SYS_ADMIN to reopen programs and maps by id: root has all
			return "needs CAP_NET_ADMIN and CAP_BPF, with CAP_PERFMON and CAP_SYS_ADMIN (run as root)";
		case ENODEV:
			return "no such interface in this network namespace";
		default:
			return {};
		}
	}

private:
	std::string context_;
	std::string message_;
};

/// Throws Error for a libbpf-style result (negative errno, or -1 with errno set); returns rc
/// otherwise. The context is built only on failure.
template <class Context>
int check(int rc, Context&& context)
{
	if (rc >= 0)
		return rc;
	const int err = rc == -1 && errno ? errno : -rc;
	throw Error(err, std::forward<Context>(context)());
}

} // namespace xdpfwd
