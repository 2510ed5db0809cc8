//===- ConstantPropagation.cpp - mlc-constant-propagation -----------------===//
#include "onnx_mlc/Dialect/ONNX/ONNXConstantEval.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/IR/Builders.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_CONSTANTPROPAGATIONPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;
using namespace onnx_mlc::onnx;

namespace {
struct ConstantPropagationPass
    : onnx_mlc::impl::ConstantPropagationPassBase<ConstantPropagationPass> {
  using Base::Base;
  void runOnOperation() override {
    SmallVector<Operation *> dead;
    getOperation().walk([&](Operation *op) {
      if (!isa<ONNXDialect>(op->getDialect()) || isa<ConstantOp>(op) ||
          op->getNumOperands() == 0 || op->getNumResults() == 0)
        return;
      SmallVector<Attribute> operands;
      for (Value v : op->getOperands()) {
        DenseElementsAttr value = getConstantValue(v);
        if (!value && !isNoneValue(v))
          return;
        operands.push_back(value); // null for an absent operand
      }
      SmallVector<Attribute> results = evaluateConstant(op, operands, maxElements);
      if (results.size() != op->getNumResults())
        return;
      OpBuilder b(op);
      for (auto [result, value] : llvm::zip(op->getResults(), results))
        result.replaceAllUsesWith(
            createConstant(b, op->getLoc(), cast<ElementsAttr>(value)));
      dead.push_back(op);
    });
    for (Operation *op : dead)
      op->erase();
  }
};
} // namespace
