//===- ConstantWeights.cpp - Reading and writing f32 weights --------------===//
#include "ConstantWeights.h"
#include "onnx_mlc/Dialect/ONNX/ONNXOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"

#include <cstring>
#include <limits>

using namespace mlir;

namespace onnx_mlc {

std::optional<F32Values> constantF32(Value v) {
  Attribute attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (!dense.getElementType().isF32())
      return std::nullopt;
    if (dense.isSplat())
      return F32Values{{dense.getSplatValue<float>()}, true};
    auto range = dense.getValues<float>();
    return F32Values{SmallVector<float>(range.begin(), range.end()), false};
  }
  auto resource = dyn_cast<DenseResourceElementsAttr>(attr);
  if (!resource || !resource.getElementType().isF32())
    return std::nullopt;
  AsmResourceBlob *blob = resource.getRawHandle().getBlob();
  int64_t count = resource.getNumElements();
  if (!blob || blob->getData().size() != count * sizeof(float))
    return std::nullopt;
  SmallVector<float> values(count);
  std::memcpy(values.data(), blob->getData().data(), count * sizeof(float));
  return F32Values{std::move(values), false};
}

std::optional<FusableActivation> fusableActivation(Operation *op) {
  if (op->getNumResults() != 1 ||
      !getElementTypeOrSelf(op->getResult(0).getType()).isF32())
    return std::nullopt;
  if (isa<onnx::ReluOp, onnx::SigmoidOp, onnx::TanhOp>(op))
    return FusableActivation{op->getName().stripDialect(), {}};
  auto clip = dyn_cast<onnx::ClipOp>(op);
  if (!clip)
    return std::nullopt;
  float inf = std::numeric_limits<float>::infinity();
  SmallVector<float> bounds{-inf, inf};
  SmallVector<Value, 2> given{clip.getMin(), clip.getMax()};
  for (auto [i, bound] : llvm::enumerate(given)) {
    if (isa<NoneType>(bound.getType()))
      continue;
    std::optional<F32Values> value = constantF32(bound);
    if (!value || value->values.size() != 1)
      return std::nullopt;
    bounds[i] = value->at(0);
  }
  return FusableActivation{"Clip", bounds};
}

/// Weights above this many elements become a dense resource, like the
/// importer's, rather than an attribute uniqued in the context.
constexpr int64_t kResourceThreshold = 1024;

Value f32Constant(OpBuilder &b, Location loc, RankedTensorType type, ArrayRef<float> values,
                  bool splat) {
  ElementsAttr attr;
  if (splat)
    attr = DenseElementsAttr::get(type, values[0]);
  else if (type.getNumElements() > kResourceThreshold)
    attr = DenseResourceElementsAttr::get(type, "packed_weights",
                                          HeapAsmResourceBlob::allocateAndCopyInferAlign(values));
  else
    attr = DenseElementsAttr::get(type, values);
  return onnx::createConstant(b, loc, attr);
}

} // namespace onnx_mlc
