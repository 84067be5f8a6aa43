// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The benchmark's results: what was measured, on what, the ratios and targets derived from it,
// and its two renderings (results.json for tools and plot.py, results.md for people).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace bench {

struct Options;

struct Machine {
	std::string kernel, cpu_model, memory, date, compiler, bpf_compiler, libbpf, xdpfwd;
	int cores = 0;
	bool hypervisor = false;
	int generator_cpu = 0;
};

/// The machine, the toolchain and the sources measured.
Machine describe_machine(const Options& o);

struct TrafficSample {
	double mpps = 0;            ///< frames the sink received / wall time of the run
	std::uint64_t sent = 0;     ///< BPF_PROG_RUN repeat: frames the generator transmitted
	std::uint64_t received = 0; ///< benchmark frames counted by the sink
	std::uint64_t other = 0;    ///< anything else the sink saw meanwhile (ND, MLD, ...)
	double seconds = 0;
	/// cached rows: the forwarder's reason counters over the run
	std::uint64_t cache_hit = 0, cache_miss = 0, cache_stale = 0;
	/// fib_vlan: the forwarder's REDIRECT and PASS actions over the run, and the reasons it
	/// passed frames ("name count", ...), which show whether the tagged frames were forwarded
	std::uint64_t redirected = 0, passed = 0;
	std::string pass_reasons;
};

struct TrafficRow {
	std::string mode, family;
	unsigned routes = 0;                ///< FIB-scale: routes in the table (of this family)
	unsigned destinations = 0;          ///< FIB-scale: destinations the traffic is drawn from
	std::string distribution;           ///< FIB-scale: "uniform" or "zipf" destinations
	unsigned distinct_destinations = 0; ///< zipf: distinct destinations in the generator's table
	double install_seconds = 0;
	std::uint32_t cache_entries = 0;    ///< cached rows: the route cache's size
	std::vector<TrafficSample> samples;
};

/// The coherence latency benchmark, one family (bench/coherence.cpp).
struct CoherenceResult {
	std::string family;
	unsigned requested = 0;          ///< changes asked for
	std::vector<double> latency_us;  ///< per change: first frame on the new port - the change's ack
	std::vector<double> old_tail_us; ///< per change: last frame on the old port - the ack
	std::vector<double> request_us;  ///< per change: ack - send (the request itself)
	unsigned redone = 0;             ///< changes repeated because the generator was between runs
	unsigned missed = 0;             ///< changes no frame followed within 1 s
	double seconds = 0;
	double load_mpps = 0;            ///< frames the witness counted / seconds
	std::uint64_t cache_hit = 0, cache_miss = 0, cache_stale = 0;
	std::uint32_t cache_entries = 0;
};

struct CostRow {
	std::string program, family;
	unsigned routes = 0;
	std::vector<double> raw_ns;
	std::uint32_t retval = 0, expected = 0;
	bool through_harness = false;
	double harness_ns = 0; ///< subtracted from the raw cost when through_harness
	std::uint32_t insns = 0, jited_bytes = 0; ///< of the program itself (not the harness)
};

struct Results {
	Machine machine;
	bool smoke = false;
	int reps = 0;
	double seconds = 0;
	std::uint32_t cost_repeat = 0, batch = 0;
	int frame4 = 0, frame6 = 0;
	double zipf_exponent = 0;
	std::uint32_t zipf_slots = 0;
	std::uint32_t cache_entries = 0;
	std::vector<TrafficRow> traffic;
	std::vector<CostRow> costs;
	std::vector<CoherenceResult> coherence;
	std::string vlan_unavailable; ///< why the VLAN rows were left out (empty: measured, or not asked for)
};

// ---- derived figures -------------------------------------------------------------------------

double median(std::vector<double> v); ///< NaN when empty
/// The nearest-rank percentile (0 < p <= 100); NaN when empty.
double percentile(std::vector<double> v, double p);
std::vector<double> mpps_of(const TrafficRow& row);
double median_mpps(const TrafficRow& row);
double median_loss(const TrafficRow& row);

/// FIB-scale rows: modes fib_scale (uncached) and fib_scale_cache.
bool is_scale(const std::string& mode);
/// Rows of a fib forwarder with a keeper: fib_full_cache, fib_direct_cache, fib_scale_cache.
bool is_cached(const std::string& mode);
/// The cache's hits / (hits + misses + stale entries) over a row's runs; none for uncached rows.
std::optional<double> hit_rate(const TrafficRow& row);
/// The share of the frames sent for which the cache was consulted (below 1: its lease lapsed).
std::optional<double> cache_consulted(const TrafficRow& row);

const TrafficRow* find_row(const Results& r, const std::string& mode, const std::string& family);
const TrafficRow* find_scale(const Results& r, const std::string& mode, const std::string& family, unsigned routes,
			     const std::string& distribution);
/// The FIB-scale route counts of a family, ascending.
std::vector<unsigned> scale_routes(const Results& r, const std::string& family);

/// The VLAN rows: 802.1Q-tagged frames (VID BENCH_VLAN_ID) through fib mode, untagged out
/// (fib_vlan) or tagged BENCH_VLAN_EGRESS_ID (fib_vlan_tagged); compared with fib_full, their
/// untagged twin.
inline const std::vector<std::string> vlan_modes{"fib_vlan", "fib_vlan_tagged"};
inline constexpr const char* vlan_baseline = "fib_full";
bool is_vlan(const std::string& mode);
/// The median over repetitions of row's rate / `mode`'s rate in the same repetition (the
/// round-robin puts them next to each other: slow phases of a noisy machine cancel out).
std::optional<double> paired_ratio_to(const Results& r, const TrafficRow& row, const std::string& mode);

/// The bare program whose redirect a mode uses: static -> bpf_redirect, map/fib -> devmap.
std::string ceiling_of(const std::string& mode);
/// A row's rate against `mode`'s in the same family (none for FIB-scale rows).
std::optional<double> ratio_to(const Results& r, const TrafficRow& row, const std::string& mode);

/// FIB-scale destination distributions, in the order they are reported.
const std::vector<std::string>& distributions();
std::string describe_distribution(const Results& r, const std::string& distribution);
/// A FIB-scale row against the smallest table of the same mode, family and distribution.
std::optional<double> ratio_to_smallest(const Results& r, const TrafficRow& row);

/// The cost of the program itself: the harness's own subtracted where it ran through it.
double cost_ns(const CostRow& c);

struct Target {
	std::string name;
	std::optional<double> measured;
	double required = 0;
	std::string note;
	bool at_most = false;   ///< the measure must not exceed `required` (latencies), not reach it (ratios)
	std::string unit = "x"; ///< "x" (a ratio) or "us"
	[[nodiscard]] bool met() const { return measured && (at_most ? *measured <= required : *measured >= required); }
};
std::vector<Target> targets(const Results& r);

/// Smoke: frames went through every configuration, cached ones hit their cache, every program
/// ended as it should and every route change of the coherence benchmark was followed.
std::vector<std::string> smoke_failures(const Results& res);

/// `v` with `digits` decimals, "null" for NaN.
std::string fixed(double v, int digits);

// ---- renderings ------------------------------------------------------------------------------

std::string to_json(const Results& r);     ///< results_json.cpp (keys read by plot.py)
std::string to_markdown(const Results& r); ///< results_markdown.cpp

void write_file(const std::string& path, const std::string& text);

} // namespace bench
