//===- Recurrent.cpp - RNN, GRU and LSTM ----------------------------------===//
//
// The input projections of every time step are one matrix product before
// the loop; the loop over time (an scf.for carrying the hidden state, the
// cell state and the output) does the recurrent product and one fused
// elementwise step per direction. sequence_lens masks the steps past each
// sequence's end: the states are kept and the output is zero there.
//
//===----------------------------------------------------------------------===//
#include "Utils.h"

#include "mlir/Dialect/Utils/StaticValueUtils.h"

using namespace mlir;
using namespace onnx_mlc::onnx;
using namespace onnx_mlc::onnx_to_linalg;

namespace {

using Sizes = SmallVector<OpFoldResult>;

enum class Cell { RNN, GRU, LSTM };

/// An ONNX activation function by name, with its alpha and beta.
struct Activation {
  std::string name;
  double alpha = 0, beta = 0;

  Value apply(const Scalar &s, Value x) const {
    OpBuilder &b = s.builder();
    Location l = s.location();
    auto c = [&](double v) { return s.constant(v); };
    if (name == "Sigmoid")
      return applyActivation(s, "Sigmoid", x);
    if (name == "Tanh")
      return math::TanhOp::create(b, l, x);
    if (name == "Relu")
      return s.max(x, c(0));
    if (name == "Affine")
      return s.add(s.mul(c(alpha), x), c(beta));
    if (name == "LeakyRelu")
      return s.select(s.isNegative(x), s.mul(c(alpha), x), x);
    if (name == "ThresholdedRelu")
      return s.select(s.cmp(CmpKind::GT, x, c(alpha)), x, c(0));
    if (name == "ScaledTanh")
      return s.mul(c(alpha), math::TanhOp::create(b, l, s.mul(c(beta), x)));
    if (name == "HardSigmoid")
      return s.max(c(0), s.min(c(1), s.add(s.mul(c(alpha), x), c(beta))));
    if (name == "Elu")
      return s.select(s.isNegative(x), s.mul(c(alpha), expMinusOne(s, x)), x);
    if (name == "Softsign")
      return s.div(x, s.add(c(1), s.abs(x)));
    // Softplus
    return math::LogOp::create(b, l, s.add(math::ExpOp::create(b, l, x), c(1)));
  }
};

bool knownActivation(StringRef name) {
  return llvm::is_contained({"Sigmoid", "Tanh", "Relu", "Affine", "LeakyRelu", "ThresholdedRelu",
                             "ScaledTanh", "HardSigmoid", "Elu", "Softsign", "Softplus"},
                            name);
}

template <typename RecurrentOp, Cell Kind>
struct RecurrentLowering : ONNXConversion<RecurrentOp> {
  using Base = ONNXConversion<RecurrentOp>;
  using Base::Base;
  static constexpr int64_t kGates = Kind == Cell::LSTM ? 4 : Kind == Cell::GRU ? 3 : 1;
  static constexpr int64_t kFunctions = Kind == Cell::LSTM ? 3 : Kind == Cell::GRU ? 2 : 1;

  LogicalResult matchAndRewrite(RecurrentOp op, typename Base::Adaptor adaptor,
                                ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    MLIRContext *ctx = rewriter.getContext();
    Type elem = onnxElementType(op.getX());
    if (!elem.isF32() && !elem.isF64())
      return this->unsupported(op, rewriter, "only f32 and f64 recurrences are supported");
    RankedTensorType wType = typeOf(adaptor.getW()), rType = typeOf(adaptor.getR());
    if (!wType.hasStaticShape() || !rType.hasStaticShape())
      return this->unsupported(op, rewriter, "W and R must have static shapes");
    StringRef direction = op.getDirection();
    int64_t dirs = direction == "bidirectional" ? 2 : 1;
    int64_t hidden = rType.getDimSize(2), inputSize = wType.getDimSize(2);
    if (wType.getDimSize(0) != dirs || wType.getDimSize(1) != kGates * hidden)
      return this->unsupported(op, rewriter, "W does not match the direction and hidden size");
    // Activations: per direction, kFunctions of them.
    SmallVector<Activation> acts;
    {
      SmallVector<std::string> names;
      if (auto a = op.getActivations())
        for (Attribute n : *a)
          names.push_back(cast<StringAttr>(n).str());
      if (names.empty()) {
        SmallVector<std::string> dflt = Kind == Cell::LSTM ? SmallVector<std::string>{"Sigmoid", "Tanh", "Tanh"}
                                        : Kind == Cell::GRU ? SmallVector<std::string>{"Sigmoid", "Tanh"}
                                                            : SmallVector<std::string>{"Tanh"};
        for (int64_t d = 0; d < dirs; ++d)
          names.append(dflt.begin(), dflt.end());
      }
      if ((int64_t)names.size() != kFunctions * dirs)
        return this->unsupported(op, rewriter, "activations has the wrong number of functions");
      SmallVector<float> alphas, betas;
      if (auto a = op.getActivationAlpha())
        alphas.assign(a->begin(), a->end());
      if (auto b = op.getActivationBeta())
        betas.assign(b->begin(), b->end());
      for (auto [i, n] : llvm::enumerate(names)) {
        if (!knownActivation(n))
          return this->unsupported(op, rewriter, "unknown activation '" + n + "'");
        Activation act{n};
        // Defaults as in ONNX's reference.
        act.alpha = i < alphas.size() ? alphas[i] : n == "LeakyRelu" ? 0.01 : n == "HardSigmoid" ? 0.2 : 1.0;
        act.beta = i < betas.size() ? betas[i] : n == "HardSigmoid" ? 0.5 : 0.0;
        acts.push_back(act);
      }
    }
    std::optional<double> clip;
    if (auto c = op.getClip())
      clip = c->convertToDouble();
    bool batchFirst = op.getLayout() != 0;

    Value x = adaptor.getX();
    if (batchFirst) // work in (seq, batch, input)
      x = transpose(rewriter, loc, x, {1, 0, 2});
    Sizes xSizes = sizesOf(rewriter, loc, x);
    OpFoldResult seq = xSizes[0], batch = xSizes[1];
    Type st = storageType(elem);
    Scalar s(rewriter, loc, elem);
    auto idx = [&](int64_t v) -> OpFoldResult { return rewriter.getIndexAttr(v); };
    Value zeroState = filledTensor(rewriter, loc, {batch, idx(hidden)}, s.constant(0));
    // Per-batch sequence lengths, or the whole sequence.
    Value lens = isNone(op.getSequenceLens()) ? Value() : adaptor.getSequenceLens();

    SmallVector<Value> ys, hs, cs;
    for (int64_t d = 0; d < dirs; ++d) {
      bool reverse = direction == "reverse" || d == 1;
      Value w = slice0(rewriter, loc, adaptor.getW(), d);            // (G*H, I)
      Value r = slice0(rewriter, loc, adaptor.getR(), d);            // (G*H, H)
      Value wb, rb;                                                   // (G*H)
      if (!isNone(op.getB())) {
        Value bias = slice0(rewriter, loc, adaptor.getB(), d);       // (2*G*H)
        wb = tensor::ExtractSliceOp::create(rewriter, loc, bias, ArrayRef<OpFoldResult>{idx(0)},
                                            ArrayRef<OpFoldResult>{idx(kGates * hidden)},
                                            ArrayRef<OpFoldResult>{idx(1)});
        rb = tensor::ExtractSliceOp::create(rewriter, loc, bias, ArrayRef<OpFoldResult>{idx(kGates * hidden)},
                                            ArrayRef<OpFoldResult>{idx(kGates * hidden)},
                                            ArrayRef<OpFoldResult>{idx(1)});
      }
      // Input projections of all steps: (seq, batch, G*H) = x W^T (+ Wb,
      // and + Rb unless GRU needs Rb inside its reset).
      Value xw = project(rewriter, loc, x, w, {seq, batch, idx(kGates * hidden)}, elem);
      if (wb) {
        SmallVector<Value> bs{wb};
        bool foldRb = !(Kind == Cell::GRU);
        if (foldRb)
          bs.push_back(rb);
        xw = buildElementwise(rewriter, loc, sizesOf(rewriter, loc, xw), st, ValueRange{xw, bs[0]},
                              [&](OpBuilder &b, Location l, ValueRange a) {
                                return Scalar(b, l, elem).add(a[0], a[1]);
                              });
        if (foldRb)
          xw = buildElementwise(rewriter, loc, sizesOf(rewriter, loc, xw), st, ValueRange{xw, rb},
                                [&](OpBuilder &b, Location l, ValueRange a) {
                                  return Scalar(b, l, elem).add(a[0], a[1]);
                                });
      }
      Value h0 = initialState(rewriter, loc, op.getInitialH(), adaptor.getInitialH(), d, batchFirst, zeroState);
      Value c0 = zeroState;
      Value peep;
      if constexpr (Kind == Cell::LSTM) {
        c0 = initialState(rewriter, loc, op.getInitialC(), adaptor.getInitialC(), d, batchFirst, zeroState);
        if (!isNone(op.getP()))
          peep = slice0(rewriter, loc, adaptor.getP(), d); // (3*H): i, o, f
      }
      Value y0 = emptyTensor(rewriter, loc, {seq, batch, idx(hidden)}, st);
      Value seqV = indexValue(rewriter, loc, seq);
      Value zero = arith::ConstantIndexOp::create(rewriter, loc, 0);
      Value one = arith::ConstantIndexOp::create(rewriter, loc, 1);
      ArrayRef<Activation> dirActs = ArrayRef(acts).slice(d * kFunctions, kFunctions);
      bool linearBeforeReset = false, inputForget = false;
      if constexpr (Kind == Cell::GRU)
        linearBeforeReset = op.getLinearBeforeReset() != 0;
      if constexpr (Kind == Cell::LSTM)
        inputForget = op.getInputForget() != 0;
      auto loop = scf::ForOp::create(
          rewriter, loc, zero, seqV, one, ValueRange{h0, c0, y0},
          [&](OpBuilder &b, Location l, Value t, ValueRange carried) {
            Value step = reverse ? (Value)arith::SubIOp::create(
                                       b, l, arith::SubIOp::create(b, l, seqV, one), t)
                                 : t;
            Value h = carried[0], c = carried[1], y = carried[2];
            Sizes bs = sizesOf(b, l, h);
            // The step's projections (batch, G*H).
            Sizes one{b.getIndexAttr(1), bs[0], b.getIndexAttr(kGates * hidden)};
            Sizes at{step, b.getIndexAttr(0), b.getIndexAttr(0)};
            Sizes unit(3, b.getIndexAttr(1));
            Value xs = reshapeTo(b, l, tensor::ExtractSliceOp::create(b, l, xw, at, one, unit),
                                 {bs[0], b.getIndexAttr(kGates * hidden)});
            // The recurrent product h R^T (batch, G*H); GRU's reset gate
            // multiplies h before its candidate's product instead, unless
            // linear_before_reset.
            Value hr = project2d(b, l, h, r, elem);
            Value mask = lens ? stepMask(b, l, lens, step, bs[0]) : Value();
            auto [hNew, cNew] =
                cellStep(b, l, xs, hr, h, c, rb, r, peep, mask, dirActs, clip, linearBeforeReset,
                         inputForget, hidden, elem);
            // y[step] = h (zero where the sequence has ended).
            Value out = hNew;
            if (mask)
              out = maskRows(b, l, hNew, mask, Value(), elem);
            Sizes row{b.getIndexAttr(1), bs[0], b.getIndexAttr(hidden)};
            Value yNext = tensor::InsertSliceOp::create(b, l, reshapeTo(b, l, out, row), y, at, row, unit);
            scf::YieldOp::create(b, l, ValueRange{hNew, cNew, yNext});
          });
      ys.push_back(loop.getResult(2));
      hs.push_back(loop.getResult(0));
      cs.push_back(loop.getResult(1));
    }
    // Y: (seq, dirs, batch, H) or, with layout 1, (batch, seq, dirs, H);
    // the states: (dirs, batch, H) or (batch, dirs, H).
    Value y = stack(rewriter, loc, ys, 1);
    Value yh = stack(rewriter, loc, hs, 0);
    Value yc = stack(rewriter, loc, cs, 0);
    if (batchFirst) {
      y = transpose(rewriter, loc, y, {2, 0, 1, 3});
      yh = transpose(rewriter, loc, yh, {1, 0, 2});
      yc = transpose(rewriter, loc, yc, {1, 0, 2});
    }
    SmallVector<Value> results{y, yh};
    if constexpr (Kind == Cell::LSTM)
      results.push_back(yc);
    for (auto [i, result] : llvm::enumerate(op->getResults()))
      if (isa<NoneType>(result.getType()))
        results[i] = Value();
    this->replaceOp(op, rewriter, results);
    return success();
  }

  /// One time step: the gates from the projections, and the new states.
  std::pair<Value, Value> cellStep(OpBuilder &b, Location l, Value xs, Value hr, Value h, Value c,
                                   Value rb, Value r, Value peep, Value mask,
                                   ArrayRef<Activation> acts, std::optional<double> clip,
                                   bool linearBeforeReset, bool inputForget, int64_t hidden,
                                   Type elem) const {
    MLIRContext *ctx = b.getContext();
    Type st = storageType(elem);
    Sizes bs = sizesOf(b, l, h);
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    AffineMap state = AffineMap::getMultiDimIdentityMap(2, ctx);
    // Gates are column blocks of H: read through slices (views), so every
    // operand is indexed plainly.
    auto cols = [&](Value t, int64_t g) -> Value {
      if (!t)
        return t;
      RankedTensorType type = typeOf(t);
      if (type.getRank() == 1)
        return tensor::ExtractSliceOp::create(b, l, t, ArrayRef<OpFoldResult>{b.getIndexAttr(g * hidden)},
                                              ArrayRef<OpFoldResult>{b.getIndexAttr(hidden)},
                                              ArrayRef<OpFoldResult>{b.getIndexAttr(1)});
      return tensor::ExtractSliceOp::create(
          b, l, t, ArrayRef<OpFoldResult>{b.getIndexAttr(0), b.getIndexAttr(g * hidden)},
          ArrayRef<OpFoldResult>{tensor::getMixedSize(b, l, t, 0), b.getIndexAttr(hidden)},
          ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
    };
    AffineMap row = AffineMap::get(2, 0, {d(1)}, ctx);
    auto gate = [&](int64_t) { return state; };
    auto vec = [&](int64_t) { return row; };
    auto clipped = [&](const Scalar &s, Value v) {
      return clip ? s.max(s.constant(-*clip), s.min(s.constant(*clip), v)) : v;
    };
    SmallVector<utils::IteratorType> par(2, utils::IteratorType::parallel);
    if constexpr (Kind == Cell::RNN) {
      SmallVector<Value> ins{xs, hr, h};
      SmallVector<AffineMap> maps{state, state, state};
      if (mask) {
        ins.push_back(mask);
        maps.push_back(AffineMap::get(2, 0, {d(0)}, ctx));
      }
      maps.push_back(state);
      Value init = emptyTensor(b, l, bs, st);
      Value hNew = linalg::GenericOp::create(b, l, init.getType(), ins, init, maps, par,
                                             [&](OpBuilder &nb, Location nl, ValueRange a) {
                                               Scalar s(nb, nl, elem);
                                               Value v = acts[0].apply(s, clipped(s, s.add(a[0], a[1])));
                                               if (mask)
                                                 v = s.select(a[3], v, a[2]);
                                               linalg::YieldOp::create(nb, nl, v);
                                             })
                       .getResult(0);
      return {hNew, c};
    } else if constexpr (Kind == Cell::GRU) {
      // Gates z, r, h. rb (if any) is (3H): Rbz, Rbr, Rbh.
      Value zeroBias = filledTensor(b, l, {b.getIndexAttr(3 * hidden)}, Scalar(b, l, elem).constant(0));
      Value rbias = rb ? rb : zeroBias;
      // z and r first.
      Value init = emptyTensor(b, l, bs, st);
      SmallVector<AffineMap> zrMaps{state, gate(0), gate(0), vec(0), gate(1), gate(1), vec(1), state, state};
      auto zr = linalg::GenericOp::create(
          b, l, TypeRange{init.getType(), init.getType()},
          ValueRange{h, cols(xs, 0), cols(hr, 0), cols(rbias, 0), cols(xs, 1), cols(hr, 1), cols(rbias, 1)},
          ValueRange{init, init}, zrMaps, par, [&](OpBuilder &nb, Location nl, ValueRange a) {
            Scalar s(nb, nl, elem);
            Value z = acts[0].apply(s, clipped(s, s.add(s.add(a[1], a[2]), a[3])));
            Value rg = acts[0].apply(s, clipped(s, s.add(s.add(a[4], a[5]), a[6])));
            linalg::YieldOp::create(nb, nl, ValueRange{z, rg});
          });
      Value z = zr.getResult(0), rgate = zr.getResult(1);
      // The candidate's recurrent part: (r * h) Rh^T, or r * (h Rh^T + Rbh).
      Value recurrent; // (batch, H)
      AffineMap recMap = state;
      if (linearBeforeReset) {
        recurrent = cols(hr, 2);
      } else {
        Value rh = buildElementwise(b, l, bs, st, ValueRange{rgate, h}, [&](OpBuilder &nb, Location nl, ValueRange a) {
          return Scalar(nb, nl, elem).mul(a[0], a[1]);
        });
        Value rH = tensor::ExtractSliceOp::create(b, l, r, ArrayRef<OpFoldResult>{b.getIndexAttr(2 * hidden), b.getIndexAttr(0)},
                                                  ArrayRef<OpFoldResult>{b.getIndexAttr(hidden), b.getIndexAttr(hidden)},
                                                  ArrayRef<OpFoldResult>{b.getIndexAttr(1), b.getIndexAttr(1)});
        recurrent = project2d(b, l, rh, rH, elem);
      }
      SmallVector<Value> ins{h, cols(xs, 2), recurrent, cols(rbias, 2), rgate, z};
      SmallVector<AffineMap> maps{state, gate(2), recMap, vec(2), state, state};
      if (mask) {
        ins.push_back(mask);
        maps.push_back(AffineMap::get(2, 0, {d(0)}, ctx));
      }
      maps.push_back(state);
      Value hInit = emptyTensor(b, l, bs, st);
      Value hNew = linalg::GenericOp::create(
                       b, l, hInit.getType(), ins, hInit, maps, par,
                       [&](OpBuilder &nb, Location nl, ValueRange a) {
                         Scalar s(nb, nl, elem);
                         Value hPrev = a[0], z = a[5];
                         Value rec = linearBeforeReset ? s.mul(a[4], s.add(a[2], a[3])) : s.add(a[2], a[3]);
                         Value cand = acts[1].apply(s, clipped(s, s.add(a[1], rec)));
                         // h = (1 - z) * cand + z * h_prev
                         Value v = s.add(s.mul(s.sub(s.constant(1), z), cand), s.mul(z, hPrev));
                         if (mask)
                           v = s.select(a[6], v, hPrev);
                         linalg::YieldOp::create(nb, nl, v);
                       })
                       .getResult(0);
      return {hNew, c};
    } else {
      // LSTM gates i, o, f, c (columns g * H + j of xs and hr); peepholes
      // (3H): i, o, f.
      // (The state operands come first: linalg takes the loop bounds from
      // the first operand that reads a dim plainly.)
      SmallVector<Value> ins{c, h};
      SmallVector<AffineMap> maps{state, state};
      for (int64_t g = 0; g < 4; ++g) {
        ins.append({cols(xs, g), cols(hr, g)});
        maps.append({gate(g), gate(g)});
      }
      bool hasPeep = static_cast<bool>(peep);
      if (hasPeep)
        for (int64_t g = 0; g < 3; ++g) {
          ins.push_back(cols(peep, g));
          maps.push_back(vec(g));
        }
      if (mask) {
        ins.push_back(mask);
        maps.push_back(AffineMap::get(2, 0, {d(0)}, ctx));
      }
      maps.append({state, state});
      Value init = emptyTensor(b, l, bs, st);
      auto cell = linalg::GenericOp::create(
          b, l, TypeRange{init.getType(), init.getType()}, ins, ValueRange{init, init}, maps, par,
          [&](OpBuilder &nb, Location nl, ValueRange a) {
            Scalar s(nb, nl, elem);
            Value cPrev = a[0], hPrev = a[1];
            Value iPre = s.add(a[2], a[3]), oPre = s.add(a[4], a[5]);
            Value fPre = s.add(a[6], a[7]), cPre = s.add(a[8], a[9]);
            if (hasPeep) {
              iPre = s.add(iPre, s.mul(a[10], cPrev));
              fPre = s.add(fPre, s.mul(a[12], cPrev));
            }
            Value ig = acts[0].apply(s, clipped(s, iPre));
            Value fg = inputForget ? s.sub(s.constant(1), ig) : acts[0].apply(s, clipped(s, fPre));
            Value cc = acts[1].apply(s, clipped(s, cPre));
            Value cNew = s.add(s.mul(fg, cPrev), s.mul(ig, cc));
            if (hasPeep)
              oPre = s.add(oPre, s.mul(a[11], cNew));
            Value og = acts[0].apply(s, clipped(s, oPre));
            Value hNew = s.mul(og, acts[2].apply(s, cNew));
            if (mask) {
              Value m = a[hasPeep ? 13 : 10];
              cNew = s.select(m, cNew, cPrev);
              hNew = s.select(m, hNew, hPrev);
            }
            linalg::YieldOp::create(nb, nl, ValueRange{hNew, cNew});
          });
      return {cell.getResult(0), cell.getResult(1)};
    }
  }

  /// Row d of a (dirs, ...) tensor.
  static Value slice0(OpBuilder &b, Location l, Value t, int64_t d) {
    RankedTensorType type = typeOf(t);
    SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0)), sizes = sizesOf(b, l, t),
        strides(type.getRank(), b.getIndexAttr(1));
    offsets[0] = b.getIndexAttr(d);
    sizes[0] = b.getIndexAttr(1);
    SmallVector<int64_t> shape(type.getShape().drop_front());
    auto resultType = RankedTensorType::get(shape, type.getElementType());
    return tensor::ExtractSliceOp::create(b, l, resultType, t, offsets, sizes, strides);
  }

  static Value transpose(OpBuilder &b, Location l, Value t, ArrayRef<int64_t> perm) {
    Sizes in = sizesOf(b, l, t), out;
    for (int64_t p : perm)
      out.push_back(in[p]);
    Value init = emptyTensor(b, l, out, typeOf(t).getElementType());
    return linalg::TransposeOp::create(b, l, t, init, perm).getResult()[0];
  }

  /// The initial state of direction d, or zeros.
  static Value initialState(OpBuilder &b, Location l, Value onnx, Value converted, int64_t d,
                            bool batchFirst, Value zeros) {
    if (isNone(onnx))
      return zeros;
    Value s = batchFirst ? transpose(b, l, converted, {1, 0, 2}) : converted;
    Value row = slice0(b, l, s, d);
    return tensor::CastOp::create(b, l, zeros.getType(), row);
  }

  /// x (seq, batch, I) times w^T (G*H, I) -> (seq, batch, G*H).
  static Value project(OpBuilder &b, Location l, Value x, Value w, Sizes out, Type elem) {
    MLIRContext *ctx = b.getContext();
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    Value init = filledTensor(b, l, out, Scalar(b, l, elem).constant(0));
    SmallVector<utils::IteratorType> iters(3, utils::IteratorType::parallel);
    iters.push_back(utils::IteratorType::reduction);
    return linalg::GenericOp::create(
               b, l, init.getType(), ValueRange{x, w}, init,
               ArrayRef<AffineMap>{AffineMap::get(4, 0, {d(0), d(1), d(3)}, ctx),
                                   AffineMap::get(4, 0, {d(2), d(3)}, ctx),
                                   AffineMap::get(4, 0, {d(0), d(1), d(2)}, ctx)},
               iters,
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 Scalar s(nb, nl, elem);
                 linalg::YieldOp::create(nb, nl, s.add(a[2], s.mul(a[0], a[1])));
               })
        .getResult(0);
  }

  /// h (batch, K) times r^T (N, K) -> (batch, N).
  static Value project2d(OpBuilder &b, Location l, Value h, Value r, Type elem) {
    MLIRContext *ctx = b.getContext();
    auto d = [&](int64_t i) { return getAffineDimExpr(i, ctx); };
    Sizes out{tensor::getMixedSize(b, l, h, 0), tensor::getMixedSize(b, l, r, 0)};
    Value init = filledTensor(b, l, out, Scalar(b, l, elem).constant(0));
    return linalg::GenericOp::create(
               b, l, init.getType(), ValueRange{h, r}, init,
               ArrayRef<AffineMap>{AffineMap::get(3, 0, {d(0), d(2)}, ctx),
                                   AffineMap::get(3, 0, {d(1), d(2)}, ctx),
                                   AffineMap::get(3, 0, {d(0), d(1)}, ctx)},
               {utils::IteratorType::parallel, utils::IteratorType::parallel,
                utils::IteratorType::reduction},
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 Scalar s(nb, nl, elem);
                 linalg::YieldOp::create(nb, nl, s.add(a[2], s.mul(a[0], a[1])));
               })
        .getResult(0);
  }

  /// i1 per batch row: whether `step` is inside that row's sequence.
  static Value stepMask(OpBuilder &b, Location l, Value lens, Value step, OpFoldResult batch) {
    Value step32 = arith::IndexCastOp::create(b, l, b.getI32Type(), step);
    Value init = emptyTensor(b, l, {batch}, b.getI1Type());
    return linalg::GenericOp::create(
               b, l, init.getType(), lens, init,
               ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(1, b.getContext()),
                                   AffineMap::getMultiDimIdentityMap(1, b.getContext())},
               {utils::IteratorType::parallel},
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 linalg::YieldOp::create(
                     nb, nl, arith::CmpIOp::create(nb, nl, arith::CmpIPredicate::slt, step32, a[0]).getResult());
               })
        .getResult(0);
  }

  /// Rows of `t` where `mask` is false become zeros.
  static Value maskRows(OpBuilder &b, Location l, Value t, Value mask, Value, Type elem) {
    MLIRContext *ctx = b.getContext();
    Sizes sizes = sizesOf(b, l, t);
    Value init = emptyTensor(b, l, sizes, typeOf(t).getElementType());
    return linalg::GenericOp::create(
               b, l, init.getType(), ValueRange{t, mask}, init,
               ArrayRef<AffineMap>{AffineMap::getMultiDimIdentityMap(2, ctx),
                                   AffineMap::get(2, 0, {getAffineDimExpr(0, ctx)}, ctx),
                                   AffineMap::getMultiDimIdentityMap(2, ctx)},
               {utils::IteratorType::parallel, utils::IteratorType::parallel},
               [&](OpBuilder &nb, Location nl, ValueRange a) {
                 Scalar s(nb, nl, elem);
                 linalg::YieldOp::create(nb, nl, s.select(a[1], a[0], s.constant(0)));
               })
        .getResult(0);
  }

  /// The tensors of `parts` stacked along a new dim `axis`.
  static Value stack(OpBuilder &b, Location l, ArrayRef<Value> parts, int64_t axis) {
    Sizes sizes = sizesOf(b, l, parts[0]);
    int64_t rank = sizes.size() + 1;
    Sizes out = sizes;
    out.insert(out.begin() + axis, b.getIndexAttr(parts.size()));
    Value result = emptyTensor(b, l, out, typeOf(parts[0]).getElementType());
    for (auto [i, part] : llvm::enumerate(parts)) {
      Sizes offsets(rank, b.getIndexAttr(0)), partSizes = out, strides(rank, b.getIndexAttr(1));
      offsets[axis] = b.getIndexAttr(i);
      partSizes[axis] = b.getIndexAttr(1);
      Sizes expanded = sizes;
      expanded.insert(expanded.begin() + axis, b.getIndexAttr(1));
      Value piece = reshapeTo(b, l, part, expanded);
      result = tensor::InsertSliceOp::create(b, l, piece, result, offsets, partSizes, strides);
    }
    return result;
  }
};

} // namespace

void onnx_mlc::onnx_to_linalg::populateRecurrentPatterns(const ONNXTypeConverter &tc,
                                                         RewritePatternSet &patterns) {
  patterns.add<RecurrentLowering<RNNOp, Cell::RNN>, RecurrentLowering<GRUOp, Cell::GRU>,
               RecurrentLowering<LSTMOp, Cell::LSTM>>(tc, patterns.getContext());
}
