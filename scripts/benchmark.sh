#!/usr/bin/env bash
# Benchmarks a RUNNING sandbox host over its public WebSocket and HTTP protocol: create, exec round
# trip, kill, POST /execute (latency and requests/s), checkpoint/restore, and memory per idle sandbox,
# at several concurrency levels. It does not start a server: run ./run.sh in another shell first.
#
#   scripts/benchmark.sh --url http://127.0.0.1:8080 --out bench.json
#   scripts/benchmark.sh --concurrency 1,5 --iterations 5 --only lifecycle,http
#   scripts/benchmark.sh --help        # every option
#
# Builds Sandbox.Benchmark in Release, then runs it with all arguments passed through; relative paths
# (--out) are taken from the caller's directory. The table goes to stdout, progress to stderr, the full
# results (with every sample) to --out (default benchmark-results.json). Memory figures read the
# server's and runsc's /proc entries, so run it as the server's user (root) on the server's machine.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dotnet build "$repo/Sandbox.Benchmark/Sandbox.Benchmark.csproj" -c Release -nologo -v quiet "-clp:ErrorsOnly;NoSummary" >&2
exec dotnet "$repo/Sandbox.Benchmark/bin/Release/net10.0/Sandbox.Benchmark.dll" "$@"
