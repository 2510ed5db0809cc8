"""Element types: ONNX TensorProto numbers, MLIR type names and numpy."""

import numpy as np
from onnx import TensorProto

# ONNX data type -> (MLIR element type, numpy dtype)
_TABLE = {
    TensorProto.FLOAT: ("f32", np.float32),
    TensorProto.DOUBLE: ("f64", np.float64),
    TensorProto.FLOAT16: ("f16", np.float16),
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


def mlir_name(onnx_dtype):
    """MLIR element type name, or None if onnx-mlc cannot represent it."""
    entry = _TABLE.get(onnx_dtype)
    return entry[0] if entry else None


def numpy_dtype(onnx_dtype):
    return np.dtype(_TABLE[onnx_dtype][1])


def onnx_name(onnx_dtype):
    return TensorProto.DataType.Name(onnx_dtype).lower()
