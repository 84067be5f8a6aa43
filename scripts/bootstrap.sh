#!/usr/bin/env bash
# Makes a Debian 12 machine ready to build and run xdpfwd, then builds it into build/.
# Idempotent: installs only what is missing (no network when nothing is), mounts bpffs only
# when it is not mounted, reconfigures an existing build directory. Run as root.
#   scripts/bootstrap.sh                         packages, bpffs, build/
#   scripts/bootstrap.sh --packages-only [PKG...] packages (and PKG...) and bpffs, no build
set -euo pipefail

packages_only=false
extra=()
if [[ ${1:-} == --packages-only ]]; then
	packages_only=true
	shift
	extra=("$@")
fi

cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.."

# procps and ethtool are not always in a minimal Debian: the tests and the demo run sysctl and
# ethtool. libcpp-httplib-dev serves `xdpfwd run --metrics`; the tests scrape it with curl and
# check it with promtool, which only the prometheus package ships (its server is not started).
# bird2: tests/test_e2e_bird.cpp runs BIRD in its namespaces (the system's BIRD is not started).
# qemu-system-x86, busybox-static, kmod, cpio and xz-utils: scripts/vm.sh, which runs the
# end-to-end tests again on Debian's own kernel in a VM; tcpdump: the VLAN tests there read the
# tags and TTLs the hosts receive.
packages=(clang llvm libbpf-dev bpftool meson ninja-build pkg-config g++ doctest-dev libcli11-dev nlohmann-json3-dev
	libcpp-httplib-dev iproute2 iputils-ping procps ethtool curl prometheus bird2
	qemu-system-x86 busybox-static kmod cpio xz-utils tcpdump "${extra[@]}")

# package -> the service it installs and its process name: the tests want the programs only
declare -A services=([prometheus]="prometheus.service prometheus" [bird2]="bird.service bird")

missing=()
for package in "${packages[@]}"; do
	status=$(dpkg-query -W -f='${Status}' "$package" 2>/dev/null || true)
	if [[ $status != "install ok installed" ]]; then
		missing+=("$package")
	fi
done
if ((${#missing[@]})); then
	echo "bootstrap: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# Packages install services (prometheus does) and would start them: a policy-rc.d that forbids
	# starting any, for the duration of the install, unless the machine has one of its own.
	policy=/usr/sbin/policy-rc.d
	own_policy=false
	if [[ ! -e $policy ]]; then
		printf '#!/bin/sh\n# scripts/bootstrap.sh: no service starts while it installs packages\nexit 101\n' >"$policy"
		chmod 755 "$policy"
		own_policy=true
		trap 'rm -f "$policy"' EXIT
	fi
	running_before=" $(pgrep -x 'prometheus|bird' | tr '\n' ' ' || true) "
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
	if $own_policy; then
		rm -f "$policy"
		trap - EXIT
	fi
	for package in "${missing[@]}"; do
		[[ -n ${services[$package]:-} ]] || continue
		read -r unit process <<<"${services[$package]}"
		# off now and at boot. systemctl disable works without a running systemd (it edits the
		# links); deb-systemd-helper, outside dpkg, does nothing
		systemctl disable "$unit" >/dev/null 2>&1 || rm -f "/etc/systemd/system/multi-user.target.wants/$unit"
		systemctl stop "$unit" >/dev/null 2>&1 || true
		for pid in $(pgrep -x "$process" || true); do
			if [[ $running_before != *" $pid "* ]]; then
				echo "bootstrap: stopping the $process server the package started (pid $pid)"
				kill "$pid"
			fi
		done
	done
fi

# xdpfwd itself does not pin anything, but bpftool-based debugging wants bpffs.
if ! mountpoint -q /sys/fs/bpf; then
	if ! { mkdir -p /sys/fs/bpf && mount -t bpf bpf /sys/fs/bpf; } 2>/dev/null; then
		echo "bootstrap: could not mount bpffs at /sys/fs/bpf (not needed to build or run xdpfwd)" >&2
	fi
fi

if $packages_only; then
	exit 0
fi
if [[ -f build/meson-private/coredata.dat ]]; then
	meson setup --reconfigure build
else
	meson setup build
fi
ninja -C build
