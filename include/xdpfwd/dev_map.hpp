// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <linux/bpf.h>
#include <net/if.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "bpf_map.hpp"
#include "error.hpp"
#include "interface.hpp"
#include "program.hpp"

namespace xdpfwd {

/// A BPF devmap (hash-keyed, so any ifindex works as a key): key → egress ifindex, the target of
/// bpf_redirect_map. Owns the map fd. Throws Error naming the map, key and interface: ENODEV
/// when the egress does not exist, E2BIG when the map is full.
class DevMap {
public:
	struct Entry {
		std::uint32_t key;
		unsigned ifindex;
		friend bool operator==(const Entry&, const Entry&) = default;
	};

	explicit DevMap(BpfMap<std::uint32_t, bpf_devmap_val> map) : map_(std::move(map)) {}
	/// The devmap called `name` of `program`.
	DevMap(const Program& program, std::string_view name) : map_(program.map<std::uint32_t, bpf_devmap_val>(name)) {}

	/// Redirects through `key` go to `ifindex`.
	void set(std::uint32_t key, unsigned ifindex)
	{
		bpf_devmap_val value{};
		value.ifindex = ifindex;
		value.bpf_prog.fd = -1; // no devmap egress program
		try {
			map_.set(key, value);
		} catch (const Error& e) {
			char name[IF_NAMESIZE];
			// the kernel says EINVAL for an egress that does not exist
			const int err = e.code().value() == EINVAL && !::if_indextoname(ifindex, name) ? ENODEV : e.code().value();
			throw Error(err, "set " + map_.where(key) + " to " + describe_interface(ifindex));
		}
	}

	/// False when `key` was not there.
	bool erase(std::uint32_t key) { return map_.erase(key); }

	[[nodiscard]] std::optional<unsigned> get(std::uint32_t key) const
	{
		const auto value = map_.get(key);
		return value ? std::optional<unsigned>(value->ifindex) : std::nullopt;
	}

	/// All entries, in the map's (hash) order.
	[[nodiscard]] std::vector<Entry> entries() const
	{
		std::vector<Entry> result;
		for (const auto& [key, value] : map_.entries())
			result.push_back({key, value.ifindex});
		return result;
	}

	[[nodiscard]] int fd() const noexcept { return map_.fd(); }
	[[nodiscard]] const std::string& name() const noexcept { return map_.name(); }

private:
	BpfMap<std::uint32_t, bpf_devmap_val> map_;
};

} // namespace xdpfwd
