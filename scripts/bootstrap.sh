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

# The last two are not always in a minimal Debian: the tests and the demo run sysctl and ethtool.
packages=(clang llvm libbpf-dev bpftool meson ninja-build pkg-config g++ doctest-dev libcli11-dev nlohmann-json3-dev iproute2 iputils-ping
	procps ethtool "${extra[@]}")

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
	apt-get update
	apt-get install -y --no-install-recommends "${missing[@]}"
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
