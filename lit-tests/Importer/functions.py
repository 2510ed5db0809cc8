# RUN: %python %s | FileCheck %s
# Ops the compiler does not lower but ONNX defines as functions are replaced
# by their bodies; lowered ops and ops without a body stay.
import onnx
from onnx import TensorProto, helper

from onnx_mlc.compiler import new_context
from onnx_mlc.importer import import_model

graph = helper.make_graph(
    [helper.make_node("MeanVarianceNormalization", ["x"], ["m"], name="mvn"),
     helper.make_node("Relu", ["m"], ["r"], name="relu"),
     helper.make_node("DFT", ["r"], ["y"], name="dft")],
    "g", [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 2, 4, 1])],
    [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)])
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
module = import_model(model, new_context(), lowered={"Relu", "ReduceMean", "Sub", "Div", "Sqrt",
                                                     "Mul", "Add", "Pow", "Constant"})
print(module)
for op in module.body.operations[0].regions[0].blocks[0].operations:
    print(op.operation.name, "@", op.location)

# The body's ReduceMean gets MeanVarianceNormalization's default axes.
# CHECK-NOT: onnx.MeanVarianceNormalization
# CHECK: %[[AXES:.+]] = "onnx.Constant"() <{value = dense<[0, 2, 3]> : tensor<3xi64>}>
# CHECK: "onnx.ReduceMean"(%arg0, %[[AXES]]) {{.*}} -> tensor<1x2x1x1xf32>
# CHECK: "onnx.DFT"
# CHECK: onnx.ReduceMean @ loc("mvn/0/
# CHECK: onnx.Relu @ loc("relu")
# CHECK: onnx.DFT @ loc("dft")
