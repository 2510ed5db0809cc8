"""The compile report (`onnx-mlc --report`, `compile(..., report=True)`):
where the time went, what graph optimization did, and what came out.

Everything in it is read off the modules the compiler produced, at the
stage where it is decided:
* op counts from the imported and the optimized ONNX-level module;
* fused patterns from locations: a fusion gives the fused op the locations
  of every node it absorbed, so an op located at several nodes is one
  instance of the pattern of their op types;
* kernels from the outlined functions of the LLVM-dialect module;
* the workspace from the buffers the bufferized entry function allocates.
"""

import json
import sys
import time
from collections import Counter
from contextlib import contextmanager

from .codegen import node_names
from .mlir import ir

# Ops that are not ONNX nodes of the user's graph.
_NOT_NODES = {"onnx.Constant", "onnx.none", "onnx.Yield"}


def _onnx_ops(module):
    """The ONNX-dialect ops of `module` that stand for nodes, nested ones too."""
    found = []

    def visit(op):
        if op.name.startswith("onnx.") and op.name not in _NOT_NODES:
            found.append(op)
        return ir.WalkResult.ADVANCE

    module.operation.walk(visit)
    return found


def _op_type(op):
    if op.name == "onnx.opaque":
        return ir.StringAttr(op.attributes["op_type"]).value
    return op.name[len("onnx."):]


def _element_bytes(type_):
    width = getattr(type_, "width", None)
    if width is None:
        for cls in (ir.F64Type, ir.F32Type, ir.F16Type, ir.BF16Type):
            if cls.isinstance(type_):
                width = cls(type_).width
                break
    return max(1, (width or 64) // 8)


class Report:
    """A compile report, filled in by compile_to. str() is the readable
    form, to_dict()/to_json() the machine-readable one."""

    def __init__(self, model, options, progress=None):
        self.model = model if isinstance(model, str) else "<in memory>"
        self.options = {"opt_level": options.opt_level, "target": options.target,
                        "cpu": options.cpu, "prefix": options.prefix}
        self.phases = []          # [(phase, seconds)]
        self.ops_before = Counter()
        self.ops_after = Counter()
        self.removed = Counter()  # op type -> nodes gone without being fused
        self.fused = Counter()    # "Conv+BatchNormalization+Relu" -> instances
        self.kernels = []         # [(function, [op types of its nodes])]
        self.workspace_bytes = 0  # the statically sized buffers: workspace + peak of the rest
        self.scalar_contractions = 0  # contractions and convolutions not vectorized
        self.dynamic_buffers = 0  # buffers sized at run time (not in the peak)
        self.unsupported = []     # "node 'x' (Op, domain d)" per unsupported node
        self.error = None         # why the compile failed, if it did
        self._types = {}
        # A progress line on a terminal, for compiles that take a while.
        self._progress = sys.stderr.isatty() if progress is None else progress

    @contextmanager
    def phase(self, name):
        if self._progress:
            sys.stderr.write(f"\ronnx-mlc: {name} ...\x1b[K")
            sys.stderr.flush()
        start = time.perf_counter()
        try:
            yield
        finally:
            self.phases.append((name, time.perf_counter() - start))
            if self._progress:
                sys.stderr.write("\r\x1b[K")
                sys.stderr.flush()

    # -- what compile_to records, stage by stage --------------------------

    def imported(self, module, lowered):
        """The imported module: the ops the graph starts with, and those the
        compiler has no lowering for."""
        if "mlc.node_ops" in module.operation.attributes:
            ops = ir.DictAttr(module.operation.attributes["mlc.node_ops"])
            self._types = {ops[i].name: ir.StringAttr(ops[i].attr).value
                           for i in range(len(ops))}
        for op in _onnx_ops(module):
            kind = _op_type(op)
            self.ops_before[kind] += 1
            names = node_names(op.location)
            if op.name == "onnx.opaque" or kind not in lowered:
                attrs = op.attributes
                domain = ir.StringAttr(attrs["domain"]).value if "domain" in attrs else ""
                self.unsupported.append(
                    f"node '{'+'.join(names)}' ({kind}, domain {domain or 'ai.onnx'})")

    def optimized(self, module):
        """The ONNX-level module after graph optimization."""
        seen = set()
        for op in _onnx_ops(module):
            self.ops_after[_op_type(op)] += 1
            names = node_names(op.location)
            seen.update(names)
            if len(names) > 1:
                self.fused["+".join(self._types.get(n, "?") for n in names)] += 1
        for name, kind in self._types.items():
            if name not in seen and kind != "Constant":
                self.removed[kind] += 1

    def bufferized(self, module):
        """The module after bufferization: the entry function's workspace
        (mlc-plan-workspace) plus the peak of the statically sized buffers
        it still allocates, walking its body in order (into the branch where
        the run-time checks pass)."""
        live, peak = {}, 0

        def walk(block):
            nonlocal peak
            for op in block.operations:
                op = op.operation
                if op.name in ("memref.alloc", "memref.alloca"):
                    t = ir.MemRefType(op.results[0].type)
                    if t.has_static_shape:
                        size = _element_bytes(t.element_type)
                        for d in t.shape:
                            size *= d
                        live[op.results[0]] = size
                        peak = max(peak, sum(live.values()))
                    else:
                        self.dynamic_buffers += 1
                elif op.name == "memref.dealloc":
                    live.pop(op.operands[0], None)
                elif op.name == "scf.if" and len(op.regions[0].blocks):
                    walk(op.regions[0].blocks[0])

        planned = 0
        for fn in module.body.operations:
            if fn.operation.name == "func.func" and \
                    ir.StringAttr(fn.attributes["sym_name"]).value == "main_graph":
                if "mlc.workspace_size" in fn.attributes:
                    planned = ir.IntegerAttr(fn.attributes["mlc.workspace_size"]).value
                walk(fn.regions[0].blocks[0])
        self.workspace_bytes = planned + peak

    def lowered(self, module):
        """The LLVM-dialect module: one function per outlined kernel, and
        the contractions left to scalar loops."""
        for op in module.body.operations:
            op = op.operation
            if op.name == "llvm.func" and "mlc.scalar_contractions" in op.attributes:
                self.scalar_contractions += ir.IntegerAttr(
                    op.attributes["mlc.scalar_contractions"]).value
            if op.name != "llvm.func" or "mlc.kernel" not in op.attributes:
                continue
            types = [self._types.get(n, "?") for n in node_names(op.location)]
            self.kernels.append((ir.StringAttr(op.attributes["sym_name"]).value, types))

    # -- output -----------------------------------------------------------

    def to_dict(self):
        kernel_patterns = Counter("+".join(t) or "(compiler)" for _, t in self.kernels)
        return {
            "model": self.model,
            "options": self.options,
            "phases": [{"phase": p, "seconds": round(s, 4)} for p, s in self.phases],
            "total_seconds": round(sum(s for _, s in self.phases), 4),
            "ops_before": dict(self.ops_before.most_common()),
            "ops_after": dict(self.ops_after.most_common()),
            "removed": dict(self.removed.most_common()),
            "fused": dict(self.fused.most_common()),
            "kernels": len(self.kernels),
            "kernels_by_nodes": dict(kernel_patterns.most_common()),
            "scalar_contractions": self.scalar_contractions,
            "workspace_bytes": self.workspace_bytes,
            "dynamic_buffers": self.dynamic_buffers,
            "unsupported": self.unsupported,
            "error": self.error,
        }

    def to_json(self):
        return json.dumps(self.to_dict(), indent=2)

    def __str__(self):
        d = self.to_dict()
        o = d["options"]
        lines = [f"onnx-mlc compile report: {d['model']} (-O{o['opt_level']}, {o['target']}"
                 + (f", {o['cpu']}" if o["cpu"] else "") + ")", "", "phases:"]
        lines += [f"  {p['phase']:<18}{p['seconds']:9.3f} s" for p in d["phases"]]
        lines.append(f"  {'total':<18}{d['total_seconds']:9.3f} s")
        before, after = sum(self.ops_before.values()), sum(self.ops_after.values())
        lines += ["", f"graph: {before} ONNX ops imported, {after} after optimization"]
        kinds = sorted(set(self.ops_before) | set(self.ops_after),
                       key=lambda k: (-self.ops_before[k], -self.ops_after[k], k))
        lines.append(f"  {'op':<28}{'before':>8}{'after':>8}")
        lines += [f"  {k:<28}{self.ops_before[k]:>8}{self.ops_after[k]:>8}" for k in kinds]

        def counts(title, table):
            lines.extend(["", title])
            lines.extend([f"  {k:<44}{v:>6}" for k, v in table.items()] or ["  none"])

        counts("fused (pattern: instances):", d["fused"])
        counts("folded or eliminated (nodes gone, by op):", d["removed"])
        if self.kernels or d["phases"] and d["phases"][-1]["phase"] in ("llvm", "link"):
            counts(f"kernels: {d['kernels']} (by the nodes each computes):",
                   d["kernels_by_nodes"])
            lines.append(f"  contractions left to scalar loops: {self.scalar_contractions}")
        lines += ["", f"workspace: {_bytes(self.workspace_bytes)} of statically sized "
                  "intermediate buffers (laid out by lifetime); "
                  f"{self.dynamic_buffers} buffers sized at run time"]
        lines += ["", "unsupported:"] + [f"  {u}" for u in self.unsupported or ["none"]]
        if self.error:
            lines += ["", "error:", "  " + self.error.replace("\n", "\n  ")]
        return "\n".join(lines)


def _bytes(n):
    for unit in ("B", "KiB", "MiB", "GiB"):
        if n < 1024 or unit == "GiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
