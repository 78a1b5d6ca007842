#!/usr/bin/env bash
# `shoal create` against `mktorrent -t 2` on the same large file: wall time and peak RSS (/usr/bin/time -v),
# median of N runs each, the two programs alternating so neither profits from a warmer machine.
# Usage: bench/create-vs-mktorrent.sh            (4 GiB file, 3 runs, 4 MiB pieces)
#        SIZE_MIB=1024 RUNS=5 bench/create-vs-mktorrent.sh
# The test file lives in a temporary folder under /tmp and is deleted on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${SIZE_MIB:-4096}
RUNS=${RUNS:-3}
PIECE_LOG2=${PIECE_LOG2:-22}          # 4 MiB: what shoal picks by itself for 4 GiB
TRACKER=http://127.0.0.1:9/announce

command -v mktorrent >/dev/null || { echo "mktorrent is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is not installed" >&2; exit 1; }

dotnet build src/Shoal.Cli -c Release -nologo -v q >/dev/null
SHOAL="src/Shoal.Cli/bin/Release/net10.0/Shoal.Cli.dll"

WORK=$(mktemp -d /tmp/shoal-create-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
. bench/timing.sh
DATA="$WORK/data.bin"
echo "writing ${SIZE_MIB} MiB of random data to $DATA ..."
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$DATA"
sync

shoal()     { run shoal dotnet "$SHOAL" create "$DATA" -t "$TRACKER" --piece-size $((1 << PIECE_LOG2)) -o "$WORK/shoal.torrent" --force; }
mktorrent_() { run mktorrent mktorrent -t 2 -l "$PIECE_LOG2" -a "$TRACKER" -o "$WORK/mktorrent.torrent" "$DATA"; }

# Warm-up (page cache, JIT-free first touch of the file), not counted.
shoal >/dev/null; mktorrent_ >/dev/null

declare -a shoal_s shoal_kb shoal_cpu mk_s mk_kb mk_cpu
for i in $(seq 1 "$RUNS"); do
  read -r s kb cpu < <(shoal);      shoal_s+=("$s"); shoal_kb+=("$kb"); shoal_cpu+=("$cpu"); echo "run $i  shoal      ${s} s  (cpu ${cpu} s)  $((kb / 1024)) MiB"
  read -r s kb cpu < <(mktorrent_); mk_s+=("$s");    mk_kb+=("$kb");    mk_cpu+=("$cpu");    echo "run $i  mktorrent  ${s} s  (cpu ${cpu} s)  $((kb / 1024)) MiB"
done

hash_of() { dotnet "$SHOAL" info "$1" --json | sed -n 's/.*"infoHash": "\([0-9a-f]*\)".*/\1/p'; }
same=$([ "$(hash_of "$WORK/shoal.torrent")" = "$(hash_of "$WORK/mktorrent.torrent")" ] && echo yes || echo NO)

echo
echo "file: ${SIZE_MIB} MiB, pieces: $((1 << (PIECE_LOG2 - 10))) KiB, cores: $(nproc), load: $(cut -d' ' -f1 /proc/loadavg), median of $RUNS"
printf '%-10s %8s s wall  %8s s cpu  %6s MiB peak RSS\n' shoal "$(median "${shoal_s[@]}")" "$(median "${shoal_cpu[@]}")" "$(( $(median "${shoal_kb[@]}" | cut -d. -f1) / 1024 ))"
printf '%-10s %8s s wall  %8s s cpu  %6s MiB peak RSS\n' mktorrent "$(median "${mk_s[@]}")" "$(median "${mk_cpu[@]}")" "$(( $(median "${mk_kb[@]}" | cut -d. -f1) / 1024 ))"
echo "same info-hash: $same"
