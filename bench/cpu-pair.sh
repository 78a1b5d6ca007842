#!/usr/bin/env bash
# CPU cost of one Shoal seeder -> one Shoal leecher transfer on 127.0.0.1, measured as CPU (not wall time), so it
# means something on a shared, loaded machine:
#   - leecher: whole process (start-up, JIT, shutdown included) under `perf stat` (user/sys seconds; instructions
#     where the CPU's counters are exposed, which this VM's are not);
#   - seeder: utime+stime from /proc/PID/stat while the leecher ran (its start-up and data check excluded);
#   - optional allocation counts (ALLOC=1, sums dotnet-counters' allocation rate; needs dotnet-counters: dotnet tool install --tool-path DIR dotnet-counters,
#     DIR on PATH): bytes allocated by the leecher (whole process) and by the seeder (while the leecher ran);
#   - optional profiles (PROFILE=1): `perf record -g` of both processes, with perf maps for JIT'd code; split them with
#     perf script -i OUT_DIR/leecher.perf.data -F ip,sym,dso | bench/perf-split.py
# FLAGS="--transport tcp --encryption off" adds options to both programs (the default is what a user gets: uTP
# preferred and MSE with RC4 preferred, as negotiated between two Shoals).
# Prints `openssl speed -evp sha1` of the same run: the issue's targets are at SHA-1 2.29 GB/s, scale in proportion.
#
# usage: bench/cpu-pair.sh CLI_DLL [SIZE_MiB=1024] [OUT_DIR]
#   CLI_DLL: the CLI as published by bench/Shoal.Harness (ReadyToRun), or a plain build to compare:
#     dotnet publish src/Shoal.Cli -c Release -r linux-x64 --self-contained false -o /tmp/shoal-cli   # ReadyToRun, as `dotnet pack --ucr`
set -euo pipefail
cli=${1:?usage: cpu-pair.sh CLI_DLL [SIZE_MiB] [OUT_DIR]}
size_mib=${2:-1024}
out=${3:-$(mktemp -d /tmp/shoal-cpu-XXXX)}
command -v perf >/dev/null || { echo "perf is missing: apt-get install linux-perf" >&2; exit 2; }
work=$(mktemp -d /tmp/shoal-cpu-work-XXXX)
seeder=
cleanup() { [ -n "$seeder" ] && kill "$seeder" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$out" "$work/seed" "$work/get"

# Pseudo-random, incompressible payload (same bytes for the same size).
head -c $((size_mib * 1048576)) /dev/zero | openssl enc -aes-128-ctr -nosalt -pass pass:"$size_mib" -pbkdf2 > "$work/seed/payload.bin"
dotnet "$cli" create "$work/seed/payload.bin" -o "$work/payload.torrent" --piece-size 262144 --no-date >/dev/null

sha1=$(openssl speed -evp sha1 -seconds 2 2>/dev/null | awk '/^sha1/ {print $NF}')
echo "openssl speed -evp sha1 (16 KiB blocks): $sha1 (issue targets assume 2290000.00k)"

# On this VM memory untouched for a few seconds goes back to the host and its first touch is slow, billed as the
# leecher's system time when it fills the page cache: touch that much (in tmpfs) and free it right before the transfer.
warm() { head -c $((size_mib * 1048576 + 268435456)) /dev/zero > /dev/shm/shoal-cpu-warm; rm -f /dev/shm/shoal-cpu-warm; }

port=$((20000 + RANDOM % 20000))
export DOTNET_PerfMapEnabled=${PROFILE:-0}
# perf resolves JIT-compiled code only when it is not double-mapped (W^X).
[ "${PROFILE:-0}" = 1 ] && export DOTNET_EnableWriteXorExecute=0
# JIT=1: list every method the JIT compiled (ReadyToRun code is not listed) into OUT_DIR/jit-*.txt.
if [ "${JIT:-0}" = 1 ]; then export DOTNET_JitDisasmSummary=1; fi
DOTNET_JitStdOutFile=$out/jit-seeder.txt dotnet "$cli" seed "$work/seed/payload.bin" --torrent "$work/payload.torrent" --port "$port" --bind 127.0.0.1 --no-lsd --quiet ${FLAGS:-} \
  > "$out/seeder.log" 2>&1 &
seeder=$!
# Wait for the seeder to listen (it checks its data first).
for _ in $(seq 600); do ss -ltn | grep -q "127.0.0.1:$port " && break; sleep 0.2; done
cpu_of() { awk '{print $14 + $15}' "/proc/$1/stat"; }
tick=$(getconf CLK_TCK)
warm
before=$(cpu_of "$seeder")
if [ "${ALLOC:-0}" = 1 ]; then
  dotnet-counters collect -p "$seeder" --format csv -o "$out/seeder-counters.csv" --refresh-interval 1 --counters System.Runtime >/dev/null 2>&1 &
  seeder_rec=$!
  sleep 2
  dotnet-counters collect --format csv -o "$out/leecher-counters.csv" --refresh-interval 1 --counters System.Runtime -- \
    dotnet "$cli" get "$work/payload.torrent" -o "$work/get" --port 0 --bind 127.0.0.1 --no-lsd --quiet ${FLAGS:-} --peer "127.0.0.1:$port" \
    > "$out/leecher.log" 2>&1
  kill -TERM "$seeder_rec"; wait "$seeder_rec" || true
  pieces=$((size_mib * 4))
  for who in leecher seeder; do
    grep 'gc.heap.total_allocated' "$out/$who-counters.csv" | awk -F, -v w="$who" -v p="$pieces" \
      '{d += $NF} END {printf "%s allocated: %.0f bytes, %.0f per 256 KiB piece\n", w, d, d / p}'
  done
elif [ "${PROFILE:-0}" = 1 ]; then
  perf record -g -o "$out/seeder.perf.data" -p "$seeder" >/dev/null 2>&1 &
  seeder_rec=$!
  perf record -g -o "$out/leecher.perf.data" -- \
    env DOTNET_JitStdOutFile=$out/jit-leecher.txt dotnet "$cli" get "$work/payload.torrent" -o "$work/get" --port 0 --bind 127.0.0.1 --no-lsd --quiet ${FLAGS:-} --peer "127.0.0.1:$port" \
    > "$out/leecher.log" 2>&1
  kill -INT "$seeder_rec"; wait "$seeder_rec" || true
else
  perf stat -e task-clock,instructions,context-switches -o "$out/leecher.stat" -- \
    env DOTNET_JitStdOutFile=$out/jit-leecher.txt dotnet "$cli" get "$work/payload.torrent" -o "$work/get" --port 0 --bind 127.0.0.1 --no-lsd --quiet ${FLAGS:-} --peer "127.0.0.1:$port" \
    > "$out/leecher.log" 2>&1
fi
after=$(cpu_of "$seeder")
cmp "$work/seed/payload.bin" "$work/get/payload.bin" || { echo "leecher's copy differs" >&2; exit 1; }
seeder_s=$(awk -v a="$after" -v b="$before" -v t="$tick" 'BEGIN {printf "%.2f", (a - b) / t}')
echo "seeder CPU while the leecher ran: ${seeder_s} s  ($(awk -v s="$seeder_s" -v m="$size_mib" 'BEGIN {printf "%.2f", s * 1024 / m}') CPU-s/GiB)"
if [ -f "$out/leecher.stat" ]; then
  cat "$out/leecher.stat"
  awk -v m="$size_mib" '/seconds (user|sys)$/ {s += $1} END {printf "leecher whole process: %.2f CPU-s (%.2f CPU-s/GiB)\n", s, s * 1024 / m}' "$out/leecher.stat"
fi
echo "output in $out"
