#!/usr/bin/env python3
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
"""Draws results.png from the benchmark's results.json: forwarding rates, FIB scale, per-packet cost,
route change latency.

usage: plot.py RESULTS_JSON [OUTPUT_PNG]   (needs matplotlib: apt-get install python3-matplotlib)
"""
import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

MODES = ["kernel", "bare_redirect", "bare_devmap", "static", "map", "fib_full", "fib_direct", "fib_full_cache",
         "fib_direct_cache"]
LABELS = {
    "kernel": "Linux\nforwarding",
    "bare_redirect": "bare\nbpf_redirect",
    "bare_devmap": "bare\ndevmap",
    "static": "xdpfwd\nstatic",
    "map": "xdpfwd\nmap",
    "fib_full": "xdpfwd fib\nfull",
    "fib_direct": "xdpfwd fib\ndirect",
    "fib_full_cache": "fib full\n+ cache",
    "fib_direct_cache": "fib direct\n+ cache",
}
COST_PROGRAMS = ["sink", "pass", "bare_redirect", "bare_devmap", "static", "map", "fib_full", "fib_direct",
                 "fib_full_cache", "fib_direct_cache"]


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else "bench/results/results.json"
    target = sys.argv[2] if len(sys.argv) > 2 else source.rsplit(".", 1)[0] + ".png"
    with open(source) as f:
        res = json.load(f)

    fig, ((rate, scale), (cost, change)) = plt.subplots(2, 2, figsize=(18, 11), gridspec_kw={"width_ratios": [3, 2]})
    m = res["machine"]
    fig.suptitle(
        f"xdpfwd benchmark — {m['cpu_model']}, {m['cores']} cores, {m['kernel']}, {m['date']}"
        + (" (SMOKE RUN)" if res["settings"]["smoke"] else ""),
        fontsize=11,
    )

    width = 0.38
    for k, (family, colour) in enumerate([("ipv4", "tab:blue"), ("ipv6", "tab:orange")]):
        rows = {r["mode"]: r for r in res["throughput"]
                if r["family"] == family and r["mode"] in MODES and r["median_mpps"] is not None}
        xs, ys, lo, hi = [], [], [], []
        for i, mode in enumerate(MODES):
            if mode in rows:
                r = rows[mode]
                xs.append(i + (k - 0.5) * width)
                ys.append(r["median_mpps"])
                lo.append(r["median_mpps"] - r["min_mpps"])
                hi.append(r["max_mpps"] - r["median_mpps"])
        bars = rate.bar(xs, ys, width, yerr=[lo, hi], capsize=3, color=colour, label=family)
        for bar, y in zip(bars, ys):
            rate.annotate(f"{y:.2f}", (bar.get_x() + bar.get_width() / 2, y), ha="center", va="bottom", fontsize=7,
                          xytext=(0, 3), textcoords="offset points")
    rate.set_xticks(range(len(MODES)), [LABELS[m] for m in MODES], fontsize=8)
    rate.set_ylabel("Mpps (median, min-max bars)")
    rate.set_title("Forwarding rate, one generator CPU, live frames")
    rate.legend()
    rate.grid(axis="y", alpha=0.3)

    # one line per forwarder, family and destination distribution (older results: fib_scale, IPv6, uniform)
    zipf_s = res["settings"].get("zipf_exponent")
    all_rows = []
    styles = {("fib_scale", "uniform"): ("tab:orange", "o"), ("fib_scale", "zipf"): ("tab:green", "s"),
              ("fib_scale_cache", "uniform"): ("tab:red", "^"), ("fib_scale_cache", "zipf"): ("tab:purple", "D")}
    for (mode, dist), (colour, marker) in styles.items():
        for family, line in [("ipv6", "-"), ("ipv4", ":")]:
            rows = sorted((r for r in res["throughput"] if r["mode"] == mode and r["family"] == family
                           and r.get("distribution", "uniform") == dist and r["median_mpps"] is not None),
                          key=lambda r: r["routes"])
            if not rows:
                continue
            all_rows += rows
            label = (f"{family} {'+ cache' if mode.endswith('cache') else 'fib'}, "
                     + ("uniform" if dist == "uniform" else f"zipf s={zipf_s:.2f}"))
            scale.plot([r["routes"] for r in rows], [r["median_mpps"] for r in rows], marker + line, color=colour,
                       label=label, markersize=4)
            last = rows[-1]
            if last["ratio_to_smallest_table"] is not None and len(rows) > 1:
                scale.annotate(f"{last['ratio_to_smallest_table']:.2f}x", (last["routes"], last["median_mpps"]),
                               fontsize=7, color=colour, xytext=(4, 0), textcoords="offset points", va="center")
    if all_rows:
        scale.set_xscale("log")
        scale.set_ylim(0, max(r["median_mpps"] for r in all_rows) * 1.15)
        scale.legend(fontsize=6)
    scale.set_xlabel("routes installed (IPv4: smallest and largest table)")
    scale.set_ylabel("Mpps (median; label: x smallest table)")
    scale.set_title("fib full: FIB scale")
    scale.grid(alpha=0.3)

    for k, (family, colour) in enumerate([("ipv4", "tab:blue"), ("ipv6", "tab:orange")]):
        rows = {r["program"]: r for r in res["per_packet_ns"] if r["family"] == family and r["routes"] == 0}
        xs = [i + (k - 0.5) * width for i, p in enumerate(COST_PROGRAMS) if p in rows]
        ys = [rows[p]["ns"] for p in COST_PROGRAMS if p in rows]
        cost.bar(xs, ys, width, color=colour, label=family)
    cost.set_xticks(range(len(COST_PROGRAMS)), [p.replace("_", "\n") for p in COST_PROGRAMS], fontsize=8)
    cost.set_ylabel("ns per packet (BPF_PROG_RUN, not live)")
    cost.set_title("Per-packet cost of each program")
    cost.legend()
    cost.grid(axis="y", alpha=0.3)

    # the coherence benchmark: distribution of route change -> first packet on the new route
    for c, colour in zip(res.get("coherence", []), ["tab:blue", "tab:orange"]):
        us = sorted(c["samples_us"])
        if not us:
            continue
        p = c["first_packet_on_new_route_us"]
        change.plot(us, [(i + 1) / len(us) for i in range(len(us))], color=colour, drawstyle="steps-post",
                    label=f"{c['family']}: p50 {p['p50']:.0f}, p99 {p['p99']:.0f}, max {p['max']:.0f} us")
    if res.get("coherence"):
        change.set_xscale("symlog", linthresh=10)
        change.axvline(2000, color="grey", linestyle="--", linewidth=0.8)
        change.axvline(10000, color="grey", linestyle=":", linewidth=0.8)
        change.legend(fontsize=7, loc="lower right")
    change.set_xlabel("us from the route change's netlink ack (targets: p99 2 ms, max 10 ms)")
    change.set_ylabel("share of route changes")
    change.set_title("Cached fib: first packet on the new route")
    change.grid(alpha=0.3)

    fig.tight_layout()
    fig.savefig(target, dpi=110)
    print(f"plot: wrote {target}")


if __name__ == "__main__":
    main()
