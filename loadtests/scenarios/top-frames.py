#!/usr/bin/env python3
"""Reads `perf script` output (stacks of frames) on stdin; prints the frames most often on the
stack (inclusive share of samples) and at its top (self share), for BENCHMARKS.md."""
import collections
import sys

from perf_stacks import stacks

inclusive = collections.Counter()
self_samples = collections.Counter()
samples = 0
for stack in stacks(sys.stdin):
    samples += 1
    self_samples[stack[0]] += 1
    for frame in set(stack):
        inclusive[frame] += 1

print(f"{samples} samples")
print("\ninclusive (on the stack):")
for frame, count in inclusive.most_common(40):
    print(f"{100 * count / samples:5.1f}%  {frame}")
print("\nself (top of the stack):")
for frame, count in self_samples.most_common(30):
    print(f"{100 * count / samples:5.1f}%  {frame}")
