# Shared by the bench/*-vs-*.sh scripts (sourced, with WORK set to their temporary folder).

# run NAME COMMAND... : runs one timed command; prints "wall_seconds max_rss_kib cpu_seconds"
run() {
  local name=$1; shift
  rm -f "$WORK/$name.torrent"
  /usr/bin/time -f "%e %M %U %S" -o "$WORK/$name.time" "$@" >"$WORK/$name.log" 2>&1 || { cat "$WORK/$name.log" >&2; exit 1; }
  awk '{printf "%s %s %.2f\n", $1, $2, $3 + $4}' "$WORK/$name.time"
}

median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
