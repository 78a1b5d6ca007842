#!/usr/bin/env bash
# The machine code of Shoal's RC4 loop, with the instruction count of each basic block, for counting instructions per
# byte (valid on a busy machine, unlike wall time). Neither `perf stat` (no PMU in this VM) nor valgrind serve here:
# under valgrind this .NET JIT abandons full optimisation and retries every method with MinOpts, so callgrind counts
# code that never runs outside it. The loop has no data-dependent branches but the wrap of i, so the count is exact:
#   per 256 bytes = 31 x (unrolled 8-byte block + its loop test) + 8 x (single step + its loop test).
# Also prints the CPU time of encrypting MiB megabytes (meaningful only on a quiet machine).
# Usage: bench/rc4-instructions.sh [MiB=256]
set -euo pipefail
cd "$(dirname "$0")/.."
dotnet build bench/Shoal.Benchmarks -c Release -v q -nologo >/dev/null
listing=$(mktemp)
trap 'rm -f "$listing"' EXIT
DOTNET_TieredCompilation=0 DOTNET_JitStdOutFile="$listing" DOTNET_JitDisasm='Transform' \
  dotnet bench/Shoal.Benchmarks/bin/Release/net10.0/Shoal.Benchmarks.dll rc4-instructions "${1:-256}"
awk '/Assembly listing/ { show = /Transform\(System.Span/ } show' "$listing" | grep -v '^ *$'
echo '; instructions per basic block:'
awk '/Assembly listing/ { show = /Transform\(System.Span/ }
     show && /^G_M/ { block = $1; order[++n] = block }
     show && /^ +[a-z]/ && $1 != "align" { count[block]++ }
     END { for (k = 1; k <= n; k++) printf ";   %s %d\n", order[k], count[order[k]] }' "$listing"
