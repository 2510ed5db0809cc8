//===- ONNXToLinalg.h - Types and patterns of the ONNX lowering -*- C++ -*-===//
//
// The lowering of the ONNX dialect to linalg, tensor, arith and math, for
// reuse outside mlc-convert-onnx-to-linalg: its type converter (ONNX
// element types to the storage types the lowering computes in) and its
// patterns.
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_CONVERSION_ONNXTOLINALG_ONNXTOLINALG_H
#define ONNX_MLC_CONVERSION_ONNXTOLINALG_ONNXTOLINALG_H

#include "mlir/IR/PatternMatch.h"
#include "mlir/Transforms/DialectConversion.h"

namespace onnx_mlc::onnx_to_linalg {

using namespace mlir;

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

/// What decides the arithmetic of an ONNX element type. The lowering's
/// integer types are signless, so the kind is taken from the ONNX type.
enum class ElementKind { Float, Signed, Unsigned, Bool };

ElementKind elementKind(Type onnxElem);

/// The type an ONNX element type is stored and computed in: booleans as i8
/// holding 0 or 1 (vectors of i1 are bit-packed in memory), unsigned
/// integers as signless integers of their width, floats as themselves.
/// Null for types the compiler does not support (strings, complex, 4-bit
/// and 8-bit floats).
Type storageType(Type onnxElem);

/// The ONNX element type of a tensor (or `none`) value; null for `none`.
Type onnxElementType(Value v);

/// Converts ONNX tensors to tensors of storage types, and records why ops
/// could not be lowered for the pass's diagnostics. Reasons are keyed by
/// location and op name, since an analysis conversion works on a copy.
class ONNXTypeConverter : public TypeConverter {
public:
  ONNXTypeConverter();
  /// Remembers why `op` was not lowered (the last reason wins).
  void recordFailure(Operation *op, const Twine &why) const {
    failures[key(op)] = why.str();
  }
  StringRef failureOf(Operation *op) const {
    auto it = failures.find(key(op));
    return it == failures.end() ? StringRef() : StringRef(it->second);
  }

private:
  static std::pair<const void *, const void *> key(Operation *op) {
    return {op->getLoc().getAsOpaquePointer(), op->getName().getAsOpaquePointer()};
  }
  mutable llvm::DenseMap<std::pair<const void *, const void *>, std::string> failures;
};

} // namespace onnx_mlc::onnx_to_linalg

namespace onnx_mlc {
/// The ONNX-to-linalg patterns of every op family.
void populateONNXToLinalgPatterns(const onnx_to_linalg::ONNXTypeConverter &converter,
                                  mlir::RewritePatternSet &patterns);
} // namespace onnx_mlc

#endif // ONNX_MLC_CONVERSION_ONNXTOLINALG_ONNXTOLINALG_H
