#!/usr/bin/env bash
# Builds (scripts/bootstrap.sh) and runs every test binary (meson test, one at a time: they need
# root and make their own namespaces), then counts doctest test cases across all of them. The
# last line is always "N passed, N failed[, N skipped]"; a binary that crashed or timed out
# without doctest's summary counts as one failed case. Exits non-zero when anything failed.
#
# XDPFWD_TEST_BUDGET (seconds, default 1500) bounds the whole meson test run.
set -uo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." || exit 1
log=build/meson-logs/testlog.txt

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

echo
echo "== doctest test cases per test binary"
# testlog.txt has one block per test: a "==== i/n ====" rule, "test:" and "result:" lines, then
# the output (doctest draws "====" rules of its own, so only the next block ends one). doctest
# ends its output with
#   [doctest] test cases: T | P passed | F failed | S skipped
awk -v meson_status="$meson_status" '
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
		if (skipped)
			printf "%d passed, %d failed, %d skipped\n", passed, failed, skipped
		else
			printf "%d passed, %d failed\n", passed, failed
		exit failed != 0  # the status of this script
	}
' "$log"
