#!/usr/bin/env bash
# Measures the benchmark's VLAN row (fib_vlan: 802.1Q-tagged frames through fib mode) next to its
# untagged twin (fib_full), on Debian's own kernel in a VM (scripts/vm.sh): a kernel without
# 8021q cannot make the VLAN device the row needs, and the benchmark leaves the row out there.
#
#   sudo scripts/bench-vlan-vm.sh                  5 x 2 s, results in bench/results/vlan-vm/
#   sudo scripts/bench-vlan-vm.sh --reps 3 --seconds 1 --output-dir /tmp/vlan
#
# Other options go to the benchmark (build-bench/bench/xdpfwd_bench --help); the defaults here
# are --only fib_full,fib_vlan,fib_vlan_tagged --routes 1 --cost-repeat 200000 (per-packet costs of every
# program still run). Under TCG (no usable KVM) rates are a fraction of the host's and only
# ratios within one run mean anything. Environment: BENCH_BUILD_DIR (build-bench), the
# XDPFWD_VM_* of scripts/vm.sh (XDPFWD_VM_TIMEOUT: default 1800 s here).
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
build=${BENCH_BUILD_DIR:-build-bench}
output=bench/results/vlan-vm
args=()
while (($#)); do
	case $1 in
	--output-dir) output=$2; shift ;;
	--output-dir=*) output=${1#*=} ;;
	-h | --help) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) args+=("$1") ;;
	esac
	shift
done
# the defaults of options not given (the benchmark refuses an option twice)
for default in "--only fib_full,fib_vlan,fib_vlan_tagged" "--routes 1" "--cost-repeat 200000" "--reps 5" "--seconds 2"; do
	given=false
	for arg in "${args[@]}"; do
		[[ $arg == "${default%% *}" || $arg == "${default%% *}="* ]] && given=true
	done
	$given || args+=($default)
done

if [[ ! -f $build/build.ninja ]]; then
	meson setup "$build" -Dbench=true -Dtests=false -Dexamples=false -Dtools=false
fi
ninja -C "$build" ${BENCH_JOBS:+-j "$BENCH_JOBS"} bench/xdpfwd_bench

revision=${BENCH_REVISION:-}
if [[ -z $revision ]] && revision=$(git rev-parse --short HEAD 2>/dev/null); then
	git diff --quiet HEAD -- bpf include bench 2>/dev/null || revision+=" + uncommitted changes"
fi

# The guest's files vanish with it: the results come back on its console, base64 between
# markers (kernel messages may be interleaved, never inside a line of ours).
guest=/tmp/xdpfwd-vlan-vm
log=$(mktemp "${TMPDIR:-/tmp}/bench-vlan-vm.XXXXXX")
trap 'rm -f "$log"' EXIT
XDPFWD_VM_TIMEOUT=${XDPFWD_VM_TIMEOUT:-1800} scripts/vm.sh -- bash -c '
	set -e
	"$0" "${@:2}" --revision "$1" --output-dir '"$guest"' >/dev/null
	for file in results.json results.md; do
		echo "@@bench-vlan-vm $file $(base64 -w0 '"$guest"'/$file)"
	done' "$build/bench/xdpfwd_bench" "${revision:-unknown}" "${args[@]}" | tee "$log" | grep -v '^@@bench-vlan-vm '

mkdir -p "$output"
for file in results.json results.md; do
	line=$(grep -a "^@@bench-vlan-vm $file " "$log" | tr -d '\r') || { echo "bench-vlan-vm: no $file from the VM" >&2; exit 1; }
	base64 -d <<<"${line##* }" >"$output/$file"
done
python3 -c 'import json, sys; json.load(open(sys.argv[1]))' "$output/results.json"
echo "bench-vlan-vm: wrote $output/results.json and $output/results.md"
