"""Expands ONNX operators that are defined as functions into their bodies.

Many ONNX operators (LayerNormalization before opset 17 implementations,
the losses, Attention, RotaryEmbedding, CenterCropPad, ...) have a
function body in their schema: a subgraph of simpler operators with the
same meaning. When the compiler has no lowering of its own for such an
operator, the importer replaces the node by that body, so the op is
supported as soon as its parts are.
"""

import onnx
from onnx import defs, shape_inference

# Rounds of expansion: a body may use operators that are functions too.
_MAX_ROUNDS = 8


def _schema(node, opset):
    try:
        return defs.get_schema(node.op_type, opset, "")
    except defs.SchemaError:
        return None


def _function_for(node, schema, opset, input_types):
    """The FunctionProto defining `node` (with its attributes' defaults
    filled in) at `opset`, or None."""
    versions = [v for v in schema.function_opset_versions if v <= opset]
    if versions:
        proto = onnx.FunctionProto()
        proto.ParseFromString(schema.get_function_with_opset_version(max(versions)))
        return proto
    versions = [v for v in schema.context_dependent_function_opset_versions if v <= opset]
    if versions and all(t is not None for t in input_types):
        try:
            text = schema.get_context_dependent_function_with_opset_version(
                max(versions), node.SerializeToString(), [t.SerializeToString() for t in input_types])
        except Exception:  # the schema declines this node (unsupported attribute values)
            return None
        proto = onnx.FunctionProto()
        proto.ParseFromString(text)
        return proto
    return None


def _with_default_attributes(node, schema):
    copy = onnx.NodeProto()
    copy.CopyFrom(node)
    present = {a.name for a in node.attribute}
    for name, attr in schema.attributes.items():
        if name not in present and attr.default_value.name:
            copy.attribute.append(attr.default_value)
    return copy


def _body_nodes(node, function, prefix):
    """The function's nodes wired to `node`'s inputs and outputs: formal
    parameters become the node's values, internal values get `prefix`, and
    attribute references take the node's attribute values."""
    names = {}
    for formal, actual in zip(function.input, node.input):
        names[formal] = actual
    for formal, actual in zip(function.output, node.output):
        if actual:
            names[formal] = actual
    attributes = {a.name: a for a in node.attribute}
    # Attributes the function declares with defaults, unless the node sets them.
    for a in function.attribute_proto:
        attributes.setdefault(a.name, a)

    def rename(name):
        if name == "":
            return ""
        return names.get(name, prefix + name)

    nodes = []
    for inner in function.node:
        copy = onnx.NodeProto()
        copy.CopyFrom(inner)
        copy.name = prefix + (inner.name or inner.op_type)
        copy.input[:] = [rename(n) for n in inner.input]
        copy.output[:] = [rename(n) for n in inner.output]
        kept = []
        for a in copy.attribute:
            if a.ref_attr_name:
                if a.ref_attr_name not in attributes:
                    continue  # an unset optional attribute
                ref = onnx.AttributeProto()
                ref.CopyFrom(attributes[a.ref_attr_name])
                ref.name = a.name
                kept.append(ref)
            else:
                kept.append(a)
        del copy.attribute[:]
        copy.attribute.extend(kept)
        nodes.append(copy)
    return nodes


def _body_supported(function, lowered, opset, depth=0):
    """Whether every node of a body is lowered, or a function whose body is:
    otherwise the node stays, and the error names it rather than its parts."""
    for node in function.node:
        if node.op_type in lowered or node.op_type == "Constant":
            continue
        schema = _schema(node, opset) if depth < _MAX_ROUNDS else None
        if schema is None or not _expandable(node, lowered):
            return False
        versions = [v for v in schema.function_opset_versions if v <= opset]
        if versions:
            inner = onnx.FunctionProto()
            inner.ParseFromString(schema.get_function_with_opset_version(max(versions)))
            if not _body_supported(inner, lowered, opset, depth + 1):
                return False
        elif not any(v <= opset for v in schema.context_dependent_function_opset_versions):
            return False
    return True


def _expandable(node, lowered):
    return (node.domain in ("", "ai.onnx") and node.op_type not in lowered
            and not any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
                        for a in node.attribute))


def expand_functions(model, lowered):
    """Replaces, in place, every default-domain node whose op is not in
    `lowered` but has a function body at the model's opset by that body."""
    opset = next((o.version for o in model.opset_import if o.domain in ("", "ai.onnx")), None)
    if opset is None:
        return model
    for round_ in range(_MAX_ROUNDS):
        if not any(_expandable(n, lowered) for n in model.graph.node):
            break
        # Context-dependent bodies depend on the input types.
        try:
            inferred = shape_inference.infer_shapes(model, strict_mode=False)
        except Exception:
            inferred = model
        types = {v.name: v.type for v in list(inferred.graph.value_info) + list(inferred.graph.input)
                 + list(inferred.graph.output)}
        for t in inferred.graph.initializer:
            types[t.name] = onnx.helper.make_tensor_type_proto(t.data_type, list(t.dims))
        nodes, changed = [], False
        for index, node in enumerate(model.graph.node):
            function, schema = None, _schema(node, opset) if _expandable(node, lowered) else None
            if schema is not None:
                # The body refers to attributes, defaults included.
                node = _with_default_attributes(node, schema)
                function = _function_for(node, schema, opset,
                                         [types.get(n) if n else None for n in node.input])
            if function is None or not _body_supported(function, lowered, opset) or any(
                    a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS)
                    for n in function.node for a in n.attribute):
                nodes.append(node)
                continue
            prefix = f"{node.name or node.op_type + '_' + str(index)}/{round_}/"
            nodes.extend(_body_nodes(node, function, prefix))
            changed = True
        if not changed:
            break
        del model.graph.node[:]
        model.graph.node.extend(nodes)
    return model
