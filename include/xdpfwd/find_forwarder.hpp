// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <optional>
#include <variant>

#include "fib_forwarder.hpp"
#include "map_forwarder.hpp"
#include "pass_program.hpp"
#include "static_forwarder.hpp"

namespace xdpfwd {

/// Any of xdpfwd's programs, as the class that works it: std::visit or std::get_if tells which.
using AnyForwarder = std::variant<PassProgram, StaticForwarder, MapForwarder, FibForwarder>;

/// The xdpfwd forwarder attached to `port` (by whichever process), as its own class; nullopt
/// when nothing is attached. Throws Error(EINVAL) naming the program when another tool's
/// program is attached.
inline std::optional<AnyForwarder> find_forwarder(Interface port)
{
	auto attached = find_attached(port.ifindex());
	if (!attached)
		return std::nullopt;
	Program& program = attached->program;
	switch (attached->kind) {
	case ForwarderKind::pass:
		return detail::Adopt::program<PassProgram>(std::move(program));
	case ForwarderKind::static_:
		return detail::Adopt::program<StaticForwarder>(std::move(program));
	case ForwarderKind::map:
		return detail::Adopt::program<MapForwarder>(std::move(program));
	case ForwarderKind::fib:
		return detail::Adopt::program<FibForwarder>(std::move(program));
	default:
		throw Error(EINVAL, "find xdpfwd forwarder on " + describe_interface(port.ifindex()),
			    "the attached program is " + program.name() + " (id " +
				std::to_string(program.id()) + "), not xdpfwd's");
	}
}

/// The forwarder's loaded program, whichever alternative it is.
inline const Program& program_of(const AnyForwarder& forwarder)
{
	return std::visit([](const Forwarder& f) -> const Program& { return f.program(); }, forwarder);
}

} // namespace xdpfwd
