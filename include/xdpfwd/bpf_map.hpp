// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include <cerrno>
#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "error.hpp"
#include "unique_fd.hpp"

namespace xdpfwd {

namespace detail {

/// Key and value types must be what the BPF side declares, byte for byte.
template <class T>
concept MapData = std::is_trivially_copyable_v<T> && std::is_standard_layout_v<T>;

template <class Key>
std::string key_text(const Key& key)
{
	if constexpr (std::is_integral_v<Key>)
		return std::to_string(key);
	else
		return "(key)";
}

/// Refuses a map whose key or value size is not the C++ type's: a lookup would write past the
/// value otherwise. A value may be shorter than its type by the type's trailing padding (a
/// .rodata section ending in a bool, say); per-CPU values sit at 8-byte strides.
inline void check_layout(int fd, const std::string& name, std::size_t key_size, std::size_t value_size,
			 std::size_t value_align, bool per_cpu)
{
	bpf_map_info info{};
	std::uint32_t length = sizeof(info);
	check(bpf_obj_get_info_by_fd(fd, &info, &length), [&] { return "read info of map " + name; });
	const bool value_fits = per_cpu ? (info.value_size + 7) / 8 * 8 == value_size
					: info.value_size <= value_size && info.value_size + value_align > value_size;
	if (info.key_size != key_size || !value_fits)
		throw Error(EINVAL, "open map " + name + " as key " + std::to_string(key_size) + " bytes, value " +
					std::to_string(value_size) + " bytes",
			    "it has key " + std::to_string(info.key_size) + " bytes, value " +
				std::to_string(info.value_size) + " bytes: not the map this xdpfwd version expects");
}

} // namespace detail

/// A typed BPF map: owns one map fd; Key and Value mirror the BPF declaration. Every failure is
/// an Error naming the map and the key; a missing key is not a failure (nullopt, false).
template <detail::MapData Key, detail::MapData Value>
class BpfMap {
public:
	/// Takes `fd`; throws Error(EINVAL) when the map's key or value size differs from the types'.
	BpfMap(UniqueFd fd, std::string name) : fd_(std::move(fd)), name_(std::move(name))
	{
		detail::check_layout(fd_.get(), name_, sizeof(Key), sizeof(Value), alignof(Value), false);
	}

	[[nodiscard]] std::optional<Value> get(const Key& key) const
	{
		Value value{};
		const int rc = bpf_map_lookup_elem(fd_.get(), &key, &value);
		if (rc == -ENOENT)
			return std::nullopt;
		check(rc, [&] { return "read " + where(key); });
		return value;
	}

	void set(const Key& key, const Value& value)
	{
		check(bpf_map_update_elem(fd_.get(), &key, &value, BPF_ANY), [&] { return "set " + where(key); });
	}

	/// False when `key` was not there.
	bool erase(const Key& key)
	{
		const int rc = bpf_map_delete_elem(fd_.get(), &key);
		if (rc == -ENOENT)
			return false;
		check(rc, [&] { return "erase " + where(key); });
		return true;
	}

	/// Every key, in the map's own order.
	[[nodiscard]] std::vector<Key> keys() const
	{
		std::vector<Key> result;
		Key next{};
		for (const Key* previous = nullptr; bpf_map_get_next_key(fd_.get(), previous, &next) == 0;
		     previous = &result.back())
			result.push_back(next);
		return result;
	}

	/// Every entry; one erased meanwhile is skipped.
	[[nodiscard]] std::vector<std::pair<Key, Value>> entries() const
	{
		std::vector<std::pair<Key, Value>> result;
		for (const Key& key : keys())
			if (auto value = get(key))
				result.emplace_back(key, *value);
		return result;
	}

	[[nodiscard]] int fd() const noexcept { return fd_.get(); }
	[[nodiscard]] const std::string& name() const noexcept { return name_; }

	/// "map tx_ports[7]": for messages.
	[[nodiscard]] std::string where(const Key& key) const { return "map " + name_ + "[" + detail::key_text(key) + "]"; }

private:
	UniqueFd fd_;
	std::string name_;
};

/// A typed per-CPU BPF map (PERCPU_ARRAY, PERCPU_HASH): one Value per possible CPU behind each
/// key. Owns the map fd; reads only (per-CPU values are the programs' to write).
template <detail::MapData Key, detail::MapData Value>
class PerCpuMap {
public:
	PerCpuMap(UniqueFd fd, std::string name)
	    : fd_(std::move(fd)), name_(std::move(name)),
	      cpus_(static_cast<std::size_t>(check(libbpf_num_possible_cpus(), [] { return std::string("count possible CPUs"); })))
	{
		detail::check_layout(fd_.get(), name_, sizeof(Key), sizeof(Value), alignof(Value), true);
	}

	/// One value per possible CPU; all zero for an array slot nothing counted in yet.
	[[nodiscard]] std::vector<Value> per_cpu(const Key& key) const
	{
		std::vector<Value> values(cpus_);
		check(bpf_map_lookup_elem(fd_.get(), &key, values.data()),
		      [&] { return "read map " + name_ + "[" + detail::key_text(key) + "]"; });
		return values;
	}

	/// The values of every CPU added up into a Total (`Total += Value` must exist).
	template <class Total = Value>
	[[nodiscard]] Total sum(const Key& key) const
	{
		Total total{};
		for (const Value& value : per_cpu(key))
			total += value;
		return total;
	}

	/// Calls fn(key, values) for every key, values pointing at one Value per possible CPU;
	/// `chunk` keys per syscall (BPF_MAP_LOOKUP_BATCH), so a large array is read in few calls.
	template <class Fn>
	void for_each(Fn&& fn, std::uint32_t chunk = 4096) const
	{
		std::vector<Key> keys(chunk);
		std::vector<Value> values(std::size_t{chunk} * cpus_);
		bpf_map_batch_opts opts{};
		opts.sz = sizeof(opts);
		Key token{};
		for (bool first = true;; first = false) {
			std::uint32_t count = chunk;
			const int rc = bpf_map_lookup_batch(fd_.get(), first ? nullptr : &token, &token, keys.data(),
							    values.data(), &count, &opts);
			if (rc < 0 && rc != -ENOENT)
				check(rc, [&] { return "read map " + name_ + " in batches"; });
			for (std::uint32_t i = 0; i < count; ++i)
				fn(keys[i], &values[std::size_t{i} * cpus_]);
			if (rc == -ENOENT || count == 0)
				return;
		}
	}

	[[nodiscard]] std::size_t cpus() const noexcept { return cpus_; }
	[[nodiscard]] int fd() const noexcept { return fd_.get(); }
	[[nodiscard]] const std::string& name() const noexcept { return name_; }

private:
	UniqueFd fd_;
	std::string name_;
	std::size_t cpus_;
};

} // namespace xdpfwd
