#!/usr/bin/env bash
# Installs (Debian packages) the reference programs the interop tests and benchmarks compare against (nginx as a web
# seed), afl++ for the fuzz smoke test, strace for the durability test, Chromium with a font (readable screenshots)
# for the web interface's browser tests, and nftables + iperf3 for the bottleneck-link tests (random loss, a competing
# TCP flow).
# Idempotent and quick when everything is already present. Needs root (or sudo).
# Extra Debian packages may be named as arguments (scripts/install-bench-programs.sh adds the daemons it compares).
set -euo pipefail

packages=(python3-libtorrent transmission-cli aria2 opentracker mktorrent iproute2 hyperfine afl++ strace chromium fonts-dejavu-core nginx nftables iperf3 "$@")

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && { echo "reference programs: all present"; exit 0; }

if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then sudo="sudo"; else
  echo "reference programs: missing ${missing[*]} and no root to install them; interop tests will be skipped" >&2
  exit 1
fi
echo "reference programs: installing ${missing[*]}"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# nginx is a web seed the tests start themselves on a loopback port; the package's own service on port 80 is not wanted.
if command -v systemctl >/dev/null && systemctl is-enabled nginx >/dev/null 2>&1; then
  $sudo systemctl disable --now nginx >/dev/null 2>&1 || true
fi
