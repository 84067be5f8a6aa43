// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "error.hpp"
#include "interface.hpp"
#include "unique_fd.hpp"

namespace xdpfwd {

/// A typed view over a BPF devmap (hash-keyed, so any ifindex works as a key): key → egress
/// ifindex. Owns the map fd. Throws Error naming the map, key and interface: ENODEV when the
/// egress does not exist, E2BIG when the map is full.
class DevMap {
public:
	struct Entry {
		std::uint32_t key;
		unsigned ifindex;
		friend bool operator==(const Entry&, const Entry&) = default;
	};

	DevMap(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name)) {}

	/// Redirects through `key` go to `ifindex`.
	void set(std::uint32_t key, unsigned ifindex)
	{
		bpf_devmap_val value{};
		value.ifindex = ifindex;
		value.bpf_prog.fd = -1; // no devmap egress program
		int rc = bpf_map_update_elem(fd_.get(), &key, &value, BPF_ANY);
		char name[IF_NAMESIZE];
		if (rc == -EINVAL && !::if_indextoname(ifindex, name))
			rc = -ENODEV; // the kernel says EINVAL for an egress that does not exist
		check(rc, [&] {
			return "set " + name_ + "[" + std::to_string(key) + "] to " + describe_interface(ifindex);
		});
	}

	/// Returns false when `key` was not there.
	bool erase(std::uint32_t key)
	{
		const int rc = bpf_map_delete_elem(fd_.get(), &key);
		if (rc == -ENOENT)
			return false;
		check(rc, [&] { return "erase " + name_ + "[" + std::to_string(key) + "]"; });
		return true;
	}

	[[nodiscard]] std::optional<unsigned> get(std::uint32_t key) const
	{
		bpf_devmap_val value{};
		const int rc = bpf_map_lookup_elem(fd_.get(), &key, &value);
		if (rc == -ENOENT)
			return std::nullopt;
		check(rc, [&] { return "read " + name_ + "[" + std::to_string(key) + "]"; });
		return value.ifindex;
	}

	/// All entries, in the map's (hash) order.
	[[nodiscard]] std::vector<Entry> entries() const
	{
		std::vector<Entry> result;
		std::uint32_t key = 0;
		const void* previous = nullptr;
		std::uint32_t next = 0;
		while (bpf_map_get_next_key(fd_.get(), previous, &next) == 0) {
			if (const auto ifindex = get(next))
				result.push_back({next, *ifindex});
			key = next;
			previous = &key;
		}
		return result;
	}

	[[nodiscard]] int fd() const noexcept { return fd_.get(); }
	[[nodiscard]] const std::string& name() const noexcept { return name_; }

private:
	UniqueFd fd_;
	std::string name_;
};

} // namespace xdpfwd
