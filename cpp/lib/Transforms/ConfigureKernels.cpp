//===- ConfigureKernels.cpp - Kernel configurations for the target --------===//
//
// Strategy, apart from the mechanism: this pass reads the target that the
// module is compiled for and decides, for every loop nest that
// mlc-vectorize-contractions has a kernel for, how that kernel is shaped;
// the vectorizer then builds exactly what the configuration says.
//
//===----------------------------------------------------------------------===//
#include "KernelPlans.h"
#include "onnx_mlc/Transforms/Passes.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMAttrs.h"
#include "mlir/IR/BuiltinOps.h"

namespace onnx_mlc {
#define GEN_PASS_DEF_CONFIGUREKERNELSPASS
#include "onnx_mlc/Transforms/Passes.h.inc"
} // namespace onnx_mlc

using namespace mlir;
using namespace onnx_mlc;

namespace {

/// The vector registers a target has, which size every kernel.
struct VectorResources {
  unsigned bits, registers;
};

/// What the module's target offers: AArch64 always has NEON (32 registers
/// of 128 bits; SVE's length is unknown at compile time, so kernels stay
/// at 128 bits), x86-64 has AVX-512 (32 x 512), AVX2 with FMA (16 x 256)
/// or at least SSE2 (16 x 128). Without a target description, or for other
/// architectures, 16 registers of 128 bits.
VectorResources resourcesOf(ModuleOp module) {
  auto target = module ? module->getAttrOfType<LLVM::TargetAttr>(kTargetAttrName) : nullptr;
  if (!target)
    return {128, 16};
  StringRef arch = target.getTriple().getValue().split('-').first;
  LLVM::TargetFeaturesAttr features = target.getFeatures();
  auto has = [&](StringRef feature) { return features && features.contains(feature); };
  if (arch == "aarch64" || arch == "arm64")
    return {128, 32};
  if (arch == "x86_64" && has("+avx512f"))
    return {512, 32};
  if (arch == "x86_64" && has("+avx2") && has("+fma"))
    return {256, 16};
  return {128, 16};
}

/// Loop nests of fewer iterations (multiply-adds, taps) than this run on one
/// thread: handing work to the pool costs about a microsecond.
constexpr int64_t kMinParallelWork = 1 << 16;

/// Whether a nest of these static loop sizes is worth the pool; sizes known
/// only at run time are taken to be.
bool worthParallel(ArrayRef<int64_t> sizes) {
  int64_t work = 1;
  bool dynamic = false;
  for (int64_t s : sizes) {
    if (ShapedType::isDynamic(s))
      dynamic = true;
    else
      work *= s;
  }
  return work != 0 && (dynamic || work >= kMinParallelWork);
}

/// The loop of a contraction to run in parallel: the outermost with at
/// least 4 iterations (tiles, for the m and n loops), or of a size known
/// only at run time; none for a small contraction. The n tiles come before
/// the m tiles, as the kernel nests them.
std::optional<unsigned> parallelDim(const ContractionPlan &plan, int64_t rows, int64_t cols) {
  if (!worthParallel(plan.sizes))
    return std::nullopt;
  SmallVector<std::pair<unsigned, int64_t>> trips;
  for (unsigned d : plan.outer)
    trips.push_back({d, plan.sizes[d]});
  auto tiles = [&](unsigned d, int64_t tile) {
    return ShapedType::isDynamic(plan.sizes[d]) ? ShapedType::kDynamic : plan.sizes[d] / tile;
  };
  trips.push_back({plan.n, tiles(plan.n, cols)});
  trips.push_back({plan.m, tiles(plan.m, rows)});
  for (auto [dim, trip] : trips)
    if (ShapedType::isDynamic(trip) || trip >= 4)
      return dim;
  return std::nullopt;
}

/// A contraction's register tile. A tile of rows x vectors accumulators
/// needs rows * vectors + vectors + 1 registers (with the B vectors and
/// the broadcast A value). Normally two vectors per row and as many rows as
/// fit, up to 8; with fewer rows than that (a matrix-vector product), wider
/// rows instead, so that enough independent FMA chains hide the latency.
KernelConfig configureContraction(linalg::LinalgOp op, const ContractionPlan &plan,
                                  VectorResources target) {
  unsigned bits = getElementTypeOrSelf(op.getDpsInits()[0].getType()).getIntOrFloatBitWidth();
  KernelConfig config;
  config.lanes = std::max(1u, target.bits / bits);
  int regs = std::max<int>(target.registers, 4);
  int64_t m = plan.sizes[plan.m];
  int vectors = 2;
  int rows = std::clamp<int>((regs - 1 - vectors) / vectors, 1, 8);
  if (!ShapedType::isDynamic(m) && m < rows) {
    rows = std::max<int64_t>(m, 1);
    vectors = std::clamp<int>((regs - 1) / (rows + 1), 2, 8);
  }
  config.rows = rows;
  config.vectors = vectors;
  config.parallelDim = parallelDim(plan, rows, vectors * config.lanes);
  return config;
}

/// A window reduction runs along output rows in vectors; its channels run
/// in parallel when the nest is large enough.
KernelConfig configureWindow(linalg::GenericOp op, const WindowPlan &plan,
                             VectorResources target) {
  KernelConfig config;
  config.lanes = std::max(1u, target.bits / 32);
  if (worthParallel(op.getStaticLoopRanges()))
    config.parallelDim = plan.c;
  return config;
}

/// A copy or fill runs along the output's innermost dim in vectors; its
/// outermost other loop of 4 or more iterations runs in parallel when the
/// copy is large enough.
KernelConfig configureCopy(linalg::LinalgOp op, const CopyPlan &plan, VectorResources target) {
  KernelConfig config;
  unsigned bits = getElementTypeOrSelf(op.getDpsInits()[0].getType()).getIntOrFloatBitWidth();
  config.lanes = std::max(1u, target.bits / bits);
  SmallVector<int64_t> sizes = op.getStaticLoopRanges();
  if (!worthParallel(sizes))
    return config;
  AffineMap outMap = op.getMatchingIndexingMap(op.getDpsInitOperand(0));
  for (AffineExpr e : outMap.getResults().drop_back()) {
    unsigned d = cast<AffineDimExpr>(e).getPosition();
    if (ShapedType::isDynamic(sizes[d]) || sizes[d] >= 4) {
      config.parallelDim = d;
      break;
    }
  }
  return config;
}

struct ConfigureKernelsPass : onnx_mlc::impl::ConfigureKernelsPassBase<ConfigureKernelsPass> {
  void runOnOperation() override {
    VectorResources target = resourcesOf(getOperation()->getParentOfType<ModuleOp>());
    MLIRContext *context = &getContext();
    getOperation().walk([&](linalg::LinalgOp op) {
      std::optional<KernelConfig> config;
      if (std::optional<ContractionPlan> plan = planContraction(op))
        config = configureContraction(op, *plan, target);
      else if (auto generic = dyn_cast<linalg::GenericOp>(op.getOperation()))
        if (std::optional<WindowPlan> plan = planWindow(generic))
          config = configureWindow(generic, *plan, target);
      if (!config)
        if (std::optional<CopyPlan> plan = planCopy(op))
          config = configureCopy(op, *plan, target);
      if (config)
        op->setAttr(KernelConfig::kAttrName, config->toAttr(context));
    });
  }
};

} // namespace
