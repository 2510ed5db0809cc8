//===- ExternalConstants.cpp - Move large constants out of LLVM IR --------===//
#include "onnx_mlc/Target/ExternalConstants.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/SymbolTable.h"
#include "llvm/ADT/Twine.h"

using namespace mlir;

std::optional<ArrayRef<char>> onnx_mlc::denseBytes(Attribute value,
                                                   std::vector<char> &storage) {
  if (auto dense = dyn_cast<DenseIntOrFPElementsAttr>(value)) {
    Type elem = dense.getElementType();
    if (!elem.isIntOrFloat() || elem.getIntOrFloatBitWidth() % 8 != 0)
      return std::nullopt;
    ArrayRef<char> raw = dense.getRawData();
    if (!dense.isSplat())
      return raw;
    storage.reserve(raw.size() * dense.getNumElements());
    for (int64_t i = 0, e = dense.getNumElements(); i < e; ++i)
      storage.insert(storage.end(), raw.begin(), raw.end());
    return ArrayRef<char>(storage);
  }
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    Type elem = resource.getElementType();
    if (!elem.isIntOrFloat() || elem.getIntOrFloatBitWidth() % 8 != 0)
      return std::nullopt;
    AsmResourceBlob *blob = resource.getRawHandle().getBlob();
    if (!blob)
      return std::nullopt;
    return blob->getData();
  }
  return std::nullopt;
}

LogicalResult onnx_mlc::externalizeConstants(ModuleOp module, StringRef prefix,
                                             uint64_t minBytes, ConstantSink sink) {
  MLIRContext *ctx = module.getContext();
  unsigned counter = 0;
  bool complete = true;
  for (auto global : llvm::make_early_inc_range(module.getOps<LLVM::GlobalOp>())) {
    if (!global.getConstant() || !global.getValueAttr())
      continue;
    std::vector<char> storage;
    std::optional<ArrayRef<char>> data = denseBytes(global.getValueAttr(), storage);
    if (!data) {
      complete = complete && !isa<DenseResourceElementsAttr>(global.getValueAttr());
      continue;
    }
    if (data->size() < minBytes)
      continue;
    std::string symbol = (prefix + "_const" + Twine(counter++)).str();
    if (failed(SymbolTable::replaceAllSymbolUses(global.getSymNameAttr(),
                                                 StringAttr::get(ctx, symbol), module)))
      return global.emitError("cannot rename constant to ") << symbol;
    sink(symbol, global.getAlignment().value_or(16), *data);
    global.setSymName(symbol);
    global.setValueAttr(nullptr);
    global.setLinkage(LLVM::Linkage::External);
    global.setVisibility_(LLVM::Visibility::Hidden);
    global.setDsoLocal(true);
    global.setUnnamedAddrAttr(nullptr);
  }
  if (!complete)
    return module.emitError("a constant's data is no longer available");
  return success();
}
