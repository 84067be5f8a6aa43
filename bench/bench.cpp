// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// xdpfwd benchmark: forwarding rates of every mode against the kernel's own IP forwarding and
// against bare redirect ceilings, the fib mode's sensitivity to the routing table's size, and
// each program's per-packet cost. See bench/README.md; run it with scripts/bench.sh.
#include <arpa/inet.h>
#include <sched.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <numeric>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <thread>
#include <tuple>
#include <vector>

#include <xdpfwd/xdpfwd.hpp>

#include "bench_abi.h"
#include "bench_config.h"
#include "report.hpp"
#include "support.hpp"
#include "topology.hpp"
#include "xfb_bare_devmap.skel.h"
#include "xfb_bare_redirect.skel.h"
#include "xfb_gen.skel.h"
#include "xfb_harness.skel.h"
#include "xfb_sink.skel.h"

namespace bench {
namespace {

using Bytes = std::vector<std::uint8_t>;

// ---- options -------------------------------------------------------------------------------------

struct Options {
	bool smoke = false;
	int reps = 5;
	double seconds = 2.0;                          ///< timed traffic per configuration and repetition
	std::vector<unsigned> routes{1, 10000, 100000, 1000000};
	double zipf = 1.0;                             ///< exponent of the FIB-scale Zipf destinations
	std::uint32_t cost_repeat = 2000000;           ///< BPF_PROG_RUN repeat for per-packet costs
	int cpu = -1;                                  ///< generator CPU; -1: the last online one
	std::uint32_t batch = 0;                       ///< live-frames batch size; 0: the kernel's (64)
	std::string output_dir = "bench/results";
	std::string revision;                          ///< of the xdpfwd sources measured, for the record
	std::vector<std::string> only;                 ///< traffic modes to run (all when empty), for profiling
};

[[noreturn]] void usage(int status)
{
	std::fprintf(status ? stderr : stdout,
		     "usage: xdpfwd_bench [--smoke] [--reps N] [--seconds S] [--routes N,N,...] [--cost-repeat N]\n"
		     "                    [--zipf S] [--cpu N] [--batch N] [--only MODE,...] [--output-dir DIR]\n"
		     "  --smoke        one repetition, 0.5 s per configuration, routes 1,100,1000,10000; checks\n"
		     "                 only that frames went through (prints a doctest-style summary line)\n"
		     "  --reps N       round-robin repetitions, medians reported (default 5)\n"
		     "  --seconds S    timed traffic per configuration and repetition (default 2)\n"
		     "  --routes LIST  FIB-scale route counts, smallest is the reference (default 1,10000,100000,1000000)\n"
		     "  --zipf S       exponent of the FIB-scale Zipf destinations, measured besides uniform ones (default 1)\n"
		     "  --cost-repeat  BPF_PROG_RUN repeat for per-packet costs (default 2000000)\n"
		     "  --cpu N        CPU the generator thread is pinned to (default: the last one)\n"
		     "  --batch N      BPF_PROG_RUN live-frames batch size (default: the kernel's, 64)\n"
		     "  --only LIST    run only these traffic modes (kernel, bare_redirect, bare_devmap, static, map,\n"
		     "                 fib_full, fib_direct, fib_scale), e.g. to profile one with perf\n"
		     "  --revision R   the sources' revision, recorded with the results (scripts/bench.sh sets it)\n"
		     "  --output-dir   where results.json and results.md go (default bench/results)\n"
		     "Needs root. Writes DIR/results.json and DIR/results.md; bench/plot.py draws DIR/results.png.\n");
	std::exit(status);
}

Options parse_options(int argc, char** argv)
{
	Options o;
	bool reps = false, seconds = false, routes = false, repeat = false;
	auto value = [&](int& i) -> std::string {
		if (i + 1 >= argc)
			usage(2);
		return argv[++i];
	};
	for (int i = 1; i < argc; ++i) {
		const std::string arg = argv[i];
		if (arg == "--smoke") {
			o.smoke = true;
		} else if (arg == "--reps") {
			o.reps = std::stoi(value(i));
			reps = true;
		} else if (arg == "--seconds") {
			o.seconds = std::stod(value(i));
			seconds = true;
		} else if (arg == "--routes") {
			o.routes.clear();
			std::stringstream list(value(i));
			for (std::string item; std::getline(list, item, ',');)
				o.routes.push_back(static_cast<unsigned>(std::stoul(item)));
			routes = true;
		} else if (arg == "--zipf") {
			o.zipf = std::stod(value(i));
		} else if (arg == "--cost-repeat") {
			o.cost_repeat = static_cast<std::uint32_t>(std::stoul(value(i)));
			repeat = true;
		} else if (arg == "--cpu") {
			o.cpu = std::stoi(value(i));
		} else if (arg == "--batch") {
			o.batch = static_cast<std::uint32_t>(std::stoul(value(i)));
		} else if (arg == "--revision") {
			o.revision = value(i);
		} else if (arg == "--only") {
			std::stringstream list(value(i));
			for (std::string item; std::getline(list, item, ',');)
				o.only.push_back(item);
		} else if (arg == "--output-dir") {
			o.output_dir = value(i);
		} else if (arg == "--help" || arg == "-h") {
			usage(0);
		} else {
			std::fprintf(stderr, "xdpfwd_bench: unknown argument %s\n", arg.c_str());
			usage(2);
		}
	}
	if (o.smoke) {
		if (!reps)
			o.reps = 1;
		if (!seconds)
			o.seconds = 0.5;
		if (!routes)
			o.routes = {1, 100, 1000, 10000};
		if (!repeat)
			o.cost_repeat = 100000;
	}
	std::sort(o.routes.begin(), o.routes.end());
	o.routes.erase(std::unique(o.routes.begin(), o.routes.end()), o.routes.end());
	if (o.reps < 1 || o.seconds <= 0 || !(o.zipf >= 0 && o.zipf <= 10) || o.cost_repeat < 1 || o.routes.empty() || o.routes.front() == 0 ||
	    o.routes.back() > BENCH_MAX_ROUTES)
		usage(2);
	if (o.cpu < 0)
		o.cpu = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN)) - 1;
	return o;
}

// ---- frames --------------------------------------------------------------------------------------

void put16(Bytes& b, std::uint16_t v)
{
	b.push_back(static_cast<std::uint8_t>(v >> 8));
	b.push_back(static_cast<std::uint8_t>(v));
}

template <std::size_t N>
void put_address(Bytes& b, int family, const char* text)
{
	std::uint8_t address[N];
	if (::inet_pton(family, text, address) != 1)
		throw std::invalid_argument(std::string("bad address ") + text);
	b.insert(b.end(), address, address + N);
}

std::uint32_t sum16(const std::uint8_t* data, std::size_t length, std::uint32_t sum = 0)
{
	for (std::size_t i = 0; i + 1 < length; i += 2)
		sum += static_cast<std::uint32_t>(data[i] << 8 | data[i + 1]);
	if (length % 2)
		sum += static_cast<std::uint32_t>(data[length - 1] << 8);
	return sum;
}

std::uint16_t fold(std::uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return static_cast<std::uint16_t>(sum);
}

void ethernet(Bytes& b, std::uint16_t type)
{
	b.insert(b.end(), rin_mac.bytes.begin(), rin_mac.bytes.end());
	b.insert(b.end(), gen_mac.bytes.begin(), gen_mac.bytes.end());
	put16(b, type);
}

/// UDP from 192.0.2.1 to 203.0.113.2, port 9, TTL 64; the header checksum is left to the
/// generator (it computes it for every frame).
Bytes frame_ipv4()
{
	Bytes b;
	ethernet(b, 0x0800);
	const std::uint16_t ip_len = BENCH_FRAME4_LEN - BENCH_ETH_LEN;
	b.insert(b.end(), {0x45, 0x00});
	put16(b, ip_len);
	b.insert(b.end(), {0x00, 0x00, 0x40, 0x00, 64, 17, 0x00, 0x00}); // id 0, DF, TTL, UDP, checksum 0
	put_address<4>(b, AF_INET, gen_ip4);
	put_address<4>(b, AF_INET, dst_ip4);
	put16(b, 1024);
	put16(b, BENCH_UDP_PORT);
	put16(b, ip_len - 20);
	put16(b, 0); // no UDP checksum (allowed in IPv4)
	while (b.size() < BENCH_FRAME4_LEN)
		b.push_back(static_cast<std::uint8_t>(b.size()));
	return b;
}

std::uint16_t udp6_checksum(const Bytes& frame)
{
	const std::uint8_t* ip6 = frame.data() + BENCH_ETH_LEN;
	const std::size_t udp_len = frame.size() - BENCH_ETH_LEN - 40;
	std::uint32_t sum = sum16(ip6 + 8, 32); // source and destination addresses
	sum += static_cast<std::uint32_t>(udp_len) + 17;
	sum = sum16(ip6 + 40, udp_len, sum);
	return static_cast<std::uint16_t>(~fold(sum));
}

/// UDP from 2001:db8:1::1 to 2001:db8:ffff::2, port 9, hop limit 64, valid UDP checksum.
Bytes frame_ipv6()
{
	Bytes b;
	ethernet(b, 0x86dd);
	const std::uint16_t payload = BENCH_FRAME6_LEN - BENCH_ETH_LEN - 40;
	b.insert(b.end(), {0x60, 0x00, 0x00, 0x00});
	put16(b, payload);
	b.insert(b.end(), {17, 64});
	put_address<16>(b, AF_INET6, gen_ip6);
	put_address<16>(b, AF_INET6, dst_ip6);
	put16(b, 1024);
	put16(b, BENCH_UDP_PORT);
	put16(b, payload);
	put16(b, 0);
	while (b.size() < BENCH_FRAME6_LEN)
		b.push_back(static_cast<std::uint8_t>(b.size()));
	const std::uint16_t check = udp6_checksum(b);
	b[BENCH_UDP6_CHECK_OFFSET] = static_cast<std::uint8_t>(check >> 8);
	b[BENCH_UDP6_CHECK_OFFSET + 1] = static_cast<std::uint8_t>(check);
	return b;
}

/// Copies a template into a skeleton's .rodata words (volatile there).
template <class Words>
void set_template(Words& words, const Bytes& frame)
{
	static_assert(sizeof(words[0]) == 8);
	if (frame.size() != sizeof(words))
		throw std::logic_error("frame template size");
	for (std::size_t i = 0; i < frame.size() / 8; ++i) {
		std::uint64_t word = 0;
		std::memcpy(&word, frame.data() + i * 8, 8);
		words[i] = word;
	}
}

// ---- destinations --------------------------------------------------------------------------------

enum class Distribution { uniform, zipf };

const char* distribution_name(Distribution d) { return d == Distribution::zipf ? "zipf" : "uniform"; }

/// BENCH_DEST_SLOTS draws of route indexes in 0..n-1 from Zipf(n, s): rank r (1..n) with
/// probability proportional to 1/r^s. Ranks map to route indexes through a random permutation,
/// so the popular routes are scattered over the whole table (and trie). Seeded by n and s: the
/// same table every run.
std::vector<std::uint32_t> zipf_table(unsigned n, double s)
{
	std::mt19937_64 rng(0x5eed0000ull ^ n ^ (static_cast<std::uint64_t>(s * 1000) << 32));
	std::vector<double> cumulative(n);
	double total = 0;
	for (unsigned r = 0; r < n; ++r)
		cumulative[r] = total += std::pow(static_cast<double>(r) + 1, -s);
	std::vector<std::uint32_t> route(n); // rank - 1 -> route index (Fisher-Yates, spelled out to be portable)
	std::iota(route.begin(), route.end(), 0u);
	for (std::size_t i = n; i > 1; --i)
		std::swap(route[i - 1], route[rng() % i]);
	std::uniform_real_distribution<double> uniform(0, total);
	std::vector<std::uint32_t> table(BENCH_DEST_SLOTS);
	for (auto& slot : table) {
		const auto rank = std::upper_bound(cumulative.begin(), cumulative.end(), uniform(rng)) - cumulative.begin();
		slot = route[std::min<std::size_t>(static_cast<std::size_t>(rank), n - 1)];
	}
	return table;
}

// ---- BPF_PROG_RUN --------------------------------------------------------------------------------

struct RunResult {
	std::uint32_t retval = 0;
	std::uint32_t duration_ns = 0; ///< the kernel's average per repetition
	Bytes out;
};

/// BPF_PROG_RUN of an XDP program on `frame` arriving on `ifindex` (resolved in the calling
/// thread's namespace). Live frames: each frame really goes where the program sends it.
RunResult prog_run(int prog_fd, const Bytes& frame, unsigned ifindex, std::uint32_t repeat, bool live,
		   std::uint32_t batch = 0, bool want_output = false)
{
	xdp_md ctx{};
	ctx.data_end = static_cast<std::uint32_t>(frame.size());
	ctx.ingress_ifindex = ifindex;
	RunResult result;
	if (want_output)
		result.out.resize(4096);
	bpf_test_run_opts opts{}; // zeroed and sized by hand: LIBBPF_OPTS is C, not C++
	opts.sz = sizeof(opts);
	opts.data_in = frame.data();
	opts.data_size_in = static_cast<std::uint32_t>(frame.size());
	if (want_output) {
		opts.data_out = result.out.data();
		opts.data_size_out = static_cast<std::uint32_t>(result.out.size());
	}
	opts.ctx_in = &ctx;
	opts.ctx_size_in = sizeof(ctx);
	opts.repeat = repeat;
	if (live) {
		opts.flags = BPF_F_TEST_XDP_LIVE_FRAMES;
		opts.batch_size = batch;
	}
	const int rc = bpf_prog_test_run_opts(prog_fd, &opts);
	check_stop();
	xdpfwd::check(rc, [&] { return std::string("BPF_PROG_RUN") + (live ? " (live frames)" : ""); });
	result.retval = opts.retval;
	result.duration_ns = opts.duration;
	if (want_output)
		result.out.resize(opts.data_size_out);
	return result;
}

// ---- programs ------------------------------------------------------------------------------------

/// Every program the benchmark loads, configured for the topology, and their permanent
/// attachments (generator and harness on the idle pair, sink on every sink port, each FIB-scale
/// router's forwarder on its rin).
class Programs {
public:
	Programs(const Topology& topo, const Bytes& frame4, const Bytes& frame6)
	    : gen("bench_gen", [&](xfb_gen& s) {
		      set_template(s.rodata->frame4, frame4);
		      set_template(s.rodata->frame6, frame6);
	      }),
	      // the same generator with table destinations: one block of BENCH_DEST_SLOTS per route count
	      gen_zipf("bench_gen (zipf)", [&](xfb_gen& s) {
		      set_template(s.rodata->frame4, frame4);
		      set_template(s.rodata->frame6, frame6);
		      s.rodata->dest_mode = BENCH_DEST_TABLE;
		      const auto blocks = static_cast<std::uint32_t>(std::max<std::size_t>(1, topo.routers().size() - 1));
		      xdpfwd::check(bpf_map__set_max_entries(s.maps.dest_table, blocks * BENCH_DEST_SLOTS),
				    [] { return std::string("size the generator's destination table"); });
	      }),
	      harness("bench_harness", [&](xfb_harness& s) {
		      set_template(s.rodata->frame4, frame4);
		      set_template(s.rodata->frame6, frame6);
	      }),
	      sink("bench_sink", [](xfb_sink&) {}),
	      bare_redirect("bare_redirect", [&](xfb_bare_redirect& s) { configure_bare(topo, *s.rodata); }),
	      bare_devmap("bare_devmap", [&](xfb_bare_devmap& s) { configure_bare(topo, *s.rodata); }),
	      gen_program(Skeleton<xfb_gen>::program(gen->progs.bench_gen)),
	      gen_zipf_program(Skeleton<xfb_gen>::program(gen_zipf->progs.bench_gen)),
	      harness_program(Skeleton<xfb_harness>::program(harness->progs.bench_harness)),
	      noop_program(Skeleton<xfb_harness>::program(harness->progs.bench_noop)),
	      sink_program(Skeleton<xfb_sink>::program(sink->progs.bench_sink)),
	      bare_redirect_program(Skeleton<xfb_bare_redirect>::program(bare_redirect->progs.bare_redirect)),
	      bare_devmap_program(Skeleton<xfb_bare_devmap>::program(bare_devmap->progs.bare_devmap))
	{
		// BPF_PROG_RUN of a program attached nowhere adds it to the XDP dispatcher and removes it
		// again on every call; attached (generic, to an idle veth) it stays there.
		attachments_.push_back(std::make_unique<ScopedAttachment>(topo.gen(), gen_program, "idle0", xdpfwd::AttachMode::generic));
		attachments_.push_back(
		    std::make_unique<ScopedAttachment>(topo.gen(), gen_zipf_program, "idle2", xdpfwd::AttachMode::generic));
		attachments_.push_back(
		    std::make_unique<ScopedAttachment>(topo.gen(), harness_program, "idle1", xdpfwd::AttachMode::generic));
		// a veth accepts redirected frames only when its peer runs XDP: the sink does, everywhere
		for (const Router& r : topo.routers())
			attachments_.push_back(
			    std::make_unique<ScopedAttachment>(topo.sink(), sink_program, r.sink_if, xdpfwd::AttachMode::native));

		const Router& main = topo.routers().front();
		xdpfwd::NetnsScope scope(main.ns->name());
		const unsigned rout = xdpfwd::ifindex_of("rout");
		xdpfwd::DevMap(bare_devmap_program, "tx_ports").set(rout, rout);
		static_fwd.emplace(xdpfwd::StaticRoute{rout, sink_mac, rout_mac});
		map_fwd.set_route("rin", xdpfwd::MapRoute{rout, sink_mac, rout_mac});
		fib_full.enable_egress(rout);
		fib_direct.enable_egress(rout);
	}

	/// Loads and attaches the forwarder of each FIB-scale router (after its routes are in).
	void attach_scale(const Topology& topo)
	{
		for (const Router& r : topo.routers()) {
			if (!r.routes)
				continue;
			xdpfwd::NetnsScope scope(r.ns->name());
			auto fib = std::make_unique<xdpfwd::FibForwarder>(xdpfwd::FibLookup::full);
			const unsigned rout = xdpfwd::ifindex_of("rout");
			fib->enable_egress(rout);
			attachments_.push_back(std::make_unique<ScopedAttachment>(*r.ns, fib->program(), "rin", xdpfwd::AttachMode::native));
			scale_fib.push_back(std::move(fib));
		}
	}

	/// Fills the Zipf generator's destination table: block i - 1 for FIB-scale router i. Returns,
	/// per router (0 for the main one), how many distinct routes its block holds.
	std::vector<unsigned> fill_zipf(const Topology& topo, double s)
	{
		std::vector<unsigned> distinct(topo.routers().size(), 0);
		const int fd = bpf_map__fd(gen_zipf->maps.dest_table);
		for (std::size_t i = 1; i < topo.routers().size(); ++i) {
			const std::vector<std::uint32_t> table = zipf_table(topo.routers()[i].routes, s);
			std::vector<std::uint32_t> keys(table.size());
			std::iota(keys.begin(), keys.end(), static_cast<std::uint32_t>((i - 1) * BENCH_DEST_SLOTS));
			auto count = static_cast<std::uint32_t>(table.size());
			if (bpf_map_update_batch(fd, keys.data(), table.data(), &count, nullptr) != 0 || count != table.size())
				for (std::size_t k = 0; k < table.size(); ++k) // no batch support: one by one
					xdpfwd::check(bpf_map_update_elem(fd, &keys[k], &table[k], BPF_ANY),
						      [] { return std::string("fill the generator's destination table"); });
			std::vector<std::uint32_t> sorted = table;
			std::sort(sorted.begin(), sorted.end());
			distinct[i] = static_cast<unsigned>(std::unique(sorted.begin(), sorted.end()) - sorted.begin());
		}
		return distinct;
	}

	/// The generator for `d`, set up to write `family` frames to the routes of router `router`
	/// (`routes` of them; 0: the template's destination).
	const xdpfwd::Program& generator(Distribution d, int family, unsigned routes, std::size_t router = 0)
	{
		xfb_gen::xfb_gen__bss& bss = d == Distribution::zipf ? *gen_zipf->bss : *gen->bss;
		bss.family = static_cast<std::uint32_t>(family);
		bss.route_count = routes;
		bss.table_base = router ? static_cast<std::uint32_t>((router - 1) * BENCH_DEST_SLOTS) : 0;
		if (d == Distribution::zipf && routes && !router)
			throw std::logic_error("zipf destinations need a FIB-scale router's table");
		return d == Distribution::zipf ? gen_zipf_program : gen_program;
	}

	Skeleton<xfb_gen> gen;
	Skeleton<xfb_gen> gen_zipf;
	Skeleton<xfb_harness> harness;
	Skeleton<xfb_sink> sink;
	Skeleton<xfb_bare_redirect> bare_redirect;
	Skeleton<xfb_bare_devmap> bare_devmap;
	xdpfwd::Program gen_program, gen_zipf_program, harness_program, noop_program, sink_program, bare_redirect_program,
	    bare_devmap_program;
	xdpfwd::PassProgram pass;
	std::optional<xdpfwd::StaticForwarder> static_fwd;
	xdpfwd::MapForwarder map_fwd;
	xdpfwd::FibForwarder fib_full{xdpfwd::FibLookup::full};
	xdpfwd::FibForwarder fib_direct{xdpfwd::FibLookup::direct};
	std::vector<std::unique_ptr<xdpfwd::FibForwarder>> scale_fib; ///< one per FIB-scale router, in order

	~Programs()
	{
		// attachments go first, each in its own namespace, while the programs are still loaded
		while (!attachments_.empty())
			attachments_.pop_back();
	}

private:
	template <class Rodata>
	static void configure_bare(const Topology& topo, Rodata& rodata)
	{
		xdpfwd::NetnsScope scope(topo.routers().front().ns->name());
		rodata.egress_ifindex = xdpfwd::ifindex_of("rout");
		std::memcpy(rodata.dst_mac, sink_mac.bytes.data(), sink_mac.bytes.size());
		std::memcpy(rodata.src_mac, rout_mac.bytes.data(), rout_mac.bytes.size());
	}

	std::vector<std::unique_ptr<ScopedAttachment>> attachments_;
};

// ---- configurations ------------------------------------------------------------------------------

const char* family_name(int family) { return family == BENCH_IPV4 ? "ipv4" : "ipv6"; }

/// One line of the throughput table: a program on a router, a frame family.
struct TrafficConfig {
	std::string mode;       ///< kernel, bare_redirect, bare_devmap, static, map, fib_full, fib_direct, fib_scale
	int family = BENCH_IPV4;
	std::size_t router = 0; ///< index into Topology::routers()
	unsigned routes = 0;    ///< fib_scale: destinations drawn from this many installed routes
	Distribution distribution = Distribution::uniform; ///< fib_scale: how they are drawn
	const xdpfwd::Program* program = nullptr; ///< attached to the main router's rin for the run
	double rate = 0;        ///< last measured frames/s, to size the next run
	std::vector<TrafficSample> samples;
};

/// One line of the per-packet cost table.
struct CostConfig {
	std::string program;
	int family = BENCH_IPV4;
	std::size_t router = 0;
	unsigned routes = 0;
	const xdpfwd::Program* target = nullptr; ///< tail-called by the harness; nullptr: the generator itself
	Distribution distribution = Distribution::uniform; ///< the generator's destinations (target == nullptr)
	std::uint32_t expected = 0;              ///< XDP action every run must end with
	std::vector<double> raw_ns;
	std::uint32_t last_retval = 0;
};

/// Size of a loaded program: instructions after the verifier's rewrites, and JIT-ed bytes.
std::pair<std::uint32_t, std::uint32_t> program_size(const xdpfwd::Program& program)
{
	bpf_prog_info info{};
	std::uint32_t length = sizeof(info);
	xdpfwd::check(bpf_obj_get_info_by_fd(program.fd(), &info, &length), [] { return std::string("read program info"); });
	return {info.xlated_prog_len / 8, info.jited_prog_len};
}

class Bench {
public:
	Bench(const Options& options, Topology& topo, Programs& programs, const Bytes& frame4, const Bytes& frame6)
	    : o_(options), topo_(topo), p_(programs), frame4_(frame4), frame6_(frame6)
	{
		for (const int family : {BENCH_IPV4, BENCH_IPV6}) {
			add_traffic("kernel", family, &p_.pass.program());
			add_traffic("bare_redirect", family, &p_.bare_redirect_program);
			add_traffic("bare_devmap", family, &p_.bare_devmap_program);
			add_traffic("static", family, &p_.static_fwd->program());
			add_traffic("map", family, &p_.map_fwd.program());
			add_traffic("fib_full", family, &p_.fib_full.program());
			add_traffic("fib_direct", family, &p_.fib_direct.program());
		}
		// both distributions of each route count next to each other in the round-robin
		for (std::size_t i = 1; i < topo_.routers().size(); ++i)
			for (const Distribution d : {Distribution::uniform, Distribution::zipf}) {
				TrafficConfig c;
				c.mode = "fib_scale";
				c.family = BENCH_IPV6;
				c.router = i;
				c.routes = topo_.routers()[i].routes;
				c.distribution = d;
				traffic_.push_back(c);
			}

		for (const int family : {BENCH_IPV4, BENCH_IPV6}) {
			add_cost("generator", family, 0, nullptr, XDP_TX);
			add_cost("harness", family, 0, &p_.noop_program, XDP_PASS);
			add_cost("sink", family, 0, &p_.sink_program, XDP_DROP);
			add_cost("pass", family, 0, &p_.pass.program(), XDP_PASS);
			add_cost("bare_redirect", family, 0, &p_.bare_redirect_program, XDP_REDIRECT);
			add_cost("bare_devmap", family, 0, &p_.bare_devmap_program, XDP_REDIRECT);
			add_cost("static", family, 0, &p_.static_fwd->program(), XDP_REDIRECT);
			add_cost("map", family, 0, &p_.map_fwd.program(), XDP_REDIRECT);
			add_cost("fib_full", family, 0, &p_.fib_full.program(), XDP_REDIRECT);
			add_cost("fib_direct", family, 0, &p_.fib_direct.program(), XDP_REDIRECT);
		}
		for (std::size_t i = 1; i < topo_.routers().size(); ++i) {
			const unsigned routes = topo_.routers()[i].routes;
			add_cost("generator", BENCH_IPV6, 0, nullptr, XDP_TX, routes);
			add_cost("generator_zipf", BENCH_IPV6, i, nullptr, XDP_TX, routes);
			add_cost("harness", BENCH_IPV6, 0, &p_.noop_program, XDP_PASS, routes);
			add_cost("fib_full", BENCH_IPV6, i, &p_.scale_fib[i - 1]->program(),
				 XDP_REDIRECT, routes);
		}
	}

	/// The generator's frames are what they claim to be: checksums verify, destinations are routes.
	void check_frames()
	{
		xdpfwd::NetnsScope scope(topo_.gen().name());
		const unsigned g0 = xdpfwd::ifindex_of("g0");
		RunResult r = prog_run(p_.generator(Distribution::uniform, BENCH_IPV4, 0).fd(), frame4_, g0, 1, false, 0, true);
		if (r.retval != XDP_TX || r.out.size() != frame4_.size() || fold(sum16(r.out.data() + BENCH_ETH_LEN, 20)) != 0xffff)
			throw std::runtime_error("generator: bad IPv4 frame (header checksum)");
		const std::size_t largest = topo_.routers().size() - 1;
		const std::tuple<Distribution, unsigned, std::size_t> cases[] = {
		    {Distribution::uniform, 0u, 0}, {Distribution::uniform, 1u, 0},
		    {Distribution::uniform, o_.routes.back(), 0}, {Distribution::zipf, o_.routes.back(), largest}};
		for (const auto& [d, routes, router] : cases) {
			const int fd = p_.generator(d, BENCH_IPV6, routes, router).fd();
			for (int i = 0; i < (routes ? 64 : 1); ++i) {
				r = prog_run(fd, frame6_, g0, 1, false, 0, true);
				if (r.retval != XDP_TX || r.out.size() != frame6_.size() || udp6_checksum(r.out) != 0)
					throw std::runtime_error("generator: bad IPv6 frame (UDP checksum)");
				const std::uint8_t* dst = r.out.data() + BENCH_IP6_DST_OFFSET;
				const std::uint32_t bits = static_cast<std::uint32_t>(dst[4] << 24 | dst[5] << 16 | dst[6] << 8 | dst[7]);
				if (routes && !(bits & 0x80000000u))
					throw std::runtime_error("generator: IPv6 destination outside the FIB-scale routes");
				if (d == Distribution::zipf && !zipf_destination(bits, routes))
					throw std::runtime_error("generator: zipf IPv6 destination is not one of the installed routes");
			}
		}
	}

	/// Round-robin: every configuration once per repetition, in the same order.
	void run()
	{
		pin_cpu(o_.cpu);
		for (int rep = 0; rep < o_.reps; ++rep) {
			std::fprintf(stderr, "bench: repetition %d/%d\n", rep + 1, o_.reps);
			for (TrafficConfig& c : traffic_) {
				if (!o_.only.empty() && std::find(o_.only.begin(), o_.only.end(), c.mode) == o_.only.end())
					continue;
				c.samples.push_back(measure_traffic(c));
				const TrafficSample& s = c.samples.back();
				std::fprintf(stderr, "bench:   %-14s %s %7u routes %-7s  %7.3f Mpps  sent %llu received %llu\n",
					     c.mode.c_str(), family_name(c.family), c.routes,
					     c.mode == "fib_scale" ? distribution_name(c.distribution) : "", s.mpps, static_cast<unsigned long long>(s.sent),
					     static_cast<unsigned long long>(s.received));
			}
			for (CostConfig& c : costs_)
				measure_cost(c);
		}
		unpin_cpu();
	}

	[[nodiscard]] const std::vector<TrafficConfig>& traffic() const { return traffic_; }
	[[nodiscard]] const std::vector<CostConfig>& costs() const { return costs_; }

private:
	void add_traffic(const std::string& mode, int family, const xdpfwd::Program* program)
	{
		TrafficConfig c;
		c.mode = mode;
		c.family = family;
		c.program = program;
		traffic_.push_back(c);
	}

	/// The destination bits of one of the first `routes` routes (their /48, /56 or /64 prefix)?
	static bool zipf_destination(std::uint32_t bits, unsigned routes)
	{
		for (unsigned i = 0; i < routes; ++i) {
			const std::uint32_t len = bench_route_len(i);
			const std::uint32_t mask = len == 64 ? 0xffffffffu : ~((1u << (64 - len)) - 1);
			if ((bits & mask) == bench_route_bits(i))
				return true;
		}
		return false;
	}

	void add_cost(const std::string& program, int family, std::size_t router, const xdpfwd::Program* target,
		      std::uint32_t expected, unsigned routes = 0)
	{
		CostConfig c;
		c.program = program;
		c.distribution = program == "generator_zipf" ? Distribution::zipf : Distribution::uniform;
		c.family = family;
		c.router = router;
		c.target = target;
		c.expected = expected;
		c.routes = routes;
		costs_.push_back(c);
	}

	static void pin_cpu(int cpu)
	{
		cpu_set_t set;
		CPU_ZERO(&set);
		CPU_SET(cpu, &set);
		if (::sched_setaffinity(0, sizeof(set), &set) != 0)
			throw xdpfwd::Error(errno, "pin the generator thread to CPU " + std::to_string(cpu));
	}

	static void unpin_cpu()
	{
		cpu_set_t set;
		CPU_ZERO(&set);
		for (long i = 0; i < ::sysconf(_SC_NPROCESSORS_ONLN); ++i)
			CPU_SET(i, &set);
		::sched_setaffinity(0, sizeof(set), &set);
	}

	std::pair<std::uint64_t, std::uint64_t> sink_count() const
	{
		const int cpus = libbpf_num_possible_cpus();
		std::vector<std::uint64_t> values(static_cast<std::size_t>(cpus));
		std::pair<std::uint64_t, std::uint64_t> total{0, 0};
		for (std::uint32_t slot : {0u, 1u}) {
			xdpfwd::check(bpf_map_lookup_elem(bpf_map__fd(p_.sink->maps.sink_packets), &slot, values.data()),
				      [] { return std::string("read the sink's counters"); });
			for (const auto v : values)
				(slot ? total.second : total.first) += v;
		}
		return total;
	}

	TrafficSample measure_traffic(TrafficConfig& c)
	{
		check_stop();
		const Router& router = topo_.routers()[c.router];
		std::optional<ScopedAttachment> attached;
		if (c.program)
			attached.emplace(*router.ns, *c.program, "rin", xdpfwd::AttachMode::native);
		const xdpfwd::Program& generator = p_.generator(c.distribution, c.family, c.routes, c.router);
		const Bytes& frame = c.family == BENCH_IPV4 ? frame4_ : frame6_;

		xdpfwd::NetnsScope scope(topo_.gen().name());
		const unsigned ingress = xdpfwd::ifindex_of(router.gen_if);
		auto timed = [&](std::uint32_t repeat) {
			const auto before = sink_count();
			const auto start = std::chrono::steady_clock::now();
			prog_run(generator.fd(), frame, ingress, repeat, true, o_.batch);
			const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
			const auto after = sink_count();
			TrafficSample s;
			s.sent = repeat;
			s.received = after.first - before.first;
			s.other = after.second - before.second;
			s.seconds = seconds;
			s.mpps = static_cast<double>(s.received) / seconds / 1e6;
			return s;
		};
		if (c.rate <= 0) { // first time: size the runs from a short one
			const TrafficSample probe = timed(o_.smoke ? 50000 : 200000);
			c.rate = std::max(1e5, static_cast<double>(probe.sent) / probe.seconds);
		}
		const double wanted = std::min(4e9, c.rate * o_.seconds);
		const auto repeat = static_cast<std::uint32_t>(std::max(10000.0, wanted));
		timed(std::max<std::uint32_t>(10000, repeat / 20)); // warm-up: page pool, caches
		TrafficSample s = timed(repeat);
		c.rate = static_cast<double>(s.sent) / s.seconds;
		return s;
	}

	void measure_cost(CostConfig& c)
	{
		check_stop();
		const Bytes& frame = c.family == BENCH_IPV4 ? frame4_ : frame6_;
		RunResult r;
		if (!c.target) {
			xdpfwd::NetnsScope scope(topo_.gen().name());
			const xdpfwd::Program& generator = p_.generator(c.distribution, c.family, c.routes, c.router);
			r = prog_run(generator.fd(), frame, xdpfwd::ifindex_of("g0"), o_.cost_repeat, false);
		} else {
			const Router& router = topo_.routers()[c.router];
			xdpfwd::NetnsScope scope(router.ns->name());
			p_.harness->bss->family = static_cast<std::uint32_t>(c.family);
			p_.harness->bss->route_count = c.routes;
			const std::uint32_t key = 0;
			const int fd = c.target->fd();
			xdpfwd::check(bpf_map_update_elem(bpf_map__fd(p_.harness->maps.target), &key, &fd, BPF_ANY),
				      [&] { return "set the harness's target to " + c.target->name(); });
			r = prog_run(p_.harness_program.fd(), frame, xdpfwd::ifindex_of("rin"), o_.cost_repeat, false);
		}
		c.raw_ns.push_back(r.duration_ns);
		c.last_retval = r.retval;
	}

	const Options& o_;
	Topology& topo_;
	Programs& p_;
	const Bytes& frame4_;
	const Bytes& frame6_;
	std::vector<TrafficConfig> traffic_;
	std::vector<CostConfig> costs_;
};

// ---- machine -------------------------------------------------------------------------------------

std::string first_line_with(const std::string& path, const std::string& key)
{
	std::ifstream in(path);
	for (std::string line; std::getline(in, line);)
		if (line.rfind(key, 0) == 0) {
			const auto colon = line.find(':');
			std::string value = colon == std::string::npos ? line : line.substr(colon + 1);
			value.erase(0, value.find_first_not_of(" \t"));
			return value;
		}
	return {};
}

Machine describe_machine(const Options& o)
{
	Machine m;
	utsname u{};
	::uname(&u);
	m.kernel = std::string(u.sysname) + " " + u.release + " " + u.machine;
	m.cpu_model = first_line_with("/proc/cpuinfo", "model name");
	m.cores = static_cast<int>(::sysconf(_SC_NPROCESSORS_ONLN));
	m.hypervisor = first_line_with("/proc/cpuinfo", "flags").find(" hypervisor") != std::string::npos;
	m.memory = first_line_with("/proc/meminfo", "MemTotal");
	char date[64];
	const std::time_t now = std::time(nullptr);
	std::strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
	m.date = date;
#if defined(__clang__)
	m.compiler = std::string("clang++ ") + __clang_version__;
#elif defined(__GNUC__)
	m.compiler = std::string("g++ ") + __VERSION__;
#endif
	m.bpf_compiler = BENCH_BPF_COMPILER;
	m.libbpf = libbpf_version_string();
	m.xdpfwd = BENCH_PROJECT_VERSION;
	if (!o.revision.empty())
		m.xdpfwd += " (" + o.revision + ")";
	m.generator_cpu = o.cpu;
	return m;
}

// ---- results -------------------------------------------------------------------------------------

Results collect(const Options& o, const Machine& machine, const Topology& topo, const Programs& programs, const Bench& bench,
		const std::vector<unsigned>& zipf_distinct)
{
	Results res;
	res.machine = machine;
	res.smoke = o.smoke;
	res.reps = o.reps;
	res.seconds = o.seconds;
	res.cost_repeat = o.cost_repeat;
	res.batch = o.batch;
	res.frame4 = BENCH_FRAME4_LEN;
	res.frame6 = BENCH_FRAME6_LEN;
	res.zipf_exponent = o.zipf;
	res.zipf_slots = BENCH_DEST_SLOTS;
	for (const TrafficConfig& c : bench.traffic()) {
		TrafficRow row;
		row.mode = c.mode;
		row.family = family_name(c.family);
		row.routes = c.routes;
		row.install_seconds = topo.routers()[c.router].install_seconds;
		if (c.mode == "fib_scale") {
			row.distribution = distribution_name(c.distribution);
			if (c.distribution == Distribution::zipf)
				row.distinct_destinations = zipf_distinct[c.router];
		}
		row.samples = c.samples;
		res.traffic.push_back(row);
	}
	std::map<std::string, double> harness_ns; // "<family>/<routes>" -> median
	for (const CostConfig& c : bench.costs())
		if (c.program == "harness")
			harness_ns[std::string(family_name(c.family)) + "/" + std::to_string(c.routes)] = median(c.raw_ns);
	for (const CostConfig& c : bench.costs()) {
		CostRow row;
		row.program = c.program;
		row.family = family_name(c.family);
		row.routes = c.routes;
		row.raw_ns = c.raw_ns;
		row.retval = c.last_retval;
		row.expected = c.expected;
		row.through_harness = c.target != nullptr && c.program != "harness";
		std::tie(row.insns, row.jited_bytes) = program_size(
		    !c.target ? (c.distribution == Distribution::zipf ? programs.gen_zipf_program : programs.gen_program)
		    : c.program == "harness" ? programs.harness_program
					     : *c.target);
		if (row.through_harness)
			row.harness_ns = harness_ns[row.family + "/" + std::to_string(c.routes)];
		res.costs.push_back(row);
	}
	return res;
}

/// Smoke: frames went through every configuration and every program ended as it should.
std::vector<std::string> smoke_failures(const Results& res)
{
	std::vector<std::string> failures;
	for (const TrafficRow& t : res.traffic)
		for (const TrafficSample& s : t.samples)
			if (s.received == 0)
				failures.push_back(t.mode + " " + t.family + " " + std::to_string(t.routes) + " routes" +
						   (t.distribution.empty() ? "" : " " + t.distribution) + ": no frame reached the sink");
	for (const CostRow& c : res.costs)
		if (c.retval != c.expected)
			failures.push_back(c.program + " " + c.family + ": ended with action " + std::to_string(c.retval) +
					   ", expected " + std::to_string(c.expected));
	return failures;
}

int main_checked(int argc, char** argv)
{
	const Options o = parse_options(argc, argv);
	if (::geteuid() != 0)
		throw std::runtime_error("needs root (CAP_BPF, CAP_NET_ADMIN, CAP_SYS_ADMIN for namespaces)");
	prepare_process();
	const Machine machine = describe_machine(o);

	const Bytes frame4 = frame_ipv4();
	const Bytes frame6 = frame_ipv6();
	std::fprintf(stderr, "bench: building the topology (%zu FIB-scale routers)\n", o.routes.size());
	Topology topo(o.routes);
	Programs programs(topo, frame4, frame6);
	topo.install_scale_routes();
	programs.attach_scale(topo);
	const std::vector<unsigned> zipf_distinct = programs.fill_zipf(topo, o.zipf);

	Bench bench(o, topo, programs, frame4, frame6);
	bench.check_frames();
	bench.run();

	const Results res = collect(o, machine, topo, programs, bench, zipf_distinct);
	::mkdir(o.output_dir.c_str(), 0755);
	write_file(o.output_dir + "/results.json", to_json(res));
	const std::string markdown = to_markdown(res);
	write_file(o.output_dir + "/results.md", markdown);
	std::fputs(markdown.c_str(), stdout);
	std::fprintf(stderr, "bench: wrote %s/results.json and %s/results.md\n", o.output_dir.c_str(), o.output_dir.c_str());

	if (o.smoke) {
		const auto failures = smoke_failures(res);
		for (const auto& f : failures)
			std::fprintf(stderr, "bench smoke: FAILED: %s\n", f.c_str());
		std::printf("[doctest] test cases: 1 | %d passed | %d failed | 0 skipped\n", failures.empty() ? 1 : 0,
			    failures.empty() ? 0 : 1);
		return failures.empty() ? 0 : 1;
	}
	return 0;
}

} // namespace
} // namespace bench

int main(int argc, char** argv)
{
	bool smoke = false;
	for (int i = 1; i < argc; ++i)
		smoke = smoke || std::strcmp(argv[i], "--smoke") == 0;
	try {
		return bench::main_checked(argc, argv);
	} catch (const std::exception& e) {
		std::fprintf(stderr, "xdpfwd_bench: %s\n", e.what());
		if (smoke)
			std::printf("[doctest] test cases: 1 | 0 passed | 1 failed | 0 skipped\n");
		return bench::stop_signal() ? 128 + bench::stop_signal() : 1;
	}
}
