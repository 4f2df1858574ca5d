#!/usr/bin/env python3
"""What each held stream keeps alive in one process, from two `dotnet-dump analyze -c "dumpheap -stat -live"`
outputs: one taken before the streams were opened, one while they were held.

    held-streams-owners.py STREAMS BEFORE.txt HELD.txt

For every type, (bytes held - bytes before) / STREAMS is what one stream costs in it; types are grouped
by the component that allocates them (an async state machine counts for the method it runs). Prints a
Markdown table per component with its largest types. Only live objects count, so garbage that the GC
has not yet collected does not appear; the GC's own slack and native memory are the rest of RSS."""
import re
import sys
from collections import defaultdict

ROW = re.compile(r"^\s*[0-9a-f]{8,16}\s+([\d,]+)\s+([\d,]+)\s+(.+?)\s*$")

# First match wins: (component, pattern on the owning type's full name).
COMPONENTS = [
    ("Kestrel (HTTP server: connections, HTTP/2 streams, headers)", r"^Microsoft\.AspNetCore\.Server\.Kestrel"),
    ("ASP.NET Core (HttpContext, middleware, routing)", r"^Microsoft\.AspNetCore\.|^Microsoft\.Extensions\."),
    ("HttpClient (SocketsHttpHandler: connections, requests, headers)", r"^System\.Net\.Http\."),
    ("YARP (forwarder, stream copy, health)", r"^Yarp\."),
    ("sockets", r"^System\.Net\.Sockets\."),
    ("pipelines (Kestrel's per-stream pipes)", r"^System\.IO\.Pipelines\."),
    ("telemetry (Activity, OpenTelemetry)", r"^System\.Diagnostics\.|^OpenTelemetry\."),
    ("AiCdn (our middleware, sessions, accounting)", r"^AiCdn\."),
    ("byte arrays (I/O buffers)", r"^System\.Byte\[\]$"),
    ("strings", r"^System\.String$"),
    ("tasks, timers, cancellation, locks", r"^System\.Threading\.|^System\.Runtime\.CompilerServices\."),
    ("collections", r"^System\.Collections\."),
]


def read(path):
    sizes = {}
    with open(path) as f:
        for line in f:
            m = ROW.match(line)
            if m:
                count, size, name = int(m[1].replace(",", "")), int(m[2].replace(",", "")), m[3]
                c, s = sizes.get(name, (0, 0))
                sizes[name] = (c + count, s + size)
    return sizes


def owner(name):
    # AsyncStateMachineBox<TResult, Owner+<Method>d__N>: the state machine of Owner.Method.
    m = re.search(r"AsyncStateMachineBox<(?:.*, )?([\w.`]+)\+<", name)
    if m:
        return m[1]
    # Generic collections and tasks count for their first type argument when that is not a System type.
    m = re.match(r"^System\.(?:Collections|Threading)[\w.`]*<([\w.`]+)", name)
    if m and not m[1].startswith("System."):
        return m[1]
    return name


def component(name):
    full = owner(name)
    for label, pattern in COMPONENTS:
        if re.search(pattern, full):
            return label
    return "other"


def main():
    streams, before, held = int(sys.argv[1]), read(sys.argv[2]), read(sys.argv[3])
    groups = defaultdict(list)
    for name, (count, size) in held.items():
        b_count, b_size = before.get(name, (0, 0))
        per_stream = (size - b_size) / streams
        if per_stream >= 8:  # below 8 bytes a stream: not held per stream
            groups[component(name)].append((per_stream, (count - b_count) / streams, name))
    total = sum(p for items in groups.values() for p, _, _ in items)
    print(f"live managed memory per held stream: {total / 1024:.1f} KiB ({streams} streams)")
    print()
    print("| component | bytes per stream | share | largest types (bytes, objects per stream) |")
    print("|---|---|---|---|")
    for label, items in sorted(groups.items(), key=lambda kv: -sum(p for p, _, _ in kv[1])):
        items.sort(reverse=True)
        subtotal = sum(p for p, _, _ in items)
        top = "; ".join(f"{short(n)} ({p:,.0f} B, {c:.1f})" for p, c, n in items[:4])
        print(f"| {label} | {subtotal:,.0f} | {subtotal / total:.0%} | {top} |")


def short(name):
    name = re.sub(r"System\.Runtime\.CompilerServices\.AsyncTaskMethodBuilder<[^>]*>\+AsyncStateMachineBox<(?:.*, )?", "async ", name)
    name = re.sub(r"\b(?:[a-z]\w*\.)*(?:Microsoft|System|Yarp|AiCdn|OpenTelemetry)(?:\.[A-Z]\w*)*\.(?=[A-Z])", "", name)
    return name.replace("|", "\\|")[:90]


if __name__ == "__main__":
    main()
