#!/usr/bin/env bash
# A private CA for one cluster and a certificate per node, for mutual TLS on Akka remoting
# (SANDBOX_TLS_CERT / SANDBOX_TLS_KEY / SANDBOX_TLS_CA). OpenSSL from Debian; EC P-256 keys.
#
#   deploy/tls/make-certs.sh DIR NAME [NAME...]
#
# DIR/ca.crt and DIR/ca.key are made once and reused, so running the script again with a new NAME
# adds a node to the same cluster. Each NAME gets DIR/NAME.crt and DIR/NAME.key (both serverAuth and
# clientAuth: every node is a TLS server and a client). Give nodes ca.crt and their own pair only;
# ca.key signs new members and stays with the operator.
#
# Environment: DAYS (node certificates, default 397), CA_DAYS (default 3650), SANS (extra
# subjectAltName entries for every node, e.g. "IP:10.0.0.5,DNS:*.sandbox-host"; host names are not
# checked by the cluster, which trusts the CA alone, so these only help people reading a certificate).
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 DIR NAME [NAME...]" >&2; exit 2; }
dir=$1
shift
days=${DAYS:-397}
ca_days=${CA_DAYS:-3650}
[[ $days =~ ^[0-9]+$ && $days -ge 1 ]] || { echo "DAYS=$days: expected a whole number of days from 1" >&2; exit 2; }
[[ $ca_days =~ ^[0-9]+$ && $ca_days -ge 1 ]] || { echo "CA_DAYS=$ca_days: expected a whole number of days from 1" >&2; exit 2; }
for name in "$@"; do
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9.-]{0,62}$ ]] || { echo "$name: expected a node name of letters, digits, '.' and '-'" >&2; exit 2; }
done

umask 077
mkdir -p "$dir"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

newkey() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }

if [ ! -s "$dir/ca.key" ] || [ ! -s "$dir/ca.crt" ]; then
  newkey "$dir/ca.key"
  openssl req -x509 -new -key "$dir/ca.key" -sha256 -days "$ca_days" -subj "/O=gVisor sandbox host/CN=sandbox cluster CA $(date -u +%Y%m%d%H%M%S)" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" \
    -addext "subjectKeyIdentifier=hash" \
    -out "$dir/ca.crt"
fi

for name in "$@"; do
  newkey "$dir/$name.key"
  openssl req -new -key "$dir/$name.key" -subj "/O=gVisor sandbox host/CN=$name" -out "$tmp/$name.csr"
  san="DNS:$name"
  [ -z "${SANS:-}" ] || san="$san,$SANS"
  cat >"$tmp/$name.ext" <<EOF
basicConstraints=critical,CA:FALSE
keyUsage=critical,digitalSignature,keyAgreement
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=$san
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
EOF
  openssl x509 -req -in "$tmp/$name.csr" -CA "$dir/ca.crt" -CAkey "$dir/ca.key" -sha256 -days "$days" \
    -set_serial "0x$(openssl rand -hex 16)" -extfile "$tmp/$name.ext" -out "$dir/$name.crt" 2>/dev/null
  openssl verify -CAfile "$dir/ca.crt" "$dir/$name.crt" >/dev/null
done
# certificates are public; keys are for their node only
chmod 644 "$dir/ca.crt"
for name in "$@"; do chmod 644 "$dir/$name.crt"; chmod 600 "$dir/$name.key"; done
chmod 600 "$dir/ca.key"
echo "$dir: ca.crt, $(printf '%s.crt/.key ' "$@")" >&2
