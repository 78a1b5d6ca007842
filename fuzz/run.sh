#!/usr/bin/env bash
# Fuzzes one parser with afl-fuzz (AFL++) through SharpFuzz for a bounded time.
#
#   fuzz/run.sh TARGET SECONDS     e.g. fuzz/run.sh torrent 600
#   fuzz/run.sh --prepare          only build and instrument (run-all.sh does this once for all targets)
#   fuzz/run.sh --list             the targets
#
# Exit codes: 0 no crash or hang found; 1 crash(es)/hang(s) found (each printed as hex and base64, with the exception it
# raises, and saved under the findings folder); 2 usage or setup error; 3 afl-fuzz is not installed.
#
# Environment (all optional):
#   SHOAL_FUZZ_WORK          work folder (default fuzz/.work): bin/ holds the instrumented build, findings/TARGET/ the afl-fuzz output
#   SHOAL_FUZZ_BIN           an already built (uninstrumented) Shoal.Fuzz output folder to use instead of building
#   SHOAL_FUZZ_PREPARED=1    skip build and instrumentation (bin/ is ready)
#   SHOAL_FUZZ_RESUME=1      continue the campaign in findings/TARGET/ instead of starting from fuzz/corpus/TARGET/
#   SHOAL_FUZZ_STOP_ON_CRASH=1  stop at the first crash (CI)
#   SHOAL_FUZZ_HANG_SECONDS  how long one input may run before it counts as a hang (default 5)
#   AFL_ARGS                 extra afl-fuzz arguments (e.g. "-p explore")
set -euo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ_DIR")"
WORK="${SHOAL_FUZZ_WORK:-$FUZZ_DIR/.work}"
BIN="$WORK/bin"

die() { echo "fuzz: $*" >&2; exit 2; }

prepare() {
  local built="${SHOAL_FUZZ_BIN:-}"
  if [ -z "$built" ]; then
    echo "fuzz: building fuzz/Shoal.Fuzz (Release)"
    dotnet build "$FUZZ_DIR/Shoal.Fuzz/Shoal.Fuzz.csproj" -c Release --nologo -v quiet >"$WORK/build.log" 2>&1 \
      || { cat "$WORK/build.log" >&2; die "build failed"; }
    built="$FUZZ_DIR/Shoal.Fuzz/bin/Release/net10.0"
  fi
  [ -f "$built/Shoal.Fuzz.dll" ] || die "no Shoal.Fuzz.dll in $built"
  (cd "$ROOT" && dotnet tool restore >/dev/null) || die "dotnet tool restore (SharpFuzz.CommandLine) failed"
  rm -rf "$BIN"
  cp -r "$built" "$BIN"
  # Coverage comes from these assemblies: the parsers, and the canary (which proves that crashes are caught at all).
  (cd "$ROOT" && dotnet tool run sharpfuzz "$BIN/Shoal.Core.dll" \
    && dotnet tool run sharpfuzz "$BIN/Shoal.TrackerServer.dll" \
    && dotnet tool run sharpfuzz "$BIN/Shoal.Fuzz.dll" Shoal.Fuzz.Targets.CanaryTarget) >"$WORK/instrument.log" 2>&1 \
    || { cat "$WORK/instrument.log" >&2; die "instrumentation failed"; }
}

dictionaries() {
  case "$1" in
    bencode) echo bencode ;;
    torrent) echo bencode torrent ;;
    magnet) echo magnet ;;
    wire) echo wire bencode ;;
    udp-client | udp-server) echo udp ;;
    http-response) echo bencode http-response ;;
    announce-query) echo announce-query ;;
    resume) echo bencode resume ;;
  esac
}

# Prints one finding: where it is, its bytes, and what the target does with it (replayed outside afl-fuzz).
show() {
  local target="$1" file="$2"
  echo "---- $file ($(stat -c %s "$file") bytes)"
  echo "hex:"
  head -c 1024 "$file" | od -A x -t x1z -v | sed 's/^/  /'
  echo "base64: $(head -c 4096 "$file" | base64 -w0)"
  SHOAL_FUZZ_HANG_SECONDS="${SHOAL_FUZZ_HANG_SECONDS:-5}" dotnet "$BIN/Shoal.Fuzz.dll" "$target" "$file" 2>&1 | sed 's/^/  /' | head -40 || true
}

case "${1:-}" in
  --list) mkdir -p "$WORK"; [ -f "$BIN/Shoal.Fuzz.dll" ] || prepare; dotnet "$BIN/Shoal.Fuzz.dll" --list; exit 0 ;;
  --prepare) mkdir -p "$WORK"; prepare; exit 0 ;;
  "" | -h | --help) sed -n '2,20p' "${BASH_SOURCE[0]}"; exit 2 ;;
esac
[ $# -eq 2 ] || die "usage: fuzz/run.sh TARGET SECONDS"
TARGET="$1" SECONDS_TO_RUN="$2"
[[ "$SECONDS_TO_RUN" =~ ^[0-9]+$ ]] && [ "$SECONDS_TO_RUN" -gt 0 ] || die "SECONDS must be a positive whole number"
[ -d "$FUZZ_DIR/corpus/$TARGET" ] || die "unknown target '$TARGET' (no fuzz/corpus/$TARGET)"
command -v afl-fuzz >/dev/null || { echo "fuzz: afl-fuzz is not installed (apt-get install afl++, or scripts/install-reference-programs.sh)" >&2; exit 3; }

mkdir -p "$WORK"
[ "${SHOAL_FUZZ_PREPARED:-}" = "1" ] && [ -f "$BIN/Shoal.Fuzz.dll" ] || prepare

OUT="$WORK/findings/$TARGET"
if [ "${SHOAL_FUZZ_RESUME:-}" = "1" ] && [ -d "$OUT/default/queue" ]; then input="-"; else rm -rf "$OUT"; input="$FUZZ_DIR/corpus/$TARGET"; fi
mkdir -p "$OUT"
dict_args=()
for d in $(dictionaries "$TARGET"); do dict_args+=(-x "$FUZZ_DIR/dict/$d.dict"); done

export AFL_SKIP_BIN_CHECK=1            # the target is `dotnet`, not an afl-instrumented binary
export AFL_NO_UI=1 AFL_QUIET=1
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1  # shared machines, containers
export AFL_FORKSRV_INIT_TMOUT=120000   # .NET start-up on a loaded machine
[ "${SHOAL_FUZZ_STOP_ON_CRASH:-}" = "1" ] && export AFL_BENCH_UNTIL_CRASH=1
export SHOAL_FUZZ_HANG_DIR="$OUT/hangs-shoal"
export DOTNET_GCHeapHardLimit=0x40000000  # 1 GiB: a runaway allocation is an OutOfMemoryException (a crash), not a dead machine
export DOTNET_TieredPGO=0

echo "fuzz: $TARGET for ${SECONDS_TO_RUN}s -> $OUT"
set +e
# -t: afl-fuzz's own per-input timeout, above the harness watchdog's (which names the input that hung).
# shellcheck disable=SC2086
afl-fuzz -i "$input" -o "$OUT" "${dict_args[@]}" -t 20000 -m none -V "$SECONDS_TO_RUN" ${AFL_ARGS:-} \
  -- dotnet "$BIN/Shoal.Fuzz.dll" "$TARGET" 2>&1 | grep -av "Fuzzing test case" >"$OUT/afl.log"
afl_status=${PIPESTATUS[0]}
set -e

stats="$OUT/default/fuzzer_stats"
stat_of() { [ -f "$stats" ] && awk -v k="$1" '$1 == k { print $3 }' "$stats" || echo "?"; }
echo "fuzz: $TARGET: $(stat_of execs_done) executions in $(stat_of run_time)s ($(stat_of execs_per_sec) exec/s), corpus $(stat_of corpus_count), coverage $(stat_of bitmap_cvg), stability $(stat_of stability)"

findings=()
for f in "$OUT"/default/crashes/id:* "$OUT"/default/hangs/id:* "$OUT"/hangs-shoal/*; do [ -f "$f" ] && findings+=("$f"); done
if [ ${#findings[@]} -eq 0 ] && [ "$afl_status" -ne 0 ]; then
  # afl-fuzz stopped because the target process died (e.g. a stack overflow): the input it was running is the culprit.
  if [ -f "$OUT/default/.cur_input" ] && [ -f "$stats" ]; then
    mkdir -p "$OUT/died"
    cp "$OUT/default/.cur_input" "$OUT/died/input"
    findings+=("$OUT/died/input")
    echo "fuzz: $TARGET: afl-fuzz stopped (status $afl_status): the target process died on the input below"
  else
    echo "fuzz: $TARGET: afl-fuzz failed to start (status $afl_status); its log:" >&2
    tail -30 "$OUT/afl.log" >&2
    exit 2
  fi
fi

if [ ${#findings[@]} -eq 0 ]; then
  echo "fuzz: $TARGET: no crash, no hang"
  exit 0
fi
echo "fuzz: $TARGET: ${#findings[@]} finding(s), saved under $OUT (crashes in default/crashes, hangs in hangs-shoal)"
n=0
for f in "${findings[@]}"; do
  n=$((n + 1))
  [ $n -le 10 ] || { echo "(${#findings[@]} in all; the rest are in $OUT)"; break; }
  show "$TARGET" "$f"
done
exit 1
