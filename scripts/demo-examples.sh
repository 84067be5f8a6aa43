#!/usr/bin/env bash
# The teaching case end to end: hosts `uno` and `dos` behind a router, each in its own network
# namespace, and the router forwarding between them in XDP three ways (static dos -> uno, map
# both ways, fib both ways), each through one of the example programs. Pings v4 and v6 across,
# prints what each program counted, exits non-zero when a mode did not forward.
#
#   uno ns                      router ns                      dos ns
#   veth0 --------------------- uno      dos ------------------ veth0
#   192.0.2.2/24        192.0.2.1/24     198.51.100.1/24        198.51.100.2/24
#   2001:db8:1::2/64  2001:db8:1::1/64   2001:db8:2::1/64       2001:db8:2::2/64
#
# Only documentation addresses; nothing in the root namespace is touched. Needs root.
set -euo pipefail

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."
if ((EUID != 0)); then
	echo "demo: needs root (CAP_BPF and CAP_NET_ADMIN)" >&2
	exit 1
fi

scripts/bootstrap.sh

prefix="xfwd-demo-$$"
router="$prefix-router" uno="$prefix-uno" dos="$prefix-dos"
examples="$PWD/build/examples"
work=$(mktemp -d)
example_pid=""

cleanup() {
	local status=$?
	trap - EXIT INT TERM
	if [[ -n $example_pid ]]; then
		kill -TERM "$example_pid" 2>/dev/null || true
		wait "$example_pid" 2>/dev/null || true
	fi
	for ns in "$router" "$uno" "$dos"; do
		ip netns del "$ns" 2>/dev/null || true
	done
	rm -rf "$work"
	exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

in_ns() { ip netns exec "$@"; }

echo "== scenario: namespaces $router, $uno, $dos"
for ns in "$router" "$uno" "$dos"; do
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	in_ns "$ns" sysctl -qw net.ipv6.conf.default.accept_dad=0 net.ipv6.conf.all.accept_dad=0
done
in_ns "$router" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# host NAME V4 V6 GW4 GW6: a veth named NAME in the router, its peer veth0 in the host's namespace
host() {
	local name=$1 ns=$2 v4=$3 v6=$4 gw4=$5 gw6=$6
	ip -n "$router" link add "$name" type veth peer name veth0 netns "$ns"
	ip -n "$router" addr add "$gw4/24" dev "$name"
	ip -n "$router" addr add "$gw6/64" dev "$name" nodad
	ip -n "$router" link set "$name" up
	ip -n "$ns" addr add "$v4/24" dev veth0
	ip -n "$ns" addr add "$v6/64" dev veth0 nodad
	ip -n "$ns" link set veth0 up
	ip -n "$ns" route add default via "$gw4"
	ip -n "$ns" -6 route add default via "$gw6"
}
host uno "$uno" 192.0.2.2 2001:db8:1::2 192.0.2.1 2001:db8:1::1
host dos "$dos" 198.51.100.2 2001:db8:2::2 198.51.100.1 2001:db8:2::1

mac_of() { ip -n "$1" link show "$2" | awk '/link\/ether/ { print $2 }'; }

echo "== the veth peers need an XDP program to receive redirects: xdpfwd_pass, persistent"
in_ns "$uno" "$examples/pass_attach" veth0
in_ns "$dos" "$examples/pass_attach" veth0

failures=0
summary=()

# run_mode NAME PING_SPECS -- EXAMPLE ARGS...: starts the example in the router namespace,
# pings (each spec "FROM_NS ADDRESS"), stops it with SIGTERM and checks its XDP_REDIRECT count.
run_mode() {
	local mode=$1 pings=$2 out="$work/$1.out" ok=1 from address shown
	shift 3
	echo
	echo "== $mode: $*"
	# not through in_ns: a backgrounded function is a subshell, and $! would be its pid
	ip netns exec "$router" "$examples/$1" "${@:2}" --seconds 30 >"$out" 2>&1 &
	example_pid=$!  # the example itself: `ip netns exec` execs it without forking
	for _ in $(seq 50); do
		grep -q '^running' "$out" && break
		kill -0 "$example_pid" 2>/dev/null || break
		sleep 0.1
	done
	cat "$out"
	if ! grep -q '^running' "$out"; then
		echo "demo: $1 did not start" >&2
		exit 1
	fi
	shown=$(wc -l <"$out")
	while read -r from address; do
		[[ -n $from ]] || continue
		if in_ns "$from" ping -q -c 3 -i 0.2 -w 3 "$address" >"$work/ping" 2>&1; then
			echo "ping ${from#"$prefix-"} -> $address: $(grep -o '[0-9]* received' "$work/ping")"
		else
			echo "ping ${from#"$prefix-"} -> $address: FAILED"
			cat "$work/ping"
			ok=0
		fi
	done <<<"$pings"
	kill -TERM "$example_pid" 2>/dev/null || true  # it may have stopped by itself
	wait "$example_pid" || ok=0
	example_pid=""
	tail -n "+$((shown + 1))" "$out"
	local redirected
	redirected=$(awk '$1 == "XDP_REDIRECT" { print $2 }' "$out")
	if ((ok)) && [[ ${redirected:-0} -gt 0 ]]; then
		summary+=("$mode: forwarded, $redirected packets redirected in XDP")
	else
		summary+=("$mode: FAILED (${redirected:-0} packets redirected)")
		failures=$((failures + 1))
	fi
}

run_mode static "$dos 192.0.2.2
$dos 2001:db8:1::2" -- static_forward dos uno "$(mac_of "$uno" veth0)" "$(mac_of "$router" uno)"

both_ways="$dos 192.0.2.2
$dos 2001:db8:1::2
$uno 198.51.100.2
$uno 2001:db8:2::2"
run_mode map "$both_ways" -- map_forward uno dos
run_mode fib "$both_ways" -- fib_forward uno dos

echo
echo "== what the veth peers' xdpfwd_pass received, and detaching it"
for ns in "$uno" "$dos"; do
	echo "${ns#"$prefix-"}:"
	in_ns "$ns" "$examples/pass_attach" veth0 --detach
done

echo
printf '%s\n' "${summary[@]}"
if ((failures)); then
	echo "demo: $failures mode(s) did not forward" >&2
	exit 1
fi
echo "demo: all three modes forwarded"
