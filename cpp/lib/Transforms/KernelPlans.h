//===- KernelPlans.h - Loop nests the vector kernels handle -----*- C++ -*-===//
//
// mlc-configure-kernels chooses a configuration for every loop nest that
// mlc-vectorize-contractions has a kernel for, and records it on the op;
// the vectorizer then emits the kernel as configured. Both recognize the
// nests with the plans below, so that they agree on what each loop is.
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_TRANSFORMS_KERNELPLANS_H
#define ONNX_MLC_TRANSFORMS_KERNELPLANS_H

#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"

#include <optional>

namespace onnx_mlc {

/// Which loops of a contraction C[.., m, n] += A[..] * B[.., k, n] play
/// which role.
struct ContractionPlan {
  unsigned m, n, k;
  llvm::SmallVector<unsigned> outer; // every other (parallel) loop
  llvm::SmallVector<int64_t> sizes;  // static loop sizes (kDynamic if not)
};

/// The plan of a floating-point contraction on memrefs with B and C
/// contiguous along n, or none.
std::optional<ContractionPlan> planContraction(mlir::linalg::LinalgOp op);

/// A 2-D window reduction over an NCHW input, as the ONNX lowering builds
/// them: depthwise convolutions (loops n, f, oh, kh, kw, ow; acc + x * w)
/// and pooling (loops n, c, oh, ow, kh, kw; max(acc, x), acc + x, ...):
/// out[n, c, oh, ow] = combine over (kh, kw) of x[n, c, oh*s0 + kh*d0,
/// ow*s1 + kw*d1] and, for a convolution, w[c, kh, kw]. The loops are found
/// by their roles.
struct WindowPlan {
  unsigned n, c, oh, ow, kh, kw;
  int64_t strides[2], dilations[2];
  bool multiplyAdd; // the body is acc + x * w
};

/// The plan of an f32 window reduction on memrefs, or none.
std::optional<WindowPlan> planWindow(mlir::linalg::GenericOp op);

/// A copy or fill: out[...] = in[...] (any permutation loops, the input
/// indices linear in them: an im2col, a copy into a padded buffer) or a
/// scalar, vectorized along the loop `inner` that runs along the output's
/// innermost dim, which the input follows with step `stride`.
struct CopyPlan {
  unsigned inner;
  int64_t stride = 1;
  mlir::Value scalar; // the value a fill writes; null for a copy
};

/// The plan of a copy or fill of ints or floats of 8 to 64 bits on memrefs,
/// the output and input contiguous in their innermost dim, or none.
std::optional<CopyPlan> planCopy(mlir::linalg::LinalgOp op);

/// The constant global that `v` reads: a memref.get_global of a constant
/// memref.global with a dense value, or a reshape of one; or null.
mlir::memref::GlobalOp constantGlobal(mlir::Value v);

/// A contraction operand that is a constant matrix: its global, and the
/// matrix's rows and columns as the operand indexes them.
struct ConstantMatrix {
  mlir::memref::GlobalOp global;
  int64_t rows, cols;
};

/// Operand `operand` of `op` (0 for A, 1 for B) when it is a constant of
/// static shape and identity layout indexed by the loops (`row`, `col`)
/// after any leading dims of size 1; or none.
std::optional<ConstantMatrix> constantMatrix(mlir::linalg::LinalgOp op, unsigned operand,
                                             unsigned row, unsigned col);

/// Whether the memrefs `a` and `b` are provably different memory: views of
/// distinct arguments or allocations, or of disjoint parts of the
/// workspace.
bool disjoint(mlir::Value a, mlir::Value b);

/// A contraction's B that an im2col copy made just for it, which the kernel
/// can read in place, from the copy's source: B's element at indices
/// (i_0, ...) is at linear position sum over p of position(p, i_p) in
/// `source` (contiguous), where position(p, x) delinearizes x over the
/// copy's loops that B's dim p collapses and sums each coordinate times
/// its coefficient.
struct Im2colRead {
  mlir::linalg::GenericOp copy;
  mlir::Value source;
  /// Per dim of B, (size, coefficient) of each copy loop it collapses,
  /// outermost first.
  llvm::SmallVector<llvm::SmallVector<std::pair<int64_t, int64_t>>> groups;

  /// (size, coefficient) of the innermost copy loop that B's index along
  /// the product's loop `loop` collapses: for n, the length of the image's
  /// rows and the step between their columns in the source.
  std::pair<int64_t, int64_t> innermost(mlir::linalg::LinalgOp op, unsigned loop) const;
};

/// The im2col that made `op`'s B, if B can be read in place: a copy (one
/// input, affine and linear in the loops) into a buffer whose copied values
/// nothing else reads, from a source of static shape and identity layout
/// that nothing writes or frees between the copy and `op`.
std::optional<Im2colRead> im2colRead(mlir::linalg::LinalgOp op);

/// The static stride, in elements, of dim `dim` of the memref `v`; or none.
std::optional<int64_t> staticStride(mlir::Value v, unsigned dim);

/// Whether every op of `body` is an elementwise op on scalars (or a
/// constant) that uses only the block's values and constants.
bool isScalarElementwise(mlir::Block *body);

/// How mlc-vectorize-contractions builds the kernel of one op, as
/// mlc-configure-kernels chose it; kept on the op as a dictionary
/// `mlc.kernel_config`.
struct KernelConfig {
  /// Elements per vector.
  unsigned lanes = 1;
  /// A contraction's register tile: `rows` rows of C by `vectors` vectors.
  unsigned rows = 1, vectors = 1;
  /// A contraction's vectors run along m instead of n: the tile is `rows`
  /// columns of C by `vectors` vectors down them, A gives the vectors and
  /// B the broadcast scalars. For a constant A (a convolution's weights)
  /// when n is too short to fill vectors (a 7x7 image), at the price of
  /// strided stores.
  bool alongM = false;
  /// The loop (linalg iteration dim) that runs on the thread pool, if any:
  /// for a contraction's m and n dims, the loop over their tiles.
  std::optional<unsigned> parallelDim;
  /// The operand the vectors are loaded from (B, or A with `alongM`) when
  /// it is a constant, as mlc-pack-weights laid it out for this tile, in
  /// panels: the element at (k, j), j along the vectors, at [j / NR][k][j %
  /// NR], NR = vectors * lanes, zeros past the end. The kernel reads each
  /// tile's operand contiguously.
  mlir::FlatSymbolRefAttr panels;

  static constexpr llvm::StringLiteral kAttrName = "mlc.kernel_config";
  mlir::DictionaryAttr toAttr(mlir::MLIRContext *context) const;
  /// The configuration recorded on `op`, or none.
  static std::optional<KernelConfig> of(mlir::Operation *op);
};

} // namespace onnx_mlc

#endif // ONNX_MLC_TRANSFORMS_KERNELPLANS_H
