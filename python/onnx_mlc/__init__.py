"""onnx-mlc: an MLIR-based ONNX compiler.

    import onnx_mlc
    model = onnx_mlc.compile("model.onnx", opt_level=3)
    (y,) = model(x)
"""

from .compiler import Options, compile, compile_to, load
from .errors import InputError, OnnxMlcError
from .runtime import CompiledModel
from .session import InferenceSession

__all__ = ["compile", "compile_to", "load", "Options", "CompiledModel", "InferenceSession",
           "OnnxMlcError", "InputError"]
