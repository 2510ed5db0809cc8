//===- Outlining.h - Moving code into functions of its own ------*- C++ -*-===//
//
// mlc-outline-kernels moves loop nests into kernels, and
// mlc-outline-parallel-loops moves parallel loop bodies into functions that
// the thread pool calls on chunks of the iteration space. Both pass what the
// code reads from outside as arguments and clone the constants it uses.
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_TRANSFORMS_OUTLINING_H
#define ONNX_MLC_TRANSFORMS_OUTLINING_H

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/IRMapping.h"

namespace onnx_mlc {

/// What code reads from outside: values to pass, constants to clone.
struct Captures {
  llvm::SmallVector<mlir::Value> args;
  llvm::SmallVector<mlir::Operation *> constants;
};

/// The captures of `regions` and of the extra values `reads`.
Captures collectCaptures(mlir::ValueRange reads, mlir::MutableArrayRef<mlir::Region> regions);

/// A private function `name` placed after `after`, with internal linkage and
/// never inlined, taking the captured values followed by `extraArgs`. On
/// return `mapping` maps the captured values to its arguments and the
/// constants to their clones, and `b` is at the end of its entry block,
/// which still lacks a terminator.
mlir::func::FuncOp createOutlinedFunction(mlir::OpBuilder &b, mlir::Location loc,
                                          mlir::Operation *after, llvm::StringRef name,
                                          const Captures &captures,
                                          mlir::TypeRange extraArgs, mlir::IRMapping &mapping);

/// `base` followed by `_<n>` for the first n that names no symbol of `table`.
std::string uniqueSymbolName(mlir::SymbolTable &table, llvm::StringRef base);

} // namespace onnx_mlc

#endif // ONNX_MLC_TRANSFORMS_OUTLINING_H
