//===- OnnxMlcModule.cpp - The onnx_mlc.mlir._mlir_libs._onnxMlc module --===//
//
// Registers the compiler's dialects and passes with the project's private
// copy of the MLIR Python bindings.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc-c/OnnxMlc.h"

#include "mlir/Bindings/Python/Nanobind.h"
#include "mlir/Bindings/Python/NanobindAdaptors.h"

namespace nb = nanobind;

NB_MODULE(_onnxMlc, m) {
  m.doc() = "onnx-mlc dialect and pass registration";
  m.def(
      "register_dialects",
      [](MlirContext context) {
        MlirDialectRegistry registry = mlirDialectRegistryCreate();
        onnxMlcRegisterAllDialects(registry);
        mlirContextAppendDialectRegistry(context, registry);
        mlirDialectRegistryDestroy(registry);
        mlirContextLoadAllAvailableDialects(context);
      },
      nb::arg("context"),
      "Makes the ONNX dialect and every dialect the pipelines use available "
      "in `context`.");
  m.def("register_passes", &onnxMlcRegisterAllPasses,
        "Registers all passes and pipelines with the pass registry.");
}
