//===- ONNXShapeHelpers.cpp - Shape rules shared by inference and lowering ===//
#include "onnx_mlc/Dialect/ONNX/ONNXShapeHelpers.h"

#include "mlir/IR/Matchers.h"

using namespace mlir;

namespace onnx_mlc::onnx {

std::optional<SmallVector<int64_t>> broadcastShapes(ArrayRef<int64_t> lhs,
                                                    ArrayRef<int64_t> rhs) {
  size_t rank = std::max(lhs.size(), rhs.size());
  SmallVector<int64_t> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    int64_t a = i < rank - lhs.size() ? 1 : lhs[i - (rank - lhs.size())];
    int64_t b = i < rank - rhs.size() ? 1 : rhs[i - (rank - rhs.size())];
    if (a == 1) {
      out[i] = b;
    } else if (b == 1) {
      out[i] = a;
    } else if (ShapedType::isDynamic(a)) {
      out[i] = b; // b is static and not 1, so a must equal it at run time
    } else if (ShapedType::isDynamic(b) || a == b) {
      out[i] = a;
    } else {
      return std::nullopt;
    }
  }
  return out;
}

std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank)
    return std::nullopt;
  return axis < 0 ? axis + rank : axis;
}

DenseElementsAttr getConstantValue(Value value) {
  Attribute attr;
  if (value && matchPattern(value, m_Constant(&attr)))
    return dyn_cast<DenseElementsAttr>(attr);
  return {};
}

std::optional<SmallVector<int64_t>> getConstantInts(Value value) {
  DenseElementsAttr attr = getConstantValue(value);
  if (!attr || !attr.getElementType().isInteger())
    return std::nullopt;
  SmallVector<int64_t> values;
  for (const APInt &v : attr.getValues<APInt>())
    values.push_back(v.getSExtValue());
  return values;
}

static int64_t ceilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

std::optional<WindowGeometry>
computeWindowGeometry(ArrayRef<int64_t> inSizes, ArrayRef<int64_t> kernel,
                      std::optional<ArrayRef<int64_t>> strides,
                      std::optional<ArrayRef<int64_t>> dilations,
                      std::optional<ArrayRef<int64_t>> pads, StringRef autoPad,
                      bool ceilMode, std::string &error) {
  size_t n = inSizes.size();
  WindowGeometry g;
  auto fill = [&](std::optional<ArrayRef<int64_t>> given, size_t size,
                  int64_t dflt, SmallVector<int64_t> &out,
                  StringRef what) -> bool {
    if (given && !given->empty()) {
      if (given->size() != size) {
        error = (what + " has " + Twine(given->size()) + " values, expected " +
                 Twine(size))
                    .str();
        return false;
      }
      out.assign(given->begin(), given->end());
    } else {
      out.assign(size, dflt);
    }
    return true;
  };
  if (kernel.size() != n) {
    error = ("kernel has " + Twine(kernel.size()) + " spatial dims, input has " +
             Twine(n))
                .str();
    return std::nullopt;
  }
  g.kernel.assign(kernel.begin(), kernel.end());
  if (!fill(strides, n, 1, g.strides, "strides") ||
      !fill(dilations, n, 1, g.dilations, "dilations") ||
      !fill(pads, 2 * n, 0, g.pads, "pads"))
    return std::nullopt;
  for (size_t i = 0; i < n; ++i) {
    if (g.kernel[i] <= 0 || g.strides[i] <= 0 || g.dilations[i] <= 0) {
      error = "kernel sizes, strides and dilations must be positive";
      return std::nullopt;
    }
  }
  for (int64_t p : g.pads)
    if (p < 0) {
      error = "pads must not be negative";
      return std::nullopt;
    }

  bool same = autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER";
  if (!same && autoPad != "NOTSET" && autoPad != "VALID") {
    error = ("unknown auto_pad '" + autoPad + "'").str();
    return std::nullopt;
  }
  for (size_t i = 0; i < n; ++i) {
    int64_t in = inSizes[i];
    int64_t effKernel = (g.kernel[i] - 1) * g.dilations[i] + 1;
    if (ShapedType::isDynamic(in)) {
      g.outSizes.push_back(ShapedType::kDynamic);
      if (same || autoPad == "VALID")
        g.pads[i] = g.pads[i + n] = 0; // resolved at run time; not yet needed
      continue;
    }
    int64_t out;
    if (same) {
      out = ceilDiv(in, g.strides[i]);
      int64_t total =
          std::max<int64_t>((out - 1) * g.strides[i] + effKernel - in, 0);
      int64_t small = total / 2, large = total - small;
      g.pads[i] = autoPad == "SAME_UPPER" ? small : large;
      g.pads[i + n] = autoPad == "SAME_UPPER" ? large : small;
    } else {
      if (autoPad == "VALID")
        g.pads[i] = g.pads[i + n] = 0;
      int64_t span = in + g.pads[i] + g.pads[i + n] - effKernel;
      if (span < 0) {
        error = ("window of " + Twine(effKernel) +
                 " is larger than the padded input of " +
                 Twine(in + g.pads[i] + g.pads[i + n]))
                    .str();
        return std::nullopt;
      }
      out = (ceilMode ? ceilDiv(span, g.strides[i]) : span / g.strides[i]) + 1;
      // With ceil_mode, a last window that starts inside the end padding is
      // dropped (it would see no input).
      if (ceilMode && (out - 1) * g.strides[i] >= in + g.pads[i])
        --out;
    }
    g.outSizes.push_back(out);
  }
  return g;
}

LogicalResult refineResultType(Value result, RankedTensorType refined) {
  auto current = dyn_cast<TensorType>(result.getType());
  if (!current)
    return failure();
  if (current.getElementType() != refined.getElementType())
    return failure();
  if (!current.hasRank()) {
    result.setType(refined);
    return success();
  }
  if (current.getRank() != refined.getRank())
    return failure();
  SmallVector<int64_t> merged;
  for (auto [a, b] : llvm::zip(current.getShape(), refined.getShape())) {
    if (!ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b)
      return failure();
    merged.push_back(ShapedType::isDynamic(a) ? b : a);
  }
  result.setType(RankedTensorType::get(merged, refined.getElementType()));
  return success();
}

} // namespace onnx_mlc::onnx
