#!/bin/sh
# Builds one fleet host's root filesystem and hands over to host_provision.sh inside it.
#
# fleet.ts runs this through `unshare --mount --pid --uts --fork`, so it is PID 1 of a new
# PID namespace, in its own mount and UTS namespaces. Its standard input is a pipe from the
# controller: the host lives until that pipe closes (see host_reaper.py).
#
# Usage: host_init.sh NAME ADDRESS HOST_DIR SETUP_DIR
#   HOST_DIR   holds upper/, work/ and merged/ (the overlay over /)
#   SETUP_DIR  the fleet's shared inputs, copied into the host's private /run/fleet
set -eu
name=$1
address=$2
dir=$3
setup=$4
root=$dir/merged

# Nothing mounted here may reach the real machine.
mount --make-rprivate /
hostname "$name"

mount -t overlay overlay -o "lowerdir=/,upperdir=$dir/upper,workdir=$dir/work" "$root"
# A fresh /proc shows only this host's PID namespace.
mount -t proc -o nosuid,nodev,noexec proc "$root/proc"
mount --rbind /dev "$root/dev"
mount -t tmpfs -o mode=1777,nosuid,nodev shm "$root/dev/shm"
mount -o bind,ro /sys "$root/sys"
# Private /tmp and /run: they hide the controller's /tmp (and the fleet's own temp dir)
# only inside this mount namespace.
mount -t tmpfs -o mode=1777,nosuid,nodev tmp "$root/tmp"
mount -t tmpfs -o mode=755,nosuid,nodev run "$root/run"

mkdir -m 700 "$root/run/fleet"
cp "$setup"/* "$root/run/fleet/"
exec chroot "$root" /bin/sh /run/fleet/host_provision.sh "$name" "$address"
