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
};

struct TrafficRow {
	std::string mode, family;
	unsigned routes = 0;
	std::string distribution;           ///< fib_scale: "uniform" or "zipf" destinations
	unsigned distinct_destinations = 0; ///< zipf: distinct routes in the generator's table
	double install_seconds = 0;
	std::vector<TrafficSample> samples;
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
	std::vector<TrafficRow> traffic;
	std::vector<CostRow> costs;
};

// ---- derived figures -------------------------------------------------------------------------

double median(std::vector<double> v); ///< NaN when empty
std::vector<double> mpps_of(const TrafficRow& row);
double median_mpps(const TrafficRow& row);
double median_loss(const TrafficRow& row);

const TrafficRow* find_row(const Results& r, const std::string& mode, const std::string& family);
const TrafficRow* find_scale(const Results& r, unsigned routes, const std::string& distribution);

/// The bare program whose redirect a mode uses: static -> bpf_redirect, map/fib -> devmap.
std::string ceiling_of(const std::string& mode);
/// A row's rate against `mode`'s in the same family (none for fib_scale rows).
std::optional<double> ratio_to(const Results& r, const TrafficRow& row, const std::string& mode);

/// FIB-scale destination distributions, in the order they are reported.
const std::vector<std::string>& distributions();
std::string describe_distribution(const Results& r, const std::string& distribution);
/// A fib_scale row against the smallest table with the same destination distribution.
std::optional<double> ratio_to_smallest(const Results& r, const TrafficRow& row);

/// The cost of the program itself: the harness's own subtracted where it ran through it.
double cost_ns(const CostRow& c);

struct Target {
	std::string name;
	std::optional<double> measured;
	double required = 0;
	std::string note;
	[[nodiscard]] bool met() const { return measured && *measured >= required; }
};
std::vector<Target> targets(const Results& r);

/// Smoke: frames went through every configuration and every program ended as it should.
std::vector<std::string> smoke_failures(const Results& res);

/// `v` with `digits` decimals, "null" for NaN.
std::string fixed(double v, int digits);

// ---- renderings ------------------------------------------------------------------------------

std::string to_json(const Results& r);     ///< results_json.cpp (keys read by plot.py)
std::string to_markdown(const Results& r); ///< results_markdown.cpp

void write_file(const std::string& path, const std::string& text);

} // namespace bench
