"""The onnx-mlc command: compile an ONNX model to a shared library."""

import argparse
import os
import sys
import traceback

from .compiler import EMIT_KINDS, Options, compile_to
from .errors import OnnxMlcError
from .report import Report

_SUFFIX = {"onnx-ir": ".onnx.mlir", "mlir": ".mlir", "llvm": ".ll", "obj": ".o", "lib": ".so"}


def _parser():
    p = argparse.ArgumentParser(
        prog="onnx-mlc",
        description="Compile an ONNX model to native code: a shared library with a C ABI "
                    "and a C header, or any intermediate stage. 'onnx-mlc check model.onnx' "
                    "compiles and compares the model with onnxruntime, 'onnx-mlc profile "
                    "model.onnx' times each node (see their --help).")
    p.add_argument("model", help="the .onnx file")
    p.add_argument("-o", "--output",
                   help="output path (default: the model's name with the emit kind's suffix)")
    p.add_argument("--emit", choices=EMIT_KINDS, default="lib",
                   help="what to write: onnx-ir (imported ONNX dialect), mlir (LLVM dialect), "
                        "llvm (LLVM IR; its weights in <name>.constants.o), obj (object file + "
                        "header), lib (shared library + header; default)")
    for level in range(4):
        p.add_argument(f"-O{level}", dest="opt_level", action="store_const", const=level,
                       help={0: "no optimization beyond what lowering needs",
                             1: "+ constant propagation",
                             2: "+ Conv/Gemm/elementwise fusion (default)",
                             3: "as -O2, with LLVM at -O3"}[level])
    p.add_argument("--target", help="LLVM target triple, e.g. aarch64-linux-gnu (default: host)")
    p.add_argument("--mcpu", help="LLVM CPU name (default: host CPU, or generic when cross-compiling)")
    p.add_argument("--mattr", metavar="FEATURES",
                   help="LLVM target features, e.g. +avx2,+fma (default: the host's for the host "
                        "CPU, else the CPU's own); the kernels are shaped for them")
    p.add_argument("--input-shape", action="append", default=[], metavar="NAME=SIZES",
                   help="pin the sizes of a graph input, e.g. input_ids=1x128 (repeatable); "
                        "otherwise symbolic dimensions stay dynamic")
    p.add_argument("--prefix", default="mlc",
                   help="prefix of the exported C symbols, <prefix>_run etc. (default: mlc)")
    p.add_argument("--profile", action="store_true",
                   help="build the profile variant: the library times every kernel and exports "
                        "<prefix>_profile_size/_labels/_counters (see the header); "
                        "'onnx-mlc profile model.onnx' prints the table")
    p.add_argument("--report", nargs="?", const="text", choices=("text", "json"),
                   help="print a compile report to stdout: phase times, ops before and after "
                        "optimization, fused patterns, kernels, workspace, unsupported ops "
                        "(--report=json for JSON)")
    p.add_argument("-v", "--verbose", action="store_true", help="show tracebacks on errors")
    p.set_defaults(opt_level=2)
    return p


def _input_shapes(specs):
    """{name: [sizes]} from NAME=AxBxC arguments."""
    shapes = {}
    for spec in specs:
        name, _, sizes = spec.rpartition("=")
        try:
            shapes[name] = [int(s) for s in sizes.split("x")] if sizes else []
        except ValueError:
            raise OnnxMlcError(f"--input-shape expects NAME=SIZES such as x=1x3x224x224, got '{spec}'")
        if not name:
            raise OnnxMlcError(f"--input-shape expects NAME=SIZES such as x=1x3x224x224, got '{spec}'")
    return shapes or None


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["check"]:  # onnx-mlc check model.onnx ...
        from .check import main as check_main

        return check_main(argv[1:])
    if argv[:1] == ["profile"]:  # onnx-mlc profile model.onnx ...
        from .profile import main as profile_main

        return profile_main(argv[1:])
    args = _parser().parse_args(argv)
    output = args.output or os.path.splitext(os.path.basename(args.model))[0] + _SUFFIX[args.emit]
    report = None
    try:
        options = Options(opt_level=args.opt_level, target=args.target, cpu=args.mcpu,
                          features=args.mattr,
                          prefix=args.prefix, input_shapes=_input_shapes(args.input_shape),
                          profile=args.profile)
        report = Report(args.model, options) if args.report else None
        written = compile_to(args.model, args.emit, options, output, report)
    except OnnxMlcError as e:
        _print_report(report, args.report)
        if args.verbose:
            traceback.print_exc()
        print(f"onnx-mlc: error: {e}", file=sys.stderr)
        return 1
    except Exception as e:  # a compiler bug: still one readable line
        if args.verbose:
            traceback.print_exc()
        print(f"onnx-mlc: internal error: {type(e).__name__}: {e} (rerun with --verbose)",
              file=sys.stderr)
        return 2
    _print_report(report, args.report)
    if args.verbose:
        print("wrote " + ", ".join(written), file=sys.stderr)
    return 0


def _print_report(report, form):
    if report is not None:
        print(report.to_json() if form == "json" else report)


if __name__ == "__main__":
    sys.exit(main())
