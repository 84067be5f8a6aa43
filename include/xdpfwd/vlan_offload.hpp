// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

// Receive VLAN offload: a NIC that strips a frame's tag into its descriptor hands XDP the frame
// untagged, and xdpfwd would forward it as untagged. Ports with VLAN devices need it off. Read
// and written through the ethtool ioctl's feature strings, in the caller's network namespace.

#include <linux/ethtool.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "error.hpp"
#include "interface.hpp"
#include "unique_fd.hpp"

namespace xdpfwd {

/// The two receive offloads that strip tags: 802.1Q (rxvlan) and 802.1ad.
inline constexpr const char* rx_vlan_features[] = {"rx-vlan-hw-parse", "rx-vlan-stag-hw-parse"};

namespace detail {

class Ethtool {
public:
	explicit Ethtool(unsigned ifindex) : name_(name_of(ifindex)), socket_(::socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0))
	{
		if (!socket_)
			throw Error(errno, "open a socket for ethtool requests on " + name_);
		load_feature_names();
	}

	/// Which of `names` are on (a name the driver does not know counts as off).
	std::vector<std::string> active(const std::vector<std::string>& names)
	{
		const auto blocks = features(ETHTOOL_GFEATURES);
		std::vector<std::string> on;
		for (const auto& name : names)
			if (const int bit = index_of(name); bit >= 0 && (blocks[bit / 32].active >> (bit % 32) & 1))
				on.push_back(name);
		return on;
	}

	/// Turns `names` off; throws Error naming a feature the driver keeps on.
	void turn_off(const std::vector<std::string>& names)
	{
		const std::size_t count = (names_.size() + 31) / 32;
		std::vector<char> buffer(sizeof(ethtool_sfeatures) + count * sizeof(ethtool_set_features_block));
		auto* request = reinterpret_cast<ethtool_sfeatures*>(buffer.data());
		request->cmd = ETHTOOL_SFEATURES;
		request->size = static_cast<std::uint32_t>(count);
		for (const auto& name : names)
			if (const int bit = index_of(name); bit >= 0)
				request->features[bit / 32].valid |= 1u << (bit % 32); // requested stays 0: off
		ioctl_or_throw(request, "turn " + join(names) + " off on " + name_);
		if (const auto still = active(names); !still.empty())
			throw Error(EOPNOTSUPP, "turn " + join(still) + " off on " + name_, "the driver keeps it on");
	}

	static std::string join(const std::vector<std::string>& names)
	{
		std::string text;
		for (const auto& name : names)
			text += (text.empty() ? "" : " and ") + name;
		return text;
	}

private:
	void ioctl_or_throw(void* request, const std::string& what)
	{
		ifreq ifr{};
		std::strncpy(ifr.ifr_name, name_.c_str(), IFNAMSIZ - 1);
		ifr.ifr_data = static_cast<char*>(request);
		if (::ioctl(socket_.get(), SIOCETHTOOL, &ifr) != 0)
			throw Error(errno, what);
	}

	void load_feature_names()
	{
		// ethtool_sset_info ends in a flexible array: one u32 (the set's size) after it
		std::vector<char> sets(sizeof(ethtool_sset_info) + sizeof(std::uint32_t));
		auto* info = reinterpret_cast<ethtool_sset_info*>(sets.data());
		info->cmd = ETHTOOL_GSSET_INFO;
		info->sset_mask = 1ull << ETH_SS_FEATURES;
		ioctl_or_throw(info, "read the feature names of " + name_);
		const std::uint32_t count = info->sset_mask ? info->data[0] : 0;
		std::vector<char> buffer(sizeof(ethtool_gstrings) + count * ETH_GSTRING_LEN);
		auto* strings = reinterpret_cast<ethtool_gstrings*>(buffer.data());
		strings->cmd = ETHTOOL_GSTRINGS;
		strings->string_set = ETH_SS_FEATURES;
		strings->len = count;
		ioctl_or_throw(strings, "read the feature names of " + name_);
		for (std::uint32_t i = 0; i < count; ++i) {
			const char* name = reinterpret_cast<const char*>(strings->data) + i * ETH_GSTRING_LEN;
			names_.emplace_back(name, ::strnlen(name, ETH_GSTRING_LEN));
		}
	}

	int index_of(const std::string& name) const
	{
		for (std::size_t i = 0; i < names_.size(); ++i)
			if (names_[i] == name)
				return static_cast<int>(i);
		return -1;
	}

	std::vector<ethtool_get_features_block> features(std::uint32_t cmd)
	{
		const std::size_t count = (names_.size() + 31) / 32;
		std::vector<char> buffer(sizeof(ethtool_gfeatures) + count * sizeof(ethtool_get_features_block));
		auto* request = reinterpret_cast<ethtool_gfeatures*>(buffer.data());
		request->cmd = cmd;
		request->size = static_cast<std::uint32_t>(count);
		ioctl_or_throw(request, "read the features of " + name_);
		return {request->features, request->features + count};
	}

	std::string name_;
	UniqueFd socket_;
	std::vector<std::string> names_;
};

} // namespace detail

/// The receive VLAN offloads that are on at `port` (none: XDP sees every tag).
inline std::vector<std::string> rx_vlan_offloads(unsigned port)
{
	return detail::Ethtool(port).active({std::begin(rx_vlan_features), std::end(rx_vlan_features)});
}

/// Makes sure XDP on `port` sees the tags of VLAN traffic: with `turn_off`, turns the receive
/// VLAN offloads off; otherwise throws Error(EOPNOTSUPP) naming the command that does.
inline void require_tags_visible(unsigned port, bool turn_off, const std::string& why)
{
	detail::Ethtool ethtool(port);
	const auto on = ethtool.active({std::begin(rx_vlan_features), std::end(rx_vlan_features)});
	if (on.empty())
		return;
	if (turn_off) {
		ethtool.turn_off(on);
		return;
	}
	const std::string name = name_of(port);
	throw Error(EOPNOTSUPP, why,
		    detail::Ethtool::join(on) + (on.size() > 1 ? " are" : " is") +
			" on, so the NIC strips tags before XDP sees them; run `ethtool -K " + name +
			" rxvlan off rx-vlan-stag-hw-parse off` (--vlan-offload-off of xdpfwd attach and route set does it), "
			"and on a veth turn txvlan off on its peer too");
}

} // namespace xdpfwd
