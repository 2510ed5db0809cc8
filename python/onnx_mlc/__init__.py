"""onnx-mlc: an MLIR-based ONNX compiler.

    import onnx_mlc
    model = onnx_mlc.compile("model.onnx", opt_level=3)
    (y,) = model(x)
"""

from .compiler import Options, compile, compile_to
from .errors import InputError, OnnxMlcError
from .runtime import CompiledModel

__all__ = ["compile", "compile_to", "Options", "CompiledModel", "OnnxMlcError", "InputError"]
