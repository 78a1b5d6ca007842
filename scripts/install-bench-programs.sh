#!/usr/bin/env bash
# Installs what the benchmarks need beyond the test suite's reference programs: the daemons Shoal's daemon is compared
# with (Debian packages transmission-daemon and qbittorrent-nox). Idempotent; needs root (or sudo).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
"$here/install-reference-programs.sh" || true

packages=(transmission-daemon qbittorrent-nox)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "bench programs: all present"; exit 0; }

if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
  echo "bench programs: missing ${missing[*]} and no root to install them" >&2
  exit 1
fi
echo "bench programs: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian starts transmission-daemon as a system service on install; the benchmark runs its own copies.
if command -v systemctl >/dev/null && systemctl is-active --quiet transmission-daemon 2>/dev/null; then
  $sudo systemctl disable --now transmission-daemon >/dev/null 2>&1 || true
fi
