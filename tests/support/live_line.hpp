// A forwarding line with traffic through it, for tests that do things to a running forwarder:
// gen:g0 -> router:rin, router:rout -> sink:s0, IPv6 off everywhere so that nothing but the
// generator's frames (and ARP) crosses. The generator is BPF_PROG_RUN with live frames on a
// thread of its own; s0 runs PassProgram, whose PASS counter says what arrived.
#pragma once

#include <atomic>
#include <cstdint>
#include <thread>

#include <xdpfwd/xdpfwd.hpp>

#include "netns.hpp"
#include "packet.hpp"

namespace xdpfwd::test {

struct LiveLine {
	static inline const MacAddress rin_mac = MacAddress::parse("02:00:00:00:0a:01");
	static inline const MacAddress gen_mac = MacAddress::parse("02:00:00:00:0a:02");
	static inline const MacAddress sink_mac = MacAddress::parse("02:00:00:00:0b:02");

	Netns gen{"line-gen"};
	Netns router{"line-rtr"};
	Netns sink{"line-sink"};
	PassProgram arrived;

	/// permanent_neighbour: the router knows the sink's MAC for good; otherwise it resolves it
	/// (the sink, 198.51.100.2/24, answers ARP).
	explicit LiveLine(bool permanent_neighbour = true);

	/// Frames that arrived at the sink (ARP included, when the router resolved it).
	[[nodiscard]] std::uint64_t received() const;
	/// Waits until received() reaches `count` or `seconds` pass; returns received().
	std::uint64_t wait_for(std::uint64_t count, double seconds = 1.0) const;

	/// UDP 192.0.2.2 -> 198.51.100.2, addressed to rin.
	static Bytes frame();
};

/// Sends LiveLine::frame() from g0 until stopped (or until g0 is gone), as fast as one thread can.
class LiveTraffic {
public:
	explicit LiveTraffic(const LiveLine& line);
	~LiveTraffic();
	LiveTraffic(const LiveTraffic&) = delete;
	LiveTraffic& operator=(const LiveTraffic&) = delete;

	/// Stops sending; returns how many frames were sent.
	std::uint64_t stop();
	[[nodiscard]] std::uint64_t sent() const { return sent_; }

private:
	Program generator_;
	std::atomic<bool> stop_ = false;
	std::atomic<std::uint64_t> sent_ = 0;
	std::thread thread_;
};

} // namespace xdpfwd::test
