// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#pragma once

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>

#include "error.hpp"

namespace xdpfwd {

/// An Ethernet address. parse() accepts "02:00:5e:00:53:01" (':' or '-', any case) and throws
/// Error(EINVAL) naming the bad text otherwise.
struct MacAddress {
	std::array<std::uint8_t, 6> bytes{};

	static MacAddress parse(std::string_view text)
	{
		MacAddress mac;
		std::size_t pos = 0;
		for (std::size_t i = 0; i < mac.bytes.size(); ++i) {
			if (i > 0) {
				if (pos >= text.size() || (text[pos] != ':' && text[pos] != '-'))
					invalid(text);
				++pos;
			}
			int value = 0;
			for (int digit = 0; digit < 2; ++digit, ++pos) {
				const int nibble = pos < text.size() ? hex_value(text[pos]) : -1;
				if (nibble < 0)
					invalid(text);
				value = value * 16 + nibble;
			}
			mac.bytes[i] = static_cast<std::uint8_t>(value);
		}
		if (pos != text.size())
			invalid(text);
		return mac;
	}

	[[nodiscard]] std::string to_string() const
	{
		char text[18];
		std::snprintf(text, sizeof(text), "%02x:%02x:%02x:%02x:%02x:%02x", bytes[0], bytes[1],
			      bytes[2], bytes[3], bytes[4], bytes[5]);
		return text;
	}

	friend bool operator==(const MacAddress&, const MacAddress&) = default;

private:
	static int hex_value(char c)
	{
		if (c >= '0' && c <= '9')
			return c - '0';
		if (c >= 'a' && c <= 'f')
			return c - 'a' + 10;
		if (c >= 'A' && c <= 'F')
			return c - 'A' + 10;
		return -1;
	}

	[[noreturn]] static void invalid(std::string_view text)
	{
		throw Error(EINVAL, "parse MAC address \"" + std::string(text) + "\"",
			    "expected six hex octets such as 02:00:5e:00:53:01");
	}
};

} // namespace xdpfwd
