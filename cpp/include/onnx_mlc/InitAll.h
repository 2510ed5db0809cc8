//===- InitAll.h - Everything a tool or the Python package registers ------===//
#ifndef ONNX_MLC_INITALL_H
#define ONNX_MLC_INITALL_H

#include "mlir/IR/DialectRegistry.h"

namespace onnx_mlc {
/// The ONNX dialect plus every upstream dialect, interface model and LLVM IR
/// translation the pipelines use.
void registerAllDialects(mlir::DialectRegistry &registry);
/// The project's passes and pipelines plus the upstream passes.
void registerAllPasses();
} // namespace onnx_mlc

#endif // ONNX_MLC_INITALL_H
