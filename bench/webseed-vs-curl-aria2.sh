#!/usr/bin/env bash
# A web-seed-only download (BEP 19) from Debian's nginx on 127.0.0.1, in the same run:
#   - curl fetching the file itself (the ceiling: one HTTP stream, nothing verified);
#   - aria2c with the .torrent (url-list only: no tracker, no DHT, no LSD, no PEX), SHA-1 verified;
#   - shoal get with the same .torrent, SHA-1 verified.
# Prints wall seconds, MB/s, CPU seconds (user+system of the whole process) and peak RSS of each, and checks every copy
# with cmp. Wall time means little on a shared, loaded machine; CPU seconds are the steadier figure.
#
# usage: bench/webseed-vs-curl-aria2.sh [SIZE_MiB=1024] [CLI_DLL]
#   CLI_DLL: the shoal CLI to run (default: builds src/Shoal.Cli in Release and runs that). A ReadyToRun publish starts faster:
#     dotnet publish src/Shoal.Cli -c Release -r linux-x64 --self-contained false -p:PublishReadyToRun=true -o /tmp/shoal-cli
set -euo pipefail
size_mib=${1:-1024}
cli=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
nginx=$(command -v nginx || echo /usr/sbin/nginx)
for tool in "$nginx" curl aria2c openssl /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "$tool is missing: run scripts/install-reference-programs.sh" >&2; exit 2; }
done
if [ -z "$cli" ]; then
  dotnet build "$here/../src/Shoal.Cli" -c Release -v q -nologo >/dev/null
  cli=$here/../src/Shoal.Cli/bin/Release/net10.0/Shoal.Cli.dll
fi

WORK=$(mktemp -d "${TMPDIR:-/tmp}/shoal-webseed-XXXX")
nginx_pid=
cleanup() { [ -n "$nginx_pid" ] && kill "$nginx_pid" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
# shellcheck source=bench/timing.sh
. "$here/timing.sh"
mkdir -p "$WORK/www" "$WORK/nginx/temp" "$WORK/curl" "$WORK/aria2" "$WORK/shoal"

# Pseudo-random, incompressible payload (the same bytes for the same size).
head -c $((size_mib * 1048576)) /dev/zero | openssl enc -aes-128-ctr -nosalt -pass pass:"$size_mib" -pbkdf2 > "$WORK/www/payload.bin"

# nginx in the foreground of its own process (no master, no privilege switch), on a free loopback port.
port=
for _ in $(seq 20); do
  candidate=$((20000 + RANDOM % 20000))
  ss -ltn | grep -q "127.0.0.1:$candidate " || { port=$candidate; break; }
done
[ -n "$port" ] || { echo "no free port found" >&2; exit 1; }
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
url=http://127.0.0.1:$port/payload.bin

dotnet "$cli" create "$WORK/www/payload.bin" -o "$WORK/payload.torrent" --web-seed "$url" --no-date >/dev/null
echo "payload: ${size_mib} MiB, web seed $url; $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"

results=()
measure() {
  local name=$1 out=$2; shift 2
  local figures
  figures=$(run "$name" "$@")
  cmp -s "$WORK/www/payload.bin" "$out" || { echo "$name: the copy differs from the payload" >&2; cat "$WORK/$name.log" >&2; exit 1; }
  rm -f "$out"
  results+=("$name $figures")
}

measure curl "$WORK/curl/payload.bin" curl -sS --fail -o "$WORK/curl/payload.bin" "$url"
measure aria2c "$WORK/aria2/payload.bin" aria2c --dir="$WORK/aria2" --seed-time=0 --enable-dht=false --enable-dht6=false --bt-enable-lpd=false \
  --enable-peer-exchange=false --listen-port=$((port + 1)) --file-allocation=none --summary-interval=0 --console-log-level=warn \
  --bt-save-metadata=false --follow-torrent=false "$WORK/payload.torrent"
measure shoal "$WORK/shoal/payload.bin" dotnet "$cli" get "$WORK/payload.torrent" -o "$WORK/shoal" --port 0 --bind 127.0.0.1 \
  --no-lsd --no-dht --quiet

printf '%-8s %9s %10s %9s %10s\n' program seconds MB/s cpu-s rss-MiB
for line in "${results[@]}"; do
  read -r name wall rss cpu <<<"$line"
  awk -v n="$name" -v w="$wall" -v r="$rss" -v c="$cpu" -v b=$((size_mib * 1048576)) \
    'BEGIN { printf "%-8s %9.2f %10.1f %9.2f %10.1f\n", n, w, (w > 0 ? b / w / 1e6 : 0), c, r / 1024 }'
done
