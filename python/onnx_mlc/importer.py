"""Imports an ONNX model into the ONNX dialect.

The contract:

* The result is a module with one ``func.func @main_graph``. Its arguments
  are the graph inputs that are not initializers, in order; its results are
  the graph outputs. Their ONNX names are kept in ``mlc.input_names`` and
  ``mlc.output_names``, the ``dim_param`` names of their dimensions in
  ``mlc.input_dims`` and ``mlc.output_dims`` ("" where a size has none);
  the default-domain opset in ``onnx.opset``.
* A default-domain node whose op the compiler does not lower, but which ONNX
  defines as a function, is replaced by the function's body (functions.py)
  when ``lowered`` (the set of lowered op types) is given.
* ``input_shapes`` pins inputs' dimensions (``{"x": [1, 128]}``) before
  anything else: the model is then compiled for those sizes only.
* Initializers and Constant nodes become ``onnx.Constant``; tensors of more
  than ``RESOURCE_THRESHOLD`` elements are dense resources, which are not
  uniqued into the context.
* Every op carries ``Location.name(<node name>)``; the module attribute
  ``mlc.node_ops`` maps node names to op types, for reports and profiles.
* A default-domain node whose op the dialect models becomes that op, with
  its attributes converted by their ONNX type. The dialect models the newest
  schema; where an older opset differs, the node is upgraded here (see
  ``_upgrade``). Any other node becomes ``onnx.opaque`` holding its domain,
  op type, opset and attributes, so that the compiler reports it later with
  every other unsupported op.
* Types come from ONNX shape inference; unknown shapes stay unranked for
  ``mlc-shape-inference`` to refine.
* What cannot be represented at all (an unknown element type, a sparse or
  graph attribute) is collected, and all of it raised as one OnnxMlcError.
"""

import os

import numpy as np
import onnx
from onnx import defs, numpy_helper, shape_inference

from . import dtypes
from .errors import OnnxMlcError
from .functions import expand_functions
from .mlir import ir
from .mlir.dialects import func
from .validation import describe, elem_bytes, size_problem, validate

RESOURCE_THRESHOLD = 1024

_A = onnx.AttributeProto


def load_model(model):
    """(ModelProto, directory of its external data) from a path, bytes or a
    ModelProto. A file's external data is not read here: the importer maps
    it (see _Importer.tensor_array). Models given in memory have no
    directory (None)."""
    if isinstance(model, onnx.ModelProto):
        return model, None
    try:
        if isinstance(model, (bytes, bytearray)):
            return onnx.load_model_from_string(bytes(model)), None
        if isinstance(model, (str, os.PathLike)):
            if not os.path.exists(model):
                raise OnnxMlcError(f"model file not found: {os.fspath(model)}")
            path = os.path.abspath(os.fspath(model))
            return onnx.load(path, load_external_data=False), os.path.dirname(path)
    except OnnxMlcError:
        raise
    except Exception as e:  # protobuf and onnx raise several types here
        raise OnnxMlcError(f"cannot read the model: it is not a valid ONNX file ({e})") from None
    raise OnnxMlcError(f"expected a path, bytes or onnx.ModelProto, got {type(model).__name__}")


class _Importer:
    def __init__(self, model, context, data_dir=None):
        self.model = model
        self.ctx = context
        self.data_dir = data_dir
        self.problems = []
        self.opsets = {o.domain or "": o.version for o in model.opset_import}
        self.opset = self.opsets.get("", self.opsets.get("ai.onnx", 1))
        self.values = {}  # ONNX value name -> MLIR Value
        self.node_ops = {}  # node name -> op type, for reports and profiles
        self.types = {}  # ONNX value name -> TypeProto
        self.none_value = None

    # -- types ---------------------------------------------------------------

    def elem_type(self, onnx_dtype, what):
        """The MLIR element type, or None (and a recorded problem naming
        `what`) if onnx-mlc cannot represent it."""
        name = dtypes.mlir_name(onnx_dtype)
        if name is None:
            self.problems.append(f"{what}: element type {dtypes.onnx_name(onnx_dtype)} is not supported")
            return None
        return ir.Type.parse(name)

    def tensor_type(self, type_proto, what, fallback_elem=None):
        if not type_proto.HasField("tensor_type"):
            if type_proto.WhichOneof("value") is None and fallback_elem is not None:
                return ir.UnrankedTensorType.get(fallback_elem)
            self.problems.append(f"{what}: only tensor values are supported")
            return ir.UnrankedTensorType.get(ir.F32Type.get())
        tt = type_proto.tensor_type
        if tt.elem_type == 0:
            elem = fallback_elem or ir.F32Type.get()
        else:
            elem = self.elem_type(tt.elem_type, what) or ir.F32Type.get()  # to go on importing
        if not tt.HasField("shape"):
            return ir.UnrankedTensorType.get(elem)
        dyn = ir.ShapedType.get_dynamic_size()
        shape = [d.dim_value if d.HasField("dim_value") else dyn for d in tt.shape.dim]
        if any(s < 0 and s != dyn for s in shape):
            if what.startswith("graph"):
                self.problems.append(f"{what}: negative dimension in shape {shape}")
            # Elsewhere, a negative size that shape inference produced says
            # nothing: the compiler infers its own.
            shape = [dyn if s < 0 else s for s in shape]
        problem = size_problem([s for s in shape if s != dyn], elem_bytes(tt.elem_type))
        if problem:
            self.problems.append(f"{what}: {problem}")
            shape = [dyn] * len(shape)
        return ir.RankedTensorType.get(shape, elem)

    # -- constants -----------------------------------------------------------

    def tensor_array(self, tensor, what):
        """A TensorProto's value as an array, or None (and a recorded
        problem). External data is memory-mapped rather than read, so that
        weights are held in memory once, by the page cache, however large."""
        problem = size_problem(list(tensor.dims), elem_bytes(tensor.data_type), negative=True)
        if problem:
            self.problems.append(f"{what}: {problem}")
            return None
        if dtypes.mlir_name(tensor.data_type) is None:
            self.problems.append(f"{what}: element type {dtypes.onnx_name(tensor.data_type)} "
                                 "is not supported")
            return None
        if tensor.data_location != onnx.TensorProto.EXTERNAL:
            try:
                return numpy_helper.to_array(tensor)
            except Exception as e:  # numpy and onnx raise several types here
                self.problems.append(f"{what}: its data does not match its type "
                                     f"{dtypes.onnx_name(tensor.data_type)} and dims "
                                     f"{list(tensor.dims)} ({e})")
                return None
        info = {e.key: e.value for e in tensor.external_data}
        location = info.get("location", "")
        if self.data_dir is None:
            self.problems.append(f"{what}: its data is in the external file '{location}', but the "
                                 "model was given in memory; pass the model's path instead")
            return None
        path = os.path.normpath(os.path.join(self.data_dir, location))
        if os.path.isabs(location) or not path.startswith(os.path.join(self.data_dir, "")):
            self.problems.append(f"{what}: external data location '{location}' is outside "
                                 "the model's directory")
            return None
        try:
            dtype = np.dtype(onnx.helper.tensor_dtype_to_np_dtype(tensor.data_type))
        except (KeyError, ValueError, TypeError):
            dtype = None
        if dtype is None or dtype.kind in "OSU":
            self.problems.append(f"{what}: external data of type "
                                 f"{onnx.TensorProto.DataType.Name(tensor.data_type)} is not supported")
            return None
        shape = tuple(tensor.dims)
        nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
        offset = int(info.get("offset", 0))
        length = int(info.get("length", nbytes))
        size = os.path.getsize(path) if os.path.isfile(path) else -1
        if length != nbytes or offset < 0 or size < offset + nbytes:
            self.problems.append(f"{what}: external data '{location}' (offset {offset}, length "
                                 f"{length}) does not hold {nbytes} bytes of {shape} {dtype}")
            return None
        if nbytes == 0:
            return np.zeros(shape, dtype)
        return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)

    def initializer(self, tensor, name):
        array = self.tensor_array(tensor, f"initializer '{name}'")
        if array is None:
            return self.none()
        return self.constant(array, name, ir.Location.name(name))

    def constant(self, array, name, loc, what=None):
        """An onnx.Constant holding `array`; `what` names it in errors."""
        what = what or f"initializer '{name}'"
        array = np.require(array, requirements="C")  # keeps 0-d arrays 0-d
        if array.dtype == np.bool_:
            # MLIR stores i1 elements as bits, little-endian within a byte.
            ttype = ir.RankedTensorType.get(list(array.shape), ir.IntegerType.get_signless(1))
            attr = ir.DenseElementsAttr.get(np.packbits(array.reshape(-1), bitorder="little"),
                                            type=ttype)
            return ir.Operation.create("onnx.Constant", results=[ttype],
                                       attributes={"value": attr}, loc=loc).result
        try:
            elem = self.elem_type(onnx.helper.np_dtype_to_tensor_dtype(array.dtype), what)
        except (KeyError, ValueError, TypeError):
            self.problems.append(f"{what}: element type {array.dtype} is not supported")
            elem = None
        if elem is None:
            return self.none()
        ttype = ir.RankedTensorType.get(list(array.shape), elem)
        if array.size > RESOURCE_THRESHOLD:
            attr = ir.DenseResourceElementsAttr.get_from_buffer(
                array, _resource_name(name), ttype)
        else:
            attr = ir.DenseElementsAttr.get(array, type=ttype)
        return ir.Operation.create("onnx.Constant", results=[ttype],
                                   attributes={"value": attr}, loc=loc).result

    def none(self):
        if self.none_value is None:
            with ir.InsertionPoint.at_block_begin(self.entry):
                self.none_value = ir.Operation.create(
                    "onnx.none", results=[ir.NoneType.get()], loc=ir.Location.unknown()).result
        return self.none_value

    # -- attributes ----------------------------------------------------------

    def attribute(self, a, node):
        t = a.type
        if t == _A.INT:
            return ir.IntegerAttr.get(ir.IntegerType.get_signless(64), a.i)
        if t == _A.FLOAT:
            return ir.FloatAttr.get(ir.F32Type.get(), a.f)
        if t == _A.STRING:
            return ir.StringAttr.get(a.s.decode("utf-8", "replace"))
        if t == _A.INTS:
            return ir.DenseI64ArrayAttr.get(list(a.ints))
        if t == _A.FLOATS:
            return ir.DenseF32ArrayAttr.get(list(a.floats))
        if t == _A.STRINGS:
            return ir.ArrayAttr.get([ir.StringAttr.get(s.decode("utf-8", "replace")) for s in a.strings])
        if t == _A.TENSOR:
            elem = self.elem_type(a.t.data_type, f"{describe(node, self.opset)} attribute '{a.name}'")
            if elem is None:
                return None
            array = self.tensor_array(a.t, f"{describe(node, self.opset)} attribute '{a.name}'")
            if array is None:
                return None
            ttype = ir.RankedTensorType.get(list(array.shape), elem)
            return ir.DenseElementsAttr.get(np.require(array, requirements="C"), type=ttype)
        self.problems.append(
            f"{describe(node, self.opset)}: attribute '{a.name}' of type "
            f"{_A.AttributeType.Name(t)} is not supported")
        return None

    # -- nodes ---------------------------------------------------------------

    def import_graph(self):
        graph = self.model.graph
        initializers = {t.name: t for t in graph.initializer}
        for vi in list(graph.value_info) + list(graph.input) + list(graph.output):
            self.types[vi.name] = vi.type
        inputs = [i for i in graph.input if i.name not in initializers]
        self.used_names = {n for node in graph.node for n in node.input} | {o.name for o in graph.output}
        in_types = [self.tensor_type(i.type, f"graph input '{i.name}'") for i in inputs]
        out_types = [self.tensor_type(o.type, f"graph output '{o.name}'") for o in graph.output]

        module = ir.Module.create(loc=ir.Location.unknown())
        module.operation.attributes["onnx.opset"] = ir.IntegerAttr.get(
            ir.IntegerType.get_signless(64), self.opset)
        with ir.InsertionPoint(module.body):
            fn = func.FuncOp("main_graph", (in_types, out_types), loc=ir.Location.unknown())
        fn.attributes["mlc.input_names"] = ir.ArrayAttr.get([ir.StringAttr.get(i.name) for i in inputs])
        fn.attributes["mlc.output_names"] = ir.ArrayAttr.get(
            [ir.StringAttr.get(o.name) for o in graph.output])
        fn.attributes["mlc.input_dims"] = _dim_names(inputs)
        fn.attributes["mlc.output_dims"] = _dim_names(graph.output)
        self.entry = fn.add_entry_block()
        for i, arg in zip(inputs, self.entry.arguments):
            self.values[i.name] = arg
        with ir.InsertionPoint(self.entry):
            for name, tensor in initializers.items():
                self.values[name] = self.initializer(tensor, name)
            for index, node in enumerate(graph.node):
                if not node.name:
                    node.name = f"{node.op_type}_{index}"
                self.import_node(node)
            results = []
            for o in graph.output:
                if o.name not in self.values:
                    self.problems.append(f"graph output '{o.name}' is not produced by any node")
                    continue
                results.append(self.values[o.name])
            func.ReturnOp(results, loc=ir.Location.unknown())
        module.operation.attributes["mlc.node_ops"] = ir.DictAttr.get(
            {name: ir.StringAttr.get(op) for name, op in self.node_ops.items()})
        return module

    def operand(self, name, node):
        if name == "":
            return self.none()
        if name not in self.values:
            self.problems.append(f"{describe(node, self.opset)}: input '{name}' is not defined")
            return self.none()
        return self.values[name]

    def result_type(self, name, node, operands):
        first = next((v.type for v in operands if isinstance(v.type, ir.ShapedType)), None)
        elem = ir.ShapedType(first).element_type if first is not None else None
        if name in self.types:
            return self.tensor_type(self.types[name], f"{describe(node, self.opset)} output '{name}'",
                                    fallback_elem=elem)
        return ir.UnrankedTensorType.get(elem or ir.F32Type.get())

    def import_node(self, node):
        loc = ir.Location.name(node.name)
        self.node_ops.setdefault(node.name, node.op_type)
        domain = node.domain if node.domain not in ("", "ai.onnx") else ""
        opset = self.opsets.get(domain, self.opsets.get("ai.onnx", 1)) if domain == "" else \
            self.opsets.get(node.domain, 1)
        if domain == "" and node.op_type == "Constant":
            return self.import_constant(node, loc)
        operands = [self.operand(n, node) for n in node.input]
        attrs = {a.name: a for a in node.attribute}
        registered = domain == "" and self.ctx.is_registered_operation("onnx." + node.op_type)
        graphs = sorted(n for n, a in attrs.items() if a.type in (_A.GRAPH, _A.GRAPHS))
        if graphs and not (registered and node.op_type in _CONTROL_FLOW
                           and all(attrs[n].type == _A.GRAPH for n in graphs)):
            self.problems.append(f"{describe(node, opset)}: operators with subgraphs are not supported yet")
            return self.bind_outputs(node, [self.none()] * len(node.output))
        if registered:
            upgraded = _upgrade(self, node, opset, operands, attrs, loc)
            if upgraded is not None:
                return upgraded
            schema = defs.get_schema(node.op_type)
            operands = _arrange_operands(self, schema, operands)
        mlir_attrs = {}
        for name, a in attrs.items():
            if name in graphs:
                continue
            converted = self.attribute(a, node)
            if converted is not None:
                mlir_attrs[name] = converted
        if not registered:
            op = ir.Operation.create(
                "onnx.opaque", results=[self.result_type(n, node, operands) for n in node.output],
                operands=operands, loc=loc,
                attributes={"op_type": ir.StringAttr.get(node.op_type),
                            "domain": ir.StringAttr.get(node.domain),
                            "opset": ir.IntegerAttr.get(ir.IntegerType.get_signless(64), opset),
                            "node_attributes": ir.DictAttr.get(mlir_attrs)})
            return self.bind_outputs(node, op.results)
        outputs = list(node.output)
        n_results = len(schema.outputs)
        if schema.outputs and schema.outputs[-1].option == defs.OpSchema.FormalParameterOption.Variadic:
            n_results = max(len(outputs), n_results)
        extra = outputs[n_results:]
        if any(extra):
            self.problems.append(f"{describe(node, opset)}: outputs {extra} are not supported")
        outputs = (outputs + [""] * n_results)[:n_results]
        types = [self.result_type(n, node, operands) if n else ir.NoneType.get() for n in outputs]
        op = ir.Operation.create("onnx." + node.op_type, results=types, operands=operands,
                                 attributes=mlir_attrs, regions=len(graphs), loc=loc)
        # Regions follow the graph attributes' names in alphabetical order,
        # as scripts/gen_onnx_ops.py declares them.
        for region, name in zip(op.regions, graphs):
            self.import_subgraph(attrs[name].g, region, node)
        self.bind_outputs(node, op.results[:len(node.output)])

    def import_subgraph(self, graph, region, node):
        """A subgraph as a region of one block: its inputs are the block's
        arguments, its outputs an onnx.Yield; names of the enclosing graphs
        stay visible, its own names do not leak out."""
        what = describe(node, self.opset)
        for vi in list(graph.value_info) + list(graph.input) + list(graph.output):
            self.types[vi.name] = vi.type
        block = region.blocks.append(*[self.tensor_type(i.type, f"{what} subgraph input '{i.name}'")
                                       for i in graph.input])
        outer = dict(self.values)
        for i, arg in zip(graph.input, block.arguments):
            self.values[i.name] = arg
        with ir.InsertionPoint(block):
            for tensor in graph.initializer:
                self.values[tensor.name] = self.initializer(tensor, tensor.name)
            for index, inner in enumerate(graph.node):
                if not inner.name:
                    inner.name = f"{node.name}/{inner.op_type}_{index}"
                self.import_node(inner)
            results = []
            for o in graph.output:
                if o.name not in self.values:
                    self.problems.append(f"{what}: subgraph output '{o.name}' is not produced")
                    continue
                results.append(self.values[o.name])
            ir.Operation.create("onnx.Yield", operands=results, loc=ir.Location.name(node.name))
        self.values = outer

    def bind_outputs(self, node, values):
        for name, value in zip(node.output, values):
            if name:
                self.values[name] = value

    def import_constant(self, node, loc):
        a = node.attribute[0] if len(node.attribute) == 1 else None
        kind = a.name if a is not None else None
        if kind == "value":
            array = self.tensor_array(a.t, describe(node, self.opset))
            if array is None:
                return self.bind_outputs(node, [self.none()])
        elif kind == "value_float":
            array = np.array(a.f, dtype=np.float32)
        elif kind == "value_floats":
            array = np.array(list(a.floats), dtype=np.float32)
        elif kind == "value_int":
            array = np.array(a.i, dtype=np.int64)
        elif kind == "value_ints":
            array = np.array(list(a.ints), dtype=np.int64)
        else:
            self.problems.append(f"{describe(node, self.opset)}: constant of kind '{kind}' is not supported")
            return self.bind_outputs(node, [self.none()])
        self.bind_outputs(node, [self.constant(array, node.output[0], loc, describe(node, self.opset))])


# Ops whose graph attributes the compiler imports as regions.
_CONTROL_FLOW = ("If", "Loop", "Scan")


def _dim_names(values):
    """Per value, the dim_param of each dimension ("" where there is none)."""
    def names(v):
        dims = v.type.tensor_type.shape.dim if v.type.HasField("tensor_type") else []
        return ir.ArrayAttr.get([ir.StringAttr.get(d.dim_param if d.HasField("dim_param") else "")
                                 for d in dims])
    return ir.ArrayAttr.get([names(v) for v in values])


def pin_input_shapes(model, input_shapes):
    """Sets the sizes of graph inputs to `input_shapes` ({name: sizes});
    a size may only replace a dynamic one or repeat a static one."""
    initializers = {t.name for t in model.graph.initializer}
    inputs = {i.name: i for i in model.graph.input if i.name not in initializers}
    for name, sizes in input_shapes.items():
        if name not in inputs:
            raise OnnxMlcError(f"input_shapes names '{name}', which is not a graph input; inputs are "
                               + ", ".join(repr(n) for n in inputs))
        tt = inputs[name].type.tensor_type
        sizes = [int(s) for s in sizes]
        if tt.HasField("shape") and len(tt.shape.dim) != len(sizes):
            raise OnnxMlcError(f"input_shapes gives {len(sizes)} sizes for graph input '{name}' "
                               f"of rank {len(tt.shape.dim)}")
        if any(s < 0 for s in sizes):
            raise OnnxMlcError(f"input_shapes gives a negative size for graph input '{name}'")
        old = list(tt.shape.dim) if tt.HasField("shape") else []
        for d, (size, dim) in enumerate(zip(sizes, old)):
            if dim.HasField("dim_value") and dim.dim_value != size:
                raise OnnxMlcError(f"input_shapes gives size {size} for dimension {d} of graph "
                                   f"input '{name}', which is {dim.dim_value}")
        tt.shape.ClearField("dim")
        for size in sizes:
            tt.shape.dim.add().dim_value = size


def _resource_name(name):
    safe = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return safe or "tensor"


def _arrange_operands(imp, schema, operands):
    """Pads absent trailing optional inputs with `none`."""
    params = schema.inputs
    if params and params[-1].option == defs.OpSchema.FormalParameterOption.Variadic:
        return operands
    return operands + [imp.none()] * (len(params) - len(operands))


def _const_i64(imp, values, loc):
    return imp.constant(np.array(values, dtype=np.int64), "axes", loc)


def _upgrade(imp, node, opset, operands, attrs, loc):
    """Rewrites a node of an older opset in terms of the newest schema, in
    place (returns None), or imports it itself (returns True)."""
    op = node.op_type
    for legacy in ("consumed_inputs", "is_test", "spatial"):
        attrs.pop(legacy, None)
    if (op in ("Squeeze", "Unsqueeze") or op.startswith("Reduce")) and "axes" in attrs:
        operands.append(_const_i64(imp, list(attrs.pop("axes").ints), loc))
    elif op == "Reshape" and "shape" in attrs:
        operands.append(_const_i64(imp, list(attrs.pop("shape").ints), loc))
    elif op == "Clip" and opset < 11:
        # min and max were attributes; absent means unbounded.
        for bound in ("min", "max"):
            a = attrs.pop(bound, None)
            operands.append(imp.constant(np.array(a.f, np.float32), bound, loc) if a else imp.none())
    elif op == "Dropout" and opset < 12:
        attrs.pop("ratio", None)
        if opset < 10 and len(node.output) > 1 and node.output[1]:
            # Before opset 10 the mask has the input's type, not bool; at
            # inference it is never read, so an unused one is simply dropped.
            if node.output[1] in imp.used_names:
                imp.problems.append(f"{describe(node, opset)}: the mask output of Dropout before "
                                    "opset 10 is not supported")
            del node.output[1:]
    elif op == "Concat" and "axis" not in attrs:
        attrs["axis"] = onnx.helper.make_attribute("axis", 1)
    elif op in ("Add", "Sub", "Mul", "Div", "Gemm") and "broadcast" in attrs:
        attrs.pop("broadcast")
        if "axis" in attrs and op != "Gemm":
            imp.problems.append(f"{describe(node, opset)}: legacy broadcasting with 'axis' is not supported")
    elif op == "Scan" and opset < 9:
        imp.problems.append(f"{describe(node, opset)}: Scan before opset 9 (batched, with "
                            "sequence_lens) is not supported")
        return imp.bind_outputs(node, [imp.none()] * len(node.output)) or True
    elif op in ("Softmax", "LogSoftmax", "Hardmax") and opset < 13:
        return _upgrade_coerced_softmax(imp, node, operands, attrs, loc)
    return None


def _upgrade_coerced_softmax(imp, node, operands, attrs, loc):
    """Before opset 13, Softmax works on the input flattened to 2-D at `axis`:
    Flatten, Softmax over axis 1, and Reshape back."""
    x = operands[0]
    axis = attrs["axis"].i if "axis" in attrs else 1
    x_type = x.type
    rank = ir.RankedTensorType(x_type).rank if isinstance(x_type, ir.RankedTensorType) else None
    elem = ir.ShapedType(x_type).element_type
    i64 = ir.IntegerType.get_signless(64)
    out_type = imp.result_type(node.output[0], node, operands)
    if rank is not None and (axis == rank - 1 or axis == -1):
        y = ir.Operation.create("onnx." + node.op_type, results=[out_type], operands=[x],
                                attributes={"axis": ir.IntegerAttr.get(i64, -1)}, loc=loc).result
        return imp.bind_outputs(node, [y]) or True
    flat = ir.Operation.create("onnx.Flatten", results=[ir.UnrankedTensorType.get(elem)], operands=[x],
                               attributes={"axis": ir.IntegerAttr.get(i64, axis)}, loc=loc).result
    soft = ir.Operation.create("onnx." + node.op_type, results=[ir.UnrankedTensorType.get(elem)],
                               operands=[flat], attributes={"axis": ir.IntegerAttr.get(i64, 1)},
                               loc=loc).result
    shape = ir.Operation.create("onnx.Shape", results=[ir.UnrankedTensorType.get(i64)], operands=[x],
                                attributes={"start": ir.IntegerAttr.get(i64, 0)}, loc=loc).result
    y = ir.Operation.create("onnx.Reshape", results=[out_type], operands=[soft, shape],
                            attributes={"allowzero": ir.IntegerAttr.get(i64, 0)}, loc=loc).result
    imp.bind_outputs(node, [y])
    return True


def import_model(model, context, input_shapes=None, lowered=None):
    """Imports `model` (path, bytes or ModelProto) into a new module in
    `context`, which must have the onnx-mlc dialects registered. `lowered`
    is the set of op types the compiler lowers, if function bodies should
    replace the others."""
    proto, data_dir = load_model(model)
    validate(proto)
    if input_shapes or lowered is not None:
        copy = onnx.ModelProto()
        copy.CopyFrom(proto)
        proto = copy
    if input_shapes:
        pin_input_shapes(proto, input_shapes)
    if lowered is not None:
        expand_functions(proto, lowered)
    try:
        proto = shape_inference.infer_shapes(proto, strict_mode=False, data_prop=True)
    except Exception as e:
        raise OnnxMlcError(f"the model is invalid: ONNX shape inference failed: {e}") from None
    with context, ir.Location.unknown():
        imp = _Importer(proto, context, data_dir)
        module = imp.import_graph()
    if imp.problems:
        raise OnnxMlcError("cannot import the model:\n  " + "\n  ".join(imp.problems))
    return module
