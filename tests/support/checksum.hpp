// The Internet checksum (RFC 1071), computed from nothing: what a receiver verifies.
#pragma once

#include <cstddef>
#include <cstdint>

namespace xdpfwd::test {

/// Sum of big-endian 16-bit words (an odd last byte padded with zero), carries not folded.
inline std::uint32_t ones_complement_sum(const std::uint8_t* data, std::size_t length, std::uint32_t sum = 0)
{
	for (std::size_t i = 0; i + 1 < length; i += 2)
		sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
	if (length % 2)
		sum += static_cast<std::uint32_t>(data[length - 1] << 8);
	return sum;
}

/// The complement of the folded sum: the value to put in a zeroed checksum field, and 0 over
/// data that carries a correct checksum.
inline std::uint16_t checksum_of_sum(std::uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<std::uint16_t>(~sum);
}

inline std::uint16_t internet_checksum(const std::uint8_t* data, std::size_t length)
{
	return checksum_of_sum(ones_complement_sum(data, length));
}

} // namespace xdpfwd::test
