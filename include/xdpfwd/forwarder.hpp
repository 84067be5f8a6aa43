// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <algorithm>
#include <vector>

#include "interface.hpp"
#include "program.hpp"
#include "stats.hpp"
#include "xdp_program.hpp"

namespace xdpfwd {

namespace detail {
/// Builds a forwarder class around a program already known to be of its kind (find_forwarder).
struct Adopt {
	template <class F>
	static F program(Program program) { return F(std::move(program)); }
};
} // namespace detail

/// What every mode shares: one loaded program, its attachments to interfaces, its counters.
/// Owns the attachments (each detached on destruction unless persistent or persist() was
/// called); a forwarder found with attached_to() owns none but can still detach by interface.
class Forwarder {
public:
	Forwarder(Forwarder&&) noexcept = default;
	Forwarder& operator=(Forwarder&&) noexcept = default;

	/// Attaches the program to `port`; a port where this very program already runs (left there
	/// persistently, say) is taken as it is. Throws Error (EBUSY with the other program's name).
	void attach(Interface port, AttachOptions options = {})
	{
		detach_owned(port.ifindex());
		if (auto attached = find_attached(port.ifindex()); attached && attached->program.id() == program_.id()) {
			attachments_.emplace_back(std::move(*attached)); // adopted: stays when we go
			return;
		}
		attachments_.emplace_back(program_, port.ifindex(), options);
	}

	/// Detaches from `port` what this forwarder's program attached, from this process or from
	/// the one that left it persistent; never another program. False when it was not attached.
	bool detach(Interface port)
	{
		if (detach_owned(port.ifindex()))
			return true;
		auto attached = find_attached(port.ifindex());
		if (!attached || attached->program.id() != program_.id())
			return false;
		return XdpProgram(std::move(*attached)).detach();
	}

	/// Leave every attachment in place when this forwarder is destroyed.
	void persist() noexcept
	{
		for (auto& attachment : attachments_)
			attachment.persist();
	}

	[[nodiscard]] const std::vector<XdpProgram>& attachments() const noexcept { return attachments_; }
	[[nodiscard]] const Program& program() const noexcept { return program_; }
	[[nodiscard]] StatsReader stats() const { return StatsReader(program_); }

protected:
	explicit Forwarder(Program program) : program_(std::move(program)) {}

	/// The program attached to `port` if it is xdpfwd's `expected` kind. Throws Error: ENOENT
	/// (nothing attached), EINVAL (another program; the message names it).
	static Program attached_program(Interface port, ForwarderKind expected)
	{
		auto attached = find_attached(port.ifindex());
		if (!attached)
			throw Error(ENOENT, "find xdpfwd program on " + describe_interface(port.ifindex()), "no XDP program is attached");
		if (attached->kind != expected)
			throw Error(EINVAL, "find xdpfwd's " + std::string(to_string(expected)) + " program on " +
						describe_interface(port.ifindex()),
				    "the attached program is " + attached->program.name() + " (id " +
					std::to_string(attached->program.id()) + ")");
		return std::move(attached->program);
	}

private:
	bool detach_owned(unsigned ifindex)
	{
		const UniqueFd here = current_netns(); // ifindexes repeat across namespaces
		const auto it = std::find_if(attachments_.begin(), attachments_.end(), [&](const XdpProgram& a) {
			return a.ifindex() == ifindex && NetnsScope::same(a.netns(), here);
		});
		if (it == attachments_.end())
			return false;
		const bool detached = it->detach();
		attachments_.erase(it);
		return detached;
	}

	Program program_;
	std::vector<XdpProgram> attachments_;
};

} // namespace xdpfwd
