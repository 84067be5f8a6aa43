// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "results.hpp"

#include <sys/utsname.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <stdexcept>

#include <bpf/libbpf.h>

#include "bench_config.h"
#include "options.hpp"

namespace bench {
namespace {

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

/// The smallest or largest table measured of a FIB-scale mode, family and distribution.
const TrafficRow* extreme_scale(const Results& r, const std::string& mode, const std::string& family,
				const std::string& distribution, bool largest)
{
	const TrafficRow* best = nullptr;
	for (const auto& row : r.traffic)
		if (row.mode == mode && row.family == family && row.distribution == distribution && !row.samples.empty() &&
		    (!best || (largest ? row.routes > best->routes : row.routes < best->routes)))
			best = &row;
	return best;
}

template <class Field>
std::uint64_t total(const TrafficRow& row, Field field)
{
	std::uint64_t sum = 0;
	for (const auto& s : row.samples)
		sum += s.*field;
	return sum;
}

} // namespace

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

double median(std::vector<double> v)
{
	if (v.empty())
		return NAN;
	std::sort(v.begin(), v.end());
	const std::size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

double percentile(std::vector<double> v, double p)
{
	if (v.empty())
		return NAN;
	std::sort(v.begin(), v.end());
	const auto rank = static_cast<std::size_t>(std::ceil(p / 100 * static_cast<double>(v.size())));
	return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

std::vector<double> mpps_of(const TrafficRow& row)
{
	std::vector<double> v;
	for (const auto& s : row.samples)
		v.push_back(s.mpps);
	return v;
}

double median_mpps(const TrafficRow& row) { return median(mpps_of(row)); }

double median_loss(const TrafficRow& row)
{
	std::vector<double> v;
	for (const auto& s : row.samples)
		v.push_back(s.sent ? (static_cast<double>(s.sent) - static_cast<double>(s.received)) / static_cast<double>(s.sent) : NAN);
	return median(v);
}

bool is_scale(const std::string& mode) { return mode == "fib_scale" || mode == "fib_scale_cache"; }

bool is_cached(const std::string& mode)
{
	return mode == "fib_full_cache" || mode == "fib_direct_cache" || mode == "fib_scale_cache";
}

std::optional<double> hit_rate(const TrafficRow& row)
{
	const std::uint64_t hits = total(row, &TrafficSample::cache_hit);
	const std::uint64_t all = hits + total(row, &TrafficSample::cache_miss) + total(row, &TrafficSample::cache_stale);
	if (!is_cached(row.mode) || !all)
		return std::nullopt;
	return static_cast<double>(hits) / static_cast<double>(all);
}

std::optional<double> cache_consulted(const TrafficRow& row)
{
	const std::uint64_t sent = total(row, &TrafficSample::sent);
	if (!is_cached(row.mode) || !sent)
		return std::nullopt;
	const std::uint64_t all = total(row, &TrafficSample::cache_hit) + total(row, &TrafficSample::cache_miss) +
				  total(row, &TrafficSample::cache_stale);
	return static_cast<double>(all) / static_cast<double>(sent);
}

const TrafficRow* find_row(const Results& r, const std::string& mode, const std::string& family)
{
	for (const auto& row : r.traffic)
		if (row.mode == mode && row.family == family)
			return &row;
	return nullptr;
}

const TrafficRow* find_scale(const Results& r, const std::string& mode, const std::string& family, unsigned routes,
			     const std::string& distribution)
{
	for (const auto& row : r.traffic)
		if (row.mode == mode && row.family == family && row.routes == routes && row.distribution == distribution)
			return &row;
	return nullptr;
}

std::vector<unsigned> scale_routes(const Results& r, const std::string& family)
{
	std::vector<unsigned> routes;
	for (const TrafficRow& row : r.traffic)
		if (is_scale(row.mode) && row.family == family && std::find(routes.begin(), routes.end(), row.routes) == routes.end())
			routes.push_back(row.routes);
	std::sort(routes.begin(), routes.end());
	return routes;
}

std::string ceiling_of(const std::string& mode)
{
	if (mode == "static")
		return "bare_redirect";
	if (mode == "map" || mode == "fib_full" || is_vlan(mode) || mode == "fib_direct" || mode == "fib_full_cache" ||
	    mode == "fib_direct_cache")
		return "bare_devmap";
	return {};
}

bool is_vlan(const std::string& mode) { return std::find(vlan_modes.begin(), vlan_modes.end(), mode) != vlan_modes.end(); }

std::optional<double> paired_ratio_to(const Results& r, const TrafficRow& row, const std::string& mode)
{
	const TrafficRow* base = find_row(r, mode, row.family);
	if (!base || row.samples.empty() || base->samples.size() != row.samples.size())
		return std::nullopt;
	std::vector<double> ratios;
	for (std::size_t i = 0; i < row.samples.size(); ++i)
		ratios.push_back(row.samples[i].mpps / base->samples[i].mpps);
	return median(ratios);
}

std::optional<double> ratio_to(const Results& r, const TrafficRow& row, const std::string& mode)
{
	const TrafficRow* base = mode.empty() ? nullptr : find_row(r, mode, row.family);
	if (!base || is_scale(row.mode) || base->samples.empty() || row.samples.empty())
		return std::nullopt;
	return median_mpps(row) / median_mpps(*base);
}

const std::vector<std::string>& distributions()
{
	static const std::vector<std::string> names{"uniform", "zipf"};
	return names;
}

std::string describe_distribution(const Results& r, const std::string& distribution)
{
	return distribution == "zipf" ? "zipf s=" + fixed(r.zipf_exponent, 2) : distribution;
}

std::optional<double> ratio_to_smallest(const Results& r, const TrafficRow& row)
{
	const TrafficRow* base = extreme_scale(r, row.mode, row.family, row.distribution, false);
	if (!is_scale(row.mode) || !base || row.samples.empty())
		return std::nullopt;
	return median_mpps(row) / median_mpps(*base);
}

double cost_ns(const CostRow& c) { return median(c.raw_ns) - (c.through_harness ? c.harness_ns : 0); }

std::vector<Target> targets(const Results& r)
{
	std::vector<Target> t;
	auto versus = [&](const std::string& mode, const std::string& family, const std::string& base, double required) {
		const TrafficRow* row = find_row(r, mode, family);
		Target target{mode + " " + family + " vs " + base, std::nullopt, required, {}};
		if (row)
			target.measured = ratio_to(r, *row, base);
		t.push_back(target);
	};
	versus("fib_full", "ipv4", "kernel", 2.3);
	versus("fib_direct", "ipv4", "kernel", 2.3);
	versus("fib_full", "ipv6", "kernel", 1.8);
	versus("fib_direct", "ipv6", "kernel", 1.8);
	for (const char* family : {"ipv4", "ipv6"}) {
		versus("map", family, "bare_devmap", 0.97);
		versus("static", family, "bare_redirect", 0.97);
	}
	for (const std::string& mode : vlan_modes)
		for (const char* family : {"ipv4", "ipv6"})
			versus(mode, family, vlan_baseline, 0.9);
	for (const char* family : {"ipv4", "ipv6"})
		for (const std::string lookup : {"full", "direct"}) {
			versus("fib_" + lookup + "_cache", family, "map", 0.95);
			versus("fib_" + lookup + "_cache", family, "fib_" + lookup, std::string(family) == "ipv4" ? 1.3 : 2.0);
		}
	// the 1M-route target was set for IPv6 uncached first; cached is what is meant to meet it
	for (const char* mode : {"fib_scale", "fib_scale_cache"})
		for (const char* family : {"ipv6", "ipv4"})
			for (const std::string& distribution : distributions())
				if (const TrafficRow* large = extreme_scale(r, mode, family, distribution, true)) {
					const TrafficRow* small = extreme_scale(r, mode, family, distribution, false);
					Target target{std::string(mode) + " " + family + " " + std::to_string(large->routes) + " routes vs " +
							  std::to_string(small->routes) + ", " + describe_distribution(r, distribution) +
							  " destinations",
						      ratio_to_smallest(r, *large), 0.75, {}};
					if (large->routes < 1000000)
						target.note = "target is for 1M routes";
					t.push_back(target);
				}
	for (const CoherenceResult& c : r.coherence) {
		t.push_back({"route change to first packet on the new route, " + c.family + ", p99", percentile(c.latency_us, 99),
			     2000, {}, true, "us"});
		t.push_back({"route change to first packet on the new route, " + c.family + ", max", percentile(c.latency_us, 100),
			     10000, {}, true, "us"});
	}
	return t;
}

std::vector<std::string> smoke_failures(const Results& res)
{
	std::vector<std::string> failures;
	for (const TrafficRow& t : res.traffic) {
		const std::string name = t.mode + " " + t.family + " " + std::to_string(t.routes) + " routes" +
					 (t.distribution.empty() ? "" : " " + t.distribution);
		for (const TrafficSample& s : t.samples) {
			if (s.received == 0)
				failures.push_back(name + ": no frame reached the sink");
			if (is_cached(t.mode) && s.cache_hit == 0)
				failures.push_back(name + ": no route cache hit");
		}
	}
	for (const CoherenceResult& c : res.coherence)
		if (c.missed || c.latency_us.size() < c.requested)
			failures.push_back("coherence " + c.family + ": " + std::to_string(c.missed) + " of " +
					   std::to_string(c.requested) + " route changes followed by no frame within 1 s");
	for (const CostRow& c : res.costs)
		if (c.retval != c.expected)
			failures.push_back(c.program + " " + c.family + ": ended with action " + std::to_string(c.retval) +
					   ", expected " + std::to_string(c.expected));
	return failures;
}

std::string fixed(double v, int digits)
{
	if (std::isnan(v))
		return "null";
	char text[64];
	std::snprintf(text, sizeof(text), "%.*f", digits, v);
	return text;
}

void write_file(const std::string& path, const std::string& text)
{
	std::ofstream out(path);
	out << text;
	if (!out)
		throw std::runtime_error("cannot write " + path);
}

} // namespace bench
