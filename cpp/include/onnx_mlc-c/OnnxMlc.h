/*===- OnnxMlc.h - C API of the onnx-mlc compiler library ---------*- C -*-===*
 * Used by the project's Python extension to register its dialect, the
 * upstream dialects and all passes with a context of its MLIR bindings.
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

#ifdef __cplusplus
}
#endif

#endif /* ONNX_MLC_C_ONNXMLC_H */
