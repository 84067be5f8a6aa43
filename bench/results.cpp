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

const TrafficRow* extreme_scale(const Results& r, const std::string& distribution, bool largest)
{
	const TrafficRow* best = nullptr;
	for (const auto& row : r.traffic)
		if (row.mode == "fib_scale" && row.distribution == distribution && !row.samples.empty() &&
		    (!best || (largest ? row.routes > best->routes : row.routes < best->routes)))
			best = &row;
	return best;
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

const TrafficRow* find_row(const Results& r, const std::string& mode, const std::string& family)
{
	for (const auto& row : r.traffic)
		if (row.mode == mode && row.family == family)
			return &row;
	return nullptr;
}

const TrafficRow* find_scale(const Results& r, unsigned routes, const std::string& distribution)
{
	for (const auto& row : r.traffic)
		if (row.mode == "fib_scale" && row.routes == routes && row.distribution == distribution)
			return &row;
	return nullptr;
}

std::string ceiling_of(const std::string& mode)
{
	if (mode == "static")
		return "bare_redirect";
	if (mode == "map" || mode == "fib_full" || mode == "fib_direct")
		return "bare_devmap";
	return {};
}

std::optional<double> ratio_to(const Results& r, const TrafficRow& row, const std::string& mode)
{
	const TrafficRow* base = mode.empty() ? nullptr : find_row(r, mode, row.family);
	if (!base || row.mode == "fib_scale")
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
	const TrafficRow* base = extreme_scale(r, row.distribution, false);
	if (row.mode != "fib_scale" || !base)
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
	for (const std::string& distribution : distributions())
		if (const TrafficRow* large = extreme_scale(r, distribution, true)) {
			const TrafficRow* small = extreme_scale(r, distribution, false);
			Target target{"fib_full ipv6 " + std::to_string(large->routes) + " routes vs " + std::to_string(small->routes) +
					  ", " + describe_distribution(r, distribution) + " destinations",
				      ratio_to_smallest(r, *large), 0.75, {}};
			if (large->routes < 1000000)
				target.note = "target is for 1M routes";
			t.push_back(target);
		}
	return t;
}

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
