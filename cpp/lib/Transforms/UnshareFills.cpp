//===- UnshareFills.cpp - A fill per destination ---------------------------===//
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/Interfaces/DestinationStyleOpInterface.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_UNSHAREFILLSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;

namespace {

struct UnshareFillsPass : onnx_mlc::impl::UnshareFillsPassBase<UnshareFillsPass> {
  void runOnOperation() override {
    // In program order, every op after the first whose destination is a
    // fill's result gets a fill of its own.
    llvm::SmallPtrSet<Operation *, 16> used;
    getOperation().walk([&](DestinationStyleOpInterface op) {
      for (OpOperand &init : op.getDpsInitsMutable()) {
        auto fill = init.get().getDefiningOp<linalg::FillOp>();
        if (!fill || !fill.hasPureTensorSemantics() || used.insert(fill).second)
          continue;
        OpBuilder b(op);
        Value empty = fill.getOutputs()[0];
        if (auto made = empty.getDefiningOp<tensor::EmptyOp>())
          empty = b.clone(*made)->getResult(0);
        init.set(linalg::FillOp::create(b, fill.getLoc(), fill.getInputs()[0], empty).getResult(0));
      }
    });
  }
};

} // namespace
