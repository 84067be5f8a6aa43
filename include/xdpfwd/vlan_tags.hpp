// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <arpa/inet.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "abi.h"
#include "error.hpp"

namespace xdpfwd {

inline constexpr std::uint16_t tpid_8021q = 0x8100;  ///< a customer tag (C-tag)
inline constexpr std::uint16_t tpid_8021ad = 0x88A8; ///< a service tag (S-tag), QinQ's outer one

/// One 802.1Q or 802.1ad tag: the TPID (host order) and the VID (1..4094).
struct VlanTag {
	std::uint16_t tpid = tpid_8021q;
	std::uint16_t vid = 0;
	friend bool operator==(const VlanTag&, const VlanTag&) = default;
};

/// Up to two tags, outermost first, as they appear in a frame; empty means untagged.
class VlanTags {
public:
	VlanTags() = default;
	explicit VlanTags(VlanTag outer) { push(outer); }
	VlanTags(VlanTag outer, VlanTag inner)
	{
		push(outer);
		push(inner);
	}

	/// "100" (802.1Q), "300.10" (802.1ad outer, 802.1Q inner: QinQ), with "q:" or "ad:" in front
	/// to name the outer tag's TPID ("q:300.10" stacks two 802.1Q tags); "" or "none" is
	/// untagged. Throws Error(EINVAL) naming what is wrong.
	static VlanTags parse(std::string_view text)
	{
		const std::string original(text);
		const auto refuse = [&](const std::string& why) {
			return Error(EINVAL, "read VLAN tags \"" + original + "\"",
				     why + "; write VID or OUTER.INNER (1..4094), with q: or ad: for the outer TPID");
		};
		VlanTags tags;
		if (text.empty() || text == "none")
			return tags;
		std::optional<std::uint16_t> outer_tpid;
		if (text.starts_with("q:"))
			outer_tpid = tpid_8021q, text.remove_prefix(2);
		else if (text.starts_with("ad:"))
			outer_tpid = tpid_8021ad, text.remove_prefix(3);
		while (!text.empty() || tags.size() == 0) {
			const auto dot = text.find('.');
			const std::string_view part = text.substr(0, dot);
			unsigned vid = 0;
			if (part.empty() || part.size() > 4)
				throw refuse("a VID is 1 to 4 digits");
			for (const char c : part) {
				if (c < '0' || c > '9')
					throw refuse("a VID is a decimal number");
				vid = vid * 10 + static_cast<unsigned>(c - '0');
			}
			if (vid < 1 || vid > 4094)
				throw refuse("VID " + std::to_string(vid) + " is outside 1..4094");
			if (tags.size() == XDPFWD_VLAN_TAGS_MAX)
				throw refuse("at most two tags");
			tags.push({tpid_8021q, static_cast<std::uint16_t>(vid)});
			text = dot == std::string_view::npos ? std::string_view{} : text.substr(dot + 1);
			if (dot != std::string_view::npos && text.empty())
				throw refuse("a VID after every dot");
		}
		tags.tags_[0].tpid = outer_tpid.value_or(tags.size() == 2 ? tpid_8021ad : tpid_8021q);
		return tags;
	}

	[[nodiscard]] std::size_t size() const noexcept { return size_; }
	[[nodiscard]] bool empty() const noexcept { return size_ == 0; }
	[[nodiscard]] const VlanTag& operator[](std::size_t i) const { return tags_[i]; }
	[[nodiscard]] const VlanTag* begin() const noexcept { return tags_; }
	[[nodiscard]] const VlanTag* end() const noexcept { return tags_ + size_; }

	/// A tag inside the existing ones (a VLAN device stacked on another). Throws Error(E2BIG).
	void push(VlanTag inner)
	{
		if (size_ == XDPFWD_VLAN_TAGS_MAX)
			throw Error(E2BIG, "stack a third VLAN tag", "xdpfwd follows two tags (QinQ) at most");
		tags_[size_++] = inner;
	}

	/// "100", "ad:300.10": parse() reads it back.
	[[nodiscard]] std::string text() const
	{
		if (empty())
			return "none";
		std::string out;
		const bool default_tpid = tags_[0].tpid == (size_ == 2 ? tpid_8021ad : tpid_8021q);
		if (!default_tpid)
			out = tags_[0].tpid == tpid_8021ad ? "ad:" : "q:";
		for (std::size_t i = 0; i < size_; ++i)
			out += (i ? "." : "") + std::to_string(tags_[i].vid);
		return out;
	}

	/// As the BPF maps hold tags: network byte order, zero past the last.
	[[nodiscard]] xdpfwd_vlan_tags to_abi() const noexcept
	{
		xdpfwd_vlan_tags abi{};
		for (std::size_t i = 0; i < size_; ++i) {
			abi.tpid[i] = htons(tags_[i].tpid);
			abi.vid[i] = htons(tags_[i].vid);
		}
		return abi;
	}

	static VlanTags from_abi(const xdpfwd_vlan_tags& abi)
	{
		VlanTags tags;
		for (std::size_t i = 0; i < XDPFWD_VLAN_TAGS_MAX && abi.tpid[i]; ++i)
			tags.push({ntohs(abi.tpid[i]), static_cast<std::uint16_t>(ntohs(abi.vid[i]) & 0x0FFF)});
		return tags;
	}

	friend bool operator==(const VlanTags& a, const VlanTags& b) noexcept
	{
		if (a.size_ != b.size_)
			return false;
		for (std::size_t i = 0; i < a.size_; ++i)
			if (!(a.tags_[i] == b.tags_[i]))
				return false;
		return true;
	}

private:
	VlanTag tags_[XDPFWD_VLAN_TAGS_MAX] = {};
	std::size_t size_ = 0;
};

} // namespace xdpfwd
