#!/usr/bin/env bash
# The three ways another project uses xdpfwd, each built from scratch and run:
#   1. installed headers + pkg-config, 2. a meson subproject, 3. the in-tree dependency (the
#   other tests). Prints a doctest-style summary so the test runner counts its cases.
# usage: check.sh SOURCE_ROOT BUILD_ROOT
set -u
src=$1 build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0

case_ok() { echo "ok: $1"; passed=$((passed + 1)); }
case_fail() { echo "FAILED: $1"; failed=$((failed + 1)); }

# 1. pkg-config: install into a staging root, compile with nothing but `pkg-config --cflags --libs`
if meson install -C "$build" --destdir "$work/root" --no-rebuild >"$work/install.log" 2>&1; then
	pc=$(find "$work/root" -name xdpfwd.pc | head -n1)
	prefix=$(sed -n 's/^prefix=//p' "$pc")
	flags=$(PKG_CONFIG_PATH=$(dirname "$pc") pkg-config --define-variable=prefix="$work/root$prefix" --cflags --libs xdpfwd)
	if c++ -Wall -Wextra $flags "$src/tests/consumers/app/main.cpp" -o "$work/app-pc" $flags &&
		"$work/app-pc"; then
		case_ok "pkg-config consumer ($flags)"
	else
		case_fail "pkg-config consumer"
	fi
else
	cat "$work/install.log"
	case_fail "meson install"
fi

# 2. meson subproject: dependency('xdpfwd') resolved through meson.override_dependency
cp -r "$src/tests/consumers/app" "$work/app"
mkdir -p "$work/app/subprojects/xdpfwd"
(cd "$src" && cp -r meson.build meson_options.txt include bpf "$work/app/subprojects/xdpfwd/")
if meson setup "$work/app-build" "$work/app" >"$work/setup.log" 2>&1 &&
	ninja -C "$work/app-build" >"$work/build.log" 2>&1 && "$work/app-build/app"; then
	case_ok "meson subproject consumer"
else
	tail -n 30 "$work/setup.log" "$work/build.log" 2>/dev/null
	case_fail "meson subproject consumer"
fi

echo "[doctest] test cases: $((passed + failed)) | $passed passed | $failed failed | 0 skipped"
[ "$failed" -eq 0 ]
