#!/usr/bin/env bash
# Provisions the sandbox root filesystem once: Debian bookworm minbase with python3, made by
# debootstrap from the machine's configured apt mirror. Sandboxes never see the host's `/`.
#
#   scripts/provision-rootfs.sh [DIR]     DIR defaults to $SANDBOX_ROOTFS or $SANDBOX_DATA_DIR/rootfs
#
# The directory is built beside its final place and renamed when complete, so an interrupted run
# never leaves a half-made rootfs that later runs would trust. An operator who brings an image
# directory sets SANDBOX_ROOTFS to it and never runs this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
data_dir=${SANDBOX_DATA_DIR:-/var/lib/gvisor-sandbox}
target=${1:-${SANDBOX_ROOTFS:-$data_dir/rootfs}}

if [ -x "$target/usr/bin/python3" ] && [ -f "$target/.sandbox-rootfs-complete" ]; then
  exit 0
fi

source "$here/lib-mirror.sh"
mirror=$(debian_mirror)
mkdir -p "$(dirname "$target")"
work="$target.partial.$$"
rm -rf "$work"
trap 'rm -rf "$work"' EXIT
echo "provisioning sandbox rootfs into $target from $mirror (about a minute) ..." >&2
debootstrap --variant=minbase --include=python3 bookworm "$work" "$mirror" >"$work.log" 2>&1 || {
  tail -n 20 "$work.log" >&2; rm -f "$work.log"; exit 1; }
rm -f "$work.log"
# The image is only ever read (each sandbox writes to its own overlay), so drop what debootstrap
# caches and what a sandbox has no use for.
rm -rf "$work/var/cache/apt/archives/"*.deb "$work/var/lib/apt/lists/"*
# gVisor mounts its own tmpfs on /tmp when the image's /tmp is empty; a marker keeps /tmp in the
# sandbox's writable layer, so files written there reach snapshots and checkpoints.
touch "$work/tmp/.sandbox-keep"
touch "$work/.sandbox-rootfs-complete"
rm -rf "$target"
mv "$work" "$target"
trap - EXIT
echo "rootfs ready: $target" >&2
