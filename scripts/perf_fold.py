"""Reads `perf script -F comm,ip,sym` output (many runs concatenated) and
prints the functions holding the largest share of the samples, inclusive of
their callees, each counted once per sample. Used by scripts/profile-coldstart.
Usage: perf script ... | python3 scripts/perf_fold.py [TOP]"""

import collections
import re
import sys

top = int(sys.argv[1]) if len(sys.argv) > 1 else 25
inclusive = collections.Counter()
threads = collections.Counter()
samples = 0
frames = []
comm = None


def finish():
    global samples
    if comm is None:
        return
    samples += 1
    threads[comm] += 1
    for name in set(frames):
        inclusive[name] += 1


for line in sys.stdin:
    line = line.rstrip("\n")
    if not line.strip():
        finish()
        comm, frames = None, []
    elif not line.startswith((" ", "\t")):
        finish()
        comm, frames = line.split()[0], []
    else:
        parts = line.strip().split(None, 1)
        name = parts[1] if len(parts) > 1 else "[unknown]"
        # Drop symbol hashes and offsets so that one function is one row.
        name = re.sub(r"::h[0-9a-f]{16}$", "", name)
        name = re.sub(r"\+0x[0-9a-f]+$", "", name)
        frames.append(name[:140])
finish()

print(f"{samples} samples; by thread: " + ", ".join(f"{name} {count * 100 / samples:.0f} %" for name, count in threads.most_common()))
print()
print("| inclusive | function |")
print("| ---: | --- |")
for name, count in inclusive.most_common(top):
    print(f"| {count * 100 / max(samples, 1):.1f} % | `{name}` |")
