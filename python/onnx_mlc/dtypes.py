"""Element types: ONNX TensorProto numbers, MLIR type names and numpy."""

import ml_dtypes
import numpy as np
from onnx import TensorProto

# ONNX data type -> (MLIR element type, numpy dtype). These are the types the
# compiler supports; the C ABI's dtype codes are the same ONNX numbers.
_TABLE = {
    TensorProto.FLOAT: ("f32", np.float32),
    TensorProto.DOUBLE: ("f64", np.float64),
    TensorProto.FLOAT16: ("f16", np.float16),
    TensorProto.BFLOAT16: ("bf16", ml_dtypes.bfloat16),
    TensorProto.INT8: ("i8", np.int8),
    TensorProto.INT16: ("i16", np.int16),
    TensorProto.INT32: ("i32", np.int32),
    TensorProto.INT64: ("i64", np.int64),
    TensorProto.UINT8: ("ui8", np.uint8),
    TensorProto.UINT16: ("ui16", np.uint16),
    TensorProto.UINT32: ("ui32", np.uint32),
    TensorProto.UINT64: ("ui64", np.uint64),
    TensorProto.BOOL: ("i1", np.bool_),
}

_BY_MLIR = {mlir: onnx_type for onnx_type, (mlir, _) in _TABLE.items()}


def mlir_name(onnx_dtype):
    """MLIR element type name, or None if onnx-mlc cannot represent it."""
    entry = _TABLE.get(onnx_dtype)
    return entry[0] if entry else None


def from_mlir(name):
    """The ONNX data type of an MLIR element type name, or None."""
    return _BY_MLIR.get(name)


def numpy_dtype(onnx_dtype):
    return np.dtype(_TABLE[onnx_dtype][1])


def onnx_name(onnx_dtype):
    try:
        return TensorProto.DataType.Name(onnx_dtype).lower()
    except ValueError:
        return f"unknown ({onnx_dtype})"
