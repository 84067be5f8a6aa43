// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "runner.hpp"

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <stdexcept>
#include <tuple>

#include "bench_abi.h"
#include "coherence.hpp"
#include "support/pinned.hpp"
#include "programs.hpp"
#include "stop.hpp"
#include "support/prog_run.hpp"

namespace bench {
namespace {

namespace t = xdpfwd::test;

const char* family_name(int family) { return family == BENCH_IPV4 ? "ipv4" : "ipv6"; }

/// One line of the throughput table: a program on a router, a frame family.
struct TrafficConfig {
	std::string mode;       ///< kernel, bare_redirect, bare_devmap, static, map, fib_full, fib_vlan,
				///< fib_vlan_tagged, fib_direct, fib_full_cache, fib_direct_cache, fib_scale,
				///< fib_scale_cache
	int family = BENCH_IPV4;
	std::size_t router = 0; ///< index into Topology::routers()
	const Router* vlan = nullptr; ///< a VLAN router instead, with tagged frames from the VLAN generator
	unsigned routes = 0;    ///< FIB-scale: routes of `family` installed
	unsigned destinations = 0; ///< FIB-scale: the traffic's destinations are drawn from this many
	Distribution distribution = Distribution::uniform; ///< FIB-scale: how they are drawn
	const xdpfwd::Program* program = nullptr; ///< attached to the router's rin for the run
	const CachedFib* cached = nullptr;         ///< cached rows: whose keeper must be alive
	double rate = 0;        ///< last measured frames/s, to size the next run
	std::vector<TrafficSample> samples;
};

/// One line of the per-packet cost table.
struct CostConfig {
	std::string program;
	int family = BENCH_IPV4;
	std::size_t router = 0;
	const Router* vlan = nullptr; ///< a VLAN router instead, with tagged frames (the VLAN harness)
	unsigned routes = 0;       ///< the table's size, for the record
	unsigned destinations = 0; ///< random destinations among this many (0: the template's)
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

/// BPF_PROG_RUN; a signal meanwhile (which makes a long run return EINTR) stops the benchmark.
t::RunResult run_checked(const xdpfwd::Program& program, const Bytes& frame, unsigned ingress, const t::RunOptions& options)
{
	try {
		t::RunResult result = t::run(program, frame, ingress, options);
		check_stop();
		return result;
	} catch (const xdpfwd::Error&) {
		check_stop();
		throw;
	}
}

class Runner {
public:
	Runner(const Options& options, Topology& topo, Programs& programs, const Bytes& frame4, const Bytes& frame6)
	    : o_(options), topo_(topo), p_(programs), frame4_(frame4), frame6_(frame6),
	      vlan4_(with_vlan_tag(frame4, BENCH_VLAN_ID)), vlan6_(with_vlan_tag(frame6, BENCH_VLAN_ID))
	{
		for (const int family : {BENCH_IPV4, BENCH_IPV6}) {
			add_traffic("kernel", family, &p_.pass.program());
			add_traffic("bare_redirect", family, &p_.bare_redirect_program);
			add_traffic("bare_devmap", family, &p_.bare_devmap_program);
			add_traffic("static", family, &p_.static_fwd->program());
			add_traffic("map", family, &p_.map_fwd.program());
			add_traffic("fib_full", family, &p_.fib_full.program());
			if (p_.fib_vlan) { // next to their untagged twin in the round-robin
				add_traffic("fib_vlan", family, &p_.fib_vlan->program());
				traffic_.back().vlan = topo_.vlan_router(false);
				add_traffic("fib_vlan_tagged", family, &p_.fib_vlan_tagged->program());
				traffic_.back().vlan = topo_.vlan_router(true);
			}
			add_traffic("fib_direct", family, &p_.fib_direct.program());
			add_traffic("fib_full_cache", family, &p_.fib_full_cache->fib.program(), &*p_.fib_full_cache);
			add_traffic("fib_direct_cache", family, &p_.fib_direct_cache->fib.program(), &*p_.fib_direct_cache);
		}
		// per route count, uncached and cached with both distributions next to each other
		for (std::size_t i = 1; i < topo_.routers().size(); ++i)
			for (const int family : {BENCH_IPV6, BENCH_IPV4}) {
				const Router& r = topo_.routers()[i];
				if (family == BENCH_IPV4 && !r.routes4)
					continue;
				const CachedFib* none = nullptr;
				for (const CachedFib* cached : {none, static_cast<const CachedFib*>(p_.scale_cached[i - 1].get())})
					for (const Distribution d : {Distribution::uniform, Distribution::zipf}) {
						add_traffic(cached ? "fib_scale_cache" : "fib_scale", family,
							    cached ? &cached->fib.program() : &p_.scale_fib[i - 1]->program(), cached);
						TrafficConfig& c = traffic_.back();
						c.router = i;
						c.routes = family == BENCH_IPV6 ? r.routes : r.routes4;
						c.destinations = family == BENCH_IPV6 ? r.routes : BENCH_DEST4_COUNT;
						c.distribution = d;
					}
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
			if (p_.fib_vlan) {
				add_cost("harness_vlan", family, 0, &p_.noop_program, XDP_PASS);
				costs_.back().vlan = topo_.vlan_router(false);
				add_cost("fib_vlan", family, 0, &p_.fib_vlan->program(), XDP_REDIRECT);
				costs_.back().vlan = topo_.vlan_router(false);
				add_cost("fib_vlan_tagged", family, 0, &p_.fib_vlan_tagged->program(), XDP_REDIRECT);
				costs_.back().vlan = topo_.vlan_router(true);
			}
			add_cost("fib_direct", family, 0, &p_.fib_direct.program(), XDP_REDIRECT);
			// one destination: after the first run, every run is a hit
			add_cost("fib_full_cache", family, 0, &p_.fib_full_cache->fib.program(), XDP_REDIRECT);
			add_cost("fib_direct_cache", family, 0, &p_.fib_direct_cache->fib.program(), XDP_REDIRECT);
		}
		for (std::size_t i = 1; i < topo_.routers().size(); ++i)
			for (const int family : {BENCH_IPV6, BENCH_IPV4}) {
				const Router& r = topo_.routers()[i];
				const unsigned routes = family == BENCH_IPV6 ? r.routes : r.routes4;
				const unsigned destinations = family == BENCH_IPV6 ? r.routes : BENCH_DEST4_COUNT;
				if (!routes)
					continue;
				add_cost("generator", family, i, nullptr, XDP_TX, routes, destinations);
				add_cost("generator_zipf", family, i, nullptr, XDP_TX, routes, destinations);
				add_cost("harness", family, i, &p_.noop_program, XDP_PASS, routes, destinations);
				add_cost("fib_full", family, i, &p_.scale_fib[i - 1]->program(), XDP_REDIRECT, routes, destinations);
				// the hit path with many entries in use; where they do not fit, runs would be misses
				// costing two lookups each (and a million of those take a while)
				if (destinations <= p_.cache_entries / 2)
					add_cost("fib_full_cache", family, i, &p_.scale_cached[i - 1]->fib.program(), XDP_REDIRECT,
						 routes, destinations);
			}
	}

	/// The generator's frames are what they claim to be: checksums verify, destinations are routes.
	void check_frames()
	{
		const auto scope = topo_.gen().enter();
		const unsigned g0 = xdpfwd::ifindex_of("g0");
		t::RunResult r = t::run(p_.generator(Distribution::uniform, BENCH_IPV4, 0), frame4_, g0);
		if (r.action != xdpfwd::XdpAction::tx || r.frame.size() != frame4_.size() ||
		    t::ipv4_checksum(r.frame) != t::ipv4_checksum_from_scratch(r.frame))
			throw std::runtime_error("generator: bad IPv4 frame (header checksum)");
		for (std::size_t router = 1; router < topo_.routers().size(); ++router) {
			if (!topo_.routers()[router].routes4)
				continue;
			for (const Distribution d : {Distribution::uniform, Distribution::zipf})
				for (int i = 0; i < 64; ++i) {
					r = t::run(p_.generator(d, BENCH_IPV4, BENCH_DEST4_COUNT, router), frame4_, g0);
					if (r.action != xdpfwd::XdpAction::tx || r.frame.size() != frame4_.size() ||
					    t::ipv4_checksum(r.frame) != t::ipv4_checksum_from_scratch(r.frame))
						throw std::runtime_error("generator: bad IPv4 frame with a FIB-scale destination");
					const std::uint8_t* dst = r.frame.data() + BENCH_ETH_LEN + 16;
					const std::uint32_t address = static_cast<std::uint32_t>(dst[0] << 24 | dst[1] << 16 | dst[2] << 8 | dst[3]);
					bool known = false;
					for (std::uint32_t k = 0; k < BENCH_DEST4_COUNT && !known; ++k)
						known = bench_dest4(k) == address;
					if (!known)
						throw std::runtime_error("generator: IPv4 destination outside the FIB-scale destinations");
				}
		}
		// the VLAN generator's frames are the untagged generator's with the tag after the MACs
		if (p_.fib_vlan)
			for (const int family : {BENCH_IPV4, BENCH_IPV6}) {
				const Bytes& plain = family == BENCH_IPV4 ? frame4_ : frame6_;
				const t::RunResult untagged = t::run(p_.generator(Distribution::uniform, family, 0), plain, g0);
				r = t::run(p_.vlan_generator(family), family == BENCH_IPV4 ? vlan4_ : vlan6_, g0);
				if (r.action != xdpfwd::XdpAction::tx || r.frame != with_vlan_tag(untagged.frame, BENCH_VLAN_ID))
					throw std::runtime_error(std::string("VLAN generator: the ") + family_name(family) +
								 " frame is not the untagged one with an 802.1Q tag");
			}
		const std::size_t largest = topo_.routers().size() - 1;
		const std::tuple<Distribution, unsigned, std::size_t> cases[] = {
		    {Distribution::uniform, 0u, 0}, {Distribution::uniform, 1u, 0},
		    {Distribution::uniform, o_.routes.back(), 0}, {Distribution::zipf, o_.routes.back(), largest}};
		for (const auto& [d, routes, router] : cases) {
			const xdpfwd::Program& generator = p_.generator(d, BENCH_IPV6, routes, router);
			for (int i = 0; i < (routes ? 64 : 1); ++i) {
				r = t::run(generator, frame6_, g0);
				if (r.action != xdpfwd::XdpAction::tx || r.frame.size() != frame6_.size() || t::ipv6_udp_checksum(r.frame) != 0)
					throw std::runtime_error("generator: bad IPv6 frame (UDP checksum)");
				const std::uint8_t* dst = r.frame.data() + BENCH_IP6_DST_OFFSET;
				const std::uint32_t bits = static_cast<std::uint32_t>(dst[4] << 24 | dst[5] << 16 | dst[6] << 8 | dst[7]);
				if (routes && !(bits & 0x80000000u))
					throw std::runtime_error("generator: IPv6 destination outside the FIB-scale routes");
				if (d == Distribution::zipf && !is_route_destination(bits, routes))
					throw std::runtime_error("generator: zipf IPv6 destination is not one of the installed routes");
			}
		}
	}

	/// Round-robin: every configuration once per repetition, in the same order.
	void run()
	{
		const t::Pinned pinned(o_.cpu);
		for (int rep = 0; rep < o_.reps; ++rep) {
			std::fprintf(stderr, "bench: repetition %d/%d\n", rep + 1, o_.reps);
			for (TrafficConfig& c : traffic_) {
				const std::string& only_name = c.mode == "fib_scale_cache" ? "fib_scale" : c.mode;
				if (!o_.only.empty() && std::find(o_.only.begin(), o_.only.end(), only_name) == o_.only.end())
					continue;
				c.samples.push_back(measure_traffic(c));
				const TrafficSample& s = c.samples.back();
				const std::uint64_t lookups = s.cache_hit + s.cache_miss + s.cache_stale;
				std::fprintf(stderr, "bench:   %-16s %s %7u routes %-7s  %7.3f Mpps  sent %llu received %llu", c.mode.c_str(),
					     family_name(c.family), c.routes, is_scale(c.mode) ? distribution_name(c.distribution) : "",
					     s.mpps, static_cast<unsigned long long>(s.sent), static_cast<unsigned long long>(s.received));
				if (c.vlan)
					std::fprintf(stderr, "  REDIRECT %llu PASS %llu%s%s", static_cast<unsigned long long>(s.redirected),
						     static_cast<unsigned long long>(s.passed), s.pass_reasons.empty() ? "" : " reasons: ",
						     s.pass_reasons.c_str());
				if (c.cached)
					std::fprintf(stderr, "  hits %.2f %%", lookups ? 100.0 * static_cast<double>(s.cache_hit) / static_cast<double>(lookups) : 0.0);
				std::fputc('\n', stderr);
			}
			for (CostConfig& c : costs_)
				measure_cost(c);
		}
	}

	/// What was measured, as results.
	[[nodiscard]] Results results(const Machine& machine, const std::vector<std::array<unsigned, 2>>& zipf_distinct) const
	{
		Results res;
		res.machine = machine;
		res.smoke = o_.smoke;
		res.reps = o_.reps;
		res.seconds = o_.seconds;
		res.cost_repeat = o_.cost_repeat;
		res.batch = o_.batch;
		res.frame4 = BENCH_FRAME4_LEN;
		res.frame6 = BENCH_FRAME6_LEN;
		res.zipf_exponent = o_.zipf;
		res.zipf_slots = BENCH_DEST_SLOTS;
		res.cache_entries = p_.cache_entries;
		for (const TrafficConfig& c : traffic_) {
			TrafficRow row;
			row.mode = c.mode;
			row.family = family_name(c.family);
			row.routes = c.routes;
			row.destinations = c.destinations;
			const Router& router = topo_.routers()[c.router];
			row.install_seconds = c.family == BENCH_IPV6 ? router.install_seconds : router.install_seconds4;
			if (c.cached)
				row.cache_entries = p_.cache_entries;
			if (is_scale(c.mode)) {
				row.distribution = distribution_name(c.distribution);
				if (c.distribution == Distribution::zipf)
					row.distinct_destinations = zipf_distinct[c.router][static_cast<std::size_t>(c.family)];
			}
			row.samples = c.samples;
			res.traffic.push_back(row);
		}
		std::map<std::string, double> harness_ns; // "<family>/<routes>" or "<family>/vlan" -> median
		auto harness_key = [](const CostConfig& c) {
			return std::string(family_name(c.family)) + "/" + (c.vlan ? "vlan" : std::to_string(c.routes));
		};
		for (const CostConfig& c : costs_)
			if (c.program == "harness" || c.program == "harness_vlan")
				harness_ns[harness_key(c)] = median(c.raw_ns);
		for (const CostConfig& c : costs_) {
			CostRow row;
			row.program = c.program;
			row.family = family_name(c.family);
			row.routes = c.routes;
			row.raw_ns = c.raw_ns;
			row.retval = c.last_retval;
			row.expected = c.expected;
			row.through_harness = c.target != nullptr && c.program != "harness" && c.program != "harness_vlan";
			std::tie(row.insns, row.jited_bytes) = program_size(
			    !c.target ? (c.distribution == Distribution::zipf ? p_.gen_zipf_program : p_.gen_program)
			    : c.program == "harness"      ? p_.harness_program
			    : c.program == "harness_vlan" ? p_.harness_vlan_program
			                                  : *c.target);
			if (row.through_harness)
				row.harness_ns = harness_ns[harness_key(c)];
			res.costs.push_back(row);
		}
		return res;
	}

private:
	void add_traffic(const std::string& mode, int family, const xdpfwd::Program* program, const CachedFib* cached = nullptr)
	{
		TrafficConfig c;
		c.mode = mode;
		c.family = family;
		c.program = program;
		c.cached = cached;
		traffic_.push_back(c);
	}

	void add_cost(const std::string& program, int family, std::size_t router, const xdpfwd::Program* target,
		      std::uint32_t expected, unsigned routes = 0, unsigned destinations = 0)
	{
		CostConfig c;
		c.program = program;
		c.distribution = program == "generator_zipf" ? Distribution::zipf : Distribution::uniform;
		c.family = family;
		c.router = router;
		c.target = target;
		c.expected = expected;
		c.routes = routes;
		c.destinations = destinations;
		costs_.push_back(c);
	}

	TrafficSample measure_traffic(TrafficConfig& c)
	{
		check_stop();
		const Router& router = c.vlan ? *c.vlan : topo_.routers()[c.router];
		const xdpfwd::XdpProgram attached = attach_in(*router.ns, *c.program, "rin", xdpfwd::AttachMode::native);
		std::optional<xdpfwd::StatsReader> cache, stats;
		if (c.cached) {
			c.cached->check_keeper();
			cache.emplace(*c.program);
		}
		if (c.vlan)
			stats.emplace(*c.program);
		const xdpfwd::Program& generator =
		    c.vlan ? p_.vlan_generator(c.family) : p_.generator(c.distribution, c.family, c.destinations, c.router);
		const Bytes& frame = c.vlan ? (c.family == BENCH_IPV4 ? vlan4_ : vlan6_) : c.family == BENCH_IPV4 ? frame4_ : frame6_;

		const auto scope = topo_.gen().enter();
		const unsigned ingress = xdpfwd::ifindex_of(router.gen_if);
		auto timed = [&](std::uint32_t repeat) {
			const auto before = p_.sink_count();
			const xdpfwd::StatsSnapshot cache_before = cache ? cache->snapshot() : xdpfwd::StatsSnapshot{};
			const xdpfwd::StatsSnapshot stats_before = stats ? stats->snapshot() : xdpfwd::StatsSnapshot{};
			const auto start = std::chrono::steady_clock::now();
			run_checked(generator, frame, ingress, {.repeat = repeat, .live = true, .batch = o_.batch});
			const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
			const auto after = p_.sink_count();
			TrafficSample s;
			if (cache) {
				const xdpfwd::StatsSnapshot cache_after = cache->snapshot();
				auto delta = [&](xdpfwd::Reason reason) { return cache_after[reason].packets - cache_before[reason].packets; };
				s.cache_hit = delta(xdpfwd::Reason::cache_hit);
				s.cache_miss = delta(xdpfwd::Reason::cache_miss);
				s.cache_stale = delta(xdpfwd::Reason::cache_stale);
			}
			if (stats) {
				const xdpfwd::StatsSnapshot after = stats->snapshot();
				s.redirected = after[xdpfwd::XdpAction::redirect].packets - stats_before[xdpfwd::XdpAction::redirect].packets;
				s.passed = after[xdpfwd::XdpAction::pass].packets - stats_before[xdpfwd::XdpAction::pass].packets;
				for (std::size_t i = 0; i < xdpfwd::reason_count; ++i)
					if (const auto n = after.reasons[i].packets - stats_before.reasons[i].packets;
					    n && i != static_cast<std::size_t>(xdpfwd::Reason::fib_success))
						s.pass_reasons += (s.pass_reasons.empty() ? "" : ", ") +
								  std::string(to_string(static_cast<xdpfwd::Reason>(i))) + " " + std::to_string(n);
			}
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
		if (c.cached)
			c.cached->check_keeper(); // alive all along: it renews the lease every 50 ms
		return s;
	}

	void measure_cost(CostConfig& c)
	{
		check_stop();
		const Bytes& frame = c.family == BENCH_IPV4 ? frame4_ : frame6_;
		const t::RunOptions options{.repeat = o_.cost_repeat};
		t::RunResult r;
		if (!c.target) {
			const auto scope = topo_.gen().enter();
			const xdpfwd::Program& generator = p_.generator(c.distribution, c.family, c.destinations, c.router);
			r = run_checked(generator, frame, xdpfwd::ifindex_of("g0"), options);
		} else if (c.vlan) {
			const auto scope = c.vlan->ns->enter();
			p_.aim_harness(*c.target, c.family, 0);
			r = run_checked(p_.harness_vlan_program, c.family == BENCH_IPV4 ? vlan4_ : vlan6_, xdpfwd::ifindex_of("rin"),
					options);
		} else {
			const auto scope = topo_.routers()[c.router].ns->enter();
			p_.aim_harness(*c.target, c.family, c.destinations);
			r = run_checked(p_.harness_program, frame, xdpfwd::ifindex_of("rin"), options);
		}
		c.raw_ns.push_back(r.duration_ns);
		c.last_retval = static_cast<std::uint32_t>(r.action);
	}

	const Options& o_;
	Topology& topo_;
	Programs& p_;
	const Bytes& frame4_;
	const Bytes& frame6_;
	const Bytes vlan4_, vlan6_; // the VLAN row's: tagged BENCH_VLAN_ID
	std::vector<TrafficConfig> traffic_;
	std::vector<CostConfig> costs_;
};

} // namespace

Results measure(const Options& o, const Machine& machine)
{
	const Bytes frame4 = frame_ipv4();
	const Bytes frame6 = frame_ipv6();
	std::fprintf(stderr, "bench: building the topology (%zu FIB-scale routers)\n", o.routes.size());
	const bool vlan = o.only.empty() || std::find(o.only.begin(), o.only.end(), "fib_vlan") != o.only.end() ||
			  std::find(o.only.begin(), o.only.end(), "fib_vlan_tagged") != o.only.end();
	Topology topo(o.routes, vlan);
	if (!topo.vlan_unavailable().empty())
		std::fprintf(stderr, "bench: skipping fib_vlan and fib_vlan_tagged (802.1Q-tagged frames through fib mode): %s\n",
			     topo.vlan_unavailable().c_str());
	Programs programs(topo, frame4, frame6, o.cache_entries);
	topo.install_scale_routes();
	programs.load_scale(topo); // after the routes: a keeper would handle a notification for each
	const auto zipf_distinct = programs.fill_zipf(topo, o.zipf);

	Runner runner(o, topo, programs, frame4, frame6);
	runner.check_frames();
	runner.run();
	Results res = runner.results(machine, zipf_distinct);
	res.vlan_unavailable = topo.vlan_unavailable();
	if (o.only.empty() || std::find(o.only.begin(), o.only.end(), "coherence") != o.only.end())
		for (const int family : {BENCH_IPV4, BENCH_IPV6})
			res.coherence.push_back(measure_coherence(o, topo, programs, family, family == BENCH_IPV4 ? frame4 : frame6));
	return res;
}

} // namespace bench
