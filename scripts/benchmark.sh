#!/usr/bin/env bash
# Benchmarks a RUNNING sandbox host over its public WebSocket and HTTP protocol: create, exec round
# trip, kill, POST /execute (latency and requests/s), checkpoint/restore, and memory per idle sandbox,
# at several concurrency levels. It does not start a server: run ./run.sh in another shell first.
#
#   scripts/benchmark.sh --url http://127.0.0.1:8080 --out bench.json
#   scripts/benchmark.sh --concurrency 1,5 --iterations 5 --only lifecycle,http
#   scripts/benchmark.sh --help        # every option
#   scripts/benchmark.sh network       # networking's cost (issue 14), on nodes of its own; see below
#
# Builds Sandbox.Benchmark in Release, then runs it with all arguments passed through; relative paths
# (--out) are taken from the caller's directory. The table goes to stdout, progress to stderr, the full
# results (with every sample) to --out (default benchmark-results.json). Memory figures read the
# server's and runsc's /proc entries, so run it as the server's user (root) on the server's machine.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)

# Networking is measured on nodes this command starts itself, inside network namespaces it makes (a
# node and a fake internet with its own HTTP servers and DNS, see DEVELOPERS.md): never against the
# running server, never towards a real address. It runs the measurement specs and prints their
# numbers: server create from the warm pool with a policy against networking off, runsc start with
# and without a network, attach and policy change, and NAT throughput (iperf3 and out of gVisor).
if [ "${1:-}" = network ]; then
  shift
  command -v iperf3 >/dev/null && command -v dnsmasq >/dev/null || {
    echo "benchmark network: needs iperf3 and dnsmasq (scripts/install-deps.sh installs them)" >&2; exit 2; }
  export SANDBOX_ROOTFS=${SANDBOX_ROOTFS:-${SANDBOX_DATA_DIR:-/var/lib/gvisor-sandbox}/rootfs}
  log=$(mktemp)
  trap 'rm -f "$log"' EXIT
  status=0
  dotnet test "$repo/Sandbox.Tests/Sandbox.Tests.csproj" -c Release -nologo "$@" \
    --filter "FullyQualifiedName~NetworkMeasurementSpec|FullyQualifiedName~NetworkedCreateMeasurementSpec" \
    --logger "console;verbosity=detailed" -- xUnit.ParallelizeTestCollections=false > "$log" 2>&1 || status=$?
  # one measurement at a time (two collections at once share the 2 cores and inflate each other);
  # the specs' own lines (one space in front) under the name of the measurement that printed them
  awk '/^  (Passed|Failed) /{ sub(/^  /, ""); print ""; print; next } /^ Total time/ { next } /^ [^ ]/ { print }' "$log"
  if [ "$status" -ne 0 ]; then echo "benchmark network: a measurement failed; the test log follows" >&2; cat "$log" >&2; fi
  exit "$status"
fi

dotnet build "$repo/Sandbox.Benchmark/Sandbox.Benchmark.csproj" -c Release -nologo -v quiet "-clp:ErrorsOnly;NoSummary" >&2
exec dotnet "$repo/Sandbox.Benchmark/bin/Release/net10.0/Sandbox.Benchmark.dll" "$@"
