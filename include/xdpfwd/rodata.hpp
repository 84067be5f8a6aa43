// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <cstdint>
#include <string>

#include "error.hpp"
#include "program.hpp"

namespace xdpfwd {

/// A program's read-only data (`const volatile` globals in the BPF C): written through the
/// skeleton's `rodata` before load (see load_skeleton), frozen by the kernel at load, and read
/// back here from the loaded program, in this process or any other. `Data` is the skeleton's
/// generated struct, e.g. xdpfwd_fib::xdpfwd_fib__rodata. Throws Error (ENOENT: no .rodata).
template <class Data>
[[nodiscard]] Data read_rodata(const Program& program)
{
	const auto map = program.map<std::uint32_t, Data>(".rodata");
	const auto value = map.get(0);
	if (!value)
		throw Error(ENOENT, "read .rodata of BPF program " + program.name());
	return *value;
}

} // namespace xdpfwd
