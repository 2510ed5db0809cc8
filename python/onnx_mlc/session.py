"""An onnxruntime-style session over a compiled model, so that trying
onnx-mlc takes changing one import:

    sess = onnx_mlc.InferenceSession("model.onnx")   # was onnxruntime.InferenceSession
    (y,) = sess.run(None, {"x": x})
"""

from dataclasses import dataclass
from typing import List, Optional, Union

from .errors import InputError


@dataclass(frozen=True)
class NodeArg:
    """An input or output as onnxruntime describes it: its name, its shape
    (an int per static size, the dim_param name or None per dynamic one)
    and its type ("tensor(float)")."""
    name: str
    shape: List[Union[int, str, None]]
    type: str


def _node_arg(info):
    shape = [s if s is not None else (n or None) for s, n in zip(info.shape, info.dim_names)]
    return NodeArg(info.name, shape, f"tensor({_ORT_TYPE_NAMES.get(info.onnx_dtype)})")


# onnxruntime's names of element types (its "tensor(...)" strings).
_ORT_TYPE_NAMES = {1: "float", 2: "uint8", 3: "int8", 4: "uint16", 5: "int16", 6: "int32",
                   7: "int64", 9: "bool", 10: "float16", 11: "double", 12: "uint32",
                   13: "uint64", 16: "bfloat16"}


class InferenceSession:
    """Compiles `model` (a path, bytes or onnx.ModelProto) at `opt_level`
    (3 by default: a session is for running) and runs it like
    onnxruntime.InferenceSession. `providers` and `sess_options` are
    accepted and ignored, so that existing calls work unchanged."""

    def __init__(self, model, sess_options=None, providers=None, opt_level=3, **compile_options):
        from .compiler import compile

        self._model = compile(model, opt_level=opt_level, **compile_options)
        self._inputs = [_node_arg(i) for i in self._model.inputs]
        self._outputs = [_node_arg(o) for o in self._model.outputs]

    def get_inputs(self) -> List[NodeArg]:
        return list(self._inputs)

    def get_outputs(self) -> List[NodeArg]:
        return list(self._outputs)

    def get_providers(self):
        return ["OnnxMlcCompiled"]

    def run(self, output_names: Optional[List[str]], input_feed: dict, run_options=None):
        """The outputs named in `output_names` (all, in order, if None),
        computed from `input_feed` ({input name: array})."""
        names = [o.name for o in self._outputs]
        if output_names is not None:
            unknown = [n for n in output_names if n not in names]
            if unknown:
                raise InputError(f"the model has no output named {unknown[0]!r}; outputs are "
                                 + ", ".join(repr(n) for n in names))
        results = self._model(**input_feed)
        if output_names is None:
            return results
        return [results[names.index(n)] for n in output_names]


__all__ = ["InferenceSession", "NodeArg"]
