#!/usr/bin/env bash
# Fuzzes every target in turn (one afl-fuzz at a time) for SECONDS_EACH seconds each.
#   fuzz/run-all.sh SECONDS_EACH [TARGET...]
# Exits 1 if any target found a crash or hang (the summary at the end names them), 2 on setup errors.
set -euo pipefail
FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[ $# -ge 1 ] || { echo "usage: fuzz/run-all.sh SECONDS_EACH [TARGET...]" >&2; exit 2; }
seconds="$1"; shift
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for d in "$FUZZ_DIR"/corpus/*/; do
    name="$(basename "$d")"
    [ "$name" = canary ] || targets+=("$name")
  done
fi

"$FUZZ_DIR/run.sh" --prepare
export SHOAL_FUZZ_PREPARED=1
failed=() errors=()
for t in "${targets[@]}"; do
  set +e
  "$FUZZ_DIR/run.sh" "$t" "$seconds"
  status=$?
  set -e
  case $status in
    0) ;;
    1) failed+=("$t") ;;
    *) errors+=("$t (status $status)") ;;
  esac
done

echo "fuzz: ${#targets[@]} target(s), ${seconds}s each: ${#failed[@]} with findings${failed:+: ${failed[*]}}; ${#errors[@]} setup error(s)${errors:+: ${errors[*]}}"
[ ${#errors[@]} -eq 0 ] || exit 2
[ ${#failed[@]} -eq 0 ] || exit 1
