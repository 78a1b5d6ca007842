#!/usr/bin/env bash
# uTP over a lossy bottleneck, Shoal against libtorrent, same link, same run (issue 15's figures): two network
# namespaces joined by a veth pair, tbf 50 Mbit/s on each end, nftables dropping 1% of TCP and UDP (as
# tests/Shoal.EndToEnd.Tests BottleneckLinkTests builds it). For each round: TCP alone (iperf3), Shoal uTP alone
# (tests/Shoal.TransferProbe), libtorrent uTP alone, then each uTP with an iperf3 TCP flow joining after 4 s for 8 s;
# prints Mbit/s and uTP's share of the link during the competition (from 2 s after the TCP flow starts).
# Needs root, tc, nft, iperf3, python3-libtorrent. Usage: sudo bench/utp-bottleneck.sh [ROUNDS=3] [IPERF3_CC=system default]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
CC=${2:-}
A=shoal-bench-$$-a; B=shoal-bench-$$-b
WORK=$(mktemp -d)
cleanup() { jobs -p | xargs -r kill 2>/dev/null || true; wait 2>/dev/null || true; ip netns del $A 2>/dev/null || true; ip netns del $B 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

dotnet build -c Release -v q -nologo tests/Shoal.TransferProbe -o "$WORK/probe" >/dev/null
PROBE="$WORK/probe/Shoal.TransferProbe.dll"
ip netns add $A; ip netns add $B
ip -n $A link add va type veth peer name vb netns $B
for x in "$A va 10.98.0.1" "$B vb 10.98.0.2"; do set -- $x
  ip -n $1 link set lo up; ip -n $1 addr add $3/24 dev $2; ip -n $1 link set $2 up
  ip netns exec $1 tc qdisc add dev $2 root tbf rate 50mbit burst 32kbit latency 200ms
  ip netns exec $1 nft add table inet shoal
  ip netns exec $1 nft add chain inet shoal in '{ type filter hook input priority 0; }'
  ip netns exec $1 nft add rule inet shoal in meta l4proto '{ tcp, udp }' numgen random mod 100 0 drop
done
echo "TCP congestion control: ${CC:-$(ip netns exec $A sysctl -n net.ipv4.tcp_congestion_control)}"
head -c 400M /dev/urandom > "$WORK/data"

iperf() { # SECONDS -> Mbit/s received
  ip netns exec $B iperf3 -s -1 -B 10.98.0.2 >/dev/null & sleep 0.5
  ip netns exec $A iperf3 -c 10.98.0.2 -t "$1" ${CC:+-C $CC} -J | python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]/1e6)'
}
# rate between two times from "seconds bytes" lines
rate() { python3 -c '
import sys
s=[tuple(map(float,l.split()[:2])) for l in open(sys.argv[1]) if l[:1].isdigit()]
at=lambda t: max([b for a,b in s if a<=t] or [0])
print((at(float(sys.argv[3]))-at(float(sys.argv[2])))*8/(float(sys.argv[3])-float(sys.argv[2]))/1e6)' "$@"; }
shoal() { # SECONDS [compete] -> "seconds bytes" lines in $WORK/shoal.txt
  local port=$((7000 + RANDOM % 1000))
  ip netns exec $B dotnet "$PROBE" serve --transport utp --bind 10.98.0.2:$port \
    | python3 -c 'import json,sys
for l in sys.stdin:
    e=json.loads(l)
    if e["event"]=="progress": print(e["t"], e["bytes"], flush=True)' > "$WORK/shoal.txt" & sleep 1.5
  ip netns exec $A dotnet "$PROBE" send --transport utp --to 10.98.0.2:$port --seconds "$1" >/dev/null &
  local sender=$!
  [ -n "${2:-}" ] && { sleep 4; iperf 8 > "$WORK/tcp.txt"; }
  wait $sender; sleep 1
}
libtorrent() { # SECONDS [compete] -> "seconds bytes peers" lines in $WORK/lt.txt
  rm -rf "$WORK/dl"; mkdir -p "$WORK/dl"
  ip netns exec $A /usr/bin/python3 bench/utp_bottleneck_lt.py seed "$WORK/data" "$WORK/t.torrent" 10.98.0.1 $(( $1 + 5 )) > "$WORK/seed.txt" 2>&1 &
  local seeder=$!
  until grep -q ready "$WORK/seed.txt"; do sleep 0.5; done
  ip netns exec $B /usr/bin/python3 bench/utp_bottleneck_lt.py leech "$WORK/t.torrent" 10.98.0.1 10.98.0.2 "$WORK/dl" "$1" > "$WORK/lt.txt" &
  local leecher=$!
  [ -n "${2:-}" ] && { sleep 4; iperf 8 > "$WORK/tcp.txt"; }
  wait $leecher; kill $seeder 2>/dev/null || true; wait $seeder 2>/dev/null || true
}
share() { python3 -c "import sys; u,t=float(sys.argv[1]),float(sys.argv[2]); print(f'uTP {u:.1f} Mbit/s, TCP {t:.1f} Mbit/s: uTP share {u/(u+t):.0%}')" "$1" "$2"; }

for round in $(seq "$ROUNDS"); do
  echo "round $round"
  printf '  TCP alone:                %.1f Mbit/s\n' "$(iperf 8)"
  shoal 10;      printf '  Shoal uTP alone:          %.1f Mbit/s\n' "$(rate "$WORK/shoal.txt" 3 9)"
  libtorrent 11; printf '  libtorrent uTP alone:     %.1f Mbit/s\n' "$(rate "$WORK/lt.txt" 4 10)"
  shoal 14 compete;      echo "  Shoal with TCP:           $(share "$(rate "$WORK/shoal.txt" 5.5 11.5)" "$(cat "$WORK/tcp.txt")")"
  libtorrent 15 compete; echo "  libtorrent with TCP:      $(share "$(rate "$WORK/lt.txt" 6.5 12.5)" "$(cat "$WORK/tcp.txt")")"
done
