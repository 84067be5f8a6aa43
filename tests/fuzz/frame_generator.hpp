// The frame fuzzer's inputs: a valid frame built with packet.hpp's builders from random fields
// (IPv4 with and without options, IPv6 with extension headers, UDP, ICMP, 0..3 VLAN tags of
// either TPID, addresses from documentation, martian, link-local, multicast and loopback pools,
// TTLs around expiry), then mutated: truncated, bits flipped, lengths, ihl, version, TTL,
// checksum, addresses, tags and extension headers changed. Frame i of seed s is always the same
// bytes (its own generator state, derived from s and i): two numbers reproduce a failure.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include <xdpfwd/mac_address.hpp>

#include "support/packet.hpp"

namespace xdpfwd::test::fuzz {

/// splitmix64: small, fast and good enough to choose mutations.
class Rng {
public:
	explicit Rng(std::uint64_t seed) : state_(seed) {}

	std::uint64_t next()
	{
		std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
		z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
		z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
		return z ^ (z >> 31);
	}
	std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
	bool one_in(std::size_t n) { return below(n) == 0; }
	std::uint8_t byte() { return static_cast<std::uint8_t>(next()); }
	template <class T, std::size_t N>
	const T& pick(const T (&items)[N])
	{
		return items[below(N)];
	}

private:
	std::uint64_t state_;
};

class FrameGenerator {
public:
	/// Frames are addressed to `router_mac` (mostly) from `peer_mac`.
	FrameGenerator(std::uint64_t seed, const MacAddress& router_mac, const MacAddress& peer_mac);

	/// Frame `index` of this seed into `frame`; with `trace`, how it was made, step by step.
	void make(std::uint64_t index, Bytes& frame, std::string* trace = nullptr) const;

private:
	using V4 = std::array<std::uint8_t, 4>;
	using V6 = std::array<std::uint8_t, 16>;

	Bytes base(Rng& rng, std::string* trace) const;
	Bytes ipv4_packet(Rng& rng, std::string* trace) const;
	Bytes ipv6_packet(Rng& rng, std::string* trace) const;
	void mutate(Rng& rng, Bytes& frame, std::string* trace) const;

	std::uint64_t seed_;
	MacAddress router_mac_;
	MacAddress peer_mac_;
	std::vector<V4> v4_addresses_; ///< every pool's addresses, for mutations
	std::vector<V6> v6_addresses_;
};

} // namespace xdpfwd::test::fuzz
