# RUN: %python %s | FileCheck %s
# The importer: locations, initializers, opset upgrades, absent inputs and
# the opaque escape hatch.
import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

from onnx_mlc.compiler import new_context
from onnx_mlc.importer import import_model

big = numpy_helper.from_array(np.ones((64, 32), np.float32), "big")
small = numpy_helper.from_array(np.array([1, 2], np.int64), "axes_unused")
graph = helper.make_graph(
    [
        helper.make_node("Gemm", ["x", "big"], ["g"], name="fc", transB=0),
        helper.make_node("Unsqueeze", ["g"], ["u"], name="unsq", axes=[0]),
        helper.make_node("Softmax", ["u"], ["s"], name="soft", axis=1),
        helper.make_node("Frobnicate", ["s"], ["y"], name="custom", domain="com.example"),
    ],
    "g",
    [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 64])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    [big, small],
)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11),
                                                helper.make_opsetid("com.example", 2)])
module = import_model(model, new_context())
print(module)
# Every op is located at its node (or initializer) name.
for op in module.body.operations[0].regions[0].blocks[0].operations:
    print(op.operation.name, "@", op.location)

# Node names to op types, for reports and profiles.
# CHECK: module attributes {mlc.node_ops = {custom = "Frobnicate", fc = "Gemm", soft = "Softmax", unsq = "Unsqueeze"}, onnx.opset = 11 : i64}
# CHECK: func.func @main_graph(%[[X:.+]]: tensor<2x64xf32>) -> tensor<*xf32> attributes {mlc.input_dims = {{\[\[}}"", ""]], mlc.input_names = ["x"], mlc.output_dims = [{{\[\]}}], mlc.output_names = ["y"]}
# CHECK-DAG: %[[NONE:.+]] = onnx.none
# CHECK-DAG: %[[BIG:.+]] = "onnx.Constant"() <{value = dense_resource<big> : tensor<64x32xf32>}> : () -> tensor<64x32xf32>
# CHECK: %[[G:.+]] = "onnx.Gemm"(%[[X]], %[[BIG]], %[[NONE]]) {{.*}} -> tensor<2x32xf32>
# Opset 11 Unsqueeze: the axes attribute becomes an input.
# CHECK: %[[AXES:.+]] = "onnx.Constant"() <{value = dense<0> : tensor<1xi64>}>
# CHECK: "onnx.Unsqueeze"(%[[G]], %[[AXES]])
# Opset 11 Softmax at axis 1 of a rank-3 input: Flatten, Softmax, Reshape.
# CHECK: "onnx.Flatten"
# CHECK: "onnx.Softmax"
# CHECK: "onnx.Reshape"
# CHECK: onnx.opaque "Frobnicate"({{.*}}) {domain = "com.example", node_attributes = {}, opset = 2 : i64}
# CHECK: onnx.Constant @ loc("big")
# CHECK: onnx.Gemm @ loc("fc")
# CHECK: onnx.Unsqueeze @ loc("unsq")
# CHECK: onnx.opaque @ loc("custom")
