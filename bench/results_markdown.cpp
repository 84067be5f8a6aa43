// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// results.md: the tables people read (and the README quotes).
#include <algorithm>
#include <cmath>
#include <map>
#include <sstream>

#include "results.hpp"

namespace bench {
namespace {

std::string optional_number(const std::optional<double>& v, int digits) { return v ? fixed(*v, digits) : "null"; }

std::string describe_mode(const std::string& mode)
{
	static const std::map<std::string, std::string> names{
	    {"kernel", "Linux IP forwarding (xdpfwd pass on rin)"},
	    {"bare_redirect", "ceiling: bare bpf_redirect"},
	    {"bare_devmap", "ceiling: bare devmap redirect"},
	    {"static", "xdpfwd static"},
	    {"map", "xdpfwd map"},
	    {"fib_full", "xdpfwd fib (full lookup)"},
	    {"fib_direct", "xdpfwd fib (direct lookup)"},
	};
	const auto it = names.find(mode);
	return it == names.end() ? mode : it->second;
}

std::string percent(double fraction) { return std::isnan(fraction) ? "-" : fixed(100 * fraction, 2) + " %"; }

/// "median | min-max | loss" of a row with samples.
std::string rate_cells(const TrafficRow& row)
{
	const std::vector<double> v = mpps_of(row);
	return fixed(median(v), 3) + " | " + fixed(*std::min_element(v.begin(), v.end()), 3) + "-" +
	       fixed(*std::max_element(v.begin(), v.end()), 3) + " | " + percent(median_loss(row));
}

} // namespace

std::string to_markdown(const Results& r)
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
		const auto kernel = row.mode == "kernel" ? std::nullopt : ratio_to(r, row, "kernel");
		const std::string ceiling = ceiling_of(row.mode);
		const auto ceil = ratio_to(r, row, ceiling);
		md << "| " << describe_mode(row.mode) << " | " << row.family << " | " << rate_cells(row) << " | "
		   << (kernel ? fixed(*kernel, 2) + "x" : "-") << " | " << (ceil ? fixed(*ceil, 3) + "x (" + ceiling + ")" : "-")
		   << " |\n";
	}

	md << "\n## FIB scale (xdpfwd fib, full lookup, IPv6, destinations among the installed routes)\n\n";
	md << "Uniform: every frame goes to a uniformly random installed route, the worst case (no locality). "
	   << describe_distribution(r, "zipf") << ": the k-th most popular route gets a share proportional to 1/k^"
	   << fixed(r.zipf_exponent, 2) << ", popular routes scattered over the table; the generator draws from a table of "
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
			md << rate_cells(*row) << " | " << optional_number(ratio_to_smallest(r, *row), 3) << "x | ";
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

} // namespace bench
