"""Reads `perf script` output: one stack per sample, its frames named without JIT tiers, offsets
or modules, so the same method is one frame however often it was recompiled. Used by
flamegraph.py and top-frames.py."""
import re


def frame_name(line):
    parts = line.strip().split(None, 1)
    frame = parts[1] if len(parts) > 1 else parts[0]
    frame = re.sub(r"\s+\(.*\)$", "", frame)  # the module in parentheses
    frame = re.sub(r"\[(OptimizedTier1|Optimized|Tier0|Tier1|PreJIT|QuickJitted|OSR)\]", "", frame)
    frame = re.sub(r"\+0x[0-9a-f]+$", "", frame)
    return frame.strip() or "[unknown]"


def stacks(lines):
    """Yields each sample's frames, leaf first (as perf prints them)."""
    stack = []
    for line in lines:
        if not line.strip():
            if stack:
                yield stack
            stack = []
        elif line.startswith((" ", "\t")):
            stack.append(frame_name(line))
    if stack:
        yield stack
