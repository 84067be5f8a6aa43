#!/usr/bin/env bash
# Builds and runs the xdpfwd benchmark (bench/README.md): forwarding rates of every mode against
# Linux forwarding and bare redirect ceilings, fib mode's route cache, FIB scale, route change
# latency, per-packet costs. Needs root.
#
#   sudo scripts/bench.sh            full run (about 11 minutes), results in bench/results/
#   sudo scripts/bench.sh --smoke    quick check that frames go through (~30 s), results in
#                                    build-bench/bench/smoke-results/ (never the committed ones)
#
# Any other option goes to the benchmark (--reps N, --seconds S, --routes LIST, --zipf S,
# --cache-entries N, --changes N, --cpu N, ...;
# see build-bench/bench/xdpfwd_bench --help). Environment: BENCH_BUILD_DIR (default build-bench),
# BENCH_JOBS (ninja -j, default: ninja's), BENCH_REVISION (recorded; default: the git commit).
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
build=${BENCH_BUILD_DIR:-build-bench}

if ((EUID != 0)); then
	echo "bench: needs root (CAP_BPF, CAP_NET_ADMIN, namespaces): sudo $0 $*" >&2
	exit 1
fi

smoke=false
output=""
args=()
while (($#)); do
	case $1 in
	--smoke) smoke=true; args+=("$1") ;;
	--output-dir) output=$2; shift ;;
	--output-dir=*) output=${1#*=} ;;
	-h|--help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) args+=("$1") ;;
	esac
	shift
done
if [[ -z $output ]]; then
	if $smoke; then output=$build/bench/smoke-results; else output=bench/results; fi
fi

# a fresh machine has none of the toolchain; the plot wants matplotlib
scripts/bootstrap.sh --packages-only python3-matplotlib git

if [[ ! -f $build/build.ninja ]]; then
	# only what the benchmark needs: no tests (doctest), examples or command line
	meson setup "$build" -Dbench=true -Dtests=false -Dexamples=false -Dtools=false
elif ! grep -q xdpfwd_bench "$build/build.ninja"; then
	meson configure "$build" -Dbench=true
fi
ninja -C "$build" ${BENCH_JOBS:+-j "$BENCH_JOBS"} bench/xdpfwd_bench

# which library sources were measured: BENCH_REVISION, or the git commit (+ local changes)
revision=${BENCH_REVISION:-}
if [[ -z $revision ]] && revision=$(git rev-parse --short HEAD 2>/dev/null); then
	git diff --quiet HEAD -- bpf include 2>/dev/null || revision+=" + uncommitted changes in bpf/ or include/"
fi

mkdir -p "$output"
"$build/bench/xdpfwd_bench" "${args[@]}" --revision "${revision:-unknown}" --output-dir "$output"

# the plot is optional: the numbers are in results.json and results.md either way
python=""
for candidate in /usr/bin/python3 python3; do
	if command -v "$candidate" >/dev/null && "$candidate" -c 'import matplotlib' 2>/dev/null; then
		python=$candidate
		break
	fi
done
if [[ -n $python ]]; then
	"$python" bench/plot.py "$output/results.json" "$output/results.png"
else
	echo "bench: no matplotlib (apt-get install python3-matplotlib): skipped $output/results.png" >&2
fi
