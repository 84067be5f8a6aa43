// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "abi.h"
#include "error.hpp"
#include "interface.hpp"
#include "netns.hpp"
#include "program.hpp"

namespace xdpfwd {

/// Where XDP runs: in the driver (native), in the stack on the skb (generic), or native with
/// a fall-back to generic (automatic).
enum class AttachMode { automatic, native, generic };

inline const char* to_string(AttachMode mode)
{
	switch (mode) {
	case AttachMode::native:
		return "native";
	case AttachMode::generic:
		return "generic";
	default:
		return "auto";
	}
}

struct AttachOptions {
	AttachMode mode = AttachMode::automatic;
	bool force = false;       ///< replace a program something else attached
	bool persistent = false;  ///< leave it attached when the owner is destroyed
	/// A port that must see VLAN tags (VLAN devices on it in fib mode, a tagged map route)
	/// gets its receive VLAN offload turned off instead of being refused.
	bool turn_off_vlan_offload = false;
};

/// Which of xdpfwd's programs a loaded program is; foreign: some other tool's.
enum class ForwarderKind { foreign, pass, static_, map, fib };

inline const char* to_string(ForwarderKind kind)
{
	switch (kind) {
	case ForwarderKind::pass:
		return "pass";
	case ForwarderKind::static_:
		return "static";
	case ForwarderKind::map:
		return "map";
	case ForwarderKind::fib:
		return "fib";
	default:
		return "foreign";
	}
}

/// Tells xdpfwd's programs apart by their kernel names (abi.h): the one place that compares them.
inline ForwarderKind kind_of(const Program& program)
{
	const std::string& name = program.name();
	if (name == XDPFWD_PROG_PASS)
		return ForwarderKind::pass;
	if (name == XDPFWD_PROG_STATIC)
		return ForwarderKind::static_;
	if (name == XDPFWD_PROG_MAP)
		return ForwarderKind::map;
	if (name == XDPFWD_PROG_FIB)
		return ForwarderKind::fib;
	return ForwarderKind::foreign;
}

/// What is attached to an interface now, if anything: the program, which xdpfwd program it is,
/// and the mode it runs in.
struct AttachedProgram {
	Program program;
	AttachMode mode;
	unsigned ifindex;
	ForwarderKind kind = kind_of(program);
};

inline std::optional<AttachedProgram> find_attached(unsigned ifindex)
{
	bpf_xdp_query_opts query{};
	query.sz = sizeof(query);
	check(bpf_xdp_query(static_cast<int>(ifindex), 0, &query),
	      [&] { return "query XDP program on " + describe_interface(ifindex); });
	std::uint32_t id = 0;
	AttachMode mode = AttachMode::native;
	if (query.drv_prog_id) {
		id = query.drv_prog_id;
	} else if (query.skb_prog_id) {
		id = query.skb_prog_id;
		mode = AttachMode::generic;
	}
	if (!id)
		return std::nullopt;
	Program program = Program::from_id(id);
	const ForwarderKind kind = kind_of(program);
	return AttachedProgram{std::move(program), mode, ifindex, kind};
}

/// The attachment of a program to one interface, through netlink so that it can outlive the
/// process (persistent) and be found again by interface. Move-only; the destructor detaches
/// unless persistent, and never detaches a program that has since replaced ours. It remembers
/// the network namespace it was made in, so detaching works from any namespace.
/// Throws Error: EBUSY (another program is there; the message names it), EPERM, ENODEV.
class XdpProgram {
public:
	XdpProgram(const Program& program, unsigned ifindex, AttachOptions options = {})
	    : program_fd_(check(::dup(program.fd()), [] { return std::string("dup program fd"); })),
	      program_name_(program.name()), netns_(current_netns()), ifindex_(ifindex), persistent_(options.persistent)
	{
		if (options.force)
			clear_other_mode(options.mode);
		if (options.mode != AttachMode::generic) {
			const int rc = try_attach(AttachMode::native, options.force);
			if (rc == 0) {
				mode_ = AttachMode::native;
				return;
			}
			if (options.mode == AttachMode::native || !native_failure_is_recoverable(-rc))
				fail(-rc, AttachMode::native);
		}
		const int rc = try_attach(AttachMode::generic, options.force);
		if (rc != 0)
			fail(-rc, AttachMode::generic);
		mode_ = AttachMode::generic;
	}

	/// Puts `program` where `current` runs, in one step (XDP_FLAGS_REPLACE, in the same mode):
	/// the interface never runs without a program, and the swap is refused (EEXIST) when
	/// something replaced `current` meanwhile. The new attachment is owned like any other.
	static XdpProgram replace(const Program& program, const AttachedProgram& current, bool persistent)
	{
		XdpProgram swapped(program, current.ifindex, current.mode, persistent);
		bpf_xdp_attach_opts opts{};
		opts.sz = sizeof(opts);
		opts.old_prog_fd = current.program.fd();
		const int rc = bpf_xdp_attach(static_cast<int>(current.ifindex), swapped.program_fd_.get(),
					      mode_flags(current.mode) | XDP_FLAGS_REPLACE, &opts);
		if (rc != 0) {
			swapped.program_fd_.reset(); // nothing of ours is attached: nothing to detach
			throw Error(-rc, "replace " + current.program.name() + " (id " + std::to_string(current.program.id()) +
						 ") with " + program.name() + " on " + describe_interface(current.ifindex),
				    rc == -EEXIST ? "another program replaced it meanwhile" : "");
		}
		return swapped;
	}

	/// Takes ownership of what another process attached (to detach it, typically).
	explicit XdpProgram(AttachedProgram&& attached)
	    : program_fd_(check(::dup(attached.program.fd()), [] { return std::string("dup program fd"); })),
	      program_name_(attached.program.name()), netns_(current_netns()), ifindex_(attached.ifindex),
	      mode_(attached.mode), persistent_(true)
	{
	}

	XdpProgram(XdpProgram&&) noexcept = default;
	XdpProgram& operator=(XdpProgram&& other) noexcept
	{
		if (this != &other) {
			release_attachment();
			program_fd_ = std::move(other.program_fd_);
			program_name_ = std::move(other.program_name_);
			netns_ = std::move(other.netns_);
			ifindex_ = other.ifindex_;
			mode_ = other.mode_;
			persistent_ = other.persistent_;
		}
		return *this;
	}
	XdpProgram(const XdpProgram&) = delete;
	XdpProgram& operator=(const XdpProgram&) = delete;
	~XdpProgram() { release_attachment(); }

	[[nodiscard]] unsigned ifindex() const noexcept { return ifindex_; }
	[[nodiscard]] AttachMode mode() const noexcept { return mode_; }
	[[nodiscard]] const std::string& program_name() const noexcept { return program_name_; }
	[[nodiscard]] bool persistent() const noexcept { return persistent_; }
	/// The network namespace in which ifindex() names the interface.
	[[nodiscard]] const UniqueFd& netns() const noexcept { return netns_; }

	/// Leave the program attached after this owner is gone (and after the process exits).
	void persist() noexcept { persistent_ = true; }

	/// Detaches now; a program that replaced ours is left alone (returns false then).
	bool detach()
	{
		if (!program_fd_)
			return false;
		const NetnsScope scope(netns_); // the ifindex means something only there
		// the usual case of a replaced program (an upgrade) needs no refused request to tell;
		// REPLACE below still settles a race with another replacer
		bpf_xdp_query_opts query{};
		query.sz = sizeof(query);
		bpf_prog_info info{};
		std::uint32_t length = sizeof(info);
		if (bpf_xdp_query(static_cast<int>(ifindex_), 0, &query) == 0 &&
		    bpf_obj_get_info_by_fd(program_fd_.get(), &info, &length) == 0 &&
		    (mode_ == AttachMode::generic ? query.skb_prog_id : query.drv_prog_id) != info.id) {
			program_fd_.reset();
			return false;
		}
		bpf_xdp_attach_opts opts{};
		opts.sz = sizeof(opts);
		opts.old_prog_fd = program_fd_.get();
		const int rc = bpf_xdp_attach(static_cast<int>(ifindex_), -1, mode_flags(mode_) | XDP_FLAGS_REPLACE, &opts);
		program_fd_.reset();
		if (rc == -EEXIST || rc == -ENODEV)
			return false; // replaced by someone else, or the interface is gone with it
		check(rc, [&] { return "detach " + program_name_ + " from " + describe_interface(ifindex_); });
		return true;
	}

private:
	// An owner of an attachment about to be made (replace).
	XdpProgram(const Program& program, unsigned ifindex, AttachMode mode, bool persistent)
	    : program_fd_(check(::dup(program.fd()), [] { return std::string("dup program fd"); })),
	      program_name_(program.name()), netns_(current_netns()), ifindex_(ifindex), mode_(mode), persistent_(persistent)
	{
	}

	static std::uint32_t mode_flags(AttachMode mode)
	{
		return mode == AttachMode::generic ? XDP_FLAGS_SKB_MODE : XDP_FLAGS_DRV_MODE;
	}

	// Native attach failing for the driver's sake (no support, MTU, ...) warrants generic;
	// a refusal (privileges, another program, no device) does not.
	static bool native_failure_is_recoverable(int err)
	{
		return err != EPERM && err != EACCES && err != EBUSY && err != EEXIST && err != ENODEV;
	}

	int try_attach(AttachMode mode, bool force)
	{
		const std::uint32_t flags = mode_flags(mode) | (force ? 0u : XDP_FLAGS_UPDATE_IF_NOEXIST);
		return bpf_xdp_attach(static_cast<int>(ifindex_), program_fd_.get(), flags, nullptr);
	}

	// Native and generic programs cannot coexist; replacing one in the other mode means
	// removing it first.
	void clear_other_mode(AttachMode wanted)
	{
		const auto current = find_attached(ifindex_);
		const AttachMode first_try = wanted == AttachMode::automatic ? AttachMode::native : wanted;
		if (!current || current->mode == first_try)
			return;
		check(bpf_xdp_detach(static_cast<int>(ifindex_), mode_flags(current->mode), nullptr), [&] {
			return "detach " + current->program.name() + " from " + describe_interface(ifindex_) + " to replace it";
		});
	}

	[[noreturn]] void fail(int err, AttachMode mode)
	{
		std::string hint;
		if (err == EBUSY || err == EEXIST) {
			if (const auto other = find_attached(ifindex_))
				hint = "XDP program " + other->program.name() + " (id " + std::to_string(other->program.id()) +
				       ", " + to_string(other->mode) + ") is already attached; force replaces it";
		}
		throw Error(err, "attach " + program_name_ + " to " + describe_interface(ifindex_) + " in " + to_string(mode) + " mode",
			    hint);
	}

	void release_attachment() noexcept
	{
		if (persistent_ || !program_fd_)
			return;
		try {
			detach();
		} catch (...) {
			// a destructor must not throw; the kernel drops the attachment with the interface
		}
	}

	UniqueFd program_fd_;
	std::string program_name_;
	UniqueFd netns_;
	unsigned ifindex_ = 0;
	AttachMode mode_ = AttachMode::native;
	bool persistent_ = false;
};

} // namespace xdpfwd
