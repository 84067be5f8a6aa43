// The library's typed view of BPF objects, on real programs: BpfMap and PerCpuMap refuse the
// wrong types and read what the programs count, .rodata reads back what was set before load,
// find_forwarder says which forwarder runs where, fib ports are operations on the forwarder,
// and libbpf's messages go where the host application says.
#include <doctest/doctest.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include <algorithm>
#include <string>
#include <variant>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "support/errors.hpp"
#include "support/netns.hpp"
#include "support/prog_run.hpp"

using namespace xdpfwd;
using test::errno_of;
using test::message_of;
using test::must;
using test::Netns;

namespace {

// Runs `program` on a minimal IPv4 frame `times` times (BPF_PROG_RUN), returns its action.
std::uint32_t run_frames(const Program& program, unsigned times)
{
	test::Bytes frame(64, 0);
	frame[12] = 0x08; // IPv4 ethertype, then a header too short to be IP: not forwarded anywhere
	return static_cast<std::uint32_t>(test::run(program, frame, 0, {.repeat = times}).action);
}

// Some other tool's XDP program: two instructions, XDP_PASS.
Program foreign_program()
{
	const bpf_insn code[] = {
	    {BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, XDP_PASS},
	    {BPF_JMP | BPF_EXIT, 0, 0, 0, 0},
	};
	return Program(UniqueFd(check(bpf_prog_load(BPF_PROG_TYPE_XDP, "other_tool", "GPL", code, 2, nullptr),
				      [] { return std::string("load a foreign program"); })));
}

} // namespace

TEST_CASE("BpfMap: typed get, set, erase and iteration; the wrong types or name are refused")
{
	MapForwarder map;
	auto macs = map.program().map<std::uint32_t, xdpfwd_port_route>(XDPFWD_MAP_PORT_ROUTES);
	CHECK(macs.name() == XDPFWD_MAP_PORT_ROUTES);
	CHECK_FALSE(macs.get(7));
	const xdpfwd_port_route value{{2, 0, 0x5e, 0, 0x53, 1}, {2, 0, 0x5e, 0, 0x53, 2}, {}, {}};
	macs.set(7, value);
	macs.set(70000, value);
	REQUIRE(macs.get(7));
	CHECK(std::equal(std::begin(value.dst), std::end(value.dst), std::begin(macs.get(7)->dst)));
	auto keys = macs.keys();
	std::sort(keys.begin(), keys.end());
	CHECK(keys == std::vector<std::uint32_t>{7, 70000});
	CHECK(macs.entries().size() == 2);
	CHECK(macs.erase(7));
	CHECK_FALSE(macs.erase(7));
	CHECK(macs.keys() == std::vector<std::uint32_t>{70000});

	// a value type of another size would let the kernel write past it: refused when opened
	CHECK(errno_of([&] { (void)map.program().map<std::uint32_t, std::uint64_t>(XDPFWD_MAP_PORT_ROUTES); }) == EINVAL);
	CHECK(message_of([&] { (void)map.program().map<std::uint64_t, xdpfwd_port_route>(XDPFWD_MAP_PORT_ROUTES); })
		  .find("key 4 bytes") != std::string::npos);
	CHECK(errno_of([&] { (void)map.program().map<std::uint32_t, xdpfwd_port_route>("no_such_map"); }) == ENOENT);
	CHECK_FALSE(map.program().has_map("no_such_map"));
	CHECK(map.program().has_map(XDPFWD_MAP_PORT_ROUTES));
}

TEST_CASE("PerCpuMap and StatsReader: what a program counted, summed over CPUs")
{
	PassProgram pass;
	FibForwarder fib;
	CHECK(run_frames(pass.program(), 25) == XDP_PASS);
	CHECK(run_frames(fib.program(), 4) == XDP_PASS); // malformed: to the kernel

	const auto actions = pass.program().per_cpu_map<std::uint32_t, xdpfwd_counter>(XDPFWD_MAP_ACTION_STATS);
	CHECK(actions.per_cpu(XDP_PASS).size() == static_cast<std::size_t>(libbpf_num_possible_cpus()));
	CHECK(actions.sum<Counter>(XDP_PASS).packets == 25);
	CHECK(actions.sum<Counter>(XDP_PASS).bytes == 25 * 64);
	CHECK(actions.sum<Counter>(XDP_DROP).packets == 0);

	const StatsSnapshot pass_stats = pass.stats().snapshot();
	CHECK(pass_stats[XdpAction::pass].packets == 25);
	CHECK_FALSE(pass_stats.has_reasons); // the pass program has no reason map at all
	const StatsSnapshot fib_stats = fib.stats().snapshot();
	CHECK(fib_stats.has_reasons);
	CHECK(fib_stats[Reason::malformed].packets == 4);
	CHECK(fib_stats[XdpAction::pass].packets == 4);
}

TEST_CASE("read_rodata reads back what was set before load, from the program alone")
{
	FibForwarder direct(FibLookup::direct);
	FibForwarder full(FibLookup::full);
	CHECK(direct.lookup() == FibLookup::direct);
	CHECK(full.lookup() == FibLookup::full);
	CHECK(read_rodata<xdpfwd_fib::xdpfwd_fib__rodata>(Program::from_id(direct.program().id())).direct_lookup);

	Netns ns("rodata");
	must(ns.ip("link add name ro0 type veth peer name ro1"));
	const auto scope = ns.enter();
	const StaticForwarder fixed({"ro1", MacAddress::parse("02:00:5e:00:53:07"), MacAddress::parse("02:00:5e:00:53:08"), false});
	const StaticRoute route = fixed.route();
	CHECK(route.egress.ifindex() == ifindex_of("ro1"));
	CHECK(route.dst_mac == MacAddress::parse("02:00:5e:00:53:07"));
	CHECK(route.src_mac == MacAddress::parse("02:00:5e:00:53:08"));
	CHECK(errno_of([] { (void)read_rodata<int>(PassProgram().program()); }) == ENOENT); // no .rodata
}

TEST_CASE("find_forwarder says which forwarder runs on an interface, as its own class")
{
	Netns ns("find");
	for (const char* pair : {"fa", "fb", "fc", "fd", "fe"})
		must(ns.ip("link add name " + std::string(pair) + "0 type veth peer name " + pair + "1"));
	const auto scope = ns.enter();
	PassProgram pass;
	pass.attach("fa0");
	StaticForwarder fixed({"fb1", MacAddress::parse("02:00:5e:00:53:01"), std::nullopt, false});
	fixed.add_port("fb0");
	MapForwarder map;
	map.add_port("fc0", {ifindex_of("fc1"), MacAddress::parse("02:00:5e:00:53:02"), mac_of(ifindex_of("fc1"))}, {}, false);
	FibForwarder fib;
	fib.add_port("fd0", {}, false);

	auto id_of = [](const char* port) { return program_of(*find_forwarder(port)).id(); };
	CHECK(std::holds_alternative<PassProgram>(*find_forwarder("fa0")));
	CHECK(std::holds_alternative<StaticForwarder>(*find_forwarder("fb0")));
	CHECK(std::holds_alternative<MapForwarder>(*find_forwarder("fc0")));
	CHECK(std::holds_alternative<FibForwarder>(*find_forwarder("fd0")));
	CHECK(id_of("fa0") == pass.program().id());
	CHECK(id_of("fb0") == fixed.program().id());
	CHECK(id_of("fc0") == map.program().id());
	CHECK(id_of("fd0") == fib.program().id());
	CHECK(std::get<MapForwarder>(*find_forwarder("fc0")).route("fc0")->egress == ifindex_of("fc1"));
	CHECK(std::get<FibForwarder>(*find_forwarder("fd0")).is_egress("fd0"));
	CHECK_FALSE(find_forwarder("fe0"));
	CHECK(find_attached(ifindex_of("fd0"))->kind == ForwarderKind::fib);

	// another tool's program is named, not mistaken for ours
	const Program other = foreign_program();
	XdpProgram attached(other, ifindex_of("fe0"));
	CHECK(find_attached(ifindex_of("fe0"))->kind == ForwarderKind::foreign);
	CHECK(errno_of([] { (void)find_forwarder("fe0"); }) == EINVAL);
	CHECK(message_of([] { (void)find_forwarder("fe0"); }).find("other_tool") != std::string::npos);
	CHECK(errno_of([] { (void)FibForwarder::attached_to("fe0"); }) == EINVAL);
	CHECK(errno_of([] { (void)PassProgram::attached_to("fd0"); }) == EINVAL);
}

TEST_CASE("fib egress ports are operations on the forwarder")
{
	Netns ns("egress");
	must(ns.ip("link add name eg0 type veth peer name eg1"));
	must(ns.ip("link add name eg2 type veth peer name eg3"));
	const auto scope = ns.enter();
	FibForwarder fib;
	CHECK(fib.egress_ports().empty());
	fib.enable_egress("eg2");
	fib.enable_egress("eg0");
	fib.enable_egress("eg0"); // twice is once
	auto sorted = [](std::vector<unsigned> v) {
		std::sort(v.begin(), v.end());
		return v;
	};
	CHECK(fib.egress_ports() == sorted({ifindex_of("eg0"), ifindex_of("eg2")}));
	CHECK(fib.is_egress("eg2"));
	CHECK_FALSE(fib.is_egress("eg1"));
	CHECK(fib.disable_egress("eg2"));
	CHECK_FALSE(fib.disable_egress("eg2"));
	CHECK(fib.egress_ports() == std::vector<unsigned>{ifindex_of("eg0")});
	CHECK(errno_of([&] { fib.enable_egress(987654u); }) == ENODEV);
	CHECK(fib.egress_ports() == std::vector<unsigned>{ifindex_of("eg0")});
	// another process's view of the same forwarder sees the same set
	fib.add_port("eg1", {}, false);
	CHECK(FibForwarder::attached_to("eg1").egress_ports() == sorted({ifindex_of("eg0"), ifindex_of("eg1")}));
}

TEST_CASE("a refused map route leaves the previous one in place")
{
	Netns ns("rollback");
	must(ns.ip("link add name rb0 type veth peer name rb1"));
	const auto scope = ns.enter();
	MapForwarder map;
	const MapRoute first{ifindex_of("rb1"), MacAddress::parse("02:00:5e:00:53:01"), MacAddress::parse("02:00:5e:00:53:02")};
	map.set_route("rb0", first, false);
	const MapRoute broken{987654u, MacAddress::parse("02:00:5e:00:53:03"), MacAddress::parse("02:00:5e:00:53:04")};
	CHECK(errno_of([&] { map.set_route("rb0", broken, false); }) == ENODEV);
	CHECK(map.route("rb0") == first);
	CHECK(errno_of([&] { map.set_route("rb1", broken, false); }) == ENODEV);
	CHECK_FALSE(map.route("rb1"));
	CHECK(map.routes().size() == 1);
}

TEST_CASE("libbpf's messages go where the application says: a callback, or nowhere")
{
	std::vector<std::pair<LogLevel, std::string>> heard;
	set_libbpf_log([&](LogLevel level, std::string_view line) { heard.emplace_back(level, std::string(line)); });
	CHECK(bpf_object__open_file("/nonexistent/xdpfwd-test.o", nullptr) == nullptr);
	const bool warned = std::any_of(heard.begin(), heard.end(), [](const auto& m) {
		return m.first == LogLevel::warn && m.second.find("/nonexistent/xdpfwd-test.o") != std::string::npos;
	});
	CHECK(warned);
	CHECK(std::none_of(heard.begin(), heard.end(), [](const auto& m) { return m.second.find('\n') != std::string::npos; }));

	heard.clear();
	set_libbpf_log(LibbpfLog::off);
	CHECK(bpf_object__open_file("/nonexistent/xdpfwd-test.o", nullptr) == nullptr);
	CHECK(heard.empty());
}
