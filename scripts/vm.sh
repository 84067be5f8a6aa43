#!/usr/bin/env bash
# Runs a command on Debian's own kernel, in a VM, and returns its exit status:
#   scripts/vm.sh [--kernel-version V] [--timeout S] -- COMMAND [ARG...]
#   scripts/vm.sh [--kernel-version V] --prepare      download and build the cache only
# The kernel is Debian's linux-image-V-unsigned package (default: the one linux-image-amd64
# depends on, i.e. what a Debian 12 machine boots), downloaded with apt-get and extracted into
# a cache (.cache/vm/V/ in the repository; XDPFWD_VM_CACHE moves it), never installed. The
# guest sees the host's root read-only under a tmpfs overlay (writes vanish with the VM), runs
# COMMAND as root in the caller's working directory with the caller's XDPFWD_*, CI, LANG and
# *SAN_OPTIONS variables, and powers off. Console output (the command's, and kernel warnings)
# goes to stdout.
#
# Environment: XDPFWD_VM_KERNEL (the version, as --kernel-version); XDPFWD_VM_ACCEL auto
# (default: KVM when /dev/kvm can boot a stock kernel, see choose_accel), tcg or kvm; XDPFWD_VM_CPUS (2), XDPFWD_VM_MEMORY (2G), XDPFWD_VM_TIMEOUT (600 s,
# --timeout wins): then qemu is killed and the exit status is 124.
# XDPFWD_VM_APPEND adds to the kernel's command line, which has mitigations=off: under TCG the
# speculation mitigations (emulated MSR writes on every kernel entry and exit) made the tests
# twice as slow; root's BPF programs are verified the same either way (they bypass the
# verifier's Spectre checks with CAP_PERFMON).
# Exit status: COMMAND's; 124 on timeout; 125 when the VM could not run it; 2 on usage errors.
# Root is needed only to install packages and to fill the cache.
set -euo pipefail

repo=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)
cache=${XDPFWD_VM_CACHE:-$repo/.cache/vm}
# Built into the initramfs: what it takes to reach the host's root (in this order, with their
# dependencies first, as `modprobe --show-depends` lists them).
initramfs_modules=(virtio_pci 9pnet_virtio 9p overlay)
# Loaded before the command (XDPFWD_VM_MODULES, a list; none by default): the whole module tree
# of the kernel is at /lib/modules/<version> in the guest, so `ip link add ... type veth`,
# `type vlan`, `type bridge`, `type vxlan`, `type macvlan` and the rest load theirs on demand.
preload_modules=${XDPFWD_VM_MODULES:-}
# Commands scripts/vm.sh needs, and the Debian packages they come in (scripts/bootstrap.sh
# installs them).
declare -A tools=([qemu-system-x86_64]=qemu-system-x86 [modprobe]=kmod [depmod]=kmod [cpio]=cpio [xz]=xz-utils
	[busybox]=busybox-static)

usage() {
	sed -n '2,5p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
	exit 2
}
die() {
	echo "vm: $*" >&2
	exit 125
}

kernel_version=${XDPFWD_VM_KERNEL:-}
timeout=${XDPFWD_VM_TIMEOUT:-600}
prepare_only=false
while (($#)); do
	case $1 in
	--kernel-version) (($# >= 2)) || usage; kernel_version=$2; shift 2 ;;
	--timeout) (($# >= 2)) || usage; timeout=$2; shift 2 ;;
	--prepare) prepare_only=true; shift ;;
	--) shift; break ;;
	-h | --help) usage ;;
	*) usage ;;
	esac
done
if ! $prepare_only && (($# == 0)); then
	usage
fi

need_root() {
	((EUID == 0)) || die "$* needs root"
}

# -- packages ------------------------------------------------------------------------------------
busybox_static() {
	# busybox-static's binary; the dynamically linked busybox package installs the same path
	dpkg-query -W -f='${Status}' busybox-static 2>/dev/null | grep -q 'install ok installed' && echo /bin/busybox
}
missing=()
for tool in "${!tools[@]}"; do
	if ! command -v "$tool" >/dev/null && ! [[ -x /usr/sbin/$tool || -x /sbin/$tool ]]; then
		missing+=("${tools[$tool]}")
	fi
done
if [[ -z $(busybox_static) ]]; then
	missing+=(busybox-static)
fi
if ((${#missing[@]})); then
	need_root "installing ${missing[*]}"
	"$repo/scripts/bootstrap.sh" --packages-only "${missing[@]}" >&2 || die "could not install ${missing[*]}"
fi
export PATH=$PATH:/usr/sbin:/sbin

# -- the kernel ----------------------------------------------------------------------------------
# The version Debian 12's linux-image-amd64 depends on (6.1.0-N-amd64): what apt gives its users.
default_version() {
	apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/^ *Depends: linux-image-\([0-9][^ ]*-amd64\)$/\1/p' | head -n 1
}
if [[ -z $kernel_version ]]; then
	kernel_version=$(default_version)
	if [[ -z $kernel_version ]]; then
		need_root "apt-get update (to find Debian's kernel version)"
		apt-get update >&2 || true
		kernel_version=$(default_version)
	fi
	[[ -n $kernel_version ]] || die "apt-cache names no linux-image-*-amd64 for linux-image-amd64; pass --kernel-version"
fi
case $kernel_version in
*-cloud-amd64) die "$kernel_version: the cloud flavour has no 9p, which the VM mounts the host's root with" ;;
*/* | *' '* | '') die "not a kernel version: '$kernel_version'" ;;
esac
dir=$cache/$kernel_version
modules_dir=$dir/modules/lib/modules/$kernel_version

# The uncompressed vmlinux out of a bzImage ($1) whose payload is xz (Debian's), to $2: like the
# kernel's scripts/extract-vmlinux, tries each xz magic until one decompresses to an ELF file.
# qemu boots an ELF vmlinux directly (PVH entry), skipping the decompressor: 5 s to the first
# command instead of 13 s under TCG.
extract_vmlinux() {
	local offset
	for offset in $(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$1" | cut -d: -f1); do
		tail -c "+$((offset + 1))" "$1" | xz -dc --single-stream >"$2" 2>/dev/null || true
		if [[ $(head -c 4 "$2" | od -An -tx1 | tr -d ' \n') == 7f454c46 ]]; then
			return 0
		fi
	done
	return 1
}

fetch_kernel() {
	need_root "downloading linux-image-$kernel_version-unsigned"
	local package=linux-image-$kernel_version-unsigned tmp
	tmp=$(mktemp -d "$cache/fetch.XXXXXX")
	scratch=$tmp
	echo "vm: downloading $package (once; cached in $dir)" >&2
	if ! (cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$package" >&2); then
		apt-get update >&2 || true
		(cd "$tmp" && apt-get download -q -o APT::Sandbox::User=root "$package" >&2) ||
			die "apt-get download $package failed"
	fi
	dpkg-deb -x "$tmp"/*.deb "$tmp/root"
	mkdir -p "$tmp/out/modules/lib/modules"
	extract_vmlinux "$tmp/root/boot/vmlinuz-$kernel_version" "$tmp/out/vmlinux" ||
		die "no xz-compressed ELF kernel in vmlinuz-$kernel_version"
	cp "$tmp/root/boot/config-$kernel_version" "$tmp/out/config"
	local shipped
	for shipped in "$tmp/root/lib/modules/$kernel_version" "$tmp/root/usr/lib/modules/$kernel_version"; do
		if [[ -d $shipped ]]; then
			mv "$shipped" "$tmp/out/modules/lib/modules/"
		fi
	done
	# the package ships no modules.dep: its postinst would run depmod
	depmod -b "$tmp/out/modules" "$kernel_version" || die "depmod for $kernel_version failed"
	rm -rf "$dir"
	mv "$tmp/out" "$dir"
	rm -rf "$tmp"
}

# A busybox initramfs: vm/init, a static busybox, and the modules of initramfs_modules.
build_initramfs() {
	need_root "building the initramfs"
	local tmp module path depends seen=" "
	tmp=$(mktemp -d "$cache/initramfs.XXXXXX")
	scratch=$tmp
	mkdir -p "$tmp"/{bin,dev,proc,sys,modules}
	cp "$(busybox_static)" "$tmp/bin/busybox"
	cp "$repo/vm/init" "$tmp/init"
	chmod 755 "$tmp/init"
	mknod -m 600 "$tmp/dev/console" c 5 1 # the kernel opens it before /init runs
	: >"$tmp/modules/order"
	for module in "${initramfs_modules[@]}"; do
		depends=$(modprobe -d "$dir/modules" -S "$kernel_version" --show-depends "$module") ||
			die "$kernel_version has no module $module"
		while read -r verb path _; do
			if [[ $verb != insmod || $seen == *" $path "* ]]; then
				continue # "builtin NAME", or already listed
			fi
			seen+="$path "
			cp "$path" "$tmp/modules/"
			basename "$path" >>"$tmp/modules/order"
		done <<<"$depends"
	done
	(cd "$tmp" && find . -print0 | LC_ALL=C sort -z | cpio -o -0 -H newc --quiet | gzip -1) >"$tmp.cpio.gz"
	mv "$tmp.cpio.gz" "$dir/initramfs.cpio.gz"
	rm -rf "$tmp"
}

# what a failed or interrupted preparation leaves behind
scratch=
trap '[[ -z $scratch ]] || rm -rf "$scratch" "$scratch.cpio.gz"' EXIT
mkdir -p "$cache" 2>/dev/null || die "cannot create $cache"
exec {lock}>>"$cache/.lock"
flock "$lock" # one run fills the cache; the others wait for it
if [[ ! -s $dir/vmlinux || ! -f $modules_dir/modules.dep ]]; then
	fetch_kernel
fi
stamp=$(cat "$repo/vm/init" "$(busybox_static)" | sha256sum | cut -c1-16)
stamp+=" ${initramfs_modules[*]}"
if [[ ! -f $dir/initramfs.cpio.gz || $(cat "$dir/initramfs.stamp" 2>/dev/null) != "$stamp" ]]; then
	build_initramfs
	echo "$stamp" >"$dir/initramfs.stamp"
fi
flock -u "$lock" # qemu reads the files at start; a later rebuild replaces them by rename
if $prepare_only; then
	echo "vm: $dir is ready"
	exit 0
fi

# -- the VM --------------------------------------------------------------------------------------
# KVM only where it can boot a stock kernel: the CPU offers VMX or SVM and /dev/kvm is not a
# PVM hypervisor (kvm_pvm runs only kernels built for it). Elsewhere TCG, emulated.
choose_accel() {
	case ${XDPFWD_VM_ACCEL:-auto} in
	kvm | tcg) echo "$XDPFWD_VM_ACCEL" ;;
	auto)
		if [[ -r /dev/kvm && -w /dev/kvm && ! -d /sys/module/kvm_pvm ]] && grep -qwE 'vmx|svm' /proc/cpuinfo; then
			echo kvm
		else
			echo tcg
		fi
		;;
	*) die "XDPFWD_VM_ACCEL is auto, kvm or tcg, not '$XDPFWD_VM_ACCEL'" ;;
	esac
}
accel=$(choose_accel)
cpu=max
[[ $accel == kvm ]] && cpu=host

run=$(mktemp -d "${TMPDIR:-/tmp}/xdpfwd-vm.XXXXXX")
qemu_pid=
cleanup() {
	if [[ -n $qemu_pid ]]; then
		kill -TERM "$qemu_pid" 2>/dev/null || true
		wait "$qemu_pid" 2>/dev/null || true
	fi
	rm -rf "$run"
}
trap cleanup EXIT
trap 'exit 143' TERM
trap 'exit 130' INT
trap 'exit 129' HUP

cp "$repo/vm/stage2.sh" "$run/stage2.sh"
# A person at a terminal gets \r\n and the terminal's size; logs get bare \n.
tty_settings=-onlcr
if [[ -t 0 && -t 1 ]]; then
	tty_settings="onlcr $(stty size | awk '{ print "rows", $1, "cols", $2 }')"
fi
{
	printf 'kernel_version=%q\n' "$kernel_version"
	printf 'modules_dir=%q\n' "$modules_dir"
	printf 'preload_modules=%q\n' "$preload_modules"
	printf 'tty_settings=%q\n' "$tty_settings"
} >"$run/settings"
{
	printf 'cd -- %q || exit 125\n' "$PWD"
	while read -r name; do
		if [[ $name =~ ^(XDPFWD_.*|CI|LANG|LC_ALL|[A-Z]+SAN_OPTIONS)$ && $name != XDPFWD_VM_* ]]; then
			printf 'export %s=%q\n' "$name" "${!name}"
		fi
	done < <(compgen -e)
	if [[ $tty_settings == -onlcr ]]; then
		echo 'export TERM=dumb'
	else
		printf 'export TERM=%q\n' "${TERM:-vt100}"
	fi
	printf 'exec'
	printf ' %q' "$@"
	printf '\n'
} >"$run/command"

start=$SECONDS
exec {stdin}<&0
# --foreground: qemu may read the terminal (it has no children to time out)
timeout --foreground --kill-after=10 "$timeout" qemu-system-x86_64 \
	-accel "$accel" -cpu "$cpu" -M q35 -smp "${XDPFWD_VM_CPUS:-2}" -m "${XDPFWD_VM_MEMORY:-2G}" \
	-nodefaults -display none -serial mon:stdio -no-reboot \
	-kernel "$dir/vmlinux" -initrd "$dir/initramfs.cpio.gz" \
	-append "console=ttyS0 quiet panic=-1 mitigations=off ${XDPFWD_VM_APPEND:-}" \
	-virtfs "local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap" \
	-virtfs "local,path=$run,mount_tag=run,security_model=none" <&"$stdin" &
qemu_pid=$!
qemu_status=0
wait "$qemu_pid" || qemu_status=$?
qemu_pid=

if [[ -f $run/status ]]; then
	status=$(<"$run/status")
	echo "vm: Linux $kernel_version ($accel): the command started $(cat "$run/started" 2>/dev/null) s after boot;" \
		"exit status $status; $((SECONDS - start)) s in the VM" >&2
	exit "$status"
elif ((qemu_status == 124)); then
	echo "vm: Linux $kernel_version ($accel): timed out after $timeout s; qemu killed" >&2
	exit 124
fi
echo "vm: Linux $kernel_version ($accel): the guest gave no exit status (qemu exited with $qemu_status)" >&2
exit 125
