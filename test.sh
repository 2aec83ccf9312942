#!/usr/bin/env bash
# Runs every test against real runsc, real SQLite and real HTTP/WebSocket over loopback.
# Installs whatever is missing first (runsc, debootstrap, the sandbox rootfs).
set -euo pipefail
cd "$(dirname "$0")"
export SANDBOX_DATA_DIR=${SANDBOX_DATA_DIR:-/var/lib/gvisor-sandbox}
scripts/install-deps.sh >&2
[ -n "${SANDBOX_ROOTFS:-}" ] || scripts/provision-rootfs.sh
export SANDBOX_ROOTFS=${SANDBOX_ROOTFS:-$SANDBOX_DATA_DIR/rootfs}
dotnet test Sandbox.sln -c Release -nologo "$@"
