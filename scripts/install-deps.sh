#!/usr/bin/env bash
# Installs the host packages the sandbox host needs, once: gVisor's runsc from bookworm-backports
# (bookworm's own 20221219 build breaks `ls` and `stat` inside sandboxes), debootstrap for the
# rootfs, and the .NET SDK check. Safe to run again: it only installs what is missing.
set -euo pipefail

need_runsc() {
  command -v runsc >/dev/null 2>&1 || return 0
  # 20240729 or newer is required; older builds break everyday tools inside the sandbox.
  local v; v=$(runsc --version 2>/dev/null | grep -oE '[0-9]{8}' | sed -n 1p || true)
  [ -z "$v" ] || [ "$v" -lt 20240729 ]
}

here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib-mirror.sh"

apt_updated=0
apt_update() { [ "$apt_updated" = 1 ] || { apt-get update -qq; apt_updated=1; }; }

if need_runsc; then
  mirror=$(debian_mirror)
  list=/etc/apt/sources.list.d/sandbox-bookworm-backports.list
  if [ ! -f "$list" ]; then
    echo "deb $mirror bookworm-backports main" > "$list"
  fi
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq -t bookworm-backports runsc >/dev/null
fi

missing=()
command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
command -v curl >/dev/null 2>&1 || missing+=(curl)
# `runsc restore` runs under tini as its child subreaper (RunscCli): it reaps the gofer runsc leaves
command -v tini >/dev/null 2>&1 || missing+=(tini)
# PostgreSQL for the multi-node journal (deploy/local/cluster.sh and its tests); not started here.
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
# headless Chromium renders the admin dashboard in the tests (OperationsSpec); not needed to serve
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
# sandbox networking (RUNSC_DISABLE_NETWORKING=false): nftables and its library libnftables1, which the
# node loads in process; the network specs' fake internet runs dnsmasq and measures with iperf3
command -v nft >/dev/null 2>&1 || missing+=(nftables)
ls /usr/lib/*/libnftables.so.1 >/dev/null 2>&1 || missing+=(libnftables1)
command -v dnsmasq >/dev/null 2>&1 || missing+=(dnsmasq-base)
command -v iperf3 >/dev/null 2>&1 || missing+=(iperf3)
if [ "${#missing[@]}" -gt 0 ]; then
  apt_update
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

command -v dotnet >/dev/null 2>&1 || { echo "the .NET SDK 10 is required (dotnet on PATH)" >&2; exit 1; }
# sed reads everything: with pipefail, head closing the pipe early could fail the script (SIGPIPE)
runsc --version | sed -n 1p
