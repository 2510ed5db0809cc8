"""The compiler driver shared by compile() and the CLI: import, run the
registered pipelines stage by stage, and emit what was asked for."""

import os
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Dict, Optional, Sequence

from . import codegen, dtypes
from .errors import OnnxMlcError
from .importer import import_model
from .mlir import ir
from .mlir._mlir_libs import _onnxMlc

EMIT_KINDS = ("onnx-ir", "mlir", "llvm", "obj", "lib")

_onnxMlc.register_passes()

# Constants of at least this many bytes bypass the LLVM IR (see
# codegen.constants_object).
EXTERNAL_CONSTANT_BYTES = 1024


@dataclass
class Options:
    """How to compile a model.

    opt_level: 0-3. 0 runs only what lowering needs (shape inference and
        folding); 1 adds constant propagation; 2 adds Conv/Gemm/elementwise
        fusion; 3 is 2 with LLVM optimizing at -O3.
    target: LLVM target triple; the host's by default.
    cpu: LLVM CPU name; the host's CPU for host builds, "generic" otherwise.
    features: LLVM target features, "+avx2,+fma,-avx512f"; the host's when
        compiling for the host's CPU, otherwise those the CPU implies. The
        kernels are shaped for the vector features named here (see
        mlc-configure-kernels), so name them for a CPU other than the host.
    prefix: prefix of the exported C symbols (<prefix>_run, ...), so that
        several models can be linked into one program.
    input_shapes: pins the sizes of graph inputs, {name: [sizes]}, for the
        speed of static shapes; otherwise symbolic dimensions stay dynamic
        and one library runs at any size.
    profile: builds the profile variant, which times every kernel and
        exports the counters (<prefix>_profile_*; onnx_mlc.profile reads
        them).
    """

    opt_level: int = 2
    target: Optional[str] = None
    cpu: Optional[str] = None
    features: Optional[str] = None
    prefix: str = "mlc"
    input_shapes: Optional[Dict[str, Sequence[int]]] = None
    profile: bool = False

    def __post_init__(self):
        if self.opt_level not in (0, 1, 2, 3):
            raise OnnxMlcError(f"opt_level must be 0, 1, 2 or 3, got {self.opt_level!r}")
        if not self.prefix.isidentifier():
            raise OnnxMlcError(f"prefix must be a C identifier, got {self.prefix!r}")
        self.target, self.cpu, self.features = codegen.resolve_target(
            self.target, self.cpu, self.features)


def new_context():
    ctx = ir.Context()
    _onnxMlc.register_dialects(ctx)
    return ctx


def lowered_ops(context):
    """The ONNX op types the compiler lowers itself."""
    return frozenset(_onnxMlc.lowered_ops(context))


def _signature(module):
    """(inputs, outputs) as lists of (name, dtype name, shape, dim names),
    read from the optimized ONNX-level @main_graph; a dynamic size is None."""
    fn = next(op for op in module.body.operations if op.operation.name == "func.func")
    ftype = ir.FunctionType(ir.TypeAttr(fn.attributes["function_type"]).value)
    names = lambda key: [ir.StringAttr(a).value for a in ir.ArrayAttr(fn.attributes[key])]  # noqa: E731

    def dim_names(key, i, rank):
        if key not in fn.attributes:
            return [""] * rank
        lists = ir.ArrayAttr(fn.attributes[key])
        return [ir.StringAttr(a).value for a in ir.ArrayAttr(lists[i])] if i < len(lists) else [""] * rank

    def describe(types, which, dims_key):
        out = []
        for i, (name, t) in enumerate(zip(names(which), types)):
            if not isinstance(t, ir.RankedTensorType):
                out.append((name, str(ir.ShapedType(t).element_type), None, []))
                continue
            rt = ir.RankedTensorType(t)
            shape = [None if rt.is_dynamic_dim(d) else rt.shape[d] for d in range(rt.rank)]
            out.append((name, str(rt.element_type), shape, dim_names(dims_key, i, rt.rank)))
        return out

    return (describe(ftype.inputs, "mlc.input_names", "mlc.input_dims"),
            describe(ftype.results, "mlc.output_names", "mlc.output_dims"))


def compile_to(model, emit, options, output_path, report=None):
    """Compiles `model` up to stage `emit` and writes it to `output_path`.
    For "lib" and "obj" a C header is written beside it (<output>.h).
    A `report` (onnx_mlc.report.Report) is filled in on the way, also when
    compiling fails. Returns the paths written."""
    if emit not in EMIT_KINDS:
        raise OnnxMlcError(f"unknown emit kind '{emit}'; choose one of {', '.join(EMIT_KINDS)}")
    report = report or _NoReport()
    try:
        return _compile_to(model, emit, options, output_path, report)
    except OnnxMlcError as e:
        report.error = str(e)
        raise


def _compile_to(model, emit, options, output_path, report):
    ctx = new_context()
    with report.phase("import"):
        lowered = lowered_ops(ctx)
        module = import_model(model, ctx, options.input_shapes, lowered)
        codegen.describe_target(module, options)
        report.imported(module, lowered)
    written = [output_path]

    def write(text_or_bytes):
        mode = "wb" if isinstance(text_or_bytes, bytes) else "w"
        with open(output_path, mode) as f:
            f.write(text_or_bytes)

    if emit == "onnx-ir":
        write(str(module))
        return written
    with ctx:
        with report.phase("optimize-onnx"):
            codegen.run_pipeline(module, "mlc-optimize-onnx", options)
            report.optimized(module)
        signature = _signature(module)
        with report.phase("lower-to-memref"):
            codegen.run_pipeline(module, "mlc-lower-to-memref", options)
            report.bufferized(module)
        with report.phase("lower-to-llvm"):
            codegen.run_pipeline(module, "mlc-lower-to-llvm", options)
            report.lowered(module)
        if emit == "mlir":
            write(str(module))
            return written
        with tempfile.TemporaryDirectory(prefix="onnx_mlc_") as tmp:
            # Weights go into an object of their own, written from the module
            # straight to a file; the code's LLVM IR only declares them.
            with report.phase("translate"):
                blob = os.path.join(tmp, "constants.bin")
                constants = _onnxMlc.externalize_constants(module, options.prefix,
                                                           EXTERNAL_CONSTANT_BYTES, blob)
                llvm_ir = codegen.to_llvm_ir(module)
                del module
                objects = []
                if constants:
                    # Beside --emit=llvm's output, for linking with the code.
                    constants_path = (os.path.splitext(output_path)[0] + ".constants.o"
                                      if emit == "llvm" else os.path.join(tmp, "constants.o"))
                    codegen.constants_object(constants, blob, options.target, constants_path)
                    objects.append(constants_path)
            if emit == "llvm":
                write(llvm_ir)
                return written + objects
            objects.insert(0, os.path.join(tmp, "code.o"))
            with report.phase("llvm"), open(objects[0], "wb") as f:
                f.write(codegen.emit_object(llvm_ir, options))
            del llvm_ir
            with report.phase("link"):
                if emit == "obj":
                    codegen.link_relocatable(objects, output_path, options.target)
                else:
                    codegen.link_shared(objects, output_path, options.target)
    header = os.path.splitext(output_path)[0] + ".h"
    with open(header, "w") as f:
        f.write(codegen.c_header(options.prefix, signature, options.profile))
    written.append(header)
    return written


class _NoReport:
    """What compile_to records into when no report was asked for."""

    error = None

    @contextmanager
    def phase(self, name):
        yield

    def __getattr__(self, name):  # imported(), optimized(), ...: nothing to do
        return lambda *args: None


def compile(model, opt_level=2, cpu=None, features=None, prefix="mlc", input_shapes=None, cache=True,
            report=False, profile=False, threads=None):
    """Compiles an ONNX model (path, bytes or onnx.ModelProto) for this
    machine and returns a callable CompiledModel. Symbolic dimensions stay
    dynamic unless `input_shapes` ({input name: sizes}) pins them.

    The library is kept in the compile cache (see onnx_mlc/cache.py), so
    that compiling the same model with the same options again only loads
    it; `cache=False` or ONNX_MLC_CACHE=0 turns that off.

    `profile=True` builds the profile variant: the model's `.profile`
    (onnx_mlc.profile.Profile) then times every kernel of every call.

    `threads` sets how many threads the model's loops run on (see
    CompiledModel.set_threads); by default MLC_NUM_THREADS, else every CPU
    this process may run on.

    `report=True` compiles afresh (the report times the compiler) and sets
    the model's `.report`, an onnx_mlc.report.Report: print() it, or
    .to_dict() / .to_json().

    >>> m = onnx_mlc.compile("model.onnx", opt_level=3)
    >>> (y,) = m(x)            # or m(input_name=x)
    """
    from . import cache as compile_cache
    from .report import Report
    from .runtime import CompiledModel

    options = Options(opt_level=opt_level, cpu=cpu, features=features, prefix=prefix,
                      input_shapes=input_shapes, profile=profile)
    k = compile_cache.key(model, options) if cache and compile_cache.enabled() else None
    cached = compile_cache.lookup(k) if k and not report else None
    if cached:
        compiled = CompiledModel(cached, prefix=prefix)
        if threads is not None:
            compiled.set_threads(threads)
        return compiled
    tmp = tempfile.TemporaryDirectory(prefix="onnx_mlc_")
    path = os.path.join(tmp.name, "model.so")
    compile_report = Report(model, options, progress=False) if report else None
    compile_to(model, "lib", options, path, compile_report)
    if k:
        compiled = CompiledModel(compile_cache.store(k, path), prefix=prefix)
    else:
        compiled = CompiledModel(path, prefix=prefix, _owner=tmp)
    compiled.report = compile_report
    if threads is not None:
        compiled.set_threads(threads)
    return compiled


def load(library, prefix="mlc"):
    """Loads a library built by the CLI (or compile_to) as a CompiledModel;
    `prefix` is the one it was built with."""
    from .runtime import CompiledModel

    if not os.path.isfile(library):
        raise OnnxMlcError(f"compiled model not found: {library}")
    return CompiledModel(library, prefix=prefix)
