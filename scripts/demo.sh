#!/usr/bin/env bash
# The README's main job: installs what is missing and builds (scripts/bootstrap.sh), then
# `xdpfwd demo`: builds a uno/dos/router namespace scenario with a unique prefix, forwards IPv4
# and IPv6 pings in static, map and fib mode (full and direct lookups), prints the router's XDP
# statistics for each, and removes everything again, also on failure or Ctrl-C.
# Exit status: 0 when every mode forwarded, non-zero otherwise.
# scripts/demo-examples.sh does the same with the example programs instead of the command line.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
if ((EUID != 0)); then
	echo "demo: needs root (namespaces, BPF and XDP: CAP_SYS_ADMIN, CAP_NET_ADMIN, CAP_BPF)" >&2
	exit 1
fi
scripts/bootstrap.sh
exec build/tools/xdpfwd demo "$@"
