// ping(8) as the tests run it, and what it reported.
#pragma once

#include <string>

namespace xdpfwd::test {

struct PingResult {
	int transmitted = 0;
	int received = 0;
	[[nodiscard]] bool all() const { return transmitted > 0 && received == transmitted; }
};

/// Reads ping's summary line ("2 packets transmitted, 2 received, ..."); zeros without one.
PingResult parse_ping(const std::string& text);

struct PingOptions {
	int count = 2;
	int ttl = 64;              ///< initial TTL / hop limit
	double interval = 0.2;     ///< seconds between requests
	int wait = 1;              ///< seconds to wait for the last reply
};

/// Pings `destination` (IPv4 or IPv6 by its text) from network namespace `netns`.
PingResult ping(const std::string& netns, const std::string& destination, const PingOptions& options = {});

} // namespace xdpfwd::test
