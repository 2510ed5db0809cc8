//===- Image.cpp - Resize ----------------------------------------------===//
//
// Resize samples the input at a source coordinate per output position and
// axis, with a kernel of a few taps per axis (1 for nearest, 2 for linear, 4
// for cubic, more when antialiasing shrinks). Coordinates and weights are
// computed in f64, as ONNX's reference does, so ties (an exact .5 in
// nearest mode) resolve the same way.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

/// One resized axis: its sizes, scale and (tf_crop_and_resize) roi, and the
/// number of kernel taps.
struct AxisPlan {
  int64_t dim;
  Value inSize, outSize; // f64
  Value scale;           // f64
  Value roiStart, roiEnd; // f64, tf_crop_and_resize only
  int64_t taps;
  double aaScale; // antialias: min(scale, 1); 1 otherwise
};

struct ResizeLowering : ONNXConversion<ResizeOp> {
  using ONNXConversion::ONNXConversion;

  LogicalResult matchAndRewrite(ResizeOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX();
    int64_t rank = typeOf(x).getRank();
    StringRef mode = op.getMode(), coord = op.getCoordinateTransformationMode();
    StringRef nearestMode = op.getNearestMode();
    if (mode != "nearest" && mode != "linear" && mode != "cubic")
      return unsupported(op, rewriter, "unknown mode '" + mode + "'");
    if (!llvm::is_contained({"half_pixel", "half_pixel_symmetric", "pytorch_half_pixel",
                             "align_corners", "asymmetric", "tf_crop_and_resize"},
                            coord))
      return unsupported(op, rewriter, "unknown coordinate_transformation_mode '" + coord + "'");
    bool antialias = op.getAntialias() != 0 && mode != "nearest";
    std::optional<SmallVector<double>> constScales = resizeScales(op);
    if (antialias && !constScales)
      return unsupported(op, rewriter, "antialiasing needs scales known at compile time");
    SmallVector<int64_t> axes = llvm::to_vector(llvm::seq<int64_t>(0, rank));
    if (auto a = op.getAxes()) {
      axes.clear();
      for (int64_t v : *a)
        axes.push_back(*normalizeAxis(v, rank));
    }
    bool fromSizes = !isAbsentInput(op.getSizes());
    StringRef policy = op.getKeepAspectRatioPolicy();
    if (policy != "stretch" && policy != "not_larger" && policy != "not_smaller")
      return unsupported(op, rewriter, "unknown keep_aspect_ratio_policy '" + policy + "'");
    bool keepAspect = fromSizes && policy != "stretch";

    // Output sizes: the shape rule's where known, else computed here from
    // run-time scales.
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    Sizes out = (*shapes)[0];
    Sizes in = sizesOf(rewriter, loc, x);
    Type f64 = rewriter.getF64Type();
    auto toF64 = [&](OpFoldResult size) -> Value {
      Value i = arith::IndexCastOp::create(rewriter, loc, rewriter.getI64Type(),
                                           indexValue(rewriter, loc, size));
      return arith::SIToFPOp::create(rewriter, loc, f64, i);
    };
    auto element = [&](Value tensor, int64_t i) -> Value {
      Value v = tensor::ExtractOp::create(rewriter, loc, tensor,
                                          ValueRange{arith::ConstantIndexOp::create(rewriter, loc, i)});
      return isa<Float64Type>(v.getType()) ? v : (Value)arith::ExtFOp::create(rewriter, loc, f64, v);
    };
    // With keep_aspect_ratio_policy, one scale for every axis: the smallest
    // (not_larger) or largest (not_smaller) of sizes / input sizes, and
    // sizes rounded half up from it.
    Value aspectScale;
    if (keepAspect && !constScales) {
      for (auto [i, d] : llvm::enumerate(axes)) {
        Value size = tensor::ExtractOp::create(
            rewriter, loc, adaptor.getSizes(), ValueRange{arith::ConstantIndexOp::create(rewriter, loc, i)});
        Value s = arith::DivFOp::create(rewriter, loc, arith::SIToFPOp::create(rewriter, loc, f64, size),
                                        toF64(in[d]));
        aspectScale = !aspectScale ? s
                      : policy == "not_larger" ? (Value)arith::MinimumFOp::create(rewriter, loc, aspectScale, s)
                                               : (Value)arith::MaximumFOp::create(rewriter, loc, aspectScale, s);
      }
    }
    SmallVector<AxisPlan> plans;
    for (auto [i, d] : llvm::enumerate(axes)) {
      AxisPlan p;
      p.dim = d;
      p.inSize = toF64(in[d]);
      if (constScales) {
        p.scale = arith::ConstantOp::create(rewriter, loc, rewriter.getF64FloatAttr((*constScales)[d]));
      } else if (aspectScale) {
        p.scale = aspectScale;
      } else if (fromSizes) {
        p.scale = nullptr; // out / in, once the output size is known
      } else {
        p.scale = element(adaptor.getScales(), i);
      }
      if (out[d].isNull()) {
        // floor(in * scale) (or, keeping the aspect ratio, rounded half
        // up), from a scale known only at run time.
        Value scaled = arith::MulFOp::create(rewriter, loc, p.inSize, p.scale);
        if (aspectScale)
          scaled = arith::AddFOp::create(rewriter, loc, scaled,
                                         arith::ConstantOp::create(rewriter, loc, rewriter.getF64FloatAttr(0.5)));
        Value n = math::FloorOp::create(rewriter, loc, scaled);
        out[d] = arith::IndexCastOp::create(
                     rewriter, loc, rewriter.getIndexType(),
                     arith::FPToSIOp::create(rewriter, loc, rewriter.getI64Type(), n))
                     .getResult();
      }
      p.outSize = toF64(out[d]);
      if (!p.scale)
        p.scale = arith::DivFOp::create(rewriter, loc, p.outSize, p.inSize);
      if (coord == "tf_crop_and_resize") {
        if (isNone(op.getRoi()))
          return unsupported(op, rewriter, "tf_crop_and_resize needs a roi");
        int64_t n = typeOf(adaptor.getRoi()).getDimSize(0);
        bool perAxis = n == 2 * (int64_t)axes.size();
        int64_t start = perAxis ? i : d, end = perAxis ? axes.size() + i : rank + d;
        p.roiStart = element(adaptor.getRoi(), start);
        p.roiEnd = element(adaptor.getRoi(), end);
      }
      p.aaScale = antialias ? std::min((*constScales)[d], 1.0) : 1.0;
      if (mode == "nearest")
        p.taps = 1;
      else if (mode == "linear")
        p.taps = 2 - 2 * (int64_t)(std::floor(-1.0 / p.aaScale) + 1);
      else
        p.taps = 2 - 2 * (int64_t)(std::floor(-2.0 / p.aaScale) + 1);
      plans.push_back(p);
    }

    Type onnxElem = onnxElementType(op.getX());
    double a = op.getCubicCoeffA().convertToDouble();
    bool excludeOutside = op.getExcludeOutside() != 0;
    double extrapolation = op.getExtrapolationValue().convertToDouble();
    Value r = buildIndexed(
        rewriter, loc, out, typeOf(x).getElementType(),
        [&](OpBuilder &b, Location l, ValueRange idx) -> Value {
          auto cf64 = [&](double v) -> Value { return arith::ConstantOp::create(b, l, b.getF64FloatAttr(v)); };
          auto cIdx = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, l, v); };
          Value outside = arith::ConstantIntOp::create(b, l, 0, 1);
          // Per axis: the taps (clamped indices) and their weights.
          SmallVector<SmallVector<Value>> tapIndex(rank), tapWeight(rank);
          for (int64_t d = 0; d < rank; ++d)
            tapIndex[d] = {idx[d]};
          for (const AxisPlan &p : plans) {
            Value y = arith::SIToFPOp::create(
                b, l, f64, arith::IndexCastOp::create(b, l, b.getI64Type(), idx[p.dim]));
            Value xo = sourceCoordinate(b, l, coord, y, p);
            if (coord == "tf_crop_and_resize") {
              Value below = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, xo, cf64(0));
              Value above = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, xo,
                                                  arith::SubFOp::create(b, l, p.inSize, cf64(1)));
              outside = arith::OrIOp::create(b, l, outside, arith::OrIOp::create(b, l, below, above));
            }
            Value fl = math::FloorOp::create(b, l, xo);
            Value frac = arith::SubFOp::create(b, l, xo, fl);
            Value base = arith::IndexCastOp::create(b, l, b.getIndexType(),
                                                    arith::FPToSIOp::create(b, l, b.getI64Type(), fl));
            Value last = arith::SubIOp::create(
                b, l, arith::IndexCastOp::create(b, l, b.getIndexType(),
                                                 arith::FPToSIOp::create(b, l, b.getI64Type(), p.inSize)),
                cIdx(1));
            auto clamp = [&](Value i) -> Value {
              return arith::MinSIOp::create(b, l, arith::MaxSIOp::create(b, l, i, cIdx(0)), last);
            };
            tapIndex[p.dim].clear();
            if (p.taps == 1) { // nearest
              Value up;
              if (nearestMode == "floor")
                up = arith::ConstantIntOp::create(b, l, 0, 1);
              else if (nearestMode == "ceil")
                up = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, frac, cf64(0));
              else if (nearestMode == "round_prefer_ceil")
                up = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGE, frac, cf64(0.5));
              else
                up = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OGT, frac, cf64(0.5));
              Value i = arith::SelectOp::create(b, l, up, arith::AddIOp::create(b, l, base, cIdx(1)), base);
              tapIndex[p.dim].push_back(clamp(i));
              continue;
            }
            // Taps fl + 1 - n/2 ... fl + n/2, weighted by the kernel at
            // their distance from the coordinate (scaled when antialiasing).
            Value sum = cf64(0);
            SmallVector<Value> weights;
            for (int64_t k = 0; k < p.taps; ++k) {
              int64_t offset = k + 1 - p.taps / 2;
              Value tap = arith::AddIOp::create(b, l, base, cIdx(offset));
              Value dist = math::AbsFOp::create(
                  b, l, arith::MulFOp::create(b, l, arith::SubFOp::create(b, l, cf64(offset), frac),
                                              cf64(p.aaScale)));
              Value w = mode == "linear" ? linearKernel(b, l, dist) : cubicKernel(b, l, dist, a);
              if (excludeOutside) {
                Value ok = arith::AndIOp::create(
                    b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, tap, cIdx(0)),
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::sle, tap, last));
                w = arith::SelectOp::create(b, l, ok, w, cf64(0));
              }
              sum = arith::AddFOp::create(b, l, sum, w);
              weights.push_back(w);
              tapIndex[p.dim].push_back(clamp(tap));
            }
            if (antialias || excludeOutside) {
              Value safe = arith::SelectOp::create(
                  b, l, arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, sum, cf64(0)), cf64(1), sum);
              for (Value &w : weights)
                w = arith::DivFOp::create(b, l, w, safe);
            }
            tapWeight[p.dim] = weights;
          }
          // Sum over every combination of taps.
          Value acc = cf64(0);
          SmallVector<int64_t> choice(rank, 0);
          std::function<void(int64_t, Value)> visit = [&](int64_t d, Value weight) {
            if (d == rank) {
              SmallVector<Value> coords;
              for (int64_t e = 0; e < rank; ++e)
                coords.push_back(tapIndex[e][choice[e]]);
              Value v = tensor::ExtractOp::create(b, l, x, coords);
              v = convertScalar(b, l, v, onnxElem, f64);
              acc = arith::AddFOp::create(b, l, acc, weight ? arith::MulFOp::create(b, l, v, weight) : v);
              return;
            }
            for (size_t t = 0; t < tapIndex[d].size(); ++t) {
              choice[d] = t;
              Value w = weight;
              if (!tapWeight[d].empty())
                w = w ? (Value)arith::MulFOp::create(b, l, w, tapWeight[d][t]) : tapWeight[d][t];
              visit(d + 1, w);
            }
          };
          visit(0, Value());
          if (coord == "tf_crop_and_resize")
            acc = arith::SelectOp::create(b, l, outside, cf64(extrapolation), acc);
          return roundTo(b, l, acc, onnxElem);
        });
    replaceOp(op, rewriter, r);
    return success();
  }

  /// The source coordinate of output position `y` along one axis.
  static Value sourceCoordinate(OpBuilder &b, Location l, StringRef coord, Value y,
                                const AxisPlan &p) {
    auto c = [&](double v) -> Value { return arith::ConstantOp::create(b, l, b.getF64FloatAttr(v)); };
    auto add = [&](Value x, Value z) -> Value { return arith::AddFOp::create(b, l, x, z); };
    auto sub = [&](Value x, Value z) -> Value { return arith::SubFOp::create(b, l, x, z); };
    auto mul = [&](Value x, Value z) -> Value { return arith::MulFOp::create(b, l, x, z); };
    auto div = [&](Value x, Value z) -> Value { return arith::DivFOp::create(b, l, x, z); };
    auto isOne = [&](Value v) -> Value {
      return arith::CmpFOp::create(b, l, arith::CmpFPredicate::OEQ, v, c(1));
    };
    // The scaled (not yet floored) output width.
    Value width = mul(p.scale, p.inSize);
    Value halfPixel = sub(div(add(y, c(0.5)), p.scale), c(0.5));
    if (coord == "asymmetric")
      return div(y, p.scale);
    if (coord == "half_pixel")
      return halfPixel;
    if (coord == "pytorch_half_pixel")
      return arith::SelectOp::create(b, l, isOne(width), c(-0.5), halfPixel);
    if (coord == "align_corners")
      return arith::SelectOp::create(b, l, isOne(width), c(0),
                                     div(mul(y, sub(p.inSize, c(1))), sub(width, c(1))));
    if (coord == "half_pixel_symmetric") {
      Value adjustment = div(p.outSize, width);
      Value offset = mul(div(p.inSize, c(2)), sub(c(1), adjustment));
      return add(offset, halfPixel);
    }
    // tf_crop_and_resize
    Value span = mul(sub(p.roiEnd, p.roiStart), sub(p.inSize, c(1)));
    Value x = arith::SelectOp::create(b, l, isOne(width), div(span, c(2)),
                                      div(mul(y, span), sub(width, c(1))));
    return add(x, mul(p.roiStart, sub(p.inSize, c(1))));
  }

  static Value linearKernel(OpBuilder &b, Location l, Value d) {
    Value one = arith::ConstantOp::create(b, l, b.getF64FloatAttr(1));
    Value zero = arith::ConstantOp::create(b, l, b.getF64FloatAttr(0));
    return arith::MaximumFOp::create(b, l, zero, arith::SubFOp::create(b, l, one, d));
  }

  /// The cubic convolution kernel with coefficient A, at distance d >= 0.
  static Value cubicKernel(OpBuilder &b, Location l, Value d, double a) {
    auto c = [&](double v) -> Value { return arith::ConstantOp::create(b, l, b.getF64FloatAttr(v)); };
    auto mul = [&](Value x, Value z) -> Value { return arith::MulFOp::create(b, l, x, z); };
    auto add = [&](Value x, Value z) -> Value { return arith::AddFOp::create(b, l, x, z); };
    Value d2 = mul(d, d), d3 = mul(d2, d);
    Value near = add(add(mul(c(a + 2), d3), mul(c(-(a + 3)), d2)), c(1));
    Value far = add(add(add(mul(c(a), d3), mul(c(-5 * a), d2)), mul(c(8 * a), d)), c(-4 * a));
    Value isNear = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLE, d, c(1));
    Value isFar = arith::CmpFOp::create(b, l, arith::CmpFPredicate::OLT, d, c(2));
    return arith::SelectOp::create(b, l, isNear, near, arith::SelectOp::create(b, l, isFar, far, c(0)));
  }

  /// An f64 result in the output type: integers round to nearest and
  /// saturate, as the reference's saturate_cast does.
  static Value roundTo(OpBuilder &b, Location l, Value v, Type onnxElem) {
    if (isa<FloatType>(onnxElem))
      return convertScalar(b, l, v, b.getF64Type(), onnxElem);
    if (onnxElem.isInteger(1))
      return convertScalar(b, l, v, b.getF64Type(), onnxElem);
    unsigned width = onnxElem.getIntOrFloatBitWidth();
    bool isUnsigned = onnxElem.isUnsignedInteger();
    double lo = isUnsigned ? 0 : -std::ldexp(1.0, width - 1);
    double hi = isUnsigned ? std::ldexp(1.0, width) - 1 : std::ldexp(1.0, width - 1) - 1;
    Value r = math::RoundEvenOp::create(b, l, v);
    r = arith::MaximumFOp::create(b, l, r, arith::ConstantOp::create(b, l, b.getF64FloatAttr(lo)));
    r = arith::MinimumFOp::create(b, l, r, arith::ConstantOp::create(b, l, b.getF64FloatAttr(hi)));
    return convertScalar(b, l, r, b.getF64Type(), onnxElem);
  }
};

/// GridSample on N spatial dims, as the ONNX reference computes it: each
/// output point unnormalizes its grid coordinates (x, y, z order: the last
/// spatial dim first), rounds them for nearest, moves them inside the
/// border or reflects them for those padding modes, then sums taps (1, 2
/// or 4 per dim for nearest, linear, cubic) weighted by the product of the
/// per-dim weights; a tap outside X reads 0, the nearest border pixel or
/// its reflection. Floating-point X only; half precision computes in f32.
struct GridSampleLowering : ONNXConversion<GridSampleOp> {
  using ONNXConversion::ONNXConversion;

  LogicalResult matchAndRewrite(GridSampleOp op, OpAdaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    Value x = adaptor.getX(), grid = adaptor.getGrid();
    StringRef mode = op.getMode(), padding = op.getPaddingMode();
    // Opset 16 names: bilinear, bicubic.
    if (mode == "bilinear")
      mode = "linear";
    if (mode == "bicubic")
      mode = "cubic";
    if (mode != "nearest" && mode != "linear" && mode != "cubic")
      return unsupported(op, rewriter, "unknown mode '" + mode + "'");
    if (padding != "zeros" && padding != "border" && padding != "reflection")
      return unsupported(op, rewriter, "unknown padding_mode '" + padding + "'");
    Type xElem = typeOf(x).getElementType(), gElem = typeOf(grid).getElementType();
    if (!isa<FloatType>(xElem))
      return unsupported(op, rewriter, "X must be a floating-point tensor");
    FailureOr<ShapeList> shapes = resultShapes(op, adaptor, rewriter);
    if (failed(shapes))
      return unsupported(op, rewriter, "the result shape cannot be computed");
    int64_t spatial = typeOf(x).getRank() - 2;
    bool align = op.getAlignCorners() != 0;
    // Compute in f64 for f64 data, else in f32.
    Type ft = xElem.isF64() || gElem.isF64() ? (Type)rewriter.getF64Type() : rewriter.getF32Type();
    Sizes xSizes = sizesOf(rewriter, loc, x);
    int64_t taps = mode == "nearest" ? 1 : mode == "linear" ? 2 : 4;

    Value result = buildIndexed(rewriter, loc, (*shapes)[0], xElem, [&](OpBuilder &b, Location l,
                                                                        ValueRange idx) {
      auto fc = [&](double v) -> Value {
        return arith::ConstantOp::create(b, l, b.getFloatAttr(ft, v));
      };
      auto ic = [&](int64_t v) -> Value { return arith::ConstantIndexOp::create(b, l, v); };
      auto toFloat = [&](Value i) -> Value {
        Value i64 = arith::IndexCastOp::create(b, l, b.getI64Type(), i);
        return arith::SIToFPOp::create(b, l, ft, i64);
      };
      auto toIndex = [&](Value f) -> Value { // truncates toward zero
        Value i64 = arith::FPToSIOp::create(b, l, b.getI64Type(), f);
        return arith::IndexCastOp::create(b, l, b.getIndexType(), i64);
      };
      auto fcmp = [&](arith::CmpFPredicate p, Value u, Value v) -> Value {
        return arith::CmpFOp::create(b, l, p, u, v);
      };
      auto sel = [&](Value c, Value u, Value v) -> Value {
        return arith::SelectOp::create(b, l, c, u, v);
      };
      auto add = [&](Value u, Value v) -> Value { return arith::AddFOp::create(b, l, u, v); };
      auto sub = [&](Value u, Value v) -> Value { return arith::SubFOp::create(b, l, u, v); };
      auto mul = [&](Value u, Value v) -> Value { return arith::MulFOp::create(b, l, u, v); };
      // Reflects v into [lo, hi] by the nearer border until it is inside.
      auto reflect = [&](Value v, Value lo, Value hi) -> Value {
        Value range = sub(hi, lo);
        Value below = fcmp(arith::CmpFPredicate::OLT, v, lo);
        Value above = fcmp(arith::CmpFPredicate::OGT, v, hi);
        Value dx = sel(below, sub(lo, v), sub(v, hi));
        Value safe = sel(fcmp(arith::CmpFPredicate::OEQ, range, fc(0)), fc(1), range);
        Value n = math::FloorOp::create(b, l, arith::DivFOp::create(b, l, dx, safe));
        Value r = sub(dx, mul(n, range));
        Value nInt = arith::FPToSIOp::create(b, l, b.getI64Type(), n);
        Value odd = arith::TruncIOp::create(b, l, b.getI1Type(), nInt);
        Value fromBelow = sel(odd, sub(hi, r), add(lo, r));
        Value fromAbove = sel(odd, add(lo, r), sub(hi, r));
        return sel(below, fromBelow, sel(above, fromAbove, v));
      };
      auto clampIndex = [&](Value i, Value size) -> Value {
        Value hi = arith::SubIOp::create(b, l, size, ic(1));
        return arith::MaxSIOp::create(b, l, ic(0), arith::MinSIOp::create(b, l, i, hi));
      };

      // Per spatial dim: the tap indices (before padding) and weights.
      SmallVector<SmallVector<Value>> tapIndex(spatial), tapWeight(spatial);
      SmallVector<Value> sizes, los, his;
      for (int64_t i = 0; i < spatial; ++i) {
        Value size = indexValue(b, l, xSizes[2 + i]);
        Value sizeF = toFloat(size);
        SmallVector<Value> at{idx[0]};
        for (int64_t d = 0; d < spatial; ++d)
          at.push_back(idx[2 + d]);
        at.push_back(ic(spatial - 1 - i));
        Value g = tensor::ExtractOp::create(b, l, grid, at);
        if (g.getType() != ft)
          g = arith::ExtFOp::create(b, l, ft, g);
        Value v = align ? mul(mul(add(g, fc(1)), fc(0.5)), sub(sizeF, fc(1)))
                        : mul(sub(mul(add(g, fc(1)), sizeF), fc(1)), fc(0.5));
        if (mode == "nearest")
          v = math::RoundEvenOp::create(b, l, v);
        Value lo = align ? fc(0) : fc(-0.5);
        Value hi = align ? sub(sizeF, fc(1)) : sub(sizeF, fc(0.5));
        Value outside = arith::OrIOp::create(b, l, fcmp(arith::CmpFPredicate::OLT, v, lo),
                                             fcmp(arith::CmpFPredicate::OGT, v, hi));
        if (padding == "border") {
          Value clamped = arith::MaximumFOp::create(
              b, l, fc(0), arith::MinimumFOp::create(b, l, v, sub(sizeF, fc(1))));
          v = sel(outside, clamped, v);
        } else if (padding == "reflection") {
          v = sel(outside, reflect(v, lo, hi), v);
        }
        sizes.push_back(size);
        los.push_back(lo);
        his.push_back(hi);
        if (mode == "nearest") {
          tapIndex[i].push_back(toIndex(v));
          tapWeight[i].push_back(fc(1));
          continue;
        }
        Value floor = math::FloorOp::create(b, l, v);
        Value t = sub(v, floor);
        Value base = toIndex(floor);
        if (mode == "linear") {
          tapIndex[i] = {base, arith::AddIOp::create(b, l, base, ic(1))};
          tapWeight[i] = {sub(fc(1), t), t};
          continue;
        }
        // Keys' cubic convolution, a = -0.75, at distances 1+t, t, 1-t, 2-t.
        double a = -0.75;
        auto far = [&](Value s) { // 1 < s < 2
          return sub(mul(add(mul(sub(mul(fc(a), s), fc(5 * a)), s), fc(8 * a)), s), fc(4 * a));
        };
        auto near = [&](Value s) { // 0 <= s <= 1
          return add(mul(mul(sub(mul(fc(a + 2), s), fc(a + 3)), s), s), fc(1));
        };
        for (int64_t k = -1; k <= 2; ++k)
          tapIndex[i].push_back(arith::AddIOp::create(b, l, base, ic(k)));
        tapWeight[i] = {far(add(t, fc(1))), near(t), near(sub(fc(1), t)), far(sub(fc(2), t))};
      }

      // Sum over every combination of taps.
      Value acc = fc(0);
      int64_t combos = 1;
      for (int64_t i = 0; i < spatial; ++i)
        combos *= taps;
      for (int64_t c = 0; c < combos; ++c) {
        Value weight = fc(1);
        Value valid = arith::ConstantIntOp::create(b, l, 1, 1);
        SmallVector<Value> at{idx[0], idx[1]};
        for (int64_t i = 0, rest = c; i < spatial; ++i, rest /= taps) {
          Value k = tapIndex[i][rest % taps];
          weight = mul(weight, tapWeight[i][rest % taps]);
          if (padding == "zeros") {
            valid = arith::AndIOp::create(
                b, l, valid,
                arith::AndIOp::create(
                    b, l, arith::CmpIOp::create(b, l, arith::CmpIPredicate::sge, k, ic(0)),
                    arith::CmpIOp::create(b, l, arith::CmpIPredicate::slt, k, sizes[i])));
          } else if (padding == "reflection") {
            k = toIndex(reflect(toFloat(k), los[i], his[i]));
          }
          at.push_back(clampIndex(k, sizes[i]));
        }
        Value v = tensor::ExtractOp::create(b, l, x, at);
        if (v.getType() != ft)
          v = arith::ExtFOp::create(b, l, ft, v);
        if (padding == "zeros")
          v = sel(valid, v, fc(0));
        acc = add(acc, mul(weight, v));
      }
      if (acc.getType() != xElem)
        acc = arith::TruncFOp::create(b, l, xElem, acc);
      return acc;
    });
    replaceOp(op, rewriter, result);
    return success();
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateImagePatterns(const ONNXTypeConverter &tc,
                                                     RewritePatternSet &patterns) {
  patterns.add<ResizeLowering, GridSampleLowering>(tc, patterns.getContext());
}
