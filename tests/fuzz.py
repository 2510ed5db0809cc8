"""Fuzzing the compiler: seeded mutants of real models, compiled and run.

Each mutant starts from a node-suite case or a light model and gets one
mutation: structural (inputs, attributes, element types, dimensions,
initializers, outputs, nodes, op types, domains, opsets) or byte-level
(flipped, inserted or cut bytes, names made invalid UTF-8). The mutant is
compiled and, if that succeeds, run on random inputs. Every mutant must end
in one of:

  refused    the compiler raised OnnxMlcError (a clear error), or
  compiled   it compiled, and running it returned outputs or raised
             OnnxMlcError (the library's checks, or out of memory).

Anything else is a bug: "internal" (any other exception, or an internal
error), "crash" (the worker died) or "timeout". Mutants run in the
conformance worker pool, so a crash costs one mutant. Mutant i of seed s is
reproducible alone:

    python tests/fuzz.py -n 2000                 # 2000 mutants, seed 0
    python tests/fuzz.py --seed 7 --only 123     # mutant 123 of seed 7, verbose
    python tests/fuzz.py --only 123 --save m.onnx
"""

import argparse
import os
import sys
import time
from collections import Counter

import numpy as np
import onnx
from onnx import AttributeProto as A
from onnx import TensorProto, helper

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import conformance  # noqa: E402

LIGHT = os.path.join(os.path.dirname(onnx.__file__), "backend", "test", "data", "light")
LIGHT_MODELS = ("squeezenet", "shufflenet", "zfnet512", "bvlc_alexnet")
BAD = ("internal", "crash", "timeout")
# A worker may not take more address space than this: a mutant that asks
# for a huge allocation must be refused, not take the machine down.
WORKER_MEMORY = 8 << 30


def seed_models():
    """(name, bytes) of every model mutants start from."""
    seeds = [(name, model) for name, model, *_ in conformance.collect()]
    for name in LIGHT_MODELS:
        with open(os.path.join(LIGHT, f"light_{name}.onnx"), "rb") as f:
            seeds.append((f"light_{name}", f.read()))
    return seeds


# -- mutations ---------------------------------------------------------------
# Each takes (model, rng) and changes the model in place, returning what it
# did, or None if it does not apply to this model.

EXTREME_INTS = [-(2 ** 62), -(2 ** 31), -7, -1, 0, 1, 3, 2 ** 31, 2 ** 40, 2 ** 62]
EXTREME_FLOATS = [float("nan"), float("inf"), float("-inf"), -1e30, -1.0, 0.0, 1e-45, 1e30]


def _pick(rng, seq):
    return seq[int(rng.integers(len(seq)))] if len(seq) else None


def _nodes(model):
    return list(model.graph.node)


def _values(model):
    g = model.graph
    return list(g.input) + list(g.output) + list(g.value_info)


def node_input(model, rng):
    node = _pick(rng, _nodes(model))
    if node is None:
        return None
    names = [n for node2 in model.graph.node for n in node2.output] + [i.name for i in model.graph.input]
    how = _pick(rng, ["drop", "extra", "empty", "undefined", "swap"])
    if how == "extra" or not node.input:
        node.input.append(_pick(rng, names) or "x")
    elif how == "drop":
        del node.input[int(rng.integers(len(node.input)))]
    elif how == "empty":
        node.input[int(rng.integers(len(node.input)))] = ""
    elif how == "undefined":
        node.input[int(rng.integers(len(node.input)))] = "no_such_value"
    else:
        node.input[int(rng.integers(len(node.input)))] = _pick(rng, names) or ""
    return f"{how} an input of {node.op_type}"


def node_output(model, rng):
    node = _pick(rng, _nodes(model))
    if node is None:
        return None
    how = _pick(rng, ["drop", "extra", "empty", "rename"])
    if how == "extra" or not node.output:
        node.output.append(f"extra_{len(node.output)}")
    elif how == "drop":
        del node.output[-1]
    elif how == "empty":
        node.output[int(rng.integers(len(node.output)))] = ""
    else:
        node.output[int(rng.integers(len(node.output)))] = _pick(rng, [i.name for i in model.graph.input]) or "y"
    return f"{how} an output of {node.op_type}"


def attribute_value(model, rng):
    candidates = [(n, a) for n in model.graph.node for a in n.attribute
                  if a.type in (A.INT, A.INTS, A.FLOAT, A.FLOATS, A.STRING)]
    if not candidates:
        return None
    node, a = candidates[int(rng.integers(len(candidates)))]
    if a.type == A.INT:
        a.i = _pick(rng, EXTREME_INTS)
    elif a.type == A.FLOAT:
        a.f = _pick(rng, EXTREME_FLOATS)
    elif a.type == A.INTS:
        how = _pick(rng, ["value", "empty", "longer"])
        if how == "empty":
            del a.ints[:]
        elif how == "longer":
            a.ints.extend([_pick(rng, EXTREME_INTS[4:8])] * int(rng.integers(1, 4)))
        elif a.ints:
            a.ints[int(rng.integers(len(a.ints)))] = _pick(rng, EXTREME_INTS)
    elif a.type == A.FLOATS:
        if a.floats:
            a.floats[int(rng.integers(len(a.floats)))] = _pick(rng, EXTREME_FLOATS)
        else:
            a.floats.append(_pick(rng, EXTREME_FLOATS))
    else:
        a.s = _pick(rng, [b"", b"NOTAMODE", b"\xff\xfe", a.s * 3])
    return f"attribute {node.op_type}.{a.name} = {helper.get_attribute_value(a)!r}"[:200]


def attribute_type(model, rng):
    candidates = [(n, a) for n in model.graph.node for a in n.attribute if a.type != A.GRAPH]
    if not candidates:
        return None
    node, a = candidates[int(rng.integers(len(candidates)))]
    name = a.name
    new = _pick(rng, [helper.make_attribute(name, 1.5), helper.make_attribute(name, 3),
                      helper.make_attribute(name, "abc"), helper.make_attribute(name, [1, 2]),
                      helper.make_attribute(name, [0.5]), helper.make_attribute(name, [b"a", b"b"]),
                      helper.make_attribute(name, helper.make_tensor("t", TensorProto.FLOAT, [1], [1.0]))])
    a.CopyFrom(new)
    return f"attribute {node.op_type}.{name} made {A.AttributeType.Name(a.type)}"


def attribute_set(model, rng):
    node = _pick(rng, _nodes(model))
    if node is None:
        return None
    if node.attribute and rng.random() < 0.5:
        a = node.attribute[int(rng.integers(len(node.attribute)))]
        node.attribute.remove(a)
        return f"removed attribute {node.op_type}.{a.name}"
    try:
        schema = onnx.defs.get_schema(node.op_type, 1000, node.domain)
        names = sorted(schema.attributes)
    except Exception:
        names = []
    name = _pick(rng, names) or "bogus"
    if any(a.name == name for a in node.attribute):
        return None
    node.attribute.append(helper.make_attribute(name, _pick(rng, [0, 1, -1, 2 ** 40, 0.5, [0, 0]])))
    return f"added attribute {node.op_type}.{name}"


def element_type(model, rng):
    values = _values(model) + list(model.graph.initializer)
    target = _pick(rng, values)
    if target is None:
        return None
    new = int(_pick(rng, list(range(0, 26)) + [99, 12345]))
    if isinstance(target, TensorProto):
        target.data_type = new
    else:
        target.type.tensor_type.elem_type = new
    return f"element type of '{target.name}' = {new}"


def dimension(model, rng):
    values = [v for v in _values(model) if v.type.HasField("tensor_type")]
    target = _pick(rng, values)
    if target is None:
        return None
    dims = target.type.tensor_type.shape.dim
    how = _pick(rng, ["value", "param", "drop", "add"])
    if how == "add" or not dims:
        dims.add().dim_value = 2
    elif how == "drop":
        del dims[int(rng.integers(len(dims)))]
    elif how == "param":
        dims[int(rng.integers(len(dims)))].dim_param = _pick(rng, ["N", "M", ""])
    else:
        dims[int(rng.integers(len(dims)))].dim_value = _pick(rng, [-5, -1, 0, 1, 2 ** 31, 2 ** 40, 2 ** 62])
    return f"{how} a dimension of '{target.name}'"


def initializer(model, rng):
    inits = list(model.graph.initializer)
    t = _pick(rng, inits)
    if t is None:
        # Turn a graph input into an initializer, to reach constant folding.
        i = _pick(rng, list(model.graph.input))
        if i is None or not i.type.HasField("tensor_type"):
            return None
        t = model.graph.initializer.add()
        t.name, t.data_type = i.name, i.type.tensor_type.elem_type or 1
        t.dims.extend(d.dim_value for d in i.type.tensor_type.shape.dim)
        t.raw_data = bytes(int(rng.integers(0, 64)))
        return f"graph input '{i.name}' given arbitrary initializer data"
    how = _pick(rng, ["dims", "truncate", "huge", "negative", "values", "external"])
    if how == "dims":
        t.dims.append(3)
    elif how == "truncate":
        if t.raw_data:
            t.raw_data = t.raw_data[: len(t.raw_data) // 2]
        else:
            t.dims.append(2)
    elif how == "huge":
        del t.dims[:]
        t.dims.extend([2 ** 31, 2 ** 31, 4])
    elif how == "negative":
        t.dims.append(-3)
    elif how == "values" and t.data_type == TensorProto.INT64:
        array = onnx.numpy_helper.to_array(t).copy()
        if array.size:
            array.flat[int(rng.integers(array.size))] = _pick(rng, EXTREME_INTS)
            t.CopyFrom(onnx.numpy_helper.from_array(array, t.name))
    else:
        t.data_location = TensorProto.EXTERNAL
        del t.external_data[:]
        t.external_data.add(key="location", value=_pick(rng, ["missing.bin", "../../etc/passwd", "/dev/zero"]))
    return f"{how} initializer '{t.name}'"


def graph_outputs(model, rng):
    g = model.graph
    how = _pick(rng, ["duplicate", "input", "none", "undefined"])
    if how == "duplicate" and g.output:
        g.output.append(g.output[int(rng.integers(len(g.output)))])
    elif how == "input" and g.input:
        g.output.append(g.input[0])
    elif how == "none":
        del g.output[:]
    else:
        g.output.append(helper.make_tensor_value_info("nowhere", TensorProto.FLOAT, None))
    return f"graph output: {how}"


def graph_inputs(model, rng):
    g = model.graph
    how = _pick(rng, ["duplicate", "drop", "shape_input"])
    if how == "duplicate" and g.input:
        g.input.append(g.input[int(rng.integers(len(g.input)))])
    elif how == "drop" and g.input:
        del g.input[int(rng.integers(len(g.input)))]
    else:
        # A constant the graph reads becomes a graph input: shapes, axes and
        # sizes then arrive at run time.
        inits = [t for t in g.initializer if t.data_type == TensorProto.INT64]
        consts = [n for n in g.node if n.op_type == "Constant" and n.attribute
                  and n.attribute[0].type == A.TENSOR and n.attribute[0].t.data_type == TensorProto.INT64]
        if inits:
            t = _pick(rng, inits)
            g.initializer.remove(t)
            g.input.append(helper.make_tensor_value_info(t.name, TensorProto.INT64, list(t.dims)))
        elif consts:
            n = _pick(rng, consts)
            g.node.remove(n)
            g.input.append(helper.make_tensor_value_info(n.output[0], TensorProto.INT64,
                                                         list(n.attribute[0].t.dims)))
        else:
            return None
    return f"graph input: {how}"


def nodes(model, rng):
    g = model.graph
    if not g.node:
        return None
    how = _pick(rng, ["remove", "duplicate", "reverse", "op_type", "domain", "unknown"])
    i = int(rng.integers(len(g.node)))
    node = g.node[i]
    if how == "remove":
        del g.node[i]
    elif how == "duplicate":
        g.node.append(node)
    elif how == "reverse":
        ordered = list(g.node)[::-1]
        del g.node[:]
        g.node.extend(ordered)
    elif how == "op_type":
        node.op_type = _pick(rng, ["Add", "Relu", "Conv", "MatMul", "Reshape", "Gather", "Concat",
                                   "Slice", "Softmax", "Gemm", "Shape", "Expand", "Tile", "Transpose",
                                   "Pad", "Resize", "Where", "Cast", "ReduceSum", "Loop", "If"])
    elif how == "domain":
        node.domain = _pick(rng, ["com.microsoft", "ai.onnx.ml", "ai.onnx.preview.training", "x.y"])
    else:
        node.op_type = "NoSuchOp"
    return f"node {how} ({node.op_type})"


def opset(model, rng):
    version = _pick(rng, [1, 5, 7, 9, 11, 13, 18, 999, -1])
    how = _pick(rng, ["set", "drop", "duplicate"])
    if how == "drop":
        del model.opset_import[:]
    elif how == "duplicate":
        model.opset_import.append(helper.make_opsetid("", version))
    else:
        for o in model.opset_import:
            if o.domain in ("", "ai.onnx"):
                o.version = version
    model.ir_version = _pick(rng, [model.ir_version, 3, 1, 99])
    return f"opset {how} {version}"


def huge_shape(model, rng):
    """A node that asks for an enormous tensor."""
    g = model.graph
    if not g.output:
        return None
    size = _pick(rng, [2 ** 31, 2 ** 40, 2 ** 62, 2 ** 63 - 1])
    shape = helper.make_tensor("huge_shape", TensorProto.INT64, [3], [size, size, 1])
    how = _pick(rng, ["ConstantOfShape", "Expand", "Reshape", "Tile"])
    if how == "ConstantOfShape":
        node = helper.make_node("ConstantOfShape", ["huge_shape"], ["huge"])
    elif how == "Tile":
        node = helper.make_node("Tile", [g.output[0].name, "huge_shape"], ["huge"])
        shape = helper.make_tensor("huge_shape", TensorProto.INT64, [1], [size])
    else:
        node = helper.make_node(how, [g.output[0].name, "huge_shape"], ["huge"])
    g.initializer.append(shape)
    g.node.append(node)
    g.output.append(helper.make_tensor_value_info("huge", TensorProto.FLOAT, None))
    return f"{how} to size {size}"


STRUCTURAL = [node_input, node_output, attribute_value, attribute_type, attribute_set, element_type,
              dimension, initializer, graph_outputs, graph_inputs, nodes, opset, huge_shape]


def corrupt_bytes(data, rng):
    data = bytearray(data)
    how = _pick(rng, ["flip", "insert", "cut", "truncate", "utf8"])
    if not data:
        return bytes(data), "empty"
    if how == "flip":
        for _ in range(int(rng.integers(1, 9))):
            data[int(rng.integers(len(data)))] = int(rng.integers(256))
    elif how == "insert":
        at = int(rng.integers(len(data)))
        data[at:at] = bytes(rng.integers(0, 256, int(rng.integers(1, 16)), dtype=np.uint8))
    elif how == "cut":
        at = int(rng.integers(len(data)))
        del data[at:at + int(rng.integers(1, 32))]
    elif how == "truncate":
        del data[int(rng.integers(len(data))):]
    else:
        # A name made invalid UTF-8, keeping the protobuf framing intact.
        model = onnx.load_model_from_string(bytes(data))
        names = [n for n in [*(i.name for i in model.graph.input), *(n.name for n in model.graph.node),
                             *(o for n in model.graph.node for o in n.output)] if len(n) >= 2]
        name = _pick(rng, names)
        if name is None:
            return bytes(data), "utf8 (no name)"
        encoded = name.encode()
        data = bytearray(bytes(data).replace(encoded, b"\xff" * len(encoded)))
        return bytes(data), f"name '{name}' made invalid UTF-8"
    return bytes(data), f"bytes: {how}"


def mutant(seeds, seed, index):
    """(description, model bytes) of mutant `index` of `seed`."""
    rng = np.random.default_rng([seed, index])
    name, data = seeds[int(rng.integers(len(seeds)))]
    if rng.random() < 0.2:
        data, what = corrupt_bytes(data, rng)
        return f"{name}: {what}", data
    model = onnx.load_model_from_string(data)
    for _ in range(10):  # a mutation that does not apply is drawn again
        mutation = _pick(rng, STRUCTURAL)
        what = mutation(model, rng)
        if what:
            return f"{name}: {what}", model.SerializeToString()
    return f"{name}: unchanged", data


# -- running -------------------------------------------------------------------


def limit_memory():
    """Worker setup: a mutant that allocates without bound fails inside the
    worker instead of exhausting the machine."""
    import resource

    # AddressSanitizer reserves terabytes of address space for its shadow
    # memory; under it (scripts/sanitize.sh) failed allocations return NULL
    # instead (allocator_may_return_null).
    if "libasan" not in os.environ.get("LD_PRELOAD", ""):
        resource.setrlimit(resource.RLIMIT_AS, (WORKER_MEMORY, WORKER_MEMORY))


def random_inputs(compiled, rng):
    """Inputs of the declared shapes (2 for a dynamic size). Integers are
    mostly small, as indices, sizes and axes are, and sometimes far out of
    any range."""
    wide = rng.random() < 0.3
    sizes = {}
    arrays = []
    for info in compiled.inputs:
        shape = []
        for size, dim in zip(info.shape, info.dim_names):
            if size is None:
                size = sizes.setdefault(dim, 2) if dim else 2
            shape.append(size)
        if np.prod(shape, dtype=np.float64) > 1 << 24:
            return None
        if info.dtype.kind == "f" or info.dtype.name == "bfloat16":
            arrays.append(rng.standard_normal(shape).astype(info.dtype))
        elif info.dtype.kind == "b":
            arrays.append(rng.random(shape) < 0.5)
        elif wide:
            info_range = np.iinfo(info.dtype)
            arrays.append(rng.integers(info_range.min, info_range.max, shape, dtype=info.dtype,
                                       endpoint=True))
        else:
            arrays.append(rng.integers(0, 3, shape).astype(info.dtype))
    return arrays


def run_mutant(data):
    """(outcome, detail) of compiling and running one mutant."""
    import onnx_mlc

    try:
        compiled = onnx_mlc.compile(data, cache=False)
    except onnx_mlc.OnnxMlcError as e:
        message = str(e)
        if "internal error" in message:
            return "internal", message[-300:]
        return "refused", message.splitlines()[-1].strip()[:200]
    except Exception as e:
        return "internal", f"compile raised {type(e).__name__}: {e}"[:300]
    inputs = random_inputs(compiled, np.random.default_rng(len(data)))
    if inputs is None:
        return "compiled", "not run: inputs too large"
    try:
        compiled(*inputs)
    except onnx_mlc.OnnxMlcError as e:
        return "compiled", f"run refused: {e}"[:200]
    except Exception as e:
        return "internal", f"run raised {type(e).__name__}: {e}"[:300]
    return "compiled", "ran"


def run(count, seed=0, jobs=None, timeout=120.0, progress=None, first=0):
    """{mutant index: (description, outcome, detail)} for `count` mutants."""
    seeds = seed_models()
    cases, described = [], {}
    for i in range(first, first + count):
        what, data = mutant(seeds, seed, i)
        described[i] = what
        cases.append((i, data))
    results = conformance.run_all(cases, jobs or os.cpu_count() or 1, timeout, progress,
                                  fn=run_mutant, setup=limit_memory)
    return {i: (described[i],) + results[i] for i in sorted(results)}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-n", "--count", type=int, default=300, help="number of mutants")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--first", type=int, default=0, help="index of the first mutant")
    p.add_argument("--only", type=int, help="run mutant ONLY alone, in this process")
    p.add_argument("--save", help="with --only: write the mutant to this file")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1)
    p.add_argument("--timeout", type=float, default=120.0, help="seconds per mutant")
    p.add_argument("-v", "--verbose", action="store_true", help="print every mutant")
    args = p.parse_args(argv)

    if args.only is not None:
        what, data = mutant(seed_models(), args.seed, args.only)
        print(what)
        if args.save:
            with open(args.save, "wb") as f:
                f.write(data)
        print(*run_mutant(data))
        return 0

    start = time.monotonic()
    results = run(args.count, args.seed, args.jobs, args.timeout, first=args.first)
    for i, (what, outcome, detail) in results.items():
        if args.verbose or outcome in BAD:
            print(f"{i:6} {outcome:9} {what}  |  {detail}")
    counts = Counter(outcome for _, outcome, _ in results.values())
    print(", ".join(f"{counts.get(o, 0)} {o}" for o in ("refused", "compiled") + BAD)
          + f" (of {len(results)}, seed {args.seed}) in {time.monotonic() - start:.0f} s")
    return 1 if any(counts.get(o) for o in BAD) else 0


if __name__ == "__main__":
    sys.exit(main())
