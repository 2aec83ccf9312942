#!/usr/bin/env bash
# A sandbox-host cluster on this machine, on loopback: PostgreSQL (Debian's package, a private
# instance), three sandbox hosts and two gateways, each its own process.
#
#   deploy/local/cluster.sh up      # builds, starts, waits until both gateways are ready, prints their URLs
#   deploy/local/cluster.sh down    # stops everything and removes every container
#   deploy/local/cluster.sh status
#   deploy/local/cluster.sh pg-stop | pg-start   # fault drills: take the journal away and back
#
# BASE_PORT (default 8080): gateways on BASE_PORT and BASE_PORT+1; hosts' HTTP on BASE_PORT+10..12;
# admin APIs (sandboxctl, dashboard, /metrics) on BASE_PORT+20..24 in the same order (hosts, then
# gateways; SANDBOX_ADMIN_TOKEN is passed on if set); Akka remoting on BASE_PORT+100..104;
# PostgreSQL on BASE_PORT+200. CLUSTER_DIR (default
# /tmp/sandbox-cluster-$BASE_PORT) holds logs, pids, the shared checkpoint/snapshot stores,
# PostgreSQL's data and tls/ (the cluster's CA and one certificate per node, made by
# deploy/tls/make-certs.sh). SANDBOX_ROOTFS is shared by every host (provisioned once).
# Remoting runs mutual TLS (seeds are akka.ssl.tcp://); SANDBOX_TLS=false runs it plain.
set -eEuo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
base=${BASE_PORT:-8080}
dir=${CLUSTER_DIR:-/tmp/sandbox-cluster-$base}
pgport=$((base + 200))
export SANDBOX_ROOTFS=${SANDBOX_ROOTFS:-/var/lib/gvisor-sandbox/rootfs}
pgbin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
tls=${SANDBOX_TLS:-true}
case $tls in
  true) scheme=akka.ssl.tcp ;;
  false) scheme=akka.tcp ;;
  *) echo "SANDBOX_TLS=$tls: expected true or false" >&2; exit 2 ;;
esac
nodes=(host-0 host-1 host-2 gateway-0 gateway-1)

log() { printf '[cluster] %s\n' "$*" >&2; }

pg_up() {
  if [ -z "$pgbin" ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  fi
  mkdir -p "$dir/pg"
  chown postgres:postgres "$dir/pg"
  if [ ! -f "$dir/pg/data/PG_VERSION" ]; then
    su postgres -c "$pgbin/initdb -D '$dir/pg/data' -A trust -U postgres" >"$dir/pg/initdb.log" 2>&1
  fi
  su postgres -c "$pgbin/pg_ctl -D '$dir/pg/data' -l '$dir/pg/server.log' -w -o '-p $pgport -k $dir/pg -c listen_addresses=127.0.0.1' start" >/dev/null
  exists=$(su postgres -c "$pgbin/psql -h 127.0.0.1 -p $pgport -U postgres -tAc \"SELECT 1 FROM pg_database WHERE datname='sandbox'\"")
  [ "$exists" = 1 ] || su postgres -c "$pgbin/createdb -h 127.0.0.1 -p $pgport -U postgres sandbox"
}

pg_down() {
  [ -n "$pgbin" ] && [ -f "$dir/pg/data/postmaster.pid" ] &&
    su postgres -c "$pgbin/pg_ctl -D '$dir/pg/data' -m fast -w stop" >/dev/null 2>&1 || true
}

start_node() { # name roles http-port akka-port admin-port
  local name=$1 roles=$2 port=$3 akka=$4 admin=$5
  mkdir -p "$dir/$name"
  (
    export HOST=127.0.0.1 PORT=$port SANDBOX_ROLES=$roles SANDBOX_AKKA_PORT=$akka
    export SANDBOX_ADMIN_HOST=127.0.0.1 SANDBOX_ADMIN_PORT=$admin
    export SANDBOX_SEED_NODES="$scheme://sandbox@127.0.0.1:$((base + 100))"
    export SANDBOX_TLS=$tls
    if [ "$tls" = true ]; then
      export SANDBOX_TLS_CERT=$dir/tls/$name.crt SANDBOX_TLS_KEY=$dir/tls/$name.key SANDBOX_TLS_CA=$dir/tls/ca.crt
    fi
    export SANDBOX_DATA_DIR=$dir/$name SANDBOX_PERSISTENCE=postgres
    export SANDBOX_DB_CONNECTION="Host=127.0.0.1;Port=$pgport;Username=postgres;Database=sandbox"
    export SANDBOX_CHECKPOINT_MOUNT_PATH=$dir/checkpoints FILESYSTEM_SNAPSHOT_MOUNT_PATH=$dir/snapshots
    export RUNSC_ROOT_DIR_BASE=$dir/$name/runsc RUNSC_BUNDLE_DIR_BASE=$dir/bundles
    export SANDBOX_WARM_POOL_SIZE=${SANDBOX_WARM_POOL_SIZE:-1}
    # three hosts share this one machine: their pools keep their size unless asked
    export SANDBOX_WARM_POOL_MAX=${SANDBOX_WARM_POOL_MAX:-$SANDBOX_WARM_POOL_SIZE}
    mkdir -p "$RUNSC_ROOT_DIR_BASE" "$RUNSC_BUNDLE_DIR_BASE"
    exec setsid dotnet "$repo/Sandbox.Host/bin/Release/net10.0/Sandbox.Host.dll" >"$dir/$name/node.log" 2>&1
  ) &
  echo "$name $! $port $akka $admin" >>"$dir/pids"
}

wait_ready() { # url seconds
  local url=$1 deadline=$((SECONDS + $2))
  until curl -sf "$url/healthz/ready" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || { log "not ready: $url"; return 1; }
    sleep 0.5
  done
}

up() {
  [ ! -s "$dir/pids" ] || { log "already up (see $dir/pids); run down first"; exit 1; }
  trap 'log "up failed at line $LINENO"' ERR
  "$repo/scripts/install-deps.sh" >/dev/null
  "$repo/scripts/provision-rootfs.sh" "$SANDBOX_ROOTFS"
  dotnet build "$repo/Sandbox.Host/Sandbox.Host.csproj" -c Release -nologo -v quiet -clp:ErrorsOnly >&2
  mkdir -p "$dir/checkpoints" "$dir/snapshots" "$dir/bundles"
  # the CA is made once per cluster directory; node certificates are renewed on every up
  [ "$tls" != true ] || SANS=IP:127.0.0.1 "$repo/deploy/tls/make-certs.sh" "$dir/tls" "${nodes[@]}" 2>/dev/null
  : >"$dir/pids"
  pg_up
  start_node host-0 sandbox-host $((base + 10)) $((base + 100)) $((base + 20))
  wait_ready "http://127.0.0.1:$((base + 10))" 60
  start_node host-1 sandbox-host $((base + 11)) $((base + 101)) $((base + 21))
  start_node host-2 sandbox-host $((base + 12)) $((base + 102)) $((base + 22))
  start_node gateway-0 gateway $base $((base + 103)) $((base + 23))
  start_node gateway-1 gateway $((base + 1)) $((base + 104)) $((base + 24))
  for p in $((base + 11)) $((base + 12)) $base $((base + 1)); do wait_ready "http://127.0.0.1:$p" 60; done
  echo "http://127.0.0.1:$base"
  echo "http://127.0.0.1:$((base + 1))"
  while read -r name _ _ _ admin; do log "$name admin API: http://127.0.0.1:$admin  (./sandboxctl --node http://127.0.0.1:$admin cluster show)"; done <"$dir/pids"
}

down() {
  if [ -f "$dir/pids" ]; then
    # graceful first: sandboxes are checkpointed or deleted, containers removed
    while read -r _ pid _; do kill -TERM "$pid" 2>/dev/null || true; done <"$dir/pids"
    for _ in $(seq 1 60); do
      alive=0
      while read -r _ pid _; do kill -0 "$pid" 2>/dev/null && alive=1; done <"$dir/pids"
      [ $alive = 1 ] || break
      sleep 0.5
    done
    while read -r _ pid _; do kill -KILL "$pid" 2>/dev/null || true; done <"$dir/pids"
  fi
  # whatever a killed node left: its registry names its containers
  for reg in "$dir"/*/containers; do
    [ -d "$reg" ] || continue
    node=$(dirname "$reg")
    for f in "$reg"/*; do
      [ -e "$f" ] || continue
      key=$(basename "$f")
      runsc --root="$node/runsc/runsc_root_$key" delete --force "$key" >/dev/null 2>&1 || true
      rm -f "$f"
    done
  done
  { grep " $dir/bundles/" /proc/mounts || true; } | awk '{print $2}' | while read -r m; do umount -l "$m" || true; done
  rm -rf "$dir/bundles" "$dir"/*/runsc
  pg_down
  rm -f "$dir/pids"
  log "down"
}

status() {
  [ -f "$dir/pids" ] || { log "not running"; return 0; }
  while read -r name pid port _ admin; do
    state=$(curl -s "http://127.0.0.1:$port/healthz/ready" || echo unreachable)
    printf '%-10s pid %-7s :%s admin :%s %s\n' "$name" "$pid" "$port" "$admin" "$state"
  done <"$dir/pids"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) status ;;
  pg-stop) pg_down ;;
  pg-start) pg_up ;;
  *) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
