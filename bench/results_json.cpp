// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
// results.json: the keys bench/plot.py and other tools read. Figures are rounded to what they
// mean (Mpps to 4 decimals, ns to 1); what cannot be computed is null.
#include <algorithm>
#include <cmath>

#include <nlohmann/json.hpp>

#include "results.hpp"

namespace bench {
namespace {

using Json = nlohmann::ordered_json; // keys in the order written, for people reading the file

Json number(double v, int digits)
{
	if (std::isnan(v))
		return nullptr;
	const double scale = std::pow(10.0, digits);
	return std::round(v * scale) / scale;
}

Json number(const std::optional<double>& v, int digits) { return v ? number(*v, digits) : Json(nullptr); }

Json machine(const Machine& m)
{
	return {{"kernel", m.kernel}, {"cpu_model", m.cpu_model}, {"cores", m.cores}, {"hypervisor", m.hypervisor},
		{"memory", m.memory},  {"date", m.date},	   {"compiler", m.compiler}, {"bpf_compiler", m.bpf_compiler},
		{"libbpf", m.libbpf},  {"xdpfwd", m.xdpfwd},       {"generator_cpu", m.generator_cpu}};
}

Json settings(const Results& r)
{
	return {{"smoke", r.smoke},
		{"repetitions", r.reps},
		{"seconds_per_run", number(r.seconds, 3)},
		{"cost_repeat", r.cost_repeat},
		{"live_batch_size", r.batch},
		{"frame_bytes", {{"ipv4", r.frame4}, {"ipv6", r.frame6}}},
		{"zipf_exponent", number(r.zipf_exponent, 3)},
		{"zipf_table_slots", r.zipf_slots}};
}

Json throughput(const Results& r, const TrafficRow& row)
{
	const std::vector<double> mpps = mpps_of(row);
	const std::string ceiling = ceiling_of(row.mode);
	Json j = {{"mode", row.mode},
		  {"family", row.family},
		  {"routes", row.routes},
		  {"median_mpps", number(median(mpps), 4)},
		  {"min_mpps", mpps.empty() ? Json(nullptr) : number(*std::min_element(mpps.begin(), mpps.end()), 4)},
		  {"max_mpps", mpps.empty() ? Json(nullptr) : number(*std::max_element(mpps.begin(), mpps.end()), 4)},
		  {"median_loss", number(median_loss(row), 6)},
		  {"ratio_to_kernel", number(ratio_to(r, row, "kernel"), 4)},
		  {"ceiling", ceiling.empty() ? Json(nullptr) : Json(ceiling)},
		  {"ratio_to_ceiling", number(ratio_to(r, row, ceiling), 4)},
		  {"ratio_to_smallest_table", number(ratio_to_smallest(r, row), 4)}};
	if (row.mode == "fib_scale") {
		j["route_install_seconds"] = number(row.install_seconds, 2);
		j["distribution"] = row.distribution;
		if (row.distribution == "zipf") {
			j["zipf_exponent"] = number(r.zipf_exponent, 3);
			j["distinct_destinations"] = row.distinct_destinations;
		}
	}
	Json& samples = j["samples"] = Json::array();
	for (const TrafficSample& s : row.samples)
		samples.push_back({{"mpps", number(s.mpps, 4)},
				   {"sent", s.sent},
				   {"received", s.received},
				   {"other", s.other},
				   {"seconds", number(s.seconds, 4)}});
	return j;
}

Json cost(const CostRow& c)
{
	Json raw = Json::array();
	for (const double ns : c.raw_ns)
		raw.push_back(number(ns, 0));
	return {{"program", c.program},
		{"family", c.family},
		{"routes", c.routes},
		{"ns", number(cost_ns(c), 1)},
		{"raw_median_ns", number(median(c.raw_ns), 1)},
		{"harness_ns", c.through_harness ? number(c.harness_ns, 1) : Json(nullptr)},
		{"xlated_insns", c.insns},
		{"jited_bytes", c.jited_bytes},
		{"action", c.retval},
		{"expected_action", c.expected},
		{"raw_samples_ns", raw}};
}

Json target(const Target& t)
{
	Json j = {{"name", t.name}, {"measured", number(t.measured, 4)}, {"required", number(t.required, 2)}, {"met", t.met()}};
	if (!t.note.empty())
		j["note"] = t.note;
	return j;
}

} // namespace

std::string to_json(const Results& r)
{
	Json j = {{"machine", machine(r.machine)}, {"settings", settings(r)}};
	Json& rows = j["throughput"] = Json::array();
	for (const TrafficRow& row : r.traffic)
		rows.push_back(throughput(r, row));
	Json& costs = j["per_packet_ns"] = Json::array();
	for (const CostRow& c : r.costs)
		costs.push_back(cost(c));
	Json& met = j["targets"] = Json::array();
	for (const Target& t : targets(r))
		met.push_back(target(t));
	return j.dump(2) + "\n";
}

} // namespace bench
