#!/usr/bin/env bash
# A web-seed-only download (BEP 19) from Debian's nginx on 127.0.0.1, in the same run:
#   - curl fetching the file itself (the ceiling: one HTTP stream, nothing verified);
#   - aria2c with the .torrent (url-list only: no tracker, no DHT, no LSD, no PEX), SHA-1 verified;
#   - shoal get with the same .torrent, SHA-1 verified.
# Each program runs RUNS times, the order rotating every round (first touches of memory are slow, so no program is
# always first); prints every run, then the median wall seconds, MB/s, CPU seconds (user+system of the whole process)
# and peak RSS of each, and checks every copy with cmp. Each run is bounded in time. Wall time means little on a
# shared, loaded machine; CPU seconds are the steadier figure.
#
# usage: bench/webseed-vs-curl-aria2.sh [SIZE_MiB=1024] [CLI_DLL] [RUNS=3]
#   CLI_DLL: the shoal CLI to run (default, or "": builds src/Shoal.Cli in Release and runs that). A ReadyToRun publish starts faster:
#     dotnet publish src/Shoal.Cli -c Release -r linux-x64 --self-contained false -o /tmp/shoal-cli   # ReadyToRun, as `dotnet pack --ucr`
#   The payload and one copy at a time live under TMPDIR (default /tmp): it needs room for twice the size.
set -euo pipefail
size_mib=${1:-1024}
cli=${2:-}
runs=${3:-3}
[[ "$size_mib" =~ ^[1-9][0-9]*$ ]] || { echo "SIZE_MiB must be a positive number of MiB, not '$size_mib'" >&2; exit 2; }
[[ "$runs" =~ ^[1-9][0-9]*$ ]] || { echo "RUNS must be a positive number, not '$runs'" >&2; exit 2; }
# A stalled program fails the run instead of hanging it: a generous bound (100 s plus 1 s per 2 MiB).
limit=$((100 + size_mib / 2))
here=$(cd "$(dirname "$0")" && pwd)
nginx=$(command -v nginx || echo /usr/sbin/nginx)
for tool in "$nginx" curl aria2c openssl /usr/bin/time timeout ss cmp; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/install-reference-programs.sh" >&2; exit 2; }
done
if [ -z "$cli" ]; then
  dotnet build "$here/../src/Shoal.Cli" -c Release -v q -nologo >/dev/null
  cli=$here/../src/Shoal.Cli/bin/Release/net10.0/Shoal.Cli.dll
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/shoal-webseed-XXXX")
free_kib=$(df -Pk "$WORK" | awk 'NR == 2 { print $4 }')
need_kib=$((size_mib * 2 * 1024 + 65536))
if [ "$free_kib" -lt "$need_kib" ]; then
  echo "$WORK has $((free_kib / 1024)) MiB free; the run needs $((need_kib / 1024)) MiB (set TMPDIR to a bigger disk)" >&2
  rmdir "$WORK"; exit 2
fi
nginx_pid=
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=bench/timing.sh
. "$here/timing.sh"
mkdir -p "$WORK/www" "$WORK/nginx/temp" "$WORK/curl" "$WORK/aria2" "$WORK/shoal"

# Pseudo-random, incompressible payload (the same bytes for the same size).
head -c $((size_mib * 1048576)) /dev/zero | openssl enc -aes-128-ctr -nosalt -pass pass:"$size_mib" -pbkdf2 > "$WORK/www/payload.bin"

# A loopback port nobody listens on (TCP, and UDP for aria2's DHT-less BitTorrent port), avoiding ports already handed out.
free_port() {
  local candidate
  for _ in $(seq 50); do
    candidate=$((20000 + RANDOM % 20000))
    [ "$candidate" = "${port:-}" ] && continue
    ss -ltnu | grep -q ":$candidate " || { echo "$candidate"; return; }
  done
  echo "no free port found" >&2; exit 1
}
# nginx in the foreground of its own process (no master, no privilege switch), on a free loopback port.
port=$(free_port)
aria2_port=$(free_port)
cat > "$WORK/nginx/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $WORK/nginx/nginx.pid;
error_log $WORK/nginx/error.log warn;
events { worker_connections 256; }
http {
    default_type application/octet-stream;
    access_log off;
    sendfile on;
    client_body_temp_path $WORK/nginx/temp/body;
    proxy_temp_path $WORK/nginx/temp/proxy;
    fastcgi_temp_path $WORK/nginx/temp/fastcgi;
    uwsgi_temp_path $WORK/nginx/temp/uwsgi;
    scgi_temp_path $WORK/nginx/temp/scgi;
    keepalive_requests 100000;
    server { listen 127.0.0.1:$port; root $WORK/www; location / { } }
}
CONF
"$nginx" -e "$WORK/nginx/startup.log" -p "$WORK/nginx" -c "$WORK/nginx/nginx.conf" &
nginx_pid=$!
for _ in $(seq 100); do ss -ltn | grep -q "127.0.0.1:$port " && break; sleep 0.1; done
ss -ltn | grep -q "127.0.0.1:$port " || { echo "nginx did not start:" >&2; cat "$WORK/nginx/startup.log" "$WORK/nginx/error.log" >&2 2>/dev/null; exit 1; }
url=http://127.0.0.1:$port/payload.bin
curl -sS --fail -r 0-0 -o /dev/null "$url" || { echo "nginx does not serve $url" >&2; exit 1; }

dotnet "$cli" create "$WORK/www/payload.bin" -o "$WORK/payload.torrent" --web-seed "$url" --no-date >/dev/null
echo "payload: ${size_mib} MiB, web seed $url; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

# measure NAME OUTPUT COMMAND... : one bounded, timed run; the copy is compared with the payload, then deleted.
declare -A walls rsss cpus
measure() {
  local name=$1 out=$2; shift 2
  local figures
  figures=$(run "$name" timeout --kill-after=10 "$limit" "$@") || { echo "$name failed or took over $limit s (log above)" >&2; exit 1; }
  cmp -s "$WORK/www/payload.bin" "$out" || { echo "$name: the copy differs from the payload" >&2; cat "$WORK/$name.log" >&2; exit 1; }
  rm -f "$out" "$out.aria2"
  read -r wall rss cpu <<<"$figures"
  walls[$name]+="$wall "; rsss[$name]+="$rss "; cpus[$name]+="$cpu "
  row "$name" "$wall" "$rss" "$cpu"
}
row() {
  awk -v n="$1" -v w="$2" -v r="$3" -v c="$4" -v b=$((size_mib * 1048576)) \
    'BEGIN { printf "%-8s %9.2f %10.1f %9.2f %10.1f\n", n, w, (w > 0 ? b / w / 1e6 : 0), c, r / 1024 }'
}
measure_one() {
  case $1 in
    curl) measure curl "$WORK/curl/payload.bin" curl -sS --fail -o "$WORK/curl/payload.bin" "$url" ;;
    # --no-conf: a user's aria2.conf must not switch DHT or LSD back on; loopback only, like every lab peer.
    aria2c) measure aria2c "$WORK/aria2/payload.bin" aria2c --no-conf --dir="$WORK/aria2" --seed-time=0 --enable-dht=false --enable-dht6=false \
      --bt-enable-lpd=false --enable-peer-exchange=false --interface=127.0.0.1 --disable-ipv6=true --listen-port="$aria2_port" \
      --file-allocation=none --summary-interval=0 --console-log-level=warn --bt-save-metadata=false --follow-torrent=false \
      --allow-overwrite=true "$WORK/payload.torrent" ;;
    shoal) measure shoal "$WORK/shoal/payload.bin" dotnet "$cli" get "$WORK/payload.torrent" -o "$WORK/shoal" --port 0 --bind 127.0.0.1 \
      --no-lsd --no-dht --quiet ;;
  esac
}

programs=(curl aria2c shoal)
printf '%-8s %9s %10s %9s %10s\n' run seconds MB/s cpu-s rss-MiB
for ((round = 0; round < runs; round++)); do
  for ((i = 0; i < ${#programs[@]}; i++)); do measure_one "${programs[(i + round) % ${#programs[@]}]}"; done
done

echo "median of $runs:"
printf '%-8s %9s %10s %9s %10s\n' program seconds MB/s cpu-s rss-MiB
for name in "${programs[@]}"; do
  # shellcheck disable=SC2086 # the lists are space-separated numbers
  row "$name" "$(median ${walls[$name]})" "$(median ${rsss[$name]})" "$(median ${cpus[$name]})"
done
