// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// What the benchmark needs around xdpfwd: a stop flag set by SIGINT/SIGTERM, namespaces that are
// removed on every way out (both from the test-support library), and owners for skeletons and
// attachments that live in another namespace.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "support/netns.hpp"

namespace bench {

// ---- stopping ----------------------------------------------------------------------------------

/// The first SIGINT/SIGTERM/SIGHUP (see support/cleanup.hpp): the benchmark checks it between
/// steps, and a running BPF_PROG_RUN returns EINTR. A second signal removes the namespaces and
/// ends the process at once.
using xdpfwd::test::stop_signal;

struct Interrupted : std::runtime_error {
	Interrupted() : std::runtime_error("interrupted by signal " + std::to_string(stop_signal())) {}
};

inline void check_stop()
{
	if (stop_signal())
		throw Interrupted();
}

// ---- shell and namespaces ------------------------------------------------------------------------

using xdpfwd::test::must;
using xdpfwd::test::Netns;
using xdpfwd::test::output;

/// Installs the signal handling and removes namespaces that earlier runs left when they were
/// killed (their pid is gone).
inline void prepare_process()
{
	xdpfwd::test::prepare_process({.netns_prefix = "xfwdb-",
				       .on_signal = xdpfwd::test::OnSignal::stop_then_clean_up,
				       .on_stale = [](const std::string& name) {
					       std::fprintf(stderr, "bench: removing namespace %s left by a run that died\n",
							    name.c_str());
				       }});
}

// ---- BPF objects ---------------------------------------------------------------------------------

/// Owns a bpftool skeleton for its whole life (the generator's .bss is written while it runs).
template <class Skel>
class Skeleton {
public:
	template <class Configure>
	Skeleton(const char* what, Configure&& configure)
	{
		errno = 0;
		skel_.reset(Skel::open());
		if (!skel_)
			throw xdpfwd::Error(errno ? errno : ENOMEM, std::string("open BPF object ") + what);
		configure(*skel_);
		xdpfwd::check(Skel::load(skel_.get()), [&] { return std::string("load BPF object ") + what; });
	}

	Skel* operator->() const noexcept { return skel_.get(); }

	/// A Program (xdpfwd's owner of a program fd) for one of the skeleton's programs.
	static xdpfwd::Program program(bpf_program* prog)
	{
		return xdpfwd::Program(xdpfwd::UniqueFd(xdpfwd::check(::dup(bpf_program__fd(prog)), [] {
			return std::string("dup program fd");
		})));
	}

private:
	struct Destroy {
		void operator()(Skel* s) const noexcept { Skel::destroy(s); }
	};
	std::unique_ptr<Skel, Destroy> skel_;
};

/// An XDP attachment made inside a namespace and undone inside it: XdpProgram detaches by
/// ifindex in the calling thread's namespace, so it must never be destroyed elsewhere.
class ScopedAttachment {
public:
	ScopedAttachment(const Netns& ns, const xdpfwd::Program& program, const std::string& ifname, xdpfwd::AttachMode mode)
	    : ns_(&ns)
	{
		xdpfwd::NetnsScope scope(ns.name());
		attachment_.emplace(program, xdpfwd::ifindex_of(ifname), xdpfwd::AttachOptions{mode, false, false});
	}
	ScopedAttachment(const ScopedAttachment&) = delete;
	ScopedAttachment& operator=(const ScopedAttachment&) = delete;
	~ScopedAttachment()
	{
		try {
			xdpfwd::NetnsScope scope(ns_->name());
			attachment_.reset();
		} catch (...) {
			// the namespace is going away with the attachment
		}
	}

private:
	const Netns* ns_;
	std::optional<xdpfwd::XdpProgram> attachment_;
};

} // namespace bench
