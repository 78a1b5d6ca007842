#!/usr/bin/env bash
# The whole test suite: installs the reference programs (libtorrent, Transmission, aria2, opentracker,
# mktorrent) when it can, then runs every test project. Tests that need a missing program are skipped,
# except under CI=true where they fail.
set -euo pipefail
cd "$(dirname "$0")"
# Network safety: no shoal process the suite starts may reach the public DHT routers (the test projects set it too).
export SHOAL_NO_PUBLIC_DHT=1

if ! scripts/install-reference-programs.sh; then
  [ "${CI:-}" = "true" ] && { echo "CI: reference programs could not be installed" >&2; exit 1; }
fi

dotnet test Shoal.slnx -c Release --blame-hang-timeout 5m --logger "console;verbosity=minimal" "$@"
