#include "ping.hpp"

#include <cstdio>
#include <cstdlib>

#include "shell.hpp"

namespace xdpfwd::test {

PingResult parse_ping(const std::string& text)
{
	PingResult result;
	const std::string marker = " packets transmitted, ";
	const auto at = text.find(marker);
	if (at == std::string::npos)
		return result;
	auto start = text.rfind('\n', at);
	start = start == std::string::npos ? 0 : start + 1;
	result.transmitted = std::atoi(text.c_str() + start);
	result.received = std::atoi(text.c_str() + at + marker.size());
	return result;
}

PingResult ping(const std::string& netns, const std::string& destination, const PingOptions& options)
{
	const bool v6 = destination.find(':') != std::string::npos;
	char interval[32];
	std::snprintf(interval, sizeof(interval), "%g", options.interval);
	return parse_ping(output("ip netns exec " + netns + " ping " + (v6 ? "-6" : "-4") + " -n -q -c " +
				 std::to_string(options.count) + " -i " + interval + " -W " + std::to_string(options.wait) +
				 " -t " + std::to_string(options.ttl) + " " + destination));
}

} // namespace xdpfwd::test
