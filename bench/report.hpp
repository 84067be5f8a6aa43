// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// The benchmark's results: what was measured, the ratios and targets derived from it, and its
// two renderings (results.json for tools and plot.py, results.md for people).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace bench {

struct Machine {
	std::string kernel, cpu_model, memory, date, compiler, bpf_compiler, libbpf, xdpfwd;
	int cores = 0;
	bool hypervisor = false;
	int generator_cpu = 0;
};

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

inline double median(std::vector<double> v)
{
	if (v.empty())
		return NAN;
	std::sort(v.begin(), v.end());
	const std::size_t n = v.size();
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

// ---- derived figures -------------------------------------------------------------------------------

inline std::string fixed_2(double v)
{
	char text[64];
	std::snprintf(text, sizeof(text), "%.2f", v);
	return text;
}

inline double median_mpps(const TrafficRow& row)
{
	std::vector<double> v;
	for (const auto& s : row.samples)
		v.push_back(s.mpps);
	return median(v);
}

inline double median_loss(const TrafficRow& row)
{
	std::vector<double> v;
	for (const auto& s : row.samples)
		v.push_back(s.sent ? (static_cast<double>(s.sent) - static_cast<double>(s.received)) / static_cast<double>(s.sent) : NAN);
	return median(v);
}

inline const TrafficRow* find_row(const Results& r, const std::string& mode, const std::string& family)
{
	for (const auto& row : r.traffic)
		if (row.mode == mode && row.family == family)
			return &row;
	return nullptr;
}

/// The bare program whose redirect a mode uses: static -> bpf_redirect, map/fib -> devmap.
inline std::string ceiling_of(const std::string& mode)
{
	if (mode == "static")
		return "bare_redirect";
	if (mode == "map" || mode == "fib_full" || mode == "fib_direct")
		return "bare_devmap";
	return {};
}

inline std::optional<double> ratio_to(const Results& r, const TrafficRow& row, const std::string& mode)
{
	const TrafficRow* base = mode.empty() ? nullptr : find_row(r, mode, row.family);
	if (!base || row.mode == "fib_scale")
		return std::nullopt;
	return median_mpps(row) / median_mpps(*base);
}

/// FIB-scale destination distributions, in the order they are reported.
inline const std::vector<std::string>& distributions()
{
	static const std::vector<std::string> names{"uniform", "zipf"};
	return names;
}

inline const TrafficRow* smallest_scale(const Results& r, const std::string& distribution)
{
	const TrafficRow* best = nullptr;
	for (const auto& row : r.traffic)
		if (row.mode == "fib_scale" && row.distribution == distribution && !row.samples.empty() &&
		    (!best || row.routes < best->routes))
			best = &row;
	return best;
}

inline const TrafficRow* largest_scale(const Results& r, const std::string& distribution)
{
	const TrafficRow* best = nullptr;
	for (const auto& row : r.traffic)
		if (row.mode == "fib_scale" && row.distribution == distribution && !row.samples.empty() &&
		    (!best || row.routes > best->routes))
			best = &row;
	return best;
}

inline const TrafficRow* find_scale(const Results& r, unsigned routes, const std::string& distribution)
{
	for (const auto& row : r.traffic)
		if (row.mode == "fib_scale" && row.routes == routes && row.distribution == distribution)
			return &row;
	return nullptr;
}

inline std::string describe_distribution(const Results& r, const std::string& distribution)
{
	return distribution == "zipf" ? "zipf s=" + fixed_2(r.zipf_exponent) : distribution;
}

/// Against the smallest table with the same destination distribution.
inline std::optional<double> ratio_to_smallest(const Results& r, const TrafficRow& row)
{
	const TrafficRow* base = smallest_scale(r, row.distribution);
	if (row.mode != "fib_scale" || !base)
		return std::nullopt;
	return median_mpps(row) / median_mpps(*base);
}

inline double cost_ns(const CostRow& c) { return median(c.raw_ns) - (c.through_harness ? c.harness_ns : 0); }

struct Target {
	std::string name;
	std::optional<double> measured;
	double required = 0;
	std::string note;
	[[nodiscard]] bool met() const { return measured && *measured >= required; }
};

inline std::vector<Target> targets(const Results& r)
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
		if (const TrafficRow* large = largest_scale(r, distribution)) {
			const TrafficRow* small = smallest_scale(r, distribution);
			Target target{"fib_full ipv6 " + std::to_string(large->routes) + " routes vs " + std::to_string(small->routes) +
					  ", " + describe_distribution(r, distribution) + " destinations",
				      ratio_to_smallest(r, *large), 0.75, {}};
			if (large->routes < 1000000)
				target.note = "target is for 1M routes";
			t.push_back(target);
		}
	return t;
}

// ---- rendering -----------------------------------------------------------------------------------

inline std::string fixed(double v, int digits)
{
	if (std::isnan(v))
		return "null";
	char text[64];
	std::snprintf(text, sizeof(text), "%.*f", digits, v);
	return text;
}

inline std::string quoted(const std::string& s)
{
	std::string out = "\"";
	for (const char c : s) {
		if (c == '"' || c == '\\') {
			out += '\\';
			out += c;
		} else if (static_cast<unsigned char>(c) < 0x20) {
			char esc[8];
			std::snprintf(esc, sizeof(esc), "\\u%04x", c);
			out += esc;
		} else {
			out += c;
		}
	}
	return out + "\"";
}

inline std::string optional_number(const std::optional<double>& v, int digits)
{
	return v ? fixed(*v, digits) : "null";
}

inline std::string to_json(const Results& r)
{
	std::ostringstream j;
	const Machine& m = r.machine;
	j << "{\n  \"machine\": {\"kernel\": " << quoted(m.kernel) << ", \"cpu_model\": " << quoted(m.cpu_model)
	  << ", \"cores\": " << m.cores << ", \"hypervisor\": " << (m.hypervisor ? "true" : "false")
	  << ", \"memory\": " << quoted(m.memory) << ", \"date\": " << quoted(m.date) << ",\n              \"compiler\": "
	  << quoted(m.compiler) << ", \"bpf_compiler\": " << quoted(m.bpf_compiler) << ", \"libbpf\": " << quoted(m.libbpf)
	  << ", \"xdpfwd\": " << quoted(m.xdpfwd) << ", \"generator_cpu\": " << m.generator_cpu << "},\n";
	j << "  \"settings\": {\"smoke\": " << (r.smoke ? "true" : "false") << ", \"repetitions\": " << r.reps
	  << ", \"seconds_per_run\": " << fixed(r.seconds, 3) << ", \"cost_repeat\": " << r.cost_repeat
	  << ", \"live_batch_size\": " << r.batch << ", \"frame_bytes\": {\"ipv4\": " << r.frame4 << ", \"ipv6\": " << r.frame6
	  << "},\n               \"zipf_exponent\": " << fixed(r.zipf_exponent, 3) << ", \"zipf_table_slots\": " << r.zipf_slots
	  << "},\n";

	j << "  \"throughput\": [\n";
	for (std::size_t i = 0; i < r.traffic.size(); ++i) {
		const TrafficRow& row = r.traffic[i];
		std::vector<double> mpps;
		for (const auto& s : row.samples)
			mpps.push_back(s.mpps);
		const std::string ceiling = ceiling_of(row.mode);
		j << "    {\"mode\": " << quoted(row.mode) << ", \"family\": " << quoted(row.family) << ", \"routes\": " << row.routes
		  << ", \"median_mpps\": " << fixed(median(mpps), 4)
		  << ", \"min_mpps\": " << fixed(mpps.empty() ? NAN : *std::min_element(mpps.begin(), mpps.end()), 4)
		  << ", \"max_mpps\": " << fixed(mpps.empty() ? NAN : *std::max_element(mpps.begin(), mpps.end()), 4)
		  << ", \"median_loss\": " << fixed(median_loss(row), 6)
		  << ", \"ratio_to_kernel\": " << optional_number(ratio_to(r, row, "kernel"), 4)
		  << ", \"ceiling\": " << (ceiling.empty() ? "null" : quoted(ceiling))
		  << ", \"ratio_to_ceiling\": " << optional_number(ratio_to(r, row, ceiling), 4)
		  << ", \"ratio_to_smallest_table\": " << optional_number(ratio_to_smallest(r, row), 4);
		if (row.mode == "fib_scale") {
			j << ", \"route_install_seconds\": " << fixed(row.install_seconds, 2)
			  << ", \"distribution\": " << quoted(row.distribution);
			if (row.distribution == "zipf")
				j << ", \"zipf_exponent\": " << fixed(r.zipf_exponent, 3)
				  << ", \"distinct_destinations\": " << row.distinct_destinations;
		}
		j << ",\n     \"samples\": [";
		for (std::size_t k = 0; k < row.samples.size(); ++k) {
			const TrafficSample& s = row.samples[k];
			j << (k ? ", " : "") << "{\"mpps\": " << fixed(s.mpps, 4) << ", \"sent\": " << s.sent
			  << ", \"received\": " << s.received << ", \"other\": " << s.other << ", \"seconds\": " << fixed(s.seconds, 4)
			  << "}";
		}
		j << "]}" << (i + 1 < r.traffic.size() ? "," : "") << "\n";
	}
	j << "  ],\n  \"per_packet_ns\": [\n";
	for (std::size_t i = 0; i < r.costs.size(); ++i) {
		const CostRow& c = r.costs[i];
		j << "    {\"program\": " << quoted(c.program) << ", \"family\": " << quoted(c.family) << ", \"routes\": " << c.routes
		  << ", \"ns\": " << fixed(cost_ns(c), 1) << ", \"raw_median_ns\": " << fixed(median(c.raw_ns), 1)
		  << ", \"harness_ns\": " << (c.through_harness ? fixed(c.harness_ns, 1) : "null")
		  << ", \"xlated_insns\": " << c.insns << ", \"jited_bytes\": " << c.jited_bytes
		  << ", \"action\": " << c.retval << ", \"expected_action\": " << c.expected << ", \"raw_samples_ns\": [";
		for (std::size_t k = 0; k < c.raw_ns.size(); ++k)
			j << (k ? ", " : "") << fixed(c.raw_ns[k], 0);
		j << "]}" << (i + 1 < r.costs.size() ? "," : "") << "\n";
	}
	j << "  ],\n  \"targets\": [\n";
	const auto ts = targets(r);
	for (std::size_t i = 0; i < ts.size(); ++i) {
		j << "    {\"name\": " << quoted(ts[i].name) << ", \"measured\": " << optional_number(ts[i].measured, 4)
		  << ", \"required\": " << fixed(ts[i].required, 2) << ", \"met\": " << (ts[i].met() ? "true" : "false");
		if (!ts[i].note.empty())
			j << ", \"note\": " << quoted(ts[i].note);
		j << "}" << (i + 1 < ts.size() ? "," : "") << "\n";
	}
	j << "  ]\n}\n";
	return j.str();
}

inline std::string describe_mode(const std::string& mode)
{
	if (mode == "kernel")
		return "Linux IP forwarding (xdpfwd pass on rin)";
	if (mode == "bare_redirect")
		return "ceiling: bare bpf_redirect";
	if (mode == "bare_devmap")
		return "ceiling: bare devmap redirect";
	if (mode == "static")
		return "xdpfwd static";
	if (mode == "map")
		return "xdpfwd map";
	if (mode == "fib_full")
		return "xdpfwd fib (full lookup)";
	if (mode == "fib_direct")
		return "xdpfwd fib (direct lookup)";
	return mode;
}

inline std::string percent(double fraction) { return std::isnan(fraction) ? "-" : fixed(100 * fraction, 2) + " %"; }

inline std::string to_markdown(const Results& r)
{
	std::ostringstream md;
	const Machine& m = r.machine;
	md << "# xdpfwd benchmark results" << (r.smoke ? " (SMOKE RUN: not for comparison)" : "") << "\n\n";
	md << "| Machine | |\n|---|---|\n";
	md << "| Date | " << m.date << " |\n| Kernel | " << m.kernel << " |\n| CPU | " << m.cpu_model << ", " << m.cores
	   << " cores online" << (m.hypervisor ? " (virtual machine)" : "") << " |\n| Memory | " << m.memory << " |\n";
	md << "| Compilers | " << m.compiler << "; BPF: " << m.bpf_compiler << " |\n| libbpf | " << m.libbpf
	   << " |\n| xdpfwd | " << m.xdpfwd << " |\n\n";
	md << "Traffic: BPF_PROG_RUN with live frames from one generator thread pinned to CPU " << m.generator_cpu
	   << "; every configuration measured " << r.reps << " time" << (r.reps > 1 ? "s" : "") << ", round-robin, "
	   << fixed(r.seconds, 1) << " s each; medians. Frames: IPv4 " << r.frame4 << " B, IPv6 " << r.frame6
	   << " B (UDP, without FCS). Rate = frames counted by the sink / wall time; loss = 1 - received / sent.\n\n";

	md << "## Forwarding rate\n\n";
	md << "| Configuration | Family | Mpps (median) | Range | Loss | x kernel | x ceiling |\n";
	md << "|---|---|---:|---:|---:|---:|---:|\n";
	for (const TrafficRow& row : r.traffic) {
		if (row.mode == "fib_scale" || row.samples.empty())
			continue;
		std::vector<double> v;
		for (const auto& s : row.samples)
			v.push_back(s.mpps);
		const auto kernel = row.mode == "kernel" ? std::nullopt : ratio_to(r, row, "kernel");
		const std::string ceiling = ceiling_of(row.mode);
		const auto ceil = ratio_to(r, row, ceiling);
		md << "| " << describe_mode(row.mode) << " | " << row.family << " | " << fixed(median(v), 3) << " | "
		   << fixed(*std::min_element(v.begin(), v.end()), 3) << "-" << fixed(*std::max_element(v.begin(), v.end()), 3)
		   << " | " << percent(median_loss(row)) << " | " << (kernel ? fixed(*kernel, 2) + "x" : "-") << " | "
		   << (ceil ? fixed(*ceil, 3) + "x (" + ceiling + ")" : "-") << " |\n";
	}

	md << "\n## FIB scale (xdpfwd fib, full lookup, IPv6, destinations among the installed routes)\n\n";
	md << "Uniform: every frame goes to a uniformly random installed route, the worst case (no locality). "
	   << describe_distribution(r, "zipf") << ": the k-th most popular route gets a share proportional to 1/k^"
	   << fixed_2(r.zipf_exponent) << ", popular routes scattered over the table; the generator draws from a table of "
	   << r.zipf_slots << " Zipf samples (so at most that many distinct destinations, listed below). "
	   << "Both are measured in the same round-robin; x smallest table is against the same distribution.\n\n";
	md << "| Routes | Install | Uniform Mpps (median) | Range | Loss | x smallest table | Zipf Mpps (median) | Range | Loss "
	      "| x smallest table | Zipf distinct destinations |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n";
	std::vector<unsigned> scale_routes;
	for (const TrafficRow& row : r.traffic)
		if (row.mode == "fib_scale" && std::find(scale_routes.begin(), scale_routes.end(), row.routes) == scale_routes.end())
			scale_routes.push_back(row.routes);
	for (const unsigned routes : scale_routes) {
		md << "| " << routes << " | ";
		bool install = false;
		for (const std::string& distribution : distributions()) {
			const TrafficRow* row = find_scale(r, routes, distribution);
			if (!install) {
				md << (row ? fixed(row->install_seconds, 1) + " s" : std::string("-")) << " | ";
				install = true;
			}
			if (!row || row->samples.empty()) {
				md << "- | - | - | - | ";
				continue;
			}
			std::vector<double> v;
			for (const auto& s : row->samples)
				v.push_back(s.mpps);
			md << fixed(median(v), 3) << " | " << fixed(*std::min_element(v.begin(), v.end()), 3) << "-"
			   << fixed(*std::max_element(v.begin(), v.end()), 3) << " | " << percent(median_loss(*row)) << " | "
			   << optional_number(ratio_to_smallest(r, *row), 3) << "x | ";
		}
		const TrafficRow* zipf = find_scale(r, routes, "zipf");
		md << (zipf ? std::to_string(zipf->distinct_destinations) : std::string("-")) << " |\n";
	}

	md << "\n## Per-packet cost (BPF_PROG_RUN, repeat " << r.cost_repeat
	   << ", not live; kernel-timed ns per run, median)\n\n";
	md << "Forwarders and ceilings run tail-called from a harness that restores the frame first (a repeated run "
	      "otherwise sees its own output: the TTL would expire after 63 runs); the harness's own cost (with a no-op "
	      "target) is subtracted. Only the program runs: no redirect, no transmit.\n\n";
	md << "| Program | IPv4 ns | IPv6 ns | Instructions (xlated) | JIT bytes |\n|---|---:|---:|---:|---:|\n";
	std::vector<std::string> seen;
	for (const CostRow& c : r.costs) {
		if (c.routes || std::find(seen.begin(), seen.end(), c.program) != seen.end())
			continue;
		seen.push_back(c.program);
		std::string v4 = "-", v6 = "-";
		for (const CostRow& d : r.costs)
			if (d.program == c.program && !d.routes)
				(d.family == "ipv4" ? v4 : v6) = fixed(cost_ns(d), 1);
		md << "| " << c.program << (c.program == "harness" ? " (frame restore + tail call; subtracted below)" : "") << " | "
		   << v4 << " | " << v6 << " | " << c.insns << " | " << c.jited_bytes << " |\n";
	}
	bool scale_header = false;
	for (const CostRow& c : r.costs) {
		if (!c.routes)
			continue;
		if (!scale_header) {
			md << "\nWith random IPv6 destinations among N installed routes (fib full on the FIB-scale routers; uniform "
			      "destinations, except the zipf generator's own cost):\n\n";
			md << "| Routes | generator ns | generator (zipf) ns | harness ns | fib_full ns |\n|---:|---:|---:|---:|---:|\n";
			scale_header = true;
		}
		if (c.program != "generator")
			continue;
		auto cost_of = [&](const char* program) {
			for (const CostRow& d : r.costs)
				if (d.routes == c.routes && d.program == program)
					return fixed(cost_ns(d), 1);
			return std::string("-");
		};
		md << "| " << c.routes << " | " << cost_of("generator") << " | " << cost_of("generator_zipf") << " | "
		   << cost_of("harness") << " | " << cost_of("fib_full") << " |\n";
	}

	md << "\n## Targets\n\n| Target | Measured | Required | Met |\n|---|---:|---:|---|\n";
	for (const Target& t : targets(r))
		md << "| " << t.name << " | " << optional_number(t.measured, 3) << "x | >= " << fixed(t.required, 2) << "x | "
		   << (t.met() ? "met" : "MISSED") << (t.note.empty() ? "" : " (" + t.note + ")") << " |\n";
	return md.str();
}

inline void write_file(const std::string& path, const std::string& text)
{
	std::ofstream out(path);
	out << text;
	if (!out)
		throw std::runtime_error("cannot write " + path);
}

} // namespace bench
