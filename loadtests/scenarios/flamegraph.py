#!/usr/bin/env python3
"""Renders `perf script` output (stdin) as a flame graph SVG (stdout): one box per frame, as wide as
the share of samples it was on the stack in, stacked from the root up; hover for name and share.
Frames are named as top-frames.py names them. Usage: perf script | flamegraph.py "title" > out.svg"""
import html
import sys

from perf_stacks import stacks


class Node:
    __slots__ = ("children", "count")

    def __init__(self):
        self.children = {}
        self.count = 0


root = Node()
for stack in stacks(sys.stdin):
    node = root
    node.count += 1
    for frame in reversed(stack):  # from the root to the leaf
        node = node.children.setdefault(frame, Node())
        node.count += 1

WIDTH, ROW, FONT = 1600, 16, 11
title = sys.argv[1] if len(sys.argv) > 1 else "flame graph"
depth = [0]


def measure(node, level):
    depth[0] = max(depth[0], level)
    for child in node.children.values():
        measure(child, level + 1)


measure(root, 0)
height = (depth[0] + 3) * ROW
out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" font-family="monospace" font-size="{FONT}">',
       f'<text x="10" y="{ROW}" font-size="14">{html.escape(title)} ({root.count} samples)</text>']


def color(name):
    h = sum(map(ord, name)) % 60
    if "[kernel" in name or name.startswith(("__", "do_", "sys_", "tcp_", "ip_")):
        return f"rgb({200 + h // 3},{120 + h},{60})"
    return f"rgb({230},{100 + h * 2},{50})"


def draw(node, level, x):
    for frame, child in sorted(node.children.items()):
        w = WIDTH * child.count / root.count
        if w >= 0.5:
            y = height - (level + 1) * ROW
            share = 100 * child.count / root.count
            label = html.escape(frame)
            out.append(f'<g><title>{label} ({share:.2f}%)</title><rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{ROW - 1}" fill="{color(frame)}"/>')
            if w > 40:
                chars = int(w / (FONT * 0.62))
                text = frame if len(frame) <= chars else frame[: max(0, chars - 2)] + ".."
                out.append(f'<text x="{x + 2:.1f}" y="{y + ROW - 4}">{html.escape(text)}</text>')
            out.append("</g>")
            draw(child, level + 1, x)
        x += w


draw(root, 0, 0.0)
out.append("</svg>")
print("\n".join(out))
