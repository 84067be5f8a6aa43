#!/bin/bash
# The VM's second stage, PID 1 on the host's root (read-only 9p under a tmpfs overlay; see
# vm/init): mounts what a Debian system has mounted, makes the guest kernel's modules reachable
# at /lib/modules/<version> (so the kernel's own module autoloading works too), runs the
# command that scripts/vm.sh wrote to the run's share, writes its exit status there and powers
# off. scripts/vm.sh copies this file into the share for every run.
set -u
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
share=/run/xdpfwd-vm
# shellcheck source=/dev/null
. "$share/settings" # kernel_version, modules_dir, preload_modules, tty_settings

mount -t tmpfs -o mode=1777,nosuid,nodev shm /dev/shm 2>/dev/null || { mkdir -p /dev/shm && mount -t tmpfs -o mode=1777 shm /dev/shm; }
mkdir -p /dev/pts && mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts
mount -t bpf -o mode=700 bpf /sys/fs/bpf
mount -t cgroup2 cgroup2 /sys/fs/cgroup
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

mkdir -p "/lib/modules/$kernel_version"
mount --bind "$modules_dir" "/lib/modules/$kernel_version"
# shellcheck disable=SC2086 # a list of module names
if [[ -n $preload_modules ]] && ! modprobe -a $preload_modules; then
	echo "vm: could not load every module of: $preload_modules" >&2
fi

hostname xdpfwd-vm
ip link set lo up

# Serial output without \r unless a person watches it (scripts/vm.sh decides)
# shellcheck disable=SC2086
stty -F /dev/ttyS0 $tty_settings

cut -d' ' -f1 /proc/uptime >"$share/started"
setsid --ctty --wait /bin/bash "$share/command" </dev/ttyS0 >/dev/ttyS0 2>&1
status=$?

echo "$status" >"$share/status.tmp" && mv "$share/status.tmp" "$share/status"
sync
# busybox-static's poweroff -f is the reboot(2) system call itself: it does not return
busybox poweroff -f
echo o >/proc/sysrq-trigger # then sysrq's poweroff, which is asynchronous
sleep 30                    # and PID 1 must not exit meanwhile (the kernel would panic)
