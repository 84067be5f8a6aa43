// Hitless upgrade: a fresh copy of a running forwarder's program, sharing its maps, swapped in
// atomically on every port while traffic flows: no frame is lost, routes and counters carry
// over, and a change of mode is as atomic.
#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "support/netns.hpp"
#include "support/packet.hpp"
#include "support/prog_run.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;
using namespace std::chrono_literals;

namespace {

const MacAddress rin_mac = MacAddress::parse("02:00:00:00:0a:01");
const MacAddress sink_mac = MacAddress::parse("02:00:00:00:0b:02");
const MacAddress gen_mac = MacAddress::parse("02:00:00:00:0a:02");

/// gen:g0 -> router:rin, router:rout -> sink:s0, IPv6 off everywhere so that nothing but the
/// generator's frames crosses; s0 runs PassProgram, whose PASS counter is what arrived.
struct Line {
	Netns gen{"up-gen"};
	Netns router{"up-rtr"};
	Netns sink{"up-sink"};
	PassProgram arrived;

	Line()
	{
		for (const Netns* ns : {&gen, &router, &sink})
			must(ns->exec("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"));
		add_veth(gen, "g0", router, "rin", {.a_mac = gen_mac, .b_mac = rin_mac});
		add_veth(router, "rout", sink, "s0", {.b_mac = sink_mac});
		router.add_address("rin", "192.0.2.1/24");
		router.add_address("rout", "198.51.100.1/24");
		must(router.ip("neigh replace 198.51.100.2 lladdr " + sink_mac.to_string() + " nud permanent dev rout"));
		router.set_forwarding(true);
		sink.inside([&] {
			arrived.attach("s0");
			return 0;
		});
	}

	[[nodiscard]] std::uint64_t received() const { return arrived.stats().snapshot()[XdpAction::pass].packets; }
};

/// A generator: puts back the TTL and checksum the forwarder changed on this (recycled) page,
/// then XDP_TX, out of the interface BPF_PROG_RUN says the frame arrived on. Eleven
/// instructions; anything else in the frame the forwarder's rewrite leaves valid.
Program generator(const Bytes& frame)
{
	const std::uint16_t checksum_le = static_cast<std::uint16_t>(frame.at(25) << 8 | frame.at(24));
	const bpf_insn code[] = {
	    {BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0}, // r2 = ctx->data
	    {BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 4, 0}, // r3 = ctx->data_end
	    {BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0},
	    {BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, 34},
	    {BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3, 4, 0}, // shorter than Ethernet + IPv4
	    {BPF_ST | BPF_MEM | BPF_B, BPF_REG_2, 0, 22, frame.at(22)},    // TTL
	    {BPF_ST | BPF_MEM | BPF_H, BPF_REG_2, 0, 24, checksum_le},    // header checksum
	    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_TX},
	    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS},
	    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	};
	return Program(UniqueFd(check(bpf_prog_load(BPF_PROG_TYPE_XDP, "xfwdt_gen", "GPL", code, std::size(code), nullptr),
				      [] { return std::string("load the test generator"); })));
}

/// Sends frames from g0 on a thread of its own until stopped; counts what it sent.
class Traffic {
public:
	Traffic(const Line& line, const Program& generator, const Bytes& frame)
	{
		const unsigned g0 = line.gen.inside([] { return ifindex_of("g0"); });
		thread_ = std::thread([&, g0] {
			const auto scope = line.gen.enter();
			while (!stop_) {
				run(generator, frame, g0, {.repeat = 2000, .live = true});
				sent_ += 2000;
			}
		});
	}
	~Traffic() { stop(); }

	/// Stops sending; returns how many frames were sent.
	std::uint64_t stop()
	{
		stop_ = true;
		if (thread_.joinable())
			thread_.join();
		return sent_;
	}

private:
	std::atomic<bool> stop_ = false;
	std::atomic<std::uint64_t> sent_ = 0;
	std::thread thread_;
};

Bytes udp_frame()
{
	Ipv4Header h;
	h.src = "192.0.2.2";
	h.dst = "198.51.100.2";
	return ethernet(rin_mac, gen_mac, ethertype_ipv4, ipv4(h, udp(1024, 9, 18)));
}

/// Waits until `line` has received `sent` frames, or a second passes.
std::uint64_t received_after(const Line& line, std::uint64_t sent)
{
	const auto deadline = std::chrono::steady_clock::now() + 1s;
	while (line.received() < sent && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(10ms);
	return line.received();
}

} // namespace

TEST_CASE("100 hitless upgrades of a fib forwarder under load lose no frame; counters carry over")
{
	Line line;
	const Bytes frame = udp_frame();
	const Program gen = generator(frame);
	auto scope = line.router.enter();
	FibForwarder fib;
	fib.add_port("rin", {}, false); // the generator's end needs no receive path
	fib.add_port("rout");
	const std::uint32_t first_id = fib.program().id();
	scope.reset();

	Traffic traffic(line, gen, frame);
	std::this_thread::sleep_for(100ms);
	scope = line.router.enter();
	for (int i = 0; i < 100; ++i)
		fib = FibForwarder::upgrade(fib, false);
	scope.reset();
	std::this_thread::sleep_for(100ms);
	const std::uint64_t sent = traffic.stop();
	const std::uint64_t received = received_after(line, sent);

	MESSAGE("sent " << sent << ", received " << received << " across 100 upgrades");
	REQUIRE(sent > 10000);
	CHECK(received == sent);
	CHECK(fib.program().id() != first_id);
	// the counters are the first program's maps: every frame is in them, as REDIRECT
	CHECK(fib.stats().snapshot()[XdpAction::redirect].packets == sent);
	scope = line.router.enter();
	CHECK(fib.egress_ports().size() == 2);
	CHECK(find_attached(ifindex_of("rin"))->program.id() == fib.program().id());
	CHECK(find_attached(ifindex_of("rout"))->program.id() == fib.program().id());
}

TEST_CASE("upgrades keep map routes and static routes; a change of mode is atomic too")
{
	Line line;
	const Bytes frame = udp_frame();
	const Program gen = generator(frame);
	auto scope = line.router.enter();
	const unsigned rout = ifindex_of("rout");
	const MapRoute route{rout, sink_mac, mac_of(rout)};
	MapForwarder map;
	map.add_port("rin", route);
	scope.reset();

	Traffic traffic(line, gen, frame);
	std::this_thread::sleep_for(50ms);
	scope = line.router.enter();
	map = MapForwarder::upgrade(map, false);
	CHECK(map.route("rin") == route);
	std::this_thread::sleep_for(20ms);
	// map -> fib -> static -> map, each swapped in where the other ran
	FibForwarder fib;
	fib.enable_egress("rout");
	CHECK(fib.take_over(map.program(), false) == std::vector<unsigned>{ifindex_of("rin")});
	std::this_thread::sleep_for(20ms);
	StaticForwarder fixed({rout, sink_mac, mac_of(rout)});
	fixed = StaticForwarder::upgrade(fixed, false); // a static program attached nowhere: nothing to take over
	CHECK(fixed.take_over(fib.program(), false).size() == 1);
	std::this_thread::sleep_for(20ms);
	fixed = StaticForwarder::upgrade(fixed, false);
	std::this_thread::sleep_for(20ms);
	CHECK(fixed.route().dst_mac == sink_mac);
	MapForwarder back;
	back.set_route("rin", route);
	CHECK(back.take_over(fixed.program(), false).size() == 1);
	scope.reset();
	std::this_thread::sleep_for(50ms);
	const std::uint64_t sent = traffic.stop();
	const std::uint64_t received = received_after(line, sent);
	MESSAGE("sent " << sent << ", received " << received << " across map -> fib -> static -> map");
	CHECK(received == sent);
}
