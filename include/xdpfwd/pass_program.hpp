// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include "forwarder.hpp"
#include "xdpfwd_pass.skel.h"

namespace xdpfwd {

/// XDP_PASS with counters: what a veth peer needs so that frames redirected into the veth are
/// accepted (unless the peer has GRO on). Attach it to the peer, in the peer's namespace (see
/// NetnsScope).
class PassProgram : public Forwarder {
public:
	PassProgram() : Forwarder(load_skeleton<xdpfwd_pass>(XDPFWD_PROG_PASS)) {}

	/// The pass program some process attached to `port`, to read its counters or detach it.
	static PassProgram attached_to(Interface port) { return PassProgram(attached_program(port, ForwarderKind::pass)); }

	/// A fresh copy swapped in wherever `running` runs, its counters carried over (take_over).
	static PassProgram upgrade(const PassProgram& running, bool persistent = true)
	{
		PassProgram fresh(detail::load_sharing_maps<xdpfwd_pass>(XDPFWD_PROG_PASS, running.program(), [](xdpfwd_pass&) {}));
		fresh.take_over(running.program(), persistent);
		return fresh;
	}

private:
	friend detail::Adopt;
	explicit PassProgram(Program program) : Forwarder(std::move(program)) {}
};

} // namespace xdpfwd
