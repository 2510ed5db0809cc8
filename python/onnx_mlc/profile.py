"""Kernel profiles of profile builds (`onnx-mlc --profile`,
`compile(..., profile=True)`), and `onnx-mlc profile model.onnx`.

A profile build times every kernel call in the library itself
(mlc-instrument-kernels) and exports the counters: per call site, the
nanoseconds spent, the calls, and when the last call started. A site is
labelled with the ONNX nodes its kernel computes. This module reads them
around each run: per-node totals, the time outside kernels, and a Chrome
trace (chrome://tracing, Perfetto) with one event per kernel per run.
"""

import argparse
import ctypes
import json
import sys
import threading
import time
from collections import defaultdict

import numpy as np

from .errors import OnnxMlcError


class Profile:
    """The profile of a CompiledModel from a profile build; updated by each
    call of the model. str() is the per-node table."""

    def __init__(self, lib, prefix):
        size = getattr(lib, f"{prefix}_profile_size")
        size.restype = ctypes.c_int64
        labels = getattr(lib, f"{prefix}_profile_labels")
        labels.restype = ctypes.c_char_p
        counters = getattr(lib, f"{prefix}_profile_counters")
        counters.restype = ctypes.c_void_p
        n = size()
        rows = [line.split("\t") for line in labels().decode("utf-8", "replace").splitlines()]
        if len(rows) != n or any(len(r) != 2 for r in rows):
            raise OnnxMlcError("the library's profile labels do not match its counters")
        self.nodes = [r[0] for r in rows]
        self.op_types = [r[1] for r in rows]
        self._counters = np.ctypeslib.as_array(
            (ctypes.c_int64 * max(3 * n, 1)).from_address(counters()))[:3 * n].reshape(n, 3)
        self._lock = threading.Lock()
        self.reset()

    def reset(self):
        """Forgets every run so far."""
        with self._lock:
            self._counters[:] = 0
            self.runs = 0
            self.run_ns = 0
            self.events = []
            self._seen = self._counters.copy()

    def timed(self, run):
        """Calls `run()` and records it: the model's __call__ uses this."""
        start = time.monotonic_ns()
        result = run()
        end = time.monotonic_ns()
        with self._lock:
            # Calls from several threads at once each see the others' kernels
            # too; the totals stay right, the per-run events are shared.
            now = self._counters.copy()
            delta = now - self._seen
            self._seen = now
            self.runs += 1
            self.run_ns += end - start
            tid = threading.get_ident() % (1 << 31)
            self.events.append({"name": "run", "cat": "session", "ph": "X", "pid": 0, "tid": tid,
                                "ts": start / 1e3, "dur": (end - start) / 1e3})
            for i in np.nonzero(delta[:, 1])[0]:
                self.events.append({
                    "name": self.nodes[i], "cat": "kernel", "ph": "X", "pid": 0, "tid": tid,
                    "ts": int(now[i, 2]) / 1e3, "dur": int(delta[i, 0]) / 1e3,
                    "args": {"op_type": self.op_types[i], "calls": int(delta[i, 1])}})
        return result

    def by_node(self):
        """[(nodes, op types, calls, seconds)] summed over the sites of each
        node (a node may take several kernels), the slowest first."""
        with self._lock:
            totals = defaultdict(lambda: [0, 0])
            for i, (node, op) in enumerate(zip(self.nodes, self.op_types)):
                totals[(node, op)][0] += int(self._counters[i, 1])
                totals[(node, op)][1] += int(self._counters[i, 0])
        rows = [(node, op, calls, ns / 1e9) for (node, op), (calls, ns) in totals.items()
                if calls]
        return sorted(rows, key=lambda r: -r[3])

    def to_dict(self):
        run_s = self.run_ns / 1e9
        rows = self.by_node()
        kernel_s = sum(r[3] for r in rows)
        return {
            "runs": self.runs, "run_seconds": run_s,
            "outside_kernels_seconds": max(run_s - kernel_s, 0.0),
            "nodes": [{"node": n, "op_type": op, "calls": c, "seconds": s,
                       "share": s / run_s if run_s else 0.0} for n, op, c, s in rows],
        }

    def chrome_trace(self):
        """The runs as a Chrome trace (the JSON object format)."""
        with self._lock:
            return {"traceEvents": list(self.events), "displayTimeUnit": "ms"}

    def write_trace(self, path):
        with open(path, "w") as f:
            json.dump(self.chrome_trace(), f)

    def table(self, limit=None):
        d = self.to_dict()
        runs = max(d["runs"], 1)
        lines = [f"{d['runs']} runs, {d['run_seconds'] / runs * 1e3:.3f} ms per run",
                 f"{'share':>7} {'ms/run':>9} {'calls/run':>9}  {'op type':<28} node"]
        for r in d["nodes"][:limit]:
            lines.append(f"{r['share'] * 100:6.1f}% {r['seconds'] / runs * 1e3:9.3f} "
                         f"{r['calls'] / runs:9.1f}  {r['op_type']:<28} {r['node']}")
        if limit is not None and len(d["nodes"]) > limit:
            rest = d["nodes"][limit:]
            lines.append(f"{sum(r['share'] for r in rest) * 100:6.1f}% "
                         f"{sum(r['seconds'] for r in rest) / runs * 1e3:9.3f} {'':>9}  "
                         f"({len(rest)} more nodes)")
        share = d["outside_kernels_seconds"] / d["run_seconds"] if d["run_seconds"] else 0.0
        lines.append(f"{share * 100:6.1f}% {d['outside_kernels_seconds'] / runs * 1e3:9.3f} "
                     f"{'':>9}  (outside kernels: copies, checks, scalar code, the call)")
        return "\n".join(lines)

    def __str__(self):
        return self.table()


def _parser():
    p = argparse.ArgumentParser(
        prog="onnx-mlc profile",
        description="Compile a profile build of the model, run it, and print the time of "
                    "each ONNX node, the slowest first.")
    p.add_argument("model", help="the .onnx file")
    p.add_argument("--inputs", help=".npz file of inputs by name (default: random inputs)")
    p.add_argument("--runs", type=int, default=10, help="timed runs (default: 10)")
    p.add_argument("--warmup", type=int, default=2, help="untimed runs first (default: 2)")
    p.add_argument("--top", type=int, default=20, help="nodes to list (default: 20)")
    p.add_argument("--trace", help="write a Chrome trace (JSON) of the timed runs here")
    p.add_argument("--json", action="store_true", help="print the profile as JSON")
    p.add_argument("-O", dest="opt_level", type=int, default=3, choices=range(4),
                   help="optimization level (default: 3)")
    return p


def main(argv):
    from .check import random_inputs
    from .compiler import compile

    args = _parser().parse_args(argv)
    try:
        model = compile(args.model, opt_level=args.opt_level, profile=True)
        feed = dict(np.load(args.inputs)) if args.inputs else random_inputs(model)
        for _ in range(args.warmup):
            model(**feed)
        model.profile.reset()
        for _ in range(args.runs):
            model(**feed)
    except OnnxMlcError as e:
        print(f"onnx-mlc profile: error: {e}", file=sys.stderr)
        return 1
    print(json.dumps(model.profile.to_dict(), indent=2) if args.json
          else model.profile.table(args.top))
    if args.trace:
        model.profile.write_trace(args.trace)
    return 0
