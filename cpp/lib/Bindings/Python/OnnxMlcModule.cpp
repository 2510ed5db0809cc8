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
#include <cstdio>
#include <stdexcept>
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
      [](MlirModule module, const std::string &prefix, uint64_t minBytes,
         const std::string &path) {
        // The data goes straight from the module's attributes (often a
        // memory-mapped weights file) to `path`: never a copy in memory.
        struct Sink {
          std::FILE *file;
          uint64_t offset = 0;
          nb::list constants;
          bool ok = true;
        } sink{std::fopen(path.c_str(), "wb")};
        if (!sink.file)
          throw std::runtime_error("cannot write the model's constants to " + path);
        auto collect = [](MlirStringRef symbol, uint64_t alignment, const void *data,
                          size_t size, void *userData) {
          auto *sink = static_cast<Sink *>(userData);
          sink->ok &= std::fwrite(data, 1, size, sink->file) == size;
          sink->constants.append(nb::make_tuple(nb::str(symbol.data, symbol.length),
                                                alignment, sink->offset, size));
          sink->offset += size;
        };
        MlirLogicalResult result = onnxMlcExternalizeConstants(
            module, mlirStringRefCreate(prefix.data(), prefix.size()), minBytes, collect,
            &sink);
        sink.ok &= std::fclose(sink.file) == 0;
        if (mlirLogicalResultIsFailure(result))
          throw std::runtime_error("cannot take the constants out of the module");
        if (!sink.ok)
          throw std::runtime_error("cannot write the model's constants to " + path);
        return sink.constants;
      },
      nb::arg("module"), nb::arg("prefix"), nb::arg("min_bytes"), nb::arg("path"),
      "Takes the constant globals of at least `min_bytes` out of an LLVM-dialect "
      "module, writes their data one after another to the file `path`, and "
      "returns them as (symbol, alignment, offset, size).");
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
