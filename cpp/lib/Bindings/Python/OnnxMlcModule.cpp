//===- OnnxMlcModule.cpp - The onnx_mlc.mlir._mlir_libs._onnxMlc module --===//
//
// Registers the compiler's dialects and passes with the project's private
// copy of the MLIR Python bindings.
//
//===----------------------------------------------------------------------===//
#include "onnx_mlc-c/OnnxMlc.h"

#include "mlir/Bindings/Python/Nanobind.h"
#include "mlir/Bindings/Python/NanobindAdaptors.h"

#include <nanobind/stl/string.h>
#include <string>

namespace nb = nanobind;

NB_MODULE(_onnxMlc, m) {
  m.doc() = "onnx-mlc dialect and pass registration, and constant extraction";
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
  m.def(
      "externalize_constants",
      [](MlirModule module, const std::string &prefix, uint64_t minBytes) {
        nb::list constants;
        auto collect = [](MlirStringRef symbol, uint64_t alignment, const void *data,
                          size_t size, void *userData) {
          static_cast<nb::list *>(userData)->append(nb::make_tuple(
              nb::str(symbol.data, symbol.length), alignment,
              nb::bytes(static_cast<const char *>(data), size)));
        };
        if (mlirLogicalResultIsFailure(onnxMlcExternalizeConstants(
                module, mlirStringRefCreate(prefix.data(), prefix.size()), minBytes,
                collect, &constants)))
          throw std::runtime_error("cannot take the constants out of the module");
        return constants;
      },
      nb::arg("module"), nb::arg("prefix"), nb::arg("min_bytes"),
      "Takes the constant globals of at least `min_bytes` out of an LLVM-dialect "
      "module and returns them as (symbol, alignment, bytes).");
  m.def(
      "lowered_ops",
      [](MlirContext context) {
        nb::list names;
        onnxMlcForEachLoweredOp(
            context,
            [](MlirStringRef name, void *userData) {
              static_cast<nb::list *>(userData)->append(nb::str(name.data, name.length));
            },
            &names);
        return names;
      },
      nb::arg("context"), "The ONNX op types that the compiler lowers.");
  m.def("register_passes", &onnxMlcRegisterAllPasses,
        "Registers all passes and pipelines with the pass registry.");
}
