#!/usr/bin/env bash
# Fuzzing, as long as you like (as root, like the tests):
#   scripts/fuzz.sh                    the frame fuzzer, 10 million frames per program (about
#                                      30 s each on 2 cores), then each libFuzzer target for 300 s
#   scripts/fuzz.sh --frames N         frames per program (XDPFWD_FUZZ_SEED repeats a run)
#   scripts/fuzz.sh --seconds S        seconds per libFuzzer target
#   scripts/fuzz.sh --only frames|libfuzzer
#   scripts/fuzz.sh --only build       only configure and build build-asan (what scripts/test.sh
#                                      runs its sanitizer tests from)
# The frame fuzzer is build/tests/test_fuzz_frames. The libFuzzer targets (tests/fuzz/fuzz_*)
# live in build-asan: clang++, ASan + UBSan (float-cast-overflow too, nothing recovers), -Dfuzz.
# Each starts from its seed corpus in tests/fuzz/corpus/<target>/ (left unchanged); an input that
# crashes is kept in build-asan/fuzz-artifacts/<target>/. The last line is
# "libfuzzer: N passed, N failed" (one per target) or the frame fuzzer's doctest summary.
set -uo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." || exit 1

frames=10000000
seconds=300
only=all
while (($#)); do
	case $1 in
	--frames) frames=$2; shift 2 ;;
	--seconds) seconds=$2; shift 2 ;;
	--only) only=$2; shift 2 ;;
	*) echo "usage: scripts/fuzz.sh [--frames N] [--seconds S] [--only frames|libfuzzer|build]" >&2; exit 2 ;;
	esac
done

# The sanitizer build: clang++ (14 on Debian 12), ASan + UBSan, float-cast-overflow too, nothing
# recovers. Built for speed, the whole slot has to fit CI's budget: -O1 (ASan's advice) and
# -gline-tables-only (file:line in every stack trace, a fraction of full -g's debug info to
# compile and link). -D_Bool=bool: the bpftool skeletons declare `_Bool` fields, which g++
# accepts in C++ and clang++ does not.
asan_options=(-Db_sanitize=address,undefined -Db_lundef=false -Doptimization=1 -Ddebug=false
	"-Dcpp_args=-gline-tables-only -fno-omit-frame-pointer -fsanitize=float-cast-overflow -fno-sanitize-recover=all -D_Bool=bool"
	-Dfuzz=true -Dtools=true -Dexamples=false -Dbench=false)

build_asan() {
	# libFuzzer and the sanitizer runtimes: only recommended by clang, so not always there
	scripts/bootstrap.sh --packages-only libclang-rt-dev >/dev/null || return 1
	if [[ -f build-asan/meson-private/coredata.dat ]]; then
		meson setup --reconfigure build-asan "${asan_options[@]}" >/dev/null || return 1
	else
		CXX=clang++ meson setup build-asan "${asan_options[@]}" >/dev/null || return 1
	fi
	# the libFuzzer targets only: scripts/test.sh builds the tests it runs there
	local targets
	targets=$(ninja -C build-asan -t targets all | awk -F: '/^tests\/fuzz\/fuzz_[a-z_]+: / { print $1 }')
	[[ -n $targets ]] || return 1
	# shellcheck disable=SC2086 # one target per word
	ninja -C build-asan -j2 $targets
}

run_frames() {
	if [[ ! -f build/meson-private/coredata.dat ]]; then
		scripts/bootstrap.sh || return 1
	fi
	ninja -C build tests/test_fuzz_frames >/dev/null || return 1
	XDPFWD_FUZZ_FRAMES=$frames build/tests/test_fuzz_frames
}

run_libfuzzer() {
	local passed=0 failed=0 target name work log artifacts status runs
	for target in build-asan/tests/fuzz/fuzz_*; do
		[[ -f $target && -x $target ]] || continue
		name=$(basename "$target")
		work=$(mktemp -d) # new inputs land here, not in the seed corpus
		log=build-asan/fuzz-artifacts/$name.log
		artifacts=build-asan/fuzz-artifacts/$name
		mkdir -p "$artifacts"
		"$target" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts/" \
			"$work" "tests/fuzz/corpus/$name" >"$log" 2>&1
		status=$?
		rm -rf "$work"
		runs=$(awk '/^stat::number_of_executed_units:/ { print $2 }' "$log")
		if ((status == 0)); then
			echo "libfuzzer $name: ${runs:-?} runs in $seconds s, no crash"
			passed=$((passed + 1))
		else
			echo "libfuzzer $name: FAILED after ${runs:-?} runs (exit $status); input kept in $artifacts/, log $log"
			grep -E -A25 '^==[0-9]+==ERROR|runtime error|deadly signal|ERROR: libFuzzer' "$log" | head -40
			failed=$((failed + 1))
		fi
	done
	if ((passed + failed == 0)); then
		echo "libfuzzer: no targets in build-asan/tests/fuzz (scripts/fuzz.sh --only build)" >&2
		failed=1
	fi
	echo "libfuzzer: $passed passed, $failed failed"
	((failed == 0))
}

status=0
case $only in
build) build_asan || status=1 ;;
frames) run_frames || status=1 ;;
libfuzzer) run_libfuzzer || status=1 ;;
all)
	run_frames || status=1
	{ build_asan >/dev/null && run_libfuzzer; } || status=1
	;;
*) echo "scripts/fuzz.sh: --only frames|libfuzzer|build" >&2; exit 2 ;;
esac
exit "$status"
