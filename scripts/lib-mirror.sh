# Prints the machine's own Debian mirror as apt is configured to use it (never a hard-coded host).
debian_mirror() {
  local uri=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    uri=$(awk '/^URIs:/{print $2}' /etc/apt/sources.list.d/debian.sources | grep -v security | sed -n 1p)
  fi
  if [ -z "$uri" ] && [ -f /etc/apt/sources.list ]; then
    uri=$(awk '$1=="deb" && $0 !~ /security/ {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$uri" ] || { echo "cannot find the Debian mirror in apt's sources" >&2; return 1; }
  echo "$uri"
}
