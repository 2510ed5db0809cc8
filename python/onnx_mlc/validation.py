"""Checks a model before anything is built from it.

ONNX's own shape inference and checker assume a well-formed model: a node
with fewer inputs than its schema requires can crash them. So the model is
checked here first, by rules the compiler relies on, and every finding is
reported at once, naming the node, op, domain and opset. The checks are
those of onnx.checker that matter to a compiler, plus limits of our own:

* names are valid UTF-8;
* the graph has outputs, graph inputs and values are defined once each;
* opset imports are known versions, one per domain;
* every node of a domain ONNX defines agrees with its schema: the number
  of inputs and outputs, required inputs present, attribute types;
* element types are ONNX's; dimensions are not negative; no tensor is
  larger than MAX_TENSOR_BYTES.

onnx.checker itself is not used: it refuses things real exporters write and
onnxruntime runs (e.g. nodes out of topological order in subgraphs, missing
value types), which the importer handles.
"""

import onnx
from onnx import TensorProto, defs

from .errors import OnnxMlcError
from . import dtypes

# No tensor may be larger than this many bytes: 2^48 is the whole virtual
# address space of today's 64-bit CPUs, and sizes below it cannot overflow
# the 64-bit arithmetic that computes offsets.
MAX_TENSOR_BYTES = 1 << 48

_A = onnx.AttributeProto
_KNOWN_TYPES = frozenset(TensorProto.DataType.values())
_DOMAINS = {"": "", "ai.onnx": "", "ai.onnx.ml": "ai.onnx.ml",
            "ai.onnx.preview.training": "ai.onnx.preview.training"}


def describe(node, opset, name=None):
    domain = node.domain or "ai.onnx"
    return f"node '{name or node.name}' ({node.op_type}, domain {domain}, opset {opset})"


def elem_bytes(onnx_dtype):
    """Bytes per element of an ONNX data type (1 if it has no fixed size)."""
    return dtypes.numpy_dtype(onnx_dtype).itemsize if dtypes.mlir_name(onnx_dtype) else 1


def size_problem(dims, itemsize, negative=False):
    """Why a tensor of `dims` cannot exist (a negative size, if `negative`
    is checked, or more than MAX_TENSOR_BYTES), or None."""
    if negative and any(d < 0 for d in dims):
        return f"negative dimension in dims {list(dims)}"
    count = 1
    for d in dims:
        count *= d or 1
    if count >= 2 ** 63:  # even with a 0 size: strides are computed from it
        return f"shape {list(dims)} is too large to allocate: its size overflows 64 bits"
    if 0 not in dims and count * itemsize > MAX_TENSOR_BYTES:
        return (f"shape {list(dims)} is too large to allocate: {count} elements, "
                f"{count * itemsize} bytes (at most {MAX_TENSOR_BYTES})")
    return None


def schema_problem(node, opset, domain=""):
    """What makes a node disagree with its ONNX schema: the number of inputs
    and outputs, a required input left empty, or an attribute of the wrong
    type. None if it agrees or ONNX has no schema for it."""
    try:
        schema = defs.get_schema(node.op_type, opset, domain)
    except defs.SchemaError:
        return None  # an unknown op: reported as unsupported later
    n_in, n_out = len(node.input), len(node.output)
    if not schema.min_input <= n_in <= schema.max_input:
        return f"has {n_in} inputs; the schema takes {schema.min_input} to {schema.max_input}"
    if not schema.min_output <= n_out <= schema.max_output:
        return f"has {n_out} outputs; the schema gives {schema.min_output} to {schema.max_output}"
    single = defs.OpSchema.FormalParameterOption.Single
    for i, (name, formal) in enumerate(zip(node.input, schema.inputs)):
        if not name and formal.option == single:
            return f"required input {i} ('{formal.name}') is empty"
    given = {a.name for a in node.attribute}
    for name, declared in sorted(schema.attributes.items()):
        if declared.required and name not in given:
            return f"required attribute '{name}' is missing"
    for a in node.attribute:
        declared = schema.attributes.get(a.name)
        if declared is None:
            return f"has attribute '{a.name}', which the schema does not define"
        if a.type != declared.type:
            want = _A.AttributeType.Name(declared.type)
            got = _A.AttributeType.Name(a.type) if a.type in _A.AttributeType.values() else a.type
            return f"attribute '{a.name}' must be {want}, not {got}"
        # ONNX's Split inference indexes its outputs by num_outputs.
        if node.op_type == "Split" and a.name == "num_outputs" and a.i != n_out:
            return f"num_outputs is {a.i} but the node has {n_out} outputs"
        # ONNX's shape inference reads axes as 32-bit ints (and crashes on
        # some that wrap around); no tensor has 2^31 dimensions anyway.
        if _is_axis(a.name) and any(not -2 ** 31 <= v < 2 ** 31 for v in _ints(a)):
            return f"attribute '{a.name}' is out of range for an axis: {list(_ints(a))}"
    return None


def _is_axis(name):
    return name in ("axis", "axes", "perm") or name.endswith("_axis")


def _ints(a):
    return [a.i] if a.type == _A.INT else list(a.ints) if a.type == _A.INTS else []


def _name_problems(graph, where):
    """Names (of values, nodes, ops, domains, attributes) that are not valid
    UTF-8, in `graph` and its subgraphs."""
    problems = []

    def check(name, what):
        # Protobuf hands out a string field that is not UTF-8 as bytes.
        if isinstance(name, bytes):
            text = name.decode("utf-8", "backslashreplace")
            problems.append(f"{where}: {what} '{text}' is not valid UTF-8")

    for v in list(graph.input) + list(graph.output) + list(graph.value_info) + list(graph.initializer):
        check(v.name, "value name")
    for index, node in enumerate(graph.node):
        for name in [node.name, node.op_type, node.domain, *node.input, *node.output]:
            check(name, f"node #{index}: name")
        for a in node.attribute:
            check(a.name, f"node #{index}: attribute name")
            for g in ([a.g] if a.type == _A.GRAPH else []) + list(a.graphs):
                problems += _name_problems(g, f"{where}, node #{index} subgraph")
    return problems


def _opsets(model, problems):
    opsets = {}
    newest = defs.onnx_opset_version()
    for o in model.opset_import:
        domain = "" if o.domain == "ai.onnx" else o.domain
        if domain in opsets:
            problems.append(f"opset_import lists domain '{o.domain or 'ai.onnx'}' twice")
        opsets[domain] = o.version
        if domain == "" and not 1 <= o.version <= newest:
            problems.append(f"opset_import: ai.onnx opset {o.version} does not exist "
                            f"(this onnx knows 1 to {newest})")
    return opsets


def _value_problems(values, what):
    problems = []
    for v in values:
        if not v.type.HasField("tensor_type"):
            continue
        tt = v.type.tensor_type
        if tt.elem_type not in _KNOWN_TYPES:
            problems.append(f"{what} '{v.name}': unknown element type {tt.elem_type}")
        dims = [d.dim_value for d in tt.shape.dim if d.HasField("dim_value")]
        problem = size_problem(dims, elem_bytes(tt.elem_type), negative=True)
        if problem:
            problems.append(f"{what} '{v.name}': {problem}")
    return problems


def _graph_problems(graph, opsets, where, outer=frozenset()):
    """Problems of `graph` and its subgraphs; `outer` holds the names the
    enclosing graphs define before it."""
    problems = []
    defined = set()

    def define(name, what):
        if name in defined:
            problems.append(f"{where}: value '{name}' is defined twice (again as {what})")
        defined.add(name)

    initializers = {t.name for t in graph.initializer}
    for i in graph.input:
        if i.name not in initializers:
            define(i.name, "a graph input")
    for t in graph.initializer:
        define(t.name, "an initializer")
        if t.data_type not in _KNOWN_TYPES:
            problems.append(f"{where}: initializer '{t.name}': unknown element type {t.data_type}")
    problems += _value_problems(graph.input, f"{where} input")
    problems += _value_problems(graph.output, f"{where} output")
    for index, node in enumerate(graph.node):
        domain = _DOMAINS.get(node.domain)
        opset = opsets.get(domain if domain is not None else node.domain, 1)
        label = describe(node, opset, node.name or f"{node.op_type}_{index}")
        if domain is not None:
            problem = schema_problem(node, opset, domain)
            if problem:
                problems.append(f"{label}: {problem}")
        # ONNX lists nodes in topological order; shape inference crashes on
        # an input that nothing defined before.
        for name in node.input:
            if name and name not in defined and name not in outer:
                problems.append(f"{label}: input '{name}' is not defined before it")
        for a in node.attribute:
            for g in ([a.g] if a.type == _A.GRAPH else []) + list(a.graphs):
                problems += _graph_problems(g, opsets, f"{label} subgraph '{a.name}'",
                                            outer | defined)
        for out in node.output:
            if out:
                define(out, f"an output of {label}")
    return problems


def validate(model):
    """Raises OnnxMlcError listing everything wrong with `model` that would
    keep it from being imported safely."""
    problems = _name_problems(model.graph, "graph")
    if problems:  # nothing else can be described with such names
        raise OnnxMlcError("the model is invalid:\n  " + "\n  ".join(problems))
    # Protobuf reads an empty or zeroed file as an empty model.
    if not model.graph.output:
        raise OnnxMlcError("the model is invalid: its graph has no outputs "
                           "(an empty or truncated file?)")
    opsets = _opsets(model, problems)
    problems += _graph_problems(model.graph, opsets, "graph")
    if problems:
        raise OnnxMlcError("the model is invalid:\n  " + "\n  ".join(problems))
