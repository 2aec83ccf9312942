#!/usr/bin/env bash
# Runs the sandbox host in the foreground with the embedded default (one process, both roles,
# SQLite journal, state under SANDBOX_DATA_DIR). Installs whatever is missing first: runsc from
# bookworm-backports, debootstrap, the sandbox rootfs, and the build.
set -euo pipefail
cd "$(dirname "$0")"
export SANDBOX_DATA_DIR=${SANDBOX_DATA_DIR:-/var/lib/gvisor-sandbox}
# The embedded default turns checkpoints and filesystem snapshots on, stored under the data directory,
# unless a mount path or a bucket is configured.
if [ -z "${SANDBOX_CHECKPOINT_MOUNT_PATH:-}${SANDBOX_CHECKPOINT_BUCKET:-}" ]; then
  export SANDBOX_CHECKPOINT_MOUNT_PATH=$SANDBOX_DATA_DIR/checkpoints
fi
if [ -z "${FILESYSTEM_SNAPSHOT_MOUNT_PATH:-}${FILESYSTEM_SNAPSHOT_BUCKET:-}" ]; then
  export FILESYSTEM_SNAPSHOT_MOUNT_PATH=$SANDBOX_DATA_DIR/snapshots
fi
scripts/install-deps.sh >&2
[ -n "${SANDBOX_ROOTFS:-}" ] || scripts/provision-rootfs.sh
dotnet build Sandbox.Host/Sandbox.Host.csproj -c Release -nologo -v quiet -clp:ErrorsOnly >&2
exec dotnet Sandbox.Host/bin/Release/net10.0/Sandbox.Host.dll
