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
/// thread: handing work to the pool and waiting for it costs a microsecond
/// or two, as much as a few hundred thousand multiply-adds save on a second
/// core (LeNet at 2 threads: 14 us with 1 << 16, 12 us with this).
constexpr int64_t kMinParallelWork = 1 << 18;

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

/// What one element of C costs, in lane multiply-adds, when the vectors
/// run along m: the tile is transposed in registers before it is stored.
constexpr int64_t kTransposeCost = 8;

/// What copying one element of B into an im2col costs, in lane
/// multiply-adds (a 3x3 convolution of ResNet-50's first stage: 90 us of
/// copy for 920 us of products).
constexpr int64_t kIm2colCost = 6;

/// Whether a contraction is faster with its vectors along m (see
/// KernelConfig::alongM): A is a constant matrix, which mlc-pack-weights
/// lays out along m, the sizes and C's stride along m are static, and the
/// lanes that vectors along n leave empty (a 7x7 image fills 49 of 64),
/// with the im2col that B's scalars along m can skip (`im2col`), cost more
/// than transposing C.
bool prefersAlongM(linalg::LinalgOp op, const ContractionPlan &plan, int64_t lanes,
                   bool im2col) {
  int64_t m = plan.sizes[plan.m], n = plan.sizes[plan.n], k = plan.sizes[plan.k];
  AffineMap cMap = op.getIndexingMapsArray()[2];
  std::optional<unsigned> cRow = cMap.getResultPosition(getAffineDimExpr(plan.m, op.getContext()));
  if (ShapedType::isDynamic(m) || ShapedType::isDynamic(n) || ShapedType::isDynamic(k) || !cRow ||
      !staticStride(op.getDpsInits()[0], *cRow) || !llvm::isPowerOf2_64(lanes) || lanes < 2)
    return false;
  // A splat has no panels: its vectors would be gathered.
  std::optional<ConstantMatrix> a = constantMatrix(op, 0, plan.m, plan.k);
  auto dense = a ? dyn_cast<DenseElementsAttr>(*a->global.getInitialValue()) : nullptr;
  if (!a || (dense && dense.isSplat()))
    return false;
  auto roundUp = [&](int64_t size) { return llvm::divideCeil(size, lanes) * lanes; };
  int64_t alongN = m * roundUp(n) * k + (im2col ? k * n * kIm2colCost : 0);
  int64_t alongM = n * roundUp(m) * k + m * n * kTransposeCost;
  return alongM < alongN;
}

/// The tile height for rows of `size`: `most`, unless the rows left over
/// would give too few FMA chains to hide the latency (fewer than 8, at
/// `vectors` per row); then the largest height that leaves none or enough.
int rowsFor(int64_t size, int most, int vectors) {
  for (int rows = most; rows > 1; --rows) {
    int64_t left = size % rows;
    if (left == 0 || left * vectors >= 8)
      return rows;
  }
  return most;
}

/// A contraction's register tile. A tile of rows x vectors accumulators
/// needs rows * vectors + vectors + 1 registers (with the B vectors and
/// the broadcast A value). Normally two vectors per row and as many rows as
/// fit, up to 8; with fewer rows than that (a matrix-vector product), wider
/// rows instead, so that enough independent FMA chains hide the latency.
/// With the vectors along m, the tile's rows are columns of C, as many as
/// fit: each k step then loads A's panel (streamed from memory: a deep
/// layer's weights are used for few columns) for more multiply-adds.
KernelConfig configureContraction(linalg::LinalgOp op, ContractionPlan plan,
                                  VectorResources target) {
  unsigned bits = getElementTypeOrSelf(op.getDpsInits()[0].getType()).getIntOrFloatBitWidth();
  KernelConfig config;
  config.lanes = std::max(1u, target.bits / bits);
  int regs = std::max<int>(target.registers, 4);
  int vectors = 2;
  std::optional<Im2colRead> im2col = im2colRead(op);
  config.alongM = prefersAlongM(op, plan, config.lanes, im2col.has_value());
  // Along m (static then), no more vectors than m fills.
  auto vectorsFilled = [&](int64_t most) -> int {
    if (!config.alongM)
      return most;
    return std::min<int64_t>(most, llvm::divideCeil(plan.sizes[plan.n], config.lanes));
  };
  if (config.alongM) {
    std::swap(plan.m, plan.n);
    vectors = vectorsFilled(vectors);
  }
  int fit = std::max(1, (regs - 1 - vectors) / vectors);
  int rows = std::min(fit, 8);
  if (config.alongM) {
    rows = rowsFor(plan.sizes[plan.m], fit, vectors);
    // An im2col read in place: tiles that divide the image's rows, or hold
    // whole ones, whose scalars then lie a fixed step apart in each.
    if (im2col) {
      int64_t length = im2col->innermost(op, plan.m).first;
      for (int aligned = fit; aligned * vectors >= 8; --aligned)
        if (length % aligned == 0 || aligned % length == 0) {
          rows = aligned;
          break;
        }
    }
  }
  int64_t m = plan.sizes[plan.m];
  if (!ShapedType::isDynamic(m) && m < rows) {
    rows = std::max<int64_t>(m, 1);
    vectors = vectorsFilled(std::clamp<int>((regs - 1) / (rows + 1), 2, 8));
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
