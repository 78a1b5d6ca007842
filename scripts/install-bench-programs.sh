#!/usr/bin/env bash
# Installs what the benchmarks need beyond the test suite's reference programs: the daemons Shoal's daemon is compared
# with (Debian packages transmission-daemon and qbittorrent-nox). Idempotent; needs root (or sudo).
set -euo pipefail
"$(cd "$(dirname "$0")" && pwd)/install-reference-programs.sh" transmission-daemon qbittorrent-nox
# Debian starts transmission-daemon as a system service on install; the benchmark runs its own copies.
if command -v systemctl >/dev/null && systemctl is-active --quiet transmission-daemon 2>/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then systemctl disable --now transmission-daemon >/dev/null 2>&1 || true; fi
fi
