//===- ONNXDialect.cpp - ONNX dialect registration ------------------------===//
#include "onnx_mlc/Dialect/ONNX/ONNXDialect.h"
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace onnx_mlc::onnx;

#include "ONNX/ONNXDialect.cpp.inc"

#define GET_TYPEDEF_CLASSES
#include "ONNX/ONNXTypes.cpp.inc"

#include "ONNX/ONNXInterfaces.cpp.inc"

void ONNXDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "ONNX/ONNXOps.cpp.inc"
      >();
  addTypes<
#define GET_TYPEDEF_LIST
#include "ONNX/ONNXTypes.cpp.inc"
      >();
}

Operation *ONNXDialect::materializeConstant(OpBuilder &builder, Attribute value,
                                            Type type, Location loc) {
  auto elements = dyn_cast<ElementsAttr>(value);
  if (!elements || elements.getType() != type)
    return nullptr;
  return createConstant(builder, loc, elements);
}
