"""`onnx-mlc check model.onnx`: compiles a model, runs it on random (or
given) inputs, and compares every output with onnxruntime, or with ONNX's
reference evaluator where onnxruntime is not installed. With --per-node,
every intermediate value is compared too, to find the first node whose
output diverges. Exits 1 on a mismatch."""

import argparse
import sys

import numpy as np
import onnx

from .errors import OnnxMlcError


def random_inputs(compiled, seed=0, dim_size=2):
    """Inputs of the compiled model's shapes (`dim_size` for a dynamic
    size, one per dim_param name): floats normal, integers in [0, 3), bools
    random."""
    rng = np.random.default_rng(seed)
    sizes, feeds = {}, {}
    for info in compiled.inputs:
        shape = [s if s is not None else sizes.setdefault(n or object(), dim_size)
                 for s, n in zip(info.shape, info.dim_names)]
        if info.dtype.kind == "b":
            feeds[info.name] = rng.random(shape) < 0.5
        elif info.dtype.kind in "iu":
            feeds[info.name] = rng.integers(0, 3, shape).astype(info.dtype)
        else:
            feeds[info.name] = rng.standard_normal(shape).astype(info.dtype)
    return feeds


def reference(model, feeds):
    """(engine name, outputs by name) of `model` on `feeds`."""
    names = [o.name for o in model.graph.output]
    try:
        import onnxruntime as ort
    except ImportError:
        from onnx.reference import ReferenceEvaluator

        return "onnx.reference", dict(zip(names, ReferenceEvaluator(model).run(None, feeds)))
    sess = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return "onnxruntime", dict(zip(names, sess.run(None, feeds)))


def mismatch(got, want, rtol, atol):
    """None if `got` matches `want`, else a one-line description."""
    want = np.asarray(want)
    if got.shape != want.shape or got.dtype != want.dtype:
        return f"{got.dtype}{list(got.shape)} vs {want.dtype}{list(want.shape)}"
    if got.dtype.kind in "fc":
        g, w = got.astype(np.float64), want.astype(np.float64)
        bad = ~np.isclose(g, w, rtol=rtol, atol=atol, equal_nan=True)
        if bad.any():
            return f"{int(bad.sum())} of {got.size} elements differ, max abs error " \
                   f"{float(np.nanmax(np.abs(g - w))):.3g}"
        return None
    differ = int((got != want).sum())
    return f"{differ} of {got.size} elements differ" if differ else None


def with_all_values_as_outputs(model):
    """The model with every node output (that shape inference types) also a
    graph output, in node order."""
    inferred = onnx.shape_inference.infer_shapes(model)
    typed = {v.name: v for v in inferred.graph.value_info}
    copy = onnx.ModelProto()
    copy.CopyFrom(model)
    present = {o.name for o in copy.graph.output}
    for node in copy.graph.node:
        for name in node.output:
            if name and name in typed and name not in present:
                copy.graph.output.append(typed[name])
                present.add(name)
    return copy


def check(model_path, inputs=None, per_node=False, opt_level=3, rtol=1e-4, atol=1e-5, out=sys.stdout):
    """Returns 0 if every compared value matches, 1 otherwise."""
    from .compiler import compile

    model = onnx.load(model_path)
    target = with_all_values_as_outputs(model) if per_node else model
    compiled = compile(target, opt_level=opt_level)
    feeds = dict(np.load(inputs)) if inputs else random_inputs(compiled)
    got = dict(zip([o.name for o in compiled.outputs], compiled(**feeds)))
    engine, want = reference(target, feeds)
    producer = {name: node for node in model.graph.node for name in node.output}
    status = 0
    for name in got:
        why = mismatch(got[name], want[name], rtol, atol)
        node = producer.get(name)
        where = f"node '{node.name}' ({node.op_type})" if node is not None else "graph"
        if why:
            print(f"MISMATCH {name} from {where}: {why}", file=out)
            status = 1
            if per_node:
                print(f"first divergence at {where}", file=out)
                break
        elif not per_node or name in {o.name for o in model.graph.output}:
            print(f"ok       {name}", file=out)
    print(f"{'mismatch' if status else 'match'} against {engine} "
          f"(rtol {rtol}, atol {atol}, {len(got)} values compared)", file=out)
    return status


def main(argv=None):
    p = argparse.ArgumentParser(prog="onnx-mlc check", description=__doc__)
    p.add_argument("model")
    p.add_argument("--inputs", help=".npz of the inputs, by name (default: random)")
    p.add_argument("--per-node", action="store_true", help="compare every intermediate value")
    p.add_argument("-O", dest="opt_level", type=int, default=3, choices=range(4))
    p.add_argument("--rtol", type=float, default=1e-4)
    p.add_argument("--atol", type=float, default=1e-5)
    args = p.parse_args(argv)
    try:
        return check(args.model, args.inputs, args.per_node, args.opt_level, args.rtol, args.atol)
    except OnnxMlcError as e:
        print(f"onnx-mlc check: error: {e}", file=sys.stderr)
        return 2
