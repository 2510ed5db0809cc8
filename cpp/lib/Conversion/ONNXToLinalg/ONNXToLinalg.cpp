//===- ONNXToLinalg.cpp - Lower ONNX ops to linalg on tensors -------------===//
//
// The pass only assembles the per-family pattern sets (Elementwise.cpp,
// Contraction.cpp, ...) and runs them as a dialect conversion whose type
// converter maps ONNX tensors to storage types (Utils.h). Legality comes
// from the patterns: an op is supported when a pattern converts it, and a
// pattern that declines says why. Every op that stays is reported, each
// naming its node, op, domain and opset, and nothing is left half-lowered.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"
#include "onnx_mlc/Conversion/Passes.h"

#include "mlir/Dialect/Bufferization/IR/Bufferization.h"
#include "mlir/Dialect/Func/Transforms/FuncConversions.h"
#include "llvm/ADT/StringExtras.h"
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

/// "node 'conv1' (Conv, domain ai.onnx, opset 9)" for diagnostics.
std::string describeNode(Operation *op) {
  // An op fused from several nodes answers for all of them.
  std::string node = llvm::join(nodeNames(op->getLoc()), "+");
  if (node.empty())
    node = "<unnamed>";
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

/// Why the types of `op` keep it from being lowered, or "".
std::string typeProblem(Operation *op) {
  for (Value v : llvm::concat<Value>(op->getOperands(), op->getResults())) {
    // An unused result (Dropout's mask at inference) is never materialized.
    if (isa<NoneType>(v.getType()) || (isa<OpResult>(v) && v.use_empty()))
      continue;
    auto t = dyn_cast<TensorType>(v.getType());
    if (!t)
      return "values of type " + llvm::formatv("{0}", v.getType()).str() + " are not supported";
    if (!storageType(t.getElementType()))
      return "element type " + llvm::formatv("{0}", t.getElementType()).str() +
             " is not supported";
    if (!t.hasRank())
      return "a value of unknown rank remains after shape inference";
  }
  return "";
}

/// Records the ONNX-level signature of @main_graph before its types become
/// storage types: the C ABI reports ONNX element types (bool, uint8, ...).
void recordSignature(ModuleOp module) {
  auto fn = module.lookupSymbol<func::FuncOp>("main_graph");
  if (!fn)
    return;
  auto types = [&](TypeRange range) {
    SmallVector<Attribute> attrs;
    for (Type t : range)
      attrs.push_back(TypeAttr::get(t));
    return ArrayAttr::get(module.getContext(), attrs);
  };
  if (!fn->hasAttr("mlc.input_types"))
    fn->setAttr("mlc.input_types", types(fn.getArgumentTypes()));
  if (!fn->hasAttr("mlc.output_types"))
    fn->setAttr("mlc.output_types", types(fn.getResultTypes()));
}

struct ConvertONNXToLinalgPass
    : onnx_mlc::impl::ConvertONNXToLinalgPassBase<ConvertONNXToLinalgPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    MLIRContext *ctx = &getContext();
    ONNXTypeConverter converter;
    RewritePatternSet patterns(ctx);
    populateONNXToLinalgPatterns(converter, patterns);
    populateFunctionOpInterfaceTypeConversionPattern<func::FuncOp>(patterns, converter);
    populateReturnOpTypeConversionPattern(patterns, converter);
    populateCallOpTypeConversionPattern(patterns, converter);

    llvm::DenseSet<OperationName> lowered;
    for (const auto &pattern : patterns.getNativePatterns())
      if (std::optional<OperationName> root = pattern->getRootKind())
        lowered.insert(*root);
    FrozenRewritePatternSet frozen(std::move(patterns));

    // Ops whose kind or types rule them out are known before converting.
    llvm::DenseMap<Operation *, std::string> refused;
    module.walk([&](Operation *op) {
      if (!isa<ONNXDialect>(op->getDialect()) || isa<NoneOp>(op))
        return;
      std::string why;
      if (isa<OpaqueOp>(op))
        why = "operator is not supported";
      else if (!lowered.contains(op->getName()))
        why = "operator is not supported by the compiler yet";
      else
        why = typeProblem(op);
      if (!why.empty())
        refused[op] = why;
    });

    recordSignature(module);
    ConversionTarget target(*ctx);
    target.addLegalDialect<arith::ArithDialect, linalg::LinalgDialect, math::MathDialect,
                           tensor::TensorDialect, affine::AffineDialect, scf::SCFDialect,
                           cf::ControlFlowDialect, bufferization::BufferizationDialect>();
    target.addLegalOp<ModuleOp, NoneOp>();
    // Ops whose types cannot be converted are left alone (and reported):
    // no pattern may see them.
    target.addDynamicallyLegalDialect<ONNXDialect>(
        [](Operation *op) { return !typeProblem(op).empty(); });
    target.addDynamicallyLegalOp<func::FuncOp>([&](func::FuncOp fn) {
      return converter.isSignatureLegal(fn.getFunctionType()) &&
             converter.isLegal(&fn.getBody());
    });
    target.addDynamicallyLegalOp<func::ReturnOp, func::CallOp>(
        [&](Operation *op) { return converter.isLegal(op); });

    // An analysis first, so that every op that would fail is reported, not
    // only the first.
    DenseSet<Operation *> legalizable;
    ConversionConfig analysis;
    analysis.legalizableOps = &legalizable;
    if (failed(applyAnalysisConversion(module, target, frozen, analysis)))
      return signalPassFailure();
    bool ok = true;
    module.walk([&](Operation *op) {
      if (!isa<ONNXDialect>(op->getDialect()) || isa<NoneOp>(op) ||
          (legalizable.contains(op) && !refused.count(op)))
        return;
      std::string why = refused.lookup(op);
      if (why.empty())
        why = converter.failureOf(op).str();
      op->emitError() << describeNode(op) << ": " << (why.empty() ? "could not be lowered" : why);
      ok = false;
    });
    if (!ok)
      return signalPassFailure();

    if (failed(applyFullConversion(module, target, frozen)))
      return signalPassFailure();
    module.walk([](NoneOp op) {
      if (op->use_empty())
        op->erase();
    });
  }
};

} // namespace

void onnx_mlc::populateONNXToLinalgPatterns(const ONNXTypeConverter &converter,
                                            RewritePatternSet &patterns) {
  populateElementwisePatterns(converter, patterns);
  populateContractionPatterns(converter, patterns);
  populateReductionPatterns(converter, patterns);
  populatePoolingPatterns(converter, patterns);
  populateNormalizationPatterns(converter, patterns);
  populateDataMovementPatterns(converter, patterns);
  populateConstantPatterns(converter, patterns);
  populateImagePatterns(converter, patterns);
  populateRecurrentPatterns(converter, patterns);
  populateSelectionPatterns(converter, patterns);
  populateControlFlowPatterns(converter, patterns);
}
