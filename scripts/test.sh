#!/usr/bin/env bash
# Builds (scripts/bootstrap.sh) and runs every test binary (meson test, one at a time: they need
# root and make their own namespaces), then counts doctest test cases across all of them. Then
# the sanitizer slot: a clang build with ASan and UBSan (build-asan, scripts/fuzz.sh --only build)
# runs the tests listed in sanitizer_tests below, and each libFuzzer target runs for 30 s
# (scripts/fuzz.sh --only libfuzzer), each target one case. On 2 cores from a clean clone:
# the slot took 174 s to build, 190 s to test, 93 s to fuzz; the whole script 1110 s (packages
# already installed). The last line is always
# "N passed, N failed[, N skipped]" over all of it; a binary that crashed or timed out without
# doctest's summary counts as one failed case. Exits non-zero when anything failed.
#
# XDPFWD_TEST_BUDGET (seconds, default 1500) bounds the whole meson test run;
# XDPFWD_SANITIZER_BUDGET (default 900) the sanitizer build's; XDPFWD_SANITIZERS=0 skips the slot.
set -uo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." || exit 1
log=build/meson-logs/testlog.txt
asan_log=build-asan/meson-logs/testlog.txt

# Under ASan + UBSan: every test binary (the CLI's tests run build-asan's xdpfwd: meson sets
# XDPFWD_CLI to the CLI of the build it tests), and the frame fuzzer with 200k frames per program.
# All but consumers, which builds and installs another project against the headers: there is
# nothing of ours to sanitize in it.
sanitizer_tests=(smoke api maps redirect_target route_cache upgrade faults support
	packet_pass packet_static packet_map packet_fib e2e_static e2e_map e2e_fib e2e_ecmp e2e_bird e2e_persist
	cli cli_faults run fuzz_frames)

if ((EUID != 0)); then
	echo "test: the tests need root (CAP_BPF and CAP_NET_ADMIN)" >&2
	echo "0 passed, 1 failed"
	exit 1
fi
if ! scripts/bootstrap.sh; then
	echo "test: bootstrap or build failed" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

rm -f "$log"  # never count a previous run's results
timeout --signal=TERM --kill-after=30 "${XDPFWD_TEST_BUDGET:-1500}" \
	meson test -C build --print-errorlogs
meson_status=$?
if ((meson_status == 124)); then
	echo "test: meson test ran out of its ${XDPFWD_TEST_BUDGET:-1500} s budget" >&2
fi

if [[ ! -f $log ]]; then
	echo "test: meson test wrote no $log" >&2
	echo "0 passed, 1 failed"
	exit 1
fi

# The doctest test cases in a meson test log ($1), per binary, then "P passed, F failed, S skipped";
# $2 is meson's exit status (not 0 with no failed case counts as one).
count_cases() {
	# testlog.txt has one block per test: a "==== i/n ====" rule, "test:" and "result:" lines, then
	# the output (doctest draws "====" rules of its own, so only the next block ends one). doctest
	# ends its output with
	#   [doctest] test cases: T | P passed | F failed | S skipped
	awk -v meson_status="$2" '
		function finish() {
			if (!in_test)
				return
			if (summary) {
				if (result != "exit status 0" && f == 0)
					f = 1  # failed after its summary (crash at exit, leak checker, ...)
			} else if (result == "exit status 77") {
				s = 1      # meson skip
			} else {
				p = 0; s = 0; f = 1
				if (result == "exit status 0")
					result = "exit status 0 but no doctest summary"
			}
			printf "  %-16s %d passed, %d failed, %d skipped (%s)\n", name, p, f, s, result
			passed += p; failed += f; skipped += s
			in_test = 0
		}
		{ gsub(/\033\[[0-9;]*m/, "") }
		/^=+ [0-9]+\/[0-9]+ =+$/ {
			finish(); in_test = 1; header = 1; summary = 0; name = "?"; result = "no result"; p = f = s = 0
			next
		}
		!in_test { next }
		/^-+ (stdout|stderr) -+$/ { header = 0; next }
		header && /^test:/ { name = $2; next }
		header && /^result:/ { sub(/^result:[ \t]*/, ""); result = $0; next }
		/^\[doctest\] test cases:/ {
			summary = 1; p = f = s = 0
			n = split($0, parts, "|")
			for (i = 2; i <= n; i++) {
				split(parts[i], words, " ")
				if (words[2] == "passed") p = words[1] + 0
				else if (words[2] == "failed") f = words[1] + 0
				else if (words[2] == "skipped") s = words[1] + 0
			}
		}
		END {
			finish()
			if (meson_status != 0 && failed == 0)
				failed = 1  # meson itself failed (budget, no test log): not a success
			printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
		}
	' "$1"
}

# Every failed doctest assertion in a meson test log ($1): the test, its case and the check, at
# most 6 lines each (meson --print-errorlogs shows only a log's last 100 lines, which can miss it).
failed_checks() {
	awk '
		{ gsub(/\033\[[0-9;]*m/, "") }
		/^test:/ { name = $2 }
		/^TEST CASE:/ { test_case = $0 }
		/: (FATAL )?ERROR: / { left = 6; print "  " name ": " test_case }
		left > 0 { print "    " substr($0, 1, 300); left-- }
	' "$1"
}

# Runs "$@", shows its output and keeps its last line in $last.
last=
show() {
	local out
	out=$(mktemp)
	"$@" >"$out"
	local status=$?
	cat "$out"
	last=$(tail -n 1 "$out")
	rm -f "$out"
	return "$status"
}

echo
echo "== doctest test cases per test binary"
show count_cases "$log" "$meson_status"
read -r passed _ failed _ skipped _ <<<"$last"
if ((failed)); then
	echo "== failed checks"
	failed_checks "$log"
fi

# ---- the sanitizer slot ----------------------------------------------------------------------
sanitizers() {
	local build_status asan_status p f s targets=()
	echo
	echo "== sanitizers: ASan+UBSan build (clang, build-asan)"
	local start=$SECONDS build_log
	build_log=$(mktemp)
	scripts/fuzz.sh --only build >"$build_log" 2>&1
	build_status=$?
	targets=(tools/xdpfwd) # the CLI the cli, cli_faults and run tests exec
	for name in "${sanitizer_tests[@]}"; do
		targets+=("tests/test_$name")
	done
	if ((build_status == 0)); then
		ninja -C build-asan -j2 "${targets[@]}" >>"$build_log" 2>&1
		build_status=$?
	fi
	echo "sanitizers: build took $((SECONDS - start)) s"
	if ((build_status != 0)); then
		tail -n 40 "$build_log"
		rm -f "$build_log"
		echo "sanitizers: the ASan+UBSan build failed"
		failed=$((failed + 1))
		return
	fi
	rm -f "$build_log"
	rm -f "$asan_log"
	start=$SECONDS
	XDPFWD_FUZZ_FRAMES=200000 UBSAN_OPTIONS=print_stacktrace=1 timeout --signal=TERM --kill-after=30 \
		"${XDPFWD_SANITIZER_BUDGET:-900}" meson test -C build-asan --no-rebuild --print-errorlogs "${sanitizer_tests[@]}"
	asan_status=$?
	if [[ ! -f $asan_log ]]; then
		echo "sanitizers: meson test wrote no $asan_log"
		failed=$((failed + 1))
		return
	fi
	echo "== doctest test cases per test binary, ASan+UBSan build"
	show count_cases "$asan_log" "$asan_status"
	read -r p _ f _ s _ <<<"$last"
	if ((f)); then
		echo "== failed checks, ASan+UBSan build"
		failed_checks "$asan_log"
	fi
	echo "sanitizers: ASan+UBSan build, $p passed, $f failed (${#sanitizer_tests[@]} test binaries, $((SECONDS - start)) s)"
	passed=$((passed + p)) failed=$((failed + f)) skipped=$((skipped + s))

	echo
	echo "== libFuzzer targets, 30 s each"
	start=$SECONDS
	show scripts/fuzz.sh --only libfuzzer --seconds 30
	if [[ $last =~ ^libfuzzer:\ ([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
		passed=$((passed + BASH_REMATCH[1])) failed=$((failed + BASH_REMATCH[2]))
	else
		failed=$((failed + 1))
	fi
	echo "libfuzzer: $((SECONDS - start)) s"
}
if [[ ${XDPFWD_SANITIZERS:-1} != 0 ]]; then
	sanitizers
fi

if ((skipped)); then
	echo "$passed passed, $failed failed, $skipped skipped"
else
	echo "$passed passed, $failed failed"
fi
((failed == 0))
