//===- ONNXToLinalg.cpp - Lower ONNX ops to linalg on tensors -------------===//
//
// The pass only assembles the per-family pattern sets (Elementwise.cpp,
// Contraction.cpp, ...). Every pattern may assume what `whyNotLowerable`
// verified before any rewrite: ranked, static tensor types of a supported
// element type. Dynamic dimensions are rejected up front with a clear
// message until the lowering learns them.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"
#include "onnx_mlc/Conversion/Passes.h"
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FormatVariadic.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_CONVERTONNXTOLINALGPASS
#include "onnx_mlc/Conversion/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;
using namespace onnx_mlc;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

//===----------------------------------------------------------------------===//
// The pass.
//===----------------------------------------------------------------------===//

/// "node 'conv1' (Conv, domain ai.onnx, opset 9)" for diagnostics.
std::string describeNode(Operation *op) {
  std::string node = "<unnamed>";
  if (auto name = dyn_cast<NameLoc>(op->getLoc()))
    node = name.getName().str();
  std::string opType, domain = "ai.onnx";
  int64_t opset = -1;
  if (auto opaque = dyn_cast<OpaqueOp>(op)) {
    opType = opaque.getOpType().str();
    domain = opaque.getDomain().empty() ? "ai.onnx" : opaque.getDomain().str();
    opset = opaque.getOpset();
  } else {
    opType = op->getName().stripDialect().str();
    if (auto module = op->getParentOfType<ModuleOp>())
      if (auto attr = module->getAttrOfType<IntegerAttr>("onnx.opset"))
        opset = attr.getInt();
  }
  return "node '" + node + "' (" + opType + ", domain " + domain + ", opset " +
         (opset < 0 ? std::string("?") : std::to_string(opset)) + ")";
}

bool isSupportedElementType(Type t) {
  // Booleans wait for a byte-sized storage type: memrefs of i1 do not lower.
  return t.isF32() || t.isSignlessInteger(64) || t.isSignlessInteger(32);
}

/// Returns why `op` cannot be lowered yet, or an empty string.
std::string whyNotLowerable(Operation *op, const llvm::StringSet<> &lowered) {
  if (isa<OpaqueOp>(op))
    return "operator is not supported";
  if (!lowered.contains(op->getName().getStringRef()))
    return "operator is not supported by the compiler yet";
  for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults())) {
    // An unused result (Dropout's mask at inference) is never materialized.
    if (isa<NoneType>(v.getType()) || (isa<OpResult>(v) && v.use_empty()))
      continue;
    auto t = dyn_cast<RankedTensorType>(v.getType());
    if (!t)
      return "a value of unknown rank remains after shape inference";
    if (!t.hasStaticShape())
      return "dynamic dimensions are not supported yet (type " +
             llvm::formatv("{0}", t).str() + ")";
    if (!isSupportedElementType(t.getElementType()))
      return "element type " + llvm::formatv("{0}", t.getElementType()).str() +
             " is not supported yet";
  }
  if (auto bn = dyn_cast<BatchNormalizationOp>(op); bn && bn.getTrainingMode())
    return "training mode is not supported";
  if (auto pool = dyn_cast<MaxPoolOp>(op); pool && !pool.getIndices().use_empty())
    return "the Indices output is not supported yet";
  if (auto pool = dyn_cast<MaxPoolOp>(op); pool && pool.getStorageOrder())
    return "storage_order = 1 is not supported yet";
  if (auto d = dyn_cast<DropoutOp>(op)) {
    Value training = d.getTrainingMode();
    DenseElementsAttr mode = isNone(training) ? nullptr : getConstantValue(training);
    if (!isNone(training) && (!mode || mode.getSplatValue<bool>()))
      return "training mode is not supported";
    if (!d.getMask().use_empty())
      return "the mask output is not supported yet";
  }
  if (auto bn = dyn_cast<BatchNormalizationOp>(op);
      bn && (!bn.getRunningMean().use_empty() || !bn.getRunningVar().use_empty()))
    return "the running_mean and running_var outputs are not supported";
  if (op->getName().getStringRef().starts_with("onnx.Reduce") && op->getNumOperands() == 2 &&
      !isNone(op->getOperand(1)) && !getConstantInts(op->getOperand(1)))
    return "axes that are not a compile-time constant are not supported yet";
  if (isa<ConstantOfShapeOp>(op) && !getConstantValue(op->getOperand(0)))
    return "a shape that is not a compile-time constant is not supported yet";
  return "";
}

struct ConvertONNXToLinalgPass
    : onnx_mlc::impl::ConvertONNXToLinalgPassBase<ConvertONNXToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    RewritePatternSet patterns(&getContext());
    populateONNXToLinalgPatterns(patterns);

    llvm::StringSet<> lowered;
    for (const auto &pattern : patterns.getNativePatterns())
      if (std::optional<OperationName> root = pattern->getRootKind())
        lowered.insert(root->getStringRef());
    bool ok = true;
    module.walk([&](Operation *op) {
      if (!isa<ONNXDialect>(op->getDialect()) || isa<NoneOp>(op))
        return;
      std::string why = whyNotLowerable(op, lowered);
      if (!why.empty()) {
        op->emitError() << describeNode(op) << ": " << why;
        ok = false;
      }
    });
    if (!ok)
      return signalPassFailure();

    GreedyRewriteConfig config;
    config.setUseTopDownTraversal(true);
    if (failed(applyPatternsGreedily(module, std::move(patterns), config)))
      return signalPassFailure();
    WalkResult left = module.walk([&](Operation *op) {
      if (isa<NoneOp>(op) && op->use_empty()) {
        op->erase();
        return WalkResult::skip();
      }
      if (isa<ONNXDialect>(op->getDialect())) {
        op->emitError() << describeNode(op) << ": could not be lowered";
        return WalkResult::interrupt();
      }
      return WalkResult::advance();
    });
    if (left.wasInterrupted())
      signalPassFailure();
  }
};

} // namespace

void onnx_mlc::populateONNXToLinalgPatterns(RewritePatternSet &patterns) {
  populateElementwisePatterns(patterns);
  populateContractionPatterns(patterns);
  populateReductionPatterns(patterns);
  populatePoolingPatterns(patterns);
  populateNormalizationPatterns(patterns);
  populateDataMovementPatterns(patterns);
}
