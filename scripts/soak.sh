#!/usr/bin/env bash
# The full soak run of issue 8: create -> exec -> kill cycles at 10 concurrent sessions against a real
# in-process node, then checks that no container, mount, bundle, runsc process, file descriptor or
# thread is left and that memory is back near its start (the numbers are printed).
#   scripts/soak.sh [cycles=500] [concurrency=10]
# CI runs the same test with SANDBOX_SOAK_CYCLES unset (60 cycles).
set -euo pipefail
cd "$(dirname "$0")/.."
export SANDBOX_SOAK_CYCLES=${1:-500} SANDBOX_SOAK_CONCURRENCY=${2:-10}
export SANDBOX_ROOTFS=${SANDBOX_ROOTFS:-/var/lib/gvisor-sandbox/rootfs}
exec dotnet test Sandbox.sln -c Release --filter "FullyQualifiedName~Sandbox.Tests.SoakSpec" --logger "console;verbosity=detailed"
