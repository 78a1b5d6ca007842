#!/usr/bin/env bash
# `shoal create --v2` (and --hybrid) against libtorrent's create_torrent (v2_only, and its default hybrid flags) on the
# same large file and piece size: wall time, CPU and peak RSS (/usr/bin/time -v), median of N runs, the programs
# alternating so neither profits from a warmer machine. Also checks that both make the same info-hash.
# Usage: bench/create-v2-vs-libtorrent.sh            (4 GiB file, 3 runs, 4 MiB pieces)
#        SIZE_MIB=1024 RUNS=5 FORMAT=hybrid bench/create-v2-vs-libtorrent.sh
# The test file lives in a temporary folder under /tmp and is deleted on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

SIZE_MIB=${SIZE_MIB:-4096}
RUNS=${RUNS:-3}
PIECE=${PIECE:-4194304}
FORMAT=${FORMAT:-v2}                  # v2 or hybrid
PY=/usr/bin/python3

$PY -c "import libtorrent" 2>/dev/null || { echo "python3-libtorrent is not installed" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "/usr/bin/time (GNU time) is not installed" >&2; exit 1; }

dotnet build src/Shoal.Cli -c Release -nologo -v q >/dev/null
SHOAL="src/Shoal.Cli/bin/Release/net10.0/Shoal.Cli.dll"

WORK=$(mktemp -d /tmp/shoal-create-v2-bench.XXXXXX)
trap 'rm -rf "$WORK"' EXIT
. bench/timing.sh
DATA="$WORK/data.bin"
echo "writing ${SIZE_MIB} MiB of random data to $DATA ..."
head -c "$((SIZE_MIB * 1024 * 1024))" /dev/urandom > "$DATA"
sync
cat > "$WORK/lt_create.py" <<'PYEOF'
import os, sys
import libtorrent as lt
source, output, piece, hybrid = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4] == "hybrid"
fs = lt.file_storage()
lt.add_files(fs, source)
ct = lt.create_torrent(fs, piece, flags=0 if hybrid else lt.create_torrent.v2_only)
lt.set_piece_hashes(ct, os.path.dirname(os.path.abspath(source)))
open(output, "wb").write(lt.bencode(ct.generate()))
PYEOF

shoal()      { run shoal dotnet "$SHOAL" create "$DATA" "--$FORMAT" --piece-size "$PIECE" -o "$WORK/shoal.torrent" --force; }
libtorrent() { run libtorrent "$PY" "$WORK/lt_create.py" "$DATA" "$WORK/libtorrent.torrent" "$PIECE" "$FORMAT"; }

shoal >/dev/null; libtorrent >/dev/null # warm-up: page cache, first touch; not counted

declare -a shoal_s shoal_kb shoal_cpu lt_s lt_kb lt_cpu
for i in $(seq 1 "$RUNS"); do
  read -r s kb cpu < <(shoal);      shoal_s+=("$s"); shoal_kb+=("$kb"); shoal_cpu+=("$cpu"); echo "run $i  shoal       ${s} s  (cpu ${cpu} s)  $((kb / 1024)) MiB"
  read -r s kb cpu < <(libtorrent); lt_s+=("$s");    lt_kb+=("$kb");    lt_cpu+=("$cpu");    echo "run $i  libtorrent  ${s} s  (cpu ${cpu} s)  $((kb / 1024)) MiB"
done

v2_of() { dotnet "$SHOAL" info "$1" --json | sed -n 's/.*"infoHashV2": "\([0-9a-f]*\)".*/\1/p'; }
same=$([ "$(v2_of "$WORK/shoal.torrent")" = "$(v2_of "$WORK/libtorrent.torrent")" ] && echo yes || echo NO)

echo
echo "file: ${SIZE_MIB} MiB, ${FORMAT}, pieces: $((PIECE / 1024)) KiB, cores: $(nproc), load: $(cut -d' ' -f1 /proc/loadavg), median of $RUNS"
printf '%-11s %8s s wall  %8s s cpu  %6s MiB peak RSS\n' shoal "$(median "${shoal_s[@]}")" "$(median "${shoal_cpu[@]}")" "$(( $(median "${shoal_kb[@]}" | cut -d. -f1) / 1024 ))"
printf '%-11s %8s s wall  %8s s cpu  %6s MiB peak RSS\n' libtorrent "$(median "${lt_s[@]}")" "$(median "${lt_cpu[@]}")" "$(( $(median "${lt_kb[@]}" | cut -d. -f1) / 1024 ))"
echo "same v2 info-hash: $same"
