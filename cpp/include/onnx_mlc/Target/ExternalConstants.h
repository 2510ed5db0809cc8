//===- ExternalConstants.h - Move large constants out of LLVM IR -*- C++ -*-===//
//
// Model weights can be hundreds of megabytes. Printing them into textual LLVM
// IR and parsing them back costs far more than compiling the code, so the
// driver takes them out of the module and assembles them into their own
// object file.
//
//===----------------------------------------------------------------------===//
#ifndef ONNX_MLC_TARGET_EXTERNALCONSTANTS_H
#define ONNX_MLC_TARGET_EXTERNALCONSTANTS_H

#include "mlir/IR/BuiltinOps.h"
#include "mlir/Support/LLVM.h"

#include <optional>
#include <vector>

namespace onnx_mlc {

/// The bytes of a dense constant (a dense attribute or a dense resource) in
/// memory order, or nothing when they cannot be had (a bit-packed i1
/// tensor, a released resource, a non-dense attribute). A splat is
/// expanded into `storage`.
std::optional<llvm::ArrayRef<char>> denseBytes(mlir::Attribute value, std::vector<char> &storage);

/// Receives one constant taken out of a module: its new symbol, its
/// alignment in bytes and its contents.
using ConstantSink = llvm::function_ref<void(llvm::StringRef symbol, uint64_t alignment,
                                             llvm::ArrayRef<char> data)>;

/// Turns every constant `llvm.mlir.global` in `module` whose data takes at
/// least `minBytes` into an external declaration with hidden visibility,
/// renamed `<prefix>_const<N>` so that several models link together, and
/// passes its data to `sink`. Fails, leaving the module valid, if a
/// constant's data is not available.
mlir::LogicalResult externalizeConstants(mlir::ModuleOp module, llvm::StringRef prefix,
                                         uint64_t minBytes, ConstantSink sink);

} // namespace onnx_mlc

#endif // ONNX_MLC_TARGET_EXTERNALCONSTANTS_H
