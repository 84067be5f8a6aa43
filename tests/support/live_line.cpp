#include "live_line.hpp"

#include <bpf/bpf.h>
#include <linux/bpf.h>

#include <chrono>
#include <iterator>

#include "prog_run.hpp"

namespace xdpfwd::test {

using namespace std::chrono_literals;

namespace {

/// Puts back the TTL and checksum the forwarder changed on this (recycled) page, then XDP_TX out
/// of the interface BPF_PROG_RUN says the frame arrived on. Eleven instructions: the forwarder's
/// other rewrites (MACs) leave the frame valid.
Program generator(const Bytes& frame)
{
	const auto checksum_le = static_cast<std::int32_t>(frame.at(25) << 8 | frame.at(24));
	const bpf_insn code[] = {
	    {BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0}, // r2 = ctx->data
	    {BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 4, 0}, // r3 = ctx->data_end
	    {BPF_ALU64 | BPF_MOV | BPF_X, BPF_REG_4, BPF_REG_2, 0, 0},
	    {BPF_ALU64 | BPF_ADD | BPF_K, BPF_REG_4, 0, 0, 34},
	    {BPF_JMP | BPF_JGT | BPF_X, BPF_REG_4, BPF_REG_3, 4, 0}, // shorter than Ethernet + IPv4
	    {BPF_ST | BPF_MEM | BPF_B, BPF_REG_2, 0, 22, frame.at(22)}, // TTL
	    {BPF_ST | BPF_MEM | BPF_H, BPF_REG_2, 0, 24, checksum_le},  // header checksum
	    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_TX},
	    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS},
	    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	};
	return Program(UniqueFd(check(bpf_prog_load(BPF_PROG_TYPE_XDP, "xfwdt_gen", "GPL", code, std::size(code), nullptr),
				      [] { return std::string("load the test generator"); })));
}

} // namespace

LiveLine::LiveLine(bool permanent_neighbour)
{
	for (const Netns* ns : {&gen, &router, &sink})
		must(ns->exec("sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1"));
	add_veth(gen, "g0", router, "rin", {.a_mac = gen_mac, .b_mac = rin_mac});
	add_veth(router, "rout", sink, "s0", {.b_mac = sink_mac});
	router.add_address("rin", "192.0.2.1/24");
	router.add_address("rout", "198.51.100.1/24");
	sink.add_address("s0", "198.51.100.2/24");
	if (permanent_neighbour)
		must(router.ip("neigh replace 198.51.100.2 lladdr " + sink_mac.to_string() + " nud permanent dev rout"));
	router.set_forwarding(true);
	sink.inside([&] {
		arrived.attach("s0");
		return 0;
	});
}

std::uint64_t LiveLine::received() const { return arrived.stats().snapshot()[XdpAction::pass].packets; }

std::uint64_t LiveLine::wait_for(std::uint64_t count, double seconds) const
{
	const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
	while (received() < count && std::chrono::steady_clock::now() < deadline)
		std::this_thread::sleep_for(10ms);
	return received();
}

Bytes LiveLine::frame()
{
	Ipv4Header h;
	h.src = "192.0.2.2";
	h.dst = "198.51.100.2";
	return ethernet(rin_mac, gen_mac, ethertype_ipv4, ipv4(h, udp(1024, 9, 18)));
}

LiveTraffic::LiveTraffic(const LiveLine& line) : generator_(generator(LiveLine::frame()))
{
	const unsigned g0 = line.gen.inside([] { return ifindex_of("g0"); });
	thread_ = std::thread([this, &line, g0] {
		const auto scope = line.gen.enter();
		const Bytes frame = LiveLine::frame();
		RunResult result;
		// a fault test may delete g0 under it: then the kernel refuses, and sending ends
		while (!stop_ && try_run(generator_, frame, g0, result, {.repeat = 2000, .live = true}) == 0)
			sent_ += 2000;
	});
}

LiveTraffic::~LiveTraffic() { stop(); }

std::uint64_t LiveTraffic::stop()
{
	stop_ = true;
	if (thread_.joinable())
		thread_.join();
	return sent_;
}

} // namespace xdpfwd::test
