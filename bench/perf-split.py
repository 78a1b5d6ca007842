#!/usr/bin/env python3
# CPU split of a `perf record -g` profile into coarse categories (hashing, kernel per system call, JIT, runtime, ...).
# usage: perf script -i FILE.perf.data -F ip,sym,dso | bench/perf-split.py
import sys, collections, re
cats = collections.Counter(); total = 0
def classify(frames):
    leaf = frames[0] if frames else ''
    joined = ' '.join(frames)
    if 'libcrypto' in leaf: return 'hashing (libcrypto SHA-1)'
    if '[kernel' in joined:
        for f in frames:
            m = re.search(r'(__x64_sys_\w+|asm_exc_page_fault|irq|softirq)', f)
            if m and m.group(1).startswith('__x64_sys_'): return 'kernel ' + m.group(1)[10:]
            if m and 'page_fault' in m.group(1): return 'kernel page faults'
        return 'kernel other'
    if 'libclrjit' in leaf: return 'JIT'
    if 'libcoreclr' in leaf: return 'runtime (coreclr: GC, type loader, stubs)'
    if 'memmove' in leaf or 'memcpy' in leaf: return 'user memcpy (libc)'
    if 'libc.so' in leaf: return 'libc other'
    if 'CoreLib' in leaf or 'System.' in leaf: return 'BCL managed'
    if 'Shoal' in leaf: return 'Shoal managed'
    if 'memfd:doublemapper' in leaf or 'perf-' in leaf: return 'JIT-compiled code'
    return 'other: ' + leaf.split()[-1] if leaf else 'other'
frames = []
def flush():
    global frames, total
    if frames:
        cats[classify(frames)] += 1; total += 1
    frames = []
for line in sys.stdin:
    if not line.strip(): flush(); continue
    if line[0] not in ' \t': flush(); continue
    frames.append(line.strip())
flush()
for k, v in cats.most_common(): print(f'{100*v/total:6.1f}%  {k}')
print(f'{total} samples')
