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

/// Whether the loaded map `fd` can stand in for the skeleton's `map`.
inline bool same_layout(const bpf_map* map, int fd)
{
	bpf_map_info info{};
	std::uint32_t length = sizeof(info);
	if (bpf_obj_get_info_by_fd(fd, &info, &length) != 0)
		return false;
	return info.type == static_cast<std::uint32_t>(bpf_map__type(map)) && info.key_size == bpf_map__key_size(map) &&
	       info.value_size == bpf_map__value_size(map);
}

/// Loads a fresh `Skeleton` whose maps are `running`'s own (ports, routes, route cache,
/// counters), so what it knows and counted carries over; `configure` gives the read-only data
/// (settings), which is never shared. A map `running` lacks, or whose layout a new version
/// changed, starts empty. Throws Error.
template <class Skeleton, class Configure>
Program load_sharing_maps(std::string_view what, const Program& running, Configure&& configure)
{
	return load_skeleton<Skeleton>(what, [&](Skeleton& skel) {
		configure(skel);
		bpf_map* map = nullptr;
		bpf_object__for_each_map(map, skel.obj)
		{
			const char* name = bpf_map__name(map);
			if (bpf_map__is_internal(map) || !running.has_map(name) || !same_layout(map, running.raw_map(name)))
				continue; // new, or changed by a new version: starts empty
			check(bpf_map__reuse_fd(map, running.raw_map(name)), [&] {
				return "share map " + std::string(name) + " of " + running.name() + " (id " +
				       std::to_string(running.id()) + ")";
			});
		}
	});
}
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

	/// Swaps this forwarder's program in wherever `old` runs in the caller's namespace, one
	/// interface at a time and atomically on each (XdpProgram::replace): a hitless upgrade, or a
	/// change of mode. Returns the interfaces taken over. Throws Error; those already taken over
	/// stay with this forwarder.
	std::vector<unsigned> take_over(const Program& old, bool persistent = true)
	{
		std::vector<unsigned> taken;
		for (const LinkInfo& link : list_links()) {
			if (link.xdp_program_id != old.id())
				continue;
			const auto current = find_attached(link.ifindex);
			if (!current || current->program.id() != old.id())
				continue; // replaced or detached meanwhile
			attachments_.push_back(XdpProgram::replace(program_, *current, persistent));
			taken.push_back(link.ifindex);
		}
		return taken;
	}

	/// Swaps this forwarder's program in for whatever program runs on `port`, atomically
	/// (XdpProgram::replace); attaches it as attach() does where nothing runs.
	void replace_on(Interface port, AttachOptions options = {})
	{
		const auto current = find_attached(port.ifindex());
		if (!current) {
			attach(port, options);
			return;
		}
		if (current->program.id() == program_.id())
			return;
		detach_owned(port.ifindex());
		attachments_.push_back(XdpProgram::replace(program_, *current, options.persistent));
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
