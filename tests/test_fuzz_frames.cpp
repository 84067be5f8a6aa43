// The frame fuzzer: seeded, mutated frames (fuzz/frame_generator.hpp) run through the static, map
// and fib programs (BPF_PROG_RUN) in a router namespace where each would forward, every result
// judged by an oracle written from the RFCs (fuzz/frame_oracle.hpp), not from the BPF code:
// - no frame is ABORTED;
// - a redirected frame is one a router may forward, rewritten right (MACs as configured, TTL /
//   hop limit one less, the IPv4 checksum verifying, every other byte as it came in);
// - a frame that is not redirected comes out byte-identical;
// - a frame the oracle says must be forwarded is (static and map forward everything valid; fib
//   what has a route to a neighbour).
// XDPFWD_FUZZ_SEED repeats a run (its seed is printed); XDPFWD_FUZZ_FRAMES sets the frames per
// program (default 1 million, about 3 s per program; scripts/fuzz.sh runs 10 million).
#include <doctest/doctest.h>
#include <xdpfwd/xdpfwd.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <memory>
#include <random>
#include <string>

#include "fuzz/frame_generator.hpp"
#include "fuzz/frame_oracle.hpp"
#include "support/prog_run.hpp"
#include "support/forwarding_ports.hpp"
#include "support/frame_sets.hpp"
#include "support/netns.hpp"

using namespace xdpfwd;
using namespace xdpfwd::test;
using namespace xdpfwd::test::fuzz;

namespace {

const MacAddress egress_port_mac = MacAddress::parse("02:00:00:00:01:01"); // out0: fib's source MAC
const MacAddress fib_neighbour_mac = MacAddress::parse("02:00:00:00:02:02");   // fib's permanent neighbours

/// sender --(in0 | router | out0)-- sink. Frames arrive on in0 (router_mac: 192.0.2.1/24,
/// 2001:db8:1::1/64); out0 (egress_port_mac: 198.51.100.1/24, 2001:db8:2::1/64) is the egress,
/// its peer running PassProgram as redirects demand. For fib: permanent neighbours 198.51.100.2
/// and 2001:db8:2::2 at fib_neighbour_mac, 203.0.113.0/25 and 2001:db8:100::/64 via them,
/// 203.0.113.128/27 and 2001:db8:201::/64 blackholed, 203.0.113.160/27 unreachable.
struct FuzzRouter {
	Netns router{"fz-rtr"};
	Netns sender{"fz-src"};
	Netns sink{"fz-sink"};
	PassProgram sink_pass;
	unsigned in0 = 0;
	unsigned out0 = 0;

	FuzzRouter()
	{
		add_veth(router, "in0", sender, "in0-peer", {.a_mac = router_mac});
		add_veth(router, "out0", sink, "out0-peer", {.a_mac = egress_port_mac});
		sink.inside([&] { sink_pass.attach("out0-peer"); });
		router.add_address("in0", "192.0.2.1/24");
		router.add_address("in0", "2001:db8:1::1/64");
		router.add_address("out0", "198.51.100.1/24");
		router.add_address("out0", "2001:db8:2::1/64");
		for (const std::string& command : {
			 "neigh add 198.51.100.2 lladdr " + fib_neighbour_mac.to_string() + " nud permanent dev out0",
			 "neigh add 2001:db8:2::2 lladdr " + fib_neighbour_mac.to_string() + " nud permanent dev out0",
			 std::string("route add 203.0.113.0/25 via 198.51.100.2"),
			 std::string("route add blackhole 203.0.113.128/27"),
			 std::string("route add unreachable 203.0.113.160/27"),
			 std::string("route add 2001:db8:100::/64 via 2001:db8:2::2"),
			 std::string("-6 route add blackhole 2001:db8:201::/64"),
		     })
			must(router.ip(command));
		router.set_forwarding(true);
		const auto scope = router.enter();
		in0 = ifindex_of("in0");
		out0 = ifindex_of("out0");
	}
};

/// Whether the fib router above has a route to a neighbour for the frame's destination.
bool routed(const Bytes& frame, const Judgement& j)
{
	const std::uint8_t* dst = frame.data() + destination_offset(j);
	if (j.ipv4)
		return (dst[0] == 198 && dst[1] == 51 && dst[2] == 100 && dst[3] == 2) ||
		       (dst[0] == 203 && dst[1] == 0 && dst[2] == 113 && dst[3] < 128);
	static const std::uint8_t neighbour[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
	static const std::uint8_t behind[8] = {0x20, 0x01, 0x0d, 0xb8, 0x01, 0x00, 0, 0};
	return std::equal(neighbour, neighbour + 16, dst) || std::equal(behind, behind + 8, dst);
}

std::uint64_t env_number(const char* name, std::uint64_t fallback)
{
	const char* text = std::getenv(name);
	return text && *text ? std::stoull(text, nullptr, 0) : fallback;
}

/// One seed per process, so that every program sees the same frames.
std::uint64_t fuzz_seed()
{
	static const std::uint64_t seed = env_number("XDPFWD_FUZZ_SEED", std::random_device{}() * 0x100000001ULL ^ std::random_device{}());
	return seed;
}

std::string hex(const Bytes& bytes)
{
	std::string text;
	char byte[4];
	for (const std::uint8_t value : bytes) {
		std::snprintf(byte, sizeof(byte), "%02x ", value);
		text += byte;
	}
	return text;
}

struct Target {
	const char* name;
	const Program& program;
	unsigned ingress;
	MacAddress dst; ///< the MACs a forwarded frame must carry
	MacAddress src;
	bool fib;       ///< only what is routed to a neighbour
	bool untagged;  ///< tagged frames go to the kernel (map: a route without tags; fib: no VLAN devices)
};

struct Tally {
	std::uint64_t frames = 0;
	std::array<std::uint64_t, xdp_action_count> actions{};
	std::map<std::string, std::uint64_t> kept;   ///< the oracle's reason, for frames not forwarded
	std::uint64_t either_forwarded = 0;
	std::uint64_t forwarded_with_options = 0;    ///< IPv4 options the kernel would process or reject
	std::uint64_t forwarded_group_mac = 0;       ///< received as link-layer broadcast or multicast
	std::uint64_t forwarded_foreign_mac = 0;     ///< received for another host's MAC
	std::uint64_t failures = 0;
};

/// The oracle's expectation for `frame` on `target`, with why when it is not `forward`.
Judgement expectation(const Target& target, const Bytes& frame)
{
	Judgement j = judge(frame, router_mac);
	if (j.expect != Expect::keep) {
		if (target.untagged && j.tags) {
			j.expect = Expect::keep, j.why = "tagged, and no VLAN is routed";
		} else if (target.fib && !routed(frame, j)) {
			j.expect = Expect::keep, j.why = "fib: no route to a neighbour";
		}
	}
	return j;
}

/// What is wrong with the program's handling of `frame`, or empty.
std::string problem(const Target& target, const Bytes& frame, const Judgement& j, const RunResult& result)
{
	if (result.action == XdpAction::aborted)
		return "ABORTED";
	if (result.action == XdpAction::redirect) {
		if (j.expect == Expect::keep)
			return std::string("forwarded, but ") + j.why;
		const std::string wrong = check_rewrite(frame, result.frame, j, target.dst, target.src);
		return wrong.empty() ? wrong : "forwarded wrongly: " + wrong;
	}
	if (result.frame != frame)
		return "left to the kernel (" + std::string(to_string(result.action)) + ") modified";
	if (j.expect == Expect::forward)
		return "valid, yet not forwarded (" + std::string(to_string(result.action)) + ")";
	return {};
}

void print_summary(const Target& target, const Tally& tally, const StatsSnapshot& before, const StatsSnapshot& after,
		   double seconds)
{
	std::printf("fuzz %s: %llu frames in %.1f s (%.0f/s), seed 0x%llx\n", target.name,
		    static_cast<unsigned long long>(tally.frames), seconds, static_cast<double>(tally.frames) / seconds,
		    static_cast<unsigned long long>(fuzz_seed()));
	for (std::size_t i = 0; i < xdp_action_count; ++i)
		if (tally.actions[i])
			std::printf("  %-9s %10llu\n", std::string(to_string(static_cast<XdpAction>(i))).c_str(),
				    static_cast<unsigned long long>(tally.actions[i]));
	std::printf("  the program's reasons:\n");
	for (std::size_t i = 0; i < reason_count; ++i)
		if (const auto grew = after.reasons[i].packets - before.reasons[i].packets)
			std::printf("    %-18s %10llu\n", std::string(to_string(static_cast<Reason>(i))).c_str(),
				    static_cast<unsigned long long>(grew));
	std::printf("  the oracle's reasons for what it did not forward:\n");
	for (const auto& [why, count] : tally.kept)
		std::printf("    %-45s %10llu\n", why.c_str(), static_cast<unsigned long long>(count));
	std::printf("  forwarded, the rules allowing either: %llu\n", static_cast<unsigned long long>(tally.either_forwarded));
	std::printf("  forwarded with IPv4 options the kernel would process: %llu; sent to a broadcast/multicast MAC: "
		    "%llu; to another host's MAC: %llu\n",
		    static_cast<unsigned long long>(tally.forwarded_with_options),
		    static_cast<unsigned long long>(tally.forwarded_group_mac),
		    static_cast<unsigned long long>(tally.forwarded_foreign_mac));
	std::printf("  failures: %llu\n", static_cast<unsigned long long>(tally.failures));
	std::fflush(stdout);
}

void run_fuzzer(const Target& target)
{
	const std::uint64_t seed = fuzz_seed();
	const std::uint64_t frames = env_number("XDPFWD_FUZZ_FRAMES", 1000000);
	INFO("XDPFWD_FUZZ_SEED=" << seed << " repeats this run");
	const FrameGenerator generator(seed, router_mac, peer_mac);
	const StatsReader stats(target.program);
	const StatsSnapshot before = stats.snapshot();
	const auto start = std::chrono::steady_clock::now();

	Tally tally;
	Bytes frame;
	RunResult result;
	for (std::uint64_t i = 0; i < frames; ++i) {
		generator.make(i, frame);
		const int rc = try_run(target.program, frame, target.ingress, result);
		if (rc != 0)
			FAIL("BPF_PROG_RUN refused frame " << i << " (" << rc << "): " << hex(frame));
		++tally.frames;
		++tally.actions[static_cast<std::size_t>(result.action)];
		const Judgement j = expectation(target, frame);
		if (result.action == XdpAction::redirect) {
			tally.either_forwarded += j.expect == Expect::either;
			tally.forwarded_with_options += j.options_to_process;
			tally.forwarded_group_mac += j.group_mac;
			tally.forwarded_foreign_mac += j.foreign_mac;
		} else {
			++tally.kept[j.expect == Expect::forward ? "(valid)" : j.why];
		}
		const std::string wrong = problem(target, frame, j, result);
		if (wrong.empty())
			continue;
		if (++tally.failures <= 10) {
			std::string trace;
			generator.make(i, frame, &trace);
			FAIL_CHECK(std::string(target.name) << " frame " << i << ": " << wrong << "\n  made: " << trace << "\n  in:  "
						 << hex(frame) << "\n  out: " << hex(result.frame));
		}
	}
	const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
	const StatsSnapshot after = stats.snapshot();
	print_summary(target, tally, before, after, seconds);
	for (std::size_t i = 0; i < xdp_action_count; ++i) {
		INFO("action " << to_string(static_cast<XdpAction>(i)));
		CHECK(after.actions[i].packets - before.actions[i].packets == tally.actions[i]);
	}
	CHECK(tally.actions[static_cast<std::size_t>(XdpAction::aborted)] == 0);
	CHECK(tally.failures == 0);
	CHECK(tally.actions[static_cast<std::size_t>(XdpAction::redirect)] > 0); // the setup forwards at all
}

} // namespace

TEST_CASE("fuzz: static mode forwards only valid frames, rewritten right, and leaves the rest untouched")
{
	FuzzRouter net;
	const auto forwarder =
	    net.router.inside([&] { return std::make_unique<StaticForwarder>(StaticRoute{"out0", next_hop_mac, egress_mac}); });
	const auto scope = net.router.enter();
	run_fuzzer({"static", forwarder->program(), net.in0, next_hop_mac, egress_mac, false, false});
}

TEST_CASE("fuzz: map mode forwards only valid frames, rewritten right, and leaves the rest untouched")
{
	FuzzRouter net;
	MapForwarder forwarder;
	const auto scope = net.router.enter();
	forwarder.set_route(net.in0, {net.out0, next_hop_mac, egress_mac});
	run_fuzzer({"map", forwarder.program(), net.in0, next_hop_mac, egress_mac, false, true});
}

TEST_CASE("fuzz: fib mode forwards only valid, routed frames, rewritten right, and leaves the rest untouched")
{
	FuzzRouter net;
	FibForwarder forwarder(FibLookup::full);
	const auto scope = net.router.enter();
	forwarder.enable_egress(net.out0);
	run_fuzzer({"fib", forwarder.program(), net.in0, fib_neighbour_mac, egress_port_mac, true, true});
}
