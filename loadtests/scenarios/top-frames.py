#!/usr/bin/env python3
"""Reads `perf script` output (stacks of frames) on stdin; prints the frames most often on the
stack (inclusive share of samples) and at its top (self share), for BENCHMARKS.md."""
import collections
import re
import sys

inclusive = collections.Counter()
self_samples = collections.Counter()
samples = 0
stack = []


def name(line):
    parts = line.strip().split(None, 1)
    frame = parts[1] if len(parts) > 1 else parts[0]
    frame = re.sub(r"\s+\(.*\)$", "", frame)          # the module in parentheses
    frame = re.sub(r"\[OptimizedTier1\]|\[Optimized\]|\[Tier0\]|\[Tier1\]|\[PreJIT\]|\[QuickJitted\]|\[OSR\]", "", frame)
    frame = re.sub(r"\+0x[0-9a-f]+$", "", frame)
    return frame.strip()


def flush():
    global samples
    if not stack:
        return
    samples += 1
    self_samples[stack[0]] += 1
    for frame in set(stack):
        inclusive[frame] += 1
    stack.clear()


for line in sys.stdin:
    if not line.strip():
        flush()
    elif line.startswith((" ", "\t")):
        stack.append(name(line))
flush()

print(f"{samples} samples")
print("\ninclusive (on the stack):")
for frame, count in inclusive.most_common(40):
    print(f"{100 * count / samples:5.1f}%  {frame}")
print("\nself (top of the stack):")
for frame, count in self_samples.most_common(30):
    print(f"{100 * count / samples:5.1f}%  {frame}")
