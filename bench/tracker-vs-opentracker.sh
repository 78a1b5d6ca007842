#!/usr/bin/env bash
# Announces per second: Shoal's tracker against Debian's opentracker, same machine, same run, same load generator
# (bench/Shoal.TrackerLoad), 10,000 torrents x 100 peers pre-registered in each; then bytes per registered peer.
# Loopback only. Usage: bench/tracker-vs-opentracker.sh [SECONDS_PER_RUN=10] [ROUNDS=3]
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-10}
ROUNDS=${2:-3}
TORRENTS=${TORRENTS:-10000}
PEERS=${PEERS:-100}

command -v opentracker >/dev/null || { echo "opentracker is not installed (scripts/install-reference-programs.sh)" >&2; exit 1; }
dotnet build -c Release -v q -nologo src/Shoal.Cli >/dev/null
dotnet build -c Release -v q -nologo bench/Shoal.TrackerLoad >/dev/null
LOAD="dotnet bench/Shoal.TrackerLoad/bin/Release/net10.0/Shoal.TrackerLoad.dll"
SHOAL="dotnet src/Shoal.Cli/bin/Release/net10.0/Shoal.Cli.dll"

WORK=$(mktemp -d)
SHOAL_PID=""; OT_PID=""
cleanup() {
  [ -n "$SHOAL_PID" ] && kill "$SHOAL_PID" 2>/dev/null || true
  [ -n "$OT_PID" ] && kill "$OT_PID" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { /usr/bin/python3 -c 'import socket
while True:
    t=socket.socket(); t.bind(("127.0.0.1",0)); p=t.getsockname()[1]
    u=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)
    try: u.bind(("127.0.0.1",p)); print(p); break
    except OSError: pass'; }

# Shoal: the CLI prints its bound port; rate limiting off for a load test.
$SHOAL tracker --host 127.0.0.1 --port 0 --rate-limit 0 --log-level Warning >"$WORK/shoal.out" 2>"$WORK/shoal.err" &
SHOAL_PID=$!
for _ in $(seq 100); do grep -q 'listening on' "$WORK/shoal.out" 2>/dev/null && break; sleep 0.1; done
SHOAL_PORT=$(grep -oE 'udp://127\.0\.0\.1:[0-9]+' "$WORK/shoal.out" | grep -oE '[0-9]+$' || true)
[ -n "$SHOAL_PORT" ] || { echo "shoal tracker did not start: $(cat "$WORK/shoal.err")" >&2; exit 1; }

# opentracker (Debian builds it whitelist-only): chroot dir readable by nobody, whitelist of the benchmark torrents.
mkdir -p "$WORK/ot" && chmod 755 "$WORK" "$WORK/ot"
$LOAD whitelist --torrents "$TORRENTS" >"$WORK/ot/whitelist.txt" && chmod 644 "$WORK/ot/whitelist.txt"
OT_PORT=$(free_port)
opentracker -i 127.0.0.1 -p "$OT_PORT" -P "$OT_PORT" -d "$WORK/ot" -u nobody -w /whitelist.txt >"$WORK/ot.log" 2>&1 &
OT_PID=$!
sleep 1

rss_mb() { awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"; }
result() { grep -oE "$2=[0-9.]+" <<<"$1" | cut -d= -f2; }

echo "preloading $TORRENTS torrents x $PEERS peers into each tracker..." >&2
SHOAL_RSS0=$(rss_mb "$SHOAL_PID"); OT_RSS0=$(rss_mb "$OT_PID")
$LOAD preload --target "127.0.0.1:$SHOAL_PORT" --torrents "$TORRENTS" --peers "$PEERS" >&2
$LOAD preload --target "127.0.0.1:$OT_PORT" --torrents "$TORRENTS" --peers "$PEERS" >&2
SHOAL_RSS1=$(rss_mb "$SHOAL_PID"); OT_RSS1=$(rss_mb "$OT_PID")

# Server CPU time (user + system, in clock ticks) of a process: announces/s depend on what else the machine runs,
# CPU per announce much less so.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
HZ=$(getconf CLK_TCK)
declare -A RATES CPU
run() { # tracker pid port mode args...
  local name=$1 pid=$2 port=$3 mode=$4; shift 4
  local before after out
  before=$(ticks "$pid")
  out=$($LOAD "$@" --target "127.0.0.1:$port" --torrents "$TORRENTS" --peers "$PEERS" --seconds "$SECS")
  after=$(ticks "$pid")
  local us; us=$(awk -v t=$((after - before)) -v n="$(result "$out" announces)" -v hz="$HZ" 'BEGIN { printf "%.1f", (n > 0 ? t * 1e6 / hz / n : 0) }')
  echo "$name $mode: $out server_cpu_us_per_announce=$us" >&2
  RATES[$name/$mode]+="$(result "$out" rate) "
  CPU[$name/$mode]+="$us "
}
# Warm-up (not recorded): JIT and connection paths, so the first measured round is not a compile-time benchmark.
for args in "udp" "udp --connect-each" "http" "http --no-keepalive"; do
  # shellcheck disable=SC2086
  $LOAD $args --target "127.0.0.1:$SHOAL_PORT" --torrents "$TORRENTS" --peers "$PEERS" --seconds 2 >/dev/null
done
for round in $(seq "$ROUNDS"); do
  echo "round $round/$ROUNDS" >&2
  # Alternate which tracker goes first, so warm-up and background load do not favour one.
  for order in shoal ot; do
    if { [ $((round % 2)) = 1 ] && [ $order = shoal ]; } || { [ $((round % 2)) = 0 ] && [ $order = ot ]; }; then
      run shoal "$SHOAL_PID" "$SHOAL_PORT" udp udp --inflight 128
      run shoal "$SHOAL_PID" "$SHOAL_PORT" udp-connect udp --inflight 128 --connect-each
      run shoal "$SHOAL_PID" "$SHOAL_PORT" http-keepalive http --connections 32
      run shoal "$SHOAL_PID" "$SHOAL_PORT" http-close http --connections 32 --no-keepalive
    else
      run ot "$OT_PID" "$OT_PORT" udp udp --inflight 128
      run ot "$OT_PID" "$OT_PORT" udp-connect udp --inflight 128 --connect-each
      run ot "$OT_PID" "$OT_PORT" http-close http --connections 32 --no-keepalive
    fi
  done
done

median() { tr ' ' '\n' <<<"$1" | { grep -v '^$' || true; } | sort -n | awk '{a[NR]=$1} END {if (NR==0) print "n/a"; else print a[int((NR+1)/2)]}'; }
best() { tr ' ' '\n' <<<"$1" | { grep -v '^$' || true; } | sort -n | tail -1 | awk '{print} END {if (NR==0) print "n/a"}'; }
MEM=$($LOAD memory --torrents "$TORRENTS" --peers "$PEERS")

printf '\nTracker announces/s, %s torrents x %s peers registered, %s s per run, %s rounds (2 cores, shared: medians move with\n' "$TORRENTS" "$PEERS" "$SECS" "$ROUNDS"
printf 'whatever else runs; server CPU per announce much less)\n'
printf '%-32s %10s %10s %10s %10s %7s %12s %12s\n' "mode" "shoal" "(best)" "opentrk" "(best)" "ratio" "shoal us/ann" "opentrk us"
for mode in udp udp-connect http-keepalive http-close; do
  s=$(median "${RATES[shoal/$mode]:-}"); o=$(median "${RATES[ot/$mode]:-}")
  case $mode in
    udp) label="UDP announce (128 in flight)";;
    udp-connect) label="UDP connect+announce";;
    http-keepalive) label="HTTP keep-alive (32 conns)";;
    http-close) label="HTTP new connection/request";;
  esac
  ratio=$(awk -v s="$s" -v o="$o" 'BEGIN { if (o+0 > 0 && s+0 > 0) printf "%.2f", s/o; else print "-" }')
  printf '%-32s %10s %10s %10s %10s %7s %12s %12s\n' "$label" "$s" "$(best "${RATES[shoal/$mode]:-}")" "$o" "$(best "${RATES[ot/$mode]:-}")" \
    "$ratio" "$(median "${CPU[shoal/$mode]:-}")" "$(median "${CPU[ot/$mode]:-}")"
done
printf '(opentracker has no HTTP keep-alive.)\n'
printf '\nMemory: shoal %s bytes/peer after loading, %s after the periodic sweep (managed heap, %s peers, in-process)\n' \
  "$(result "$MEM" bytes_per_peer_loaded)" "$(result "$MEM" bytes_per_peer_swept)" "$((TORRENTS * PEERS))"
printf 'Process RSS growth from preloading: shoal %s MB, opentracker %s MB\n' "$((SHOAL_RSS1 - SHOAL_RSS0))" "$((OT_RSS1 - OT_RSS0))"
