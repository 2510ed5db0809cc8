//===- ONNXShapeHelpers.h - Shape rules shared by inference and lowering -===//
//
// Every op's result shape is computed by one rule (the `resultShapes` method
// of ShapeInferenceOpInterface), written against DimBuilder. Shape inference
// runs the rule with constants only, where an unknown size is a null
// OpFoldResult; the lowering runs the same rule with an OpBuilder, where an
// unknown size becomes an `index` value computed at run time. The two can
// therefore never disagree.
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_DIALECT_ONNX_ONNXSHAPEHELPERS_H
#define ONNX_MLC_DIALECT_ONNX_ONNXSHAPEHELPERS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/Value.h"
#include "llvm/ADT/SmallVector.h"
#include <optional>

namespace onnx_mlc::onnx {

/// One shape per result, in result order. A rule may stop early: results
/// past the end (and `none` results) are left as they are.
using ShapeList = llvm::SmallVector<llvm::SmallVector<mlir::OpFoldResult>>;

/// Computes with dimension sizes, in one of two modes:
///  - inference (no builder): sizes are constants or unknown (null);
///  - lowering (with a builder): sizes are constants or `index` values, and
///    requirements that only the run time can check become `cf.assert`s,
///    which mlc-checks-to-status turns into an error code.
class DimBuilder {
public:
  explicit DimBuilder(mlir::MLIRContext *ctx) : ctx(ctx) {}
  DimBuilder(mlir::OpBuilder &b, mlir::Location loc)
      : ctx(b.getContext()), builder(&b), location(loc) {}
  /// Lowering inside a dialect conversion: `original` operands are read
  /// through their `converted` counterparts (same shapes, storage types).
  DimBuilder(mlir::OpBuilder &b, mlir::Location loc, mlir::ValueRange original,
             mlir::ValueRange converted)
      : DimBuilder(b, loc) {
    for (auto [o, c] : llvm::zip(original, converted))
      remap[o] = c;
  }

  bool isLowering() const { return builder != nullptr; }
  mlir::OpBuilder &b() const { return *builder; }
  mlir::Location loc() const { return *location; }
  mlir::MLIRContext *getContext() const { return ctx; }

  mlir::OpFoldResult constant(int64_t v) const;
  static std::optional<int64_t> constantOf(mlir::OpFoldResult d);
  static bool isKnown(mlir::OpFoldResult d) { return !d.isNull(); }

  /// Size `d` of a ranked tensor: constant when static, else `tensor.dim`
  /// when lowering and unknown otherwise.
  mlir::OpFoldResult dim(mlir::Value shaped, int64_t d) const;
  /// All sizes of a ranked tensor; nullopt if it is unranked.
  std::optional<llvm::SmallVector<mlir::OpFoldResult>> shape(mlir::Value shaped) const;

  /// The elements of a 0-d or 1-d integer tensor of static size (a shape, a
  /// list of starts or pads): constants where the tensor is constant, read
  /// with `tensor.extract` when lowering, unknown otherwise. nullopt if the
  /// number of elements is not static or the tensor is absent (`none`).
  std::optional<llvm::SmallVector<mlir::OpFoldResult>> values(mlir::Value tensor) const;

  // Arithmetic on sizes. Constants fold; an unknown operand gives unknown.
  mlir::OpFoldResult add(mlir::OpFoldResult a, mlir::OpFoldResult b) const;
  mlir::OpFoldResult sub(mlir::OpFoldResult a, mlir::OpFoldResult b) const;
  mlir::OpFoldResult mul(mlir::OpFoldResult a, mlir::OpFoldResult b) const;
  /// Floor division (rounds toward negative infinity).
  mlir::OpFoldResult floorDiv(mlir::OpFoldResult a, mlir::OpFoldResult b) const;
  mlir::OpFoldResult ceilDiv(mlir::OpFoldResult a, mlir::OpFoldResult b) const;
  mlir::OpFoldResult max(mlir::OpFoldResult a, mlir::OpFoldResult b) const;
  mlir::OpFoldResult min(mlir::OpFoldResult a, mlir::OpFoldResult b) const;
  mlir::OpFoldResult product(llvm::ArrayRef<mlir::OpFoldResult> sizes) const;
  /// `cond ? a : b` where cond is `x <pred> y` on sizes.
  enum class Cmp { EQ, NE, LT, LE, GT, GE };
  mlir::OpFoldResult select(Cmp pred, mlir::OpFoldResult x, mlir::OpFoldResult y,
                            mlir::OpFoldResult a, mlir::OpFoldResult b) const;

  /// Requires `x <pred> y`. Fails when that is known to be false (and the
  /// caller reports `what`); when lowering and only the run time can tell,
  /// emits a `cf.assert` that says `what`.
  llvm::LogicalResult require(Cmp pred, mlir::OpFoldResult x, mlir::OpFoldResult y,
                              const llvm::Twine &what) const;

  /// Whether two sizes are provably equal: the same constant, or run-time
  /// sizes read from the same dimension (followed back through the ops that
  /// keep it, and through the entry's inputs that share a dim_param name,
  /// which the C ABI checks agree).
  static bool provablyEqual(mlir::OpFoldResult a, mlir::OpFoldResult b);
  /// Whether `size` is provably the size of dim `d` of `tensor`.
  static bool isSizeOf(mlir::OpFoldResult size, mlir::Value tensor, int64_t d);

  /// Requires that a dimension of size `x` broadcasts to `size`: it is 1 or
  /// equal to `size`. Checked like `require`.
  llvm::LogicalResult requireBroadcastable(mlir::OpFoldResult x, mlir::OpFoldResult size,
                                           const llvm::Twine &what) const;

  /// Multidirectional (numpy) broadcasting. Sizes known only at run time
  /// broadcast as numpy's do: the result is the largest, and each must be 1
  /// or equal to it (checked at run time). The lowering then reads operands
  /// whose run-time size is 1 by broadcasting them (broadcastAtRunTime).
  llvm::FailureOr<llvm::SmallVector<mlir::OpFoldResult>>
  broadcast(llvm::ArrayRef<llvm::SmallVector<mlir::OpFoldResult>> shapes) const;

private:
  mlir::Value toValue(mlir::OpFoldResult d) const;
  mlir::OpFoldResult fold(mlir::Value v) const;
  mlir::OpFoldResult binary(mlir::OpFoldResult a, mlir::OpFoldResult b,
                            int64_t (*eval)(int64_t, int64_t),
                            mlir::Value (*build)(mlir::OpBuilder &, mlir::Location,
                                                 mlir::Value, mlir::Value)) const;

  mlir::Value lookup(mlir::Value v) const { return remap.lookup_or(v, v); }

  mlir::MLIRContext *ctx;
  llvm::DenseMap<mlir::Value, mlir::Value> remap;
  mlir::OpBuilder *builder = nullptr;
  std::optional<mlir::Location> location;
};

/// Static sizes of `shape` (kDynamic where unknown or not constant).
llvm::SmallVector<int64_t> staticSizes(llvm::ArrayRef<mlir::OpFoldResult> shape);

/// Multidirectional (numpy) broadcasting of two static shapes; dynamic dims
/// are ShapedType::kDynamic. Returns nullopt when the shapes are incompatible.
std::optional<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

/// Maps a possibly negative ONNX axis into [0, rank); nullopt if out of range.
std::optional<int64_t> normalizeAxis(int64_t axis, int64_t rank);

/// Normalized, sorted, duplicate-free axes; nullopt if one is out of range
/// or repeated.
std::optional<llvm::SmallVector<int64_t>> normalizeAxes(llvm::ArrayRef<int64_t> axes,
                                                        int64_t rank);

/// The constant value behind `value` (an onnx.Constant or any ConstantLike op).
mlir::DenseElementsAttr getConstantValue(mlir::Value value);

/// The int64 values of a constant integer tensor.
std::optional<llvm::SmallVector<int64_t>> getConstantInts(mlir::Value value);

/// Rank of a ranked tensor, or -1.
int64_t rankOf(mlir::Value v);

/// Whether `v` is an absent optional operand (`none`).
bool isNoneValue(mlir::Value v);
/// An optional input left out: `none`, or a 1-D tensor of static size 0
/// (how opsets 11 and 12 leave out Resize's scales or sizes).
bool isAbsentInput(mlir::Value v);

/// Window geometry of a Conv or pooling op over its spatial dims, resolved
/// from kernel_shape, strides, dilations, pads, auto_pad and ceil_mode.
struct WindowGeometry {
  llvm::SmallVector<int64_t> kernel, strides, dilations;
  /// ONNX layout: begin pads for every spatial dim, then end pads. With
  /// SAME_* padding and a dynamic input size they depend on the size, and
  /// `dynamicPads` is set.
  llvm::SmallVector<mlir::OpFoldResult> pads;
  /// Output spatial sizes.
  llvm::SmallVector<mlir::OpFoldResult> outSizes;
};

/// Computes the window geometry for `inSizes` (spatial dims only). Fails,
/// setting `error`, if the attributes are inconsistent.
llvm::FailureOr<WindowGeometry>
computeWindowGeometry(const DimBuilder &dims, llvm::ArrayRef<mlir::OpFoldResult> inSizes,
                      llvm::ArrayRef<int64_t> kernel,
                      std::optional<llvm::ArrayRef<int64_t>> strides,
                      std::optional<llvm::ArrayRef<int64_t>> dilations,
                      std::optional<llvm::ArrayRef<int64_t>> pads,
                      llvm::StringRef autoPad, bool ceilMode, std::string &error);

/// One sliced dimension: the first index read and the number of elements.
struct SliceBounds {
  mlir::OpFoldResult start, size;
};
/// ONNX Slice along one dimension of `size`, with `start` and `end` as given
/// (negative counts from the end, out of range clamps) and a nonzero step.
SliceBounds sliceSize(const DimBuilder &dims, mlir::OpFoldResult size,
                      mlir::OpFoldResult start, mlir::OpFoldResult end, int64_t step);
/// The same with a step known only at run time: both clampings, chosen by
/// its sign.
SliceBounds sliceSize(const DimBuilder &dims, mlir::OpFoldResult size,
                      mlir::OpFoldResult start, mlir::OpFoldResult end,
                      mlir::OpFoldResult step);

/// Sets `result`'s type to `refined` where that adds information: a ranked
/// type replaces an unranked one and static dims replace dynamic ones. Fails
/// if the two disagree on a static dimension or rank.
llvm::LogicalResult refineResultType(mlir::Value result,
                                     mlir::RankedTensorType refined);

/// No tensor may be larger than this many bytes (2^48, the virtual address
/// space of today's 64-bit CPUs; python/onnx_mlc/validation.py has the same
/// limit): offsets into smaller tensors cannot overflow.
constexpr uint64_t kMaxTensorBytes = uint64_t(1) << 48;

/// Fails, with an error on `op` giving the size, if the static part of
/// `type` is larger than kMaxTensorBytes.
llvm::LogicalResult checkAllocatable(mlir::Operation *op, mlir::ShapedType type);

/// Runs the op's shape rule in inference mode and refines its result types.
llvm::LogicalResult inferShapesFromRule(mlir::Operation *op);

/// Runs the op's shape rule in inference mode and checks the declared result
/// types against it (the verifier of every op with a rule).
llvm::LogicalResult verifyShapeRule(mlir::Operation *op);

} // namespace onnx_mlc::onnx

#endif // ONNX_MLC_DIALECT_ONNX_ONNXSHAPEHELPERS_H
