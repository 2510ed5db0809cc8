/*===- OnnxMlc.h - C API of the onnx-mlc compiler library ---------*- C -*-===*
 * Used by the project's Python extension to register its dialect, the
 * upstream dialects and all passes with a context of its MLIR bindings, and
 * by the code generator to take model weights out of the LLVM IR.
 *===----------------------------------------------------------------------===*/
#ifndef ONNX_MLC_C_ONNXMLC_H
#define ONNX_MLC_C_ONNXMLC_H

#include "mlir-c/IR.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Adds the ONNX dialect and everything the pipelines need to `registry`. */
MLIR_CAPI_EXPORTED void onnxMlcRegisterAllDialects(MlirDialectRegistry registry);

/** Registers the project's and upstream passes and pipelines (idempotent). */
MLIR_CAPI_EXPORTED void onnxMlcRegisterAllPasses(void);

/** Receives one constant taken out of a module: its symbol, alignment and
 * bytes (valid only during the call). */
typedef void (*OnnxMlcConstantCallback)(MlirStringRef symbol, uint64_t alignment,
                                        const void *data, size_t size, void *userData);

/** Takes every constant global of at least `minBytes` out of an LLVM-dialect
 * `module`, leaving hidden external declarations named `<prefix>_const<N>`,
 * and hands each one's data to `callback`. */
MLIR_CAPI_EXPORTED MlirLogicalResult onnxMlcExternalizeConstants(
    MlirModule module, MlirStringRef prefix, uint64_t minBytes,
    OnnxMlcConstantCallback callback, void *userData);

/** Calls `callback` with the name of every ONNX op that the lowering to
 * linalg has a pattern for ("Add", "Conv", ...). */
MLIR_CAPI_EXPORTED void onnxMlcForEachLoweredOp(MlirContext context,
                                                void (*callback)(MlirStringRef name,
                                                                 void *userData),
                                                void *userData);

#ifdef __cplusplus
}
#endif

#endif /* ONNX_MLC_C_ONNXMLC_H */
