//===- Reduction.cpp - The Reduce* ops to linalg reductions -----------------===//
#include "Utils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

//===----------------------------------------------------------------------===//
// Reductions.
//===----------------------------------------------------------------------===//

enum class ReduceKind { Sum, Mean, Max, Min, Prod, L1, L2, SumSquare, LogSum, LogSumExp };

/// Reduce* over constant axes: acc = combine(acc, pre(x)) from the identity
/// of combine, then post(acc). With no axes, everything is reduced unless
/// noop_with_empty_axes, when pre and post still apply (as in ONNX's
/// reference: a reduction over an empty axis set).
template <typename OnnxOp, ReduceKind Kind>
struct LowerReduce : OpRewritePattern<OnnxOp> {
  using OpRewritePattern<OnnxOp>::OpRewritePattern;
  LogicalResult matchAndRewrite(OnnxOp op, PatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value data = op.getData();
    RankedTensorType inType = typeOf(data), outType = typeOf(op.getReduced());
    Type elem = inType.getElementType();
    bool isFloat = isa<FloatType>(elem);
    SmallVector<int64_t> axes;
    if (!isNone(op.getAxes())) {
      std::optional<SmallVector<int64_t>> given = getConstantInts(op.getAxes());
      if (!given)
        return failure();
      for (int64_t a : *given) {
        std::optional<int64_t> axis = normalizeAxis(a, inType.getRank());
        if (!axis)
          return failure();
        axes.push_back(*axis);
      }
    }
    if (axes.empty() && !op.getNoopWithEmptyAxes())
      for (int64_t d = 0; d < inType.getRank(); ++d)
        axes.push_back(d);
    Value init;
    switch (Kind) {
    case ReduceKind::Max:
      init = lowestConst(rewriter, loc, elem);
      break;
    case ReduceKind::Min:
      init = highestConst(rewriter, loc, elem);
      break;
    case ReduceKind::Prod:
      init = scalarConst(rewriter, loc, elem, 1);
      break;
    default:
      init = scalarConst(rewriter, loc, elem, 0);
    }
    Value reduced = buildReduction(
        rewriter, loc, data, axes, init, [&](OpBuilder &b, Location l, Value x, Value acc) {
          switch (Kind) {
          case ReduceKind::Max:
            return maxValues(b, l, acc, x);
          case ReduceKind::Min:
            return minValues(b, l, acc, x);
          case ReduceKind::Prod:
            return mulValues(b, l, acc, x);
          case ReduceKind::L1:
            return addValues(b, l, acc,
                             isFloat ? (Value)math::AbsFOp::create(b, l, x)
                                     : (Value)math::AbsIOp::create(b, l, x));
          case ReduceKind::L2:
          case ReduceKind::SumSquare:
            return addValues(b, l, acc, mulValues(b, l, x, x));
          case ReduceKind::LogSumExp:
            return addValues(b, l, acc, math::ExpOp::create(b, l, x));
          default:
            return addValues(b, l, acc, x);
          }
        });
    int64_t count = 1;
    for (int64_t a : axes)
      count *= inType.getDimSize(a);
    RankedTensorType keptType = typeOf(reduced);
    switch (Kind) {
    case ReduceKind::Mean:
    case ReduceKind::L2:
    case ReduceKind::LogSum:
    case ReduceKind::LogSumExp:
      if (!isFloat)
        return failure();
      reduced = buildElementwise(
          rewriter, loc, keptType, reduced, [&](OpBuilder &b, Location l, ValueRange a) -> Value {
            if (Kind == ReduceKind::Mean)
              return arith::DivFOp::create(b, l, a[0], scalarConst(b, l, elem, count));
            if (Kind == ReduceKind::L2)
              return math::SqrtOp::create(b, l, a[0]);
            return math::LogOp::create(b, l, a[0]);
          });
      break;
    default:
      break;
    }
    rewriter.replaceOp(op, reshapeTo(rewriter, loc, reduced, outType));
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateReductionPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerReduce<ReduceSumOp, ReduceKind::Sum>,
               LowerReduce<ReduceMeanOp, ReduceKind::Mean>,
               LowerReduce<ReduceMaxOp, ReduceKind::Max>,
               LowerReduce<ReduceMinOp, ReduceKind::Min>,
               LowerReduce<ReduceProdOp, ReduceKind::Prod>,
               LowerReduce<ReduceL1Op, ReduceKind::L1>,
               LowerReduce<ReduceL2Op, ReduceKind::L2>,
               LowerReduce<ReduceSumSquareOp, ReduceKind::SumSquare>,
               LowerReduce<ReduceLogSumOp, ReduceKind::LogSum>,
               LowerReduce<ReduceLogSumExpOp, ReduceKind::LogSumExp>>(patterns.getContext());
}
