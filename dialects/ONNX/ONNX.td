// Entry point for TableGen: every op of the ONNX dialect.

include "ONNX/ONNXOps.td"
include "ONNX/ONNXExtraOps.td"
