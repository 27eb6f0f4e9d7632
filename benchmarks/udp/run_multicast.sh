#!/bin/sh
# Runs a multicast server and udp_multicast_client together inside one private
# network namespace, so nothing multicast here leaves the machine, and prints
# the client's report:
#   run_multicast.sh SERVER [server options] -- [client options]
# SERVER is udp_multicast_server or ref_uv_udp_multicast_server, looked up
# beside this script. Needs root (unshare -n).
set -e
dir=$(cd "$(dirname "$0")" && pwd)
if [ "$TROUPE_MC_NETNS" != 1 ]; then
  TROUPE_MC_NETNS=1 exec unshare -n "$0" "$@"
fi
ip link set lo up
ip link set lo multicast on
ip route add 224.0.0.0/4 dev lo
server_prog=$1
shift
server_args=""
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
  server_args="$server_args $1"
  shift
done
[ "${1:-}" = "--" ] && shift
# shellcheck disable=SC2086
"$dir/$server_prog" $server_args >/dev/null &
server=$!
trap 'kill -INT $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
sleep 0.5
"$dir/udp_multicast_client" "$@"
