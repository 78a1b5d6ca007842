#!/usr/bin/env bash
# CPU per byte of several leecher builds or settings, interleaved, against one Shoal seeder on 127.0.0.1: the A/B tool
# behind the README's "CPU per byte" rows. Each round runs every variant once, in order, so slow spells of a shared VM
# fall on all of them alike; compare medians over several rounds.
# Per run and per GiB: the leecher's whole-process user+system CPU and peak RSS (/usr/bin/time), the seeder's CPU while
# that leecher ran, and the whole machine's busy CPU in that time (every process and kernel thread: what the kernel does
# for us in its own threads, such as writeback, counts there).
#
# usage: bench/cpu-variants.sh SIZE_MiB ROUNDS SEEDER_CLI_DLL "LABEL|ENV=VALUE ...|CLI_DLL" ...
#   e.g. bench/cpu-variants.sh 1024 5 /tmp/shoal-cli/Shoal.Cli.dll "default||/tmp/shoal-cli/Shoal.Cli.dll" \
#          "no-inline|DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=0|/tmp/shoal-cli/Shoal.Cli.dll"
#   (a CLI_DLL is `dotnet publish src/Shoal.Cli -c Release -r linux-x64 --self-contained false -o DIR`'s DIR/Shoal.Cli.dll)
set -euo pipefail
size=${1:?usage: cpu-variants.sh SIZE_MiB ROUNDS SEEDER_CLI_DLL "LABEL|ENV|CLI_DLL" ...}
rounds=${2:?}; seeder_cli=${3:?}; shift 3
[ $# -gt 0 ] || { echo "give at least one LABEL|ENV|CLI_DLL variant" >&2; exit 2; }
work=$(mktemp -d /tmp/shoal-variants-XXXX)
seeder=
cleanup() { [ -n "$seeder" ] && kill "$seeder" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/seed"
# Pseudo-random, incompressible payload (same bytes for the same size).
head -c $((size * 1048576)) /dev/zero | openssl enc -aes-128-ctr -nosalt -pass pass:"$size" -pbkdf2 > "$work/seed/payload.bin"
dotnet "$seeder_cli" create "$work/seed/payload.bin" -o "$work/payload.torrent" --piece-size 262144 --no-date >/dev/null
port=$((20000 + RANDOM % 20000))
dotnet "$seeder_cli" seed "$work/seed/payload.bin" --torrent "$work/payload.torrent" --port "$port" --bind 127.0.0.1 --no-lsd \
  --quiet --transport tcp --encryption off > "$work/seeder.log" 2>&1 &
seeder=$!
for _ in $(seq 600); do ss -ltn | grep -q "127.0.0.1:$port " && break; sleep 0.2; done
echo "openssl speed -evp sha1 (16 KiB blocks): $(openssl speed -evp sha1 -seconds 2 2>/dev/null | awk '/^sha1/ {print $NF}') (the issue's targets assume 2290000.00k)"
tick=$(getconf CLK_TCK)
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
machine_busy() { awk '/^cpu / {print $2 + $3 + $4 + $7 + $8}' /proc/stat; }
for _ in $(seq "$rounds"); do
  for variant in "$@"; do
    IFS='|' read -r label envs cli <<< "$variant"
    rm -rf "$work/get"; mkdir -p "$work/get"
    # On this VM memory untouched for a while goes back to the host and is slow to touch first (see cpu-pair.sh).
    head -c $((size * 1048576 + 268435456)) /dev/zero > /dev/shm/shoal-variants-warm; rm -f /dev/shm/shoal-variants-warm
    sync
    before=$(cpu_of "$seeder"); m0=$(machine_busy)
    # shellcheck disable=SC2086 # ENV is a list of words on purpose
    /usr/bin/time -f "%U %S %e %M" -o "$work/time" env $envs dotnet "$cli" get "$work/payload.torrent" -o "$work/get" --port 0 \
      --bind 127.0.0.1 --no-lsd --quiet --transport tcp --encryption off --peer "127.0.0.1:$port" > "$work/leecher.log" 2>&1 \
      || { echo "$label: the leecher failed: $(tail -1 "$work/leecher.log")" >&2; exit 1; }
    after=$(cpu_of "$seeder"); m1=$(machine_busy)
    cmp -s "$work/seed/payload.bin" "$work/get/payload.bin" || { echo "$label: the leecher's copy differs" >&2; exit 1; }
    read -r user sys wall rss < "$work/time"
    awk -v l="$label" -v u="$user" -v s="$sys" -v w="$wall" -v rss="$rss" -v a="$after" -v b="$before" -v t="$tick" \
      -v m0="$m0" -v m1="$m1" -v sz="$size" 'BEGIN {g = 1024 / sz; printf "%-16s leecher %.2f CPU-s/GiB (user %.2f, system %.2f)  seeder %.2f  machine %.2f  wall %.2f s  peak RSS %d MiB\n", l, (u + s) * g, u * g, s * g, (a - b) / t * g, (m1 - m0) / t * g, w, rss / 1024}'
  done
done
