// Passes over the ONNX dialect and over linalg.

#ifndef ONNX_MLC_TRANSFORMS_PASSES
#define ONNX_MLC_TRANSFORMS_PASSES

include "mlir/Pass/PassBase.td"

def ShapeInferencePass : Pass<"mlc-shape-inference", "mlir::func::FuncOp"> {
  let summary = "Refine ONNX result types and the function signature";
  let description = [{
    Visits ops in order and calls `ShapeInferenceOpInterface::inferShapes`,
    so each op sees its operands' refined types; then updates the function's
    result types to the refined types of the returned values.

    ```mlir
    // before
    %1 = onnx.Relu(%0) : (tensor<2x3xf32>) -> tensor<*xf32>
    // after
    %1 = onnx.Relu(%0) : (tensor<2x3xf32>) -> tensor<2x3xf32>
    ```
  }];
  let dependentDialects = ["onnx_mlc::onnx::ONNXDialect"];
}

def ConstantPropagationPass
    : Pass<"mlc-constant-propagation", "mlir::func::FuncOp"> {
  let summary = "Evaluate ONNX ops whose operands are all constants";
  let description = [{
    Replaces an op whose operands are constants by an `onnx.Constant` holding
    its result, using the same evaluator as the folders but with a larger
    budget: results of more than `max-elements` elements (splats excepted,
    which are stored as one value) stay in the program.

    ```mlir
    // before
    %0 = onnx.Constant {value = dense<[1, 2]> : tensor<2xi64>} : () -> tensor<2xi64>
    %1 = onnx.Constant {value = dense<3> : tensor<2xi64>} : () -> tensor<2xi64>
    %2 = onnx.Mul(%0, %1) : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
    // after
    %2 = onnx.Constant {value = dense<[3, 6]> : tensor<2xi64>} : () -> tensor<2xi64>
    ```
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"1 << 20",
           "Largest non-splat result, in elements, that is computed at compile time">
  ];
  let dependentDialects = ["onnx_mlc::onnx::ONNXDialect"];
}

def FuseConvPass : Pass<"mlc-fuse-conv", "mlir::func::FuncOp"> {
  let summary = "Fold bias, BatchNormalization and activation into Conv";
  let description = [{
    Rewrites `Conv` into `onnx.FusedConv`, absorbing what follows it:
    a BatchNormalization with constant parameters (folded into constant
    weights and bias), an `Add` of a constant per-channel bias, the `Add` of
    a tensor of the output's shape (a residual connection, which becomes
    the operand `Z`), and a Relu, Sigmoid, Tanh or Clip. Each absorbed op
    must be the only user of the value it consumes.

    ```mlir
    // before
    %y = onnx.Conv(%x, %w, %b) : ... -> tensor<1x8x4x4xf32>
    %z = onnx.Relu(%y) : ...
    // after
    %z = onnx.FusedConv(%x, %w, %b) {activation = "Relu"} : ...
    ```
  }];
  let dependentDialects = ["onnx_mlc::onnx::ONNXDialect"];
}

def FuseGemmPass : Pass<"mlc-fuse-gemm", "mlir::func::FuncOp"> {
  let summary = "Fold bias and activation into Gemm and 2-D MatMul";
  let description = [{
    Rewrites a `Gemm`, or a 2-D `MatMul` followed by the `Add` of a bias
    that broadcasts over its rows, into `onnx.FusedGemm`, and absorbs a
    following Relu, Sigmoid or Tanh. A constant B stored transposed
    (`transB = 1`, torch's `nn.Linear`) is transposed at compile time, so
    that the contraction kernel reads it contiguous along n.

    ```mlir
    // before
    %y = onnx.MatMul(%a, %w) : (tensor<4x8xf32>, tensor<8x16xf32>) -> tensor<4x16xf32>
    %z = onnx.Add(%y, %b) : (tensor<4x16xf32>, tensor<16xf32>) -> tensor<4x16xf32>
    %r = onnx.Relu(%z) : ...
    // after
    %r = onnx.FusedGemm(%a, %w, %b) {activation = "Relu"} : ...
    ```
  }];
  let dependentDialects = ["onnx_mlc::onnx::ONNXDialect"];
}

def FuseElementwisePass : Pass<"mlc-fuse-elementwise", "mlir::func::FuncOp"> {
  let summary = "Fuse chains of elementwise linalg ops into one loop nest";
  let description = [{
    Merges a `linalg.generic` into its elementwise consumer when the producer
    has no other user, so a chain such as `add -> mul -> relu` runs as a
    single loop nest and its intermediates are never written to memory.

    ```mlir
    // before: two generics, one intermediate tensor
    %1 = linalg.generic {...} ins(%a, %b) outs(%e) { addf }
    %2 = linalg.generic {...} ins(%1) outs(%e) { maximumf }
    // after: one generic computing maximumf(addf(a, b), 0)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def UnshareFillsPass : Pass<"mlc-unshare-fills", "mlir::func::FuncOp"> {
  let summary = "Give each op that writes into a filled tensor a fill of its own";
  let description = [{
    Products and convolutions accumulate into a tensor filled with zeros
    (their destination). CSE merges the fills of equal shapes, and one-shot
    bufferization must then copy the shared filled buffer into a fresh one
    for every op but one: a fill, then a copy per op, where one fill of the
    op's own buffer would do (and the vector kernels turn that fill into
    their accumulators' start, `mlc-vectorize-contractions`). This pass
    runs after the last CSE before bufferization and gives every further
    destination use of a `linalg.fill` result a clone of the fill (and of
    its `tensor.empty`), right before that use.
    ```mlir
    // before
    %f = linalg.fill ins(%zero : f32) outs(%e : tensor<8x8xf32>) -> tensor<8x8xf32>
    %a = linalg.matmul ins(...) outs(%f : tensor<8x8xf32>) -> tensor<8x8xf32>
    %b = linalg.matmul ins(...) outs(%f : tensor<8x8xf32>) -> tensor<8x8xf32>
    // after: %b gets its own fill
    %e2 = tensor.empty() : tensor<8x8xf32>
    %f2 = linalg.fill ins(%zero : f32) outs(%e2 : tensor<8x8xf32>) -> tensor<8x8xf32>
    %b = linalg.matmul ins(...) outs(%f2 : tensor<8x8xf32>) -> tensor<8x8xf32>
    ```
  }];
}

def ScalarizeSmallTensorsPass
    : Pass<"mlc-scalarize-small-tensors", "mlir::func::FuncOp"> {
  let summary = "Compute small static tensors as scalars";
  let description = [{
    Exporters compute shapes with tensors: `Shape`, `Gather`, `Concat`,
    `Unsqueeze` and arithmetic on a few int64 elements, read back by
    `Reshape`, `Expand` or `Range`. Lowered as loops over buffers, a size
    that is only a renamed input dimension becomes a load from memory, and
    every check and allocation that depends on it must wait for it.

    This pass unrolls parallel `linalg.generic` ops and static
    `tensor.insert_slice` ops whose result has at most `max-elements`
    elements into `tensor.from_elements` of scalar computations, then folds
    `tensor.extract` of `tensor.from_elements` and reshapes, and
    `tensor.dim` of `tensor.expand_shape` and `tensor.collapse_shape`. A size read from such a chain
    becomes the `tensor.dim` it came from.

    ```mlir
    // before
    %s = tensor.from_elements %d0, %d1 : tensor<2xi64>
    %g = linalg.generic {indexing_maps = [#id0, #id0], iterator_types = []}
        ins(%c1 : tensor<i64>) outs(%e : tensor<i64>) {
    ^bb0(%i: i64, %o: i64):
      %j = arith.index_cast %i : i64 to index
      %x = tensor.extract %s[%j] : tensor<2xi64>
      linalg.yield %x : i64
    } -> tensor<i64>
    // after
    %g = tensor.from_elements %d1 : tensor<i64>
    ```
  }];
  let options = [
    Option<"maxElements", "max-elements", "int64_t", /*default=*/"16",
           "Largest number of elements of a tensor computed as scalars">,
  ];
  let dependentDialects = ["mlir::tensor::TensorDialect", "mlir::arith::ArithDialect"];
}

def CopiesToLinalgPass : Pass<"mlc-copies-to-linalg", "mlir::func::FuncOp"> {
  let summary = "Rewrite memref.copy as linalg.copy";
  let description = [{
    A `memref.copy` between non-contiguous views (padding, concatenation)
    lowers to a call into MLIR's C runner library, which compiled models do
    not link. As `linalg.copy` it becomes loops like every other kernel.

    ```mlir
    // before
    memref.copy %a, %b : memref<4xf32> to memref<4xf32, strided<[2]>>
    // after
    linalg.copy ins(%a : memref<4xf32>) outs(%b : memref<4xf32, strided<[2]>>)
    ```
  }];
  let dependentDialects = ["mlir::linalg::LinalgDialect"];
}

def ConfigureKernelsPass : Pass<"mlc-configure-kernels", "mlir::func::FuncOp"> {
  let summary = "Choose each vector kernel's shape for the module's target";
  let description = [{
    The configuration half of kernel generation: for every loop nest that
    `mlc-vectorize-contractions` has a kernel for (contractions, window
    reductions, copies and fills), it chooses the kernel's
    shape and records it on the op as `mlc.kernel_config`, a dictionary of
    `lanes` (elements per vector), `rows` and `vectors` (a contraction's
    register tile: rows of C by vectors per row) and `parallel_dim` (the
    linalg loop, or for m and n the loop over their tiles, that runs on the
    thread pool; absent for nests too small to share).

    The target is the module's `mlc.target`, an `#llvm.target` with triple,
    CPU and features, which the driver sets (`--target`, `--mcpu`,
    `--mattr`; the host by default). x86-64 with `+avx512f` gets 512-bit
    vectors and 32 registers, with `+avx2,+fma` 256 bits and 16 registers,
    otherwise SSE2's 128 bits and 16; AArch64 gets NEON's 128 bits and 32
    registers. A tile uses rows x vectors accumulators, the B vectors and
    one broadcast: 8 x 2 vectors with 32 registers, 6 x 2 with 16, wider
    rows for a matrix-vector product. A nest runs in parallel from 2^16
    multiply-adds (or taps) on, on the outermost loop with 4 or more
    iterations (tiles).
    ```mlir
    module attributes {mlc.target = #llvm.target<triple = "aarch64-linux-gnu",
                                                 chip = "generic">} {
      // after: 4 lanes, tiles of 8 rows x 2 vectors
      linalg.matmul {mlc.kernel_config = {lanes = 4 : i64, rows = 8 : i64,
                                          vectors = 2 : i64}} ins(...) outs(...)
    }
    ```
  }];
}

def PackWeightsPass : Pass<"mlc-pack-weights", "mlir::ModuleOp"> {
  let summary = "Lay out constant B operands of contractions in the kernel's panels";
  let description = [{
    For each contraction that `mlc-configure-kernels` configured, a
    constant B (a `memref.global`, possibly reshaped) indexed by `(k, n)`
    after any leading dims of size 1, that spans more than one tile, is
    copied at compile time into panels of the tile's width: `[N / NR][K][NR]`
    with `NR = vectors * lanes`, zeros past the last column. The copy is a
    new private constant global, shared by every kernel with the same
    weight and tile, named in the configuration as `panels_b`;
    `mlc-vectorize-contractions` reads it instead of the original, so that
    each tile's B is contiguous, k after k. Read in place, B's rows lie a
    row apart, and rows a power of two apart map every k to the same cache
    sets: the panel is fetched again for every tile of rows. A constant A
    stays as it is (measured slower in panels).
    ```mlir
    // after, for tiles of 8 x 32:
    memref.global "private" constant @w_panels32 : memref<32x784x32xf32> = ...
    linalg.matmul {mlc.kernel_config = {lanes = 16 : i64,
                   panels_b = @w_panels32, rows = 8 : i64, vectors = 2 : i64}}
    ```
    The original global goes once nothing reads it (`symbol-dce`).
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def VectorizeContractionsPass
    : Pass<"mlc-vectorize-contractions", "mlir::func::FuncOp"> {
  let summary = "Lower matmul-like linalg ops on memrefs to register-tiled vector loops";
  let description = [{
    Rewrites every bufferized linalg op that computes `C[..., m, n] +=
    A[..., m, k] * B[..., k, n]` in floating point (any batch, broadcast or
    transposed-A indexing; B and C contiguous along n) into loops over
    tiles of `MR x NR` outputs. Each tile keeps its accumulators in vector
    registers over the whole k loop: per k it loads `NR / lanes` vectors of
    B, broadcasts `MR` scalars of A and issues `MR * NR / lanes` FMAs.
    Edge tiles use a smaller MR and masked loads and stores, so any static
    shape is handled. Only ops that `mlc-configure-kernels` configured are
    rewritten, with the vector length, tile and parallel loop it chose,
    reading a constant B from the panels `mlc-pack-weights` made.
    A fill of C with zeros right before the contraction becomes zeroed
    accumulators. An elementwise generic that immediately follows and
    updates the result in place (a fused bias and activation; its other
    inputs must hold one value per row of a tile) is applied to the
    accumulators before they are stored. Both disappear, so C is written
    once. The configuration's `parallel_dim` loop becomes an `scf.parallel`.

    2-D window reductions in the forms the ONNX lowering gives them
    (depthwise convolutions, loops n, f, oh, kh, kw, ow; pooling, loops n,
    c, oh, ow, kh, kw) become vector loops along the output rows, channels
    in parallel if so configured, every tap combined in registers by the op's body; a
    column stride of 2 reads consecutive values and keeps the even ones,
    other strides gather. A fill of the output just before becomes the
    accumulators' start. When the input is a padded copy made for the
    window alone (a fill, then the source copied into the interior), the
    window reads the source in place, lanes and rows outside it taking the
    pad value, and the fill and copy go.

    Copies and fills (im2col, padding, layout changes whose output and
    input are contiguous in their innermost dim) become vector loops along
    that dim, read with the input's stride as windows are.

    Contractions and convolutions it leaves (integer ones, other layouts,
    unconfigured ones) become scalar loops; the function then records how many in
    `mlc.scalar_contractions`.
    ```mlir
    // before
    linalg.matmul {mlc.kernel_config = {lanes = 16 : i64, rows = 8 : i64,
                                        vectors = 2 : i64}}
        ins(%a, %b : memref<64x32xf32>, memref<32x48xf32>)
        outs(%c : memref<64x48xf32>)
    // after: scf.for loops over n and m tiles; in each, an scf.for over k
    // carrying vector<16xf32> accumulators updated by vector.fma
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::scf::SCFDialect",
                           "mlir::vector::VectorDialect", "mlir::memref::MemRefDialect",
                           "mlir::affine::AffineDialect"];
}

def OutlineKernelsPass : Pass<"mlc-outline-kernels", "mlir::ModuleOp"> {
  let summary = "Move each loop nest of a model function into a function of its own";
  let description = [{
    Every outermost linalg op, `scf.for` and `scf.parallel` nest of a
    function with a body, including those inside `scf.if` and `scf.while`
    regions, becomes a private function with internal linkage, marked
    `noinline` and `mlc.kernel`, that takes the memrefs and scalars the nest
    uses; the nest is replaced by a call. A function with a single nest
    keeps it, unless `all` is set. Constants are cloned instead of passed.
    LLVM's optimization time grows faster than linearly with function size,
    so a model compiled as one function of hundreds of loop nests takes many
    times longer than the same nests as separate functions. Nests that
    compute the same thing on other buffers (a network's repeated blocks)
    share one kernel, which LLVM then compiles once.
    ```mlir
    // before
    func.func @main_graph(%a: memref<4xf32>, %b: memref<4xf32>) {
      linalg.generic ... ins(%a) outs(%b) { ... }
      return
    }
    // after
    func.func @main_graph(%a: memref<4xf32>, %b: memref<4xf32>) {
      call @main_graph_kernel_0(%a, %b) : (memref<4xf32>, memref<4xf32>) -> ()
      return
    }
    func.func private @main_graph_kernel_0(%a: memref<4xf32>, %b: memref<4xf32>)
        attributes {llvm.linkage = #llvm.linkage<internal>, mlc.kernel, passthrough = ["noinline"]}
    ```
  }];
  let options = [
    Option<"all", "all", "bool", /*default=*/"false",
           "Outline a function's only nest too (profile builds time every nest)">
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect"];
}

def InstrumentKernelsPass : Pass<"mlc-instrument-kernels", "mlir::ModuleOp"> {
  let summary = "Time every kernel call, for profile builds";
  let description = [{
    Runs after `mlc-outline-kernels`. Each call of an `mlc.kernel` function
    becomes a timed call site, numbered in program order; the library then
    exports, with the symbol prefix `prefix`:

    - `int64_t <prefix>_profile_size(void)`: the number of call sites, N;
    - `const char *<prefix>_profile_labels(void)`: N lines, one per site,
      `<node names>\t<op types>\n`, both `+`-joined where the kernel was
      fused from several ONNX nodes (names from the op's location, types
      from the module's `mlc.node_ops`);
    - `int64_t *<prefix>_profile_counters(void)`: 3 * N counters, for site
      i: nanoseconds spent [3i], calls [3i+1], and the CLOCK_MONOTONIC time
      in nanoseconds at which the last call started [3i+2]. The caller may
      read or zero them; updates are atomic.
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"mlc\"",
           "Prefix of the exported symbols">
  ];
  let dependentDialects = ["mlir::func::FuncDialect", "mlir::LLVM::LLVMDialect",
                           "mlir::arith::ArithDialect"];
}

def ParallelizeLinalgPass : Pass<"mlc-parallelize-linalg", "mlir::func::FuncOp"> {
  let summary = "Tile large linalg ops into parallel loops of slices";
  let description = [{
    Every linalg op on buffers of at least 2^15 iterations (or of sizes
    known only at run time) is tiled by 1 along its outermost parallel
    dimension of at least 4 iterations, into a one-dimensional
    `scf.parallel` over slices that `mlc-outline-parallel-loops` hands to the
    thread pool. Contractions are vectorized, with their own parallel loop,
    before this pass runs.

    ```mlir
    // before
    linalg.generic ... ins(%x : memref<1x32x112x112xf32>) outs(%y : ...)
    // after
    scf.parallel (%c) = (%c0) to (%c32) step (%c1) {
      %xs = memref.subview %x[0, %c, 0, 0] [1, 1, 112, 112] [1, 1, 1, 1] ...
      linalg.generic ... ins(%xs ...) outs(%ys ...)
    }
    ```
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::memref::MemRefDialect",
                           "mlir::affine::AffineDialect"];
}

def OutlineParallelLoopsPass
    : Pass<"mlc-outline-parallel-loops", "mlir::ModuleOp"> {
  let summary = "Move the body of each parallel loop into a function over a range";
  let description = [{
    Every outermost one-dimensional `scf.parallel` becomes a call of a new
    private function, marked `mlc.parallel_body`, that takes what the body
    reads and a range [begin, end) of iteration numbers, and runs those
    iterations; the call covers [0, trip count). The thread pool later runs
    the function on chunks of the range (`mlc-link-runtime`).
    Parallel loops nested in another, or of several dimensions, run serially.

    ```mlir
    // before
    scf.parallel (%i) = (%c0) to (%c64) step (%c8) { ... uses %i, %buf ... }
    // after
    call @main_graph_kernel_0_parallel_0(%buf, %c0, %c8) : (...) -> ()
    func.func private @main_graph_kernel_0_parallel_0(%buf: memref<...>, %begin: index, %end: index)
        attributes {mlc.parallel_body, ...} {
      scf.for %n = %begin to %end step %c1 { %i = %n * 8 ... }
    }
    ```
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
                           "mlir::LLVM::LLVMDialect"];
}

def LinkRuntimePass : Pass<"mlc-link-runtime", "mlir::ModuleOp"> {
  let summary = "Merge the runtime support in; run parallel loop bodies on its pool";
  let description = [{
    On the LLVM dialect: merges the runtime support (Runtime.mlir: a thread
    pool on pthreads and a workspace cache, libc only) into the module,
    exports the pool's `<prefix>_set_num_threads(int32_t)` and
    `<prefix>_num_threads()`, and turns each call of an
    `mlc.parallel_body` function over [begin, end) into
    `mlc_parallel_for(task, args, begin, end)`. The call's other arguments
    are packed into a struct in the caller's frame; `<body>_task(args, lo,
    hi)` unpacks them and calls the body on one chunk.
  }];
  let options = [
    Option<"prefix", "prefix", "std::string", /*default=*/"\"mlc\"",
           "Prefix of the exported thread-count functions">
  ];
  let dependentDialects = ["mlir::LLVM::LLVMDialect"];
}

def StaticResultsToOutParamsPass
    : Pass<"mlc-static-results-to-out-params", "mlir::ModuleOp"> {
  let summary = "Turn the static-shaped results of the model into out-parameters";
  let description = [{
    For the bufferized model function `main_graph`, every memref result of
    static shape becomes a trailing argument that the caller allocates (the
    C ABI writes into the caller's buffer); the allocation that produced it
    is replaced by the argument, or the value is copied into it. Results
    whose shape is known only at run time stay results: the function
    allocates them. Upstream's `buffer-results-to-out-params` handles only
    static shapes, all or nothing.

    ```mlir
    // before
    func.func @main_graph(%x: memref<4xf32>) -> (memref<4xf32>, memref<?xi64>)
    // after
    func.func @main_graph(%x: memref<4xf32>, %y: memref<4xf32>) -> memref<?xi64>
    ```
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def ChecksToStatusPass : Pass<"mlc-checks-to-status", "mlir::ModuleOp"> {
  let summary = "Turn the model's run-time checks into a status result";
  let description = [{
    The lowering checks at run time what shape inference could not prove
    (operands that broadcast, a Reshape that keeps the element count) with
    `cf.assert`. This pass gives `main_graph` a leading `i32` status result
    and turns each check into an `scf.if`: the rest of the function runs in
    its `then` region and returns 0; the `else` region returns
    `MLC_ERR_RUNTIME_SHAPE` with empty buffers. Checks separated only by
    pure ops are and-ed into one.

    An allocation whose size the inputs decide gets two checks of its own,
    which return `MLC_ERR_OUT_OF_MEMORY`: before it, that the size is at
    most 2^48 bytes (so that computing it cannot overflow); after it, that
    malloc succeeded.

    It runs on buffers, after bufferization and before buffer deallocation:
    deallocation then frees what each path owns, and bufferization never
    analyses the nest (its alias analysis of nested scf.if results grows
    exponentially with the depth).

    ```mlir
    // before
    cf.assert %ok, "broadcast dimensions do not match"
    %y = memref.alloc(%n) : memref<?xf32>
    linalg.generic ... outs(%y : memref<?xf32>)
    return %y : memref<?xf32>
    // after
    %r:2 = scf.if %ok -> (i32, memref<?xf32>) {
      %y = memref.alloc(%n) : memref<?xf32>
      linalg.generic ... outs(%y : memref<?xf32>)
      scf.yield %c0_i32, %y : i32, memref<?xf32>
    } else {
      %e = memref.alloc(%c0) : memref<?xf32>
      scf.yield %c8_i32, %e : i32, memref<?xf32>
    }
    return %r#0, %r#1 : i32, memref<?xf32>
    ```
  }];
  let dependentDialects = ["mlir::scf::SCFDialect", "mlir::arith::ArithDialect",
                           "mlir::memref::MemRefDialect"];
}

def FreeEarlyPass : Pass<"mlc-free-early", "mlir::func::FuncOp"> {
  let summary = "Free each buffer right after its last use";
  let description = [{
    Buffer deallocation frees a function's buffers at the end of the block
    that allocated them, so every intermediate of a model stays allocated
    until the model returns: the peak is the sum of all of them. This
    pass moves each `memref.dealloc` of a `memref.alloc` of the same block
    to just after the last op of that block that uses the buffer, or any
    value derived from it (a view, a cast, a memref result of an op that
    reads it, which may forward it). A use outside the block leaves the
    dealloc where it is.
    ```mlir
    // before
    %a = memref.alloc() : memref<64xf32>
    call @kernel_0(%x, %a)
    %b = memref.alloc() : memref<64xf32>
    call @kernel_1(%a, %b)
    call @kernel_2(%b, %y)
    memref.dealloc %a
    memref.dealloc %b
    // after
    %a = memref.alloc() : memref<64xf32>
    call @kernel_0(%x, %a)
    %b = memref.alloc() : memref<64xf32>
    call @kernel_1(%a, %b)
    memref.dealloc %a
    call @kernel_2(%b, %y)
    memref.dealloc %b
    ```
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect"];
}

def PlanWorkspacePass : Pass<"mlc-plan-workspace", "mlir::ModuleOp"> {
  let summary = "Lay out @main_graph's intermediate buffers in one workspace";
  let description = [{
    Every `memref.alloc` of static size in @main_graph's entry block that is
    freed by one `memref.dealloc` in the same block (after `mlc-free-early`,
    right after its last use) becomes a `memref.view` into a workspace: a
    new trailing `memref<Nxi8>` argument, N recorded as the function's
    `mlc.workspace_size`. Buffers are placed largest first, each at the
    lowest 64-byte-aligned offset not used by a buffer whose lifetime (alloc
    to dealloc) overlaps its own; their deallocs go. The C entry point
    passes a workspace that it keeps between calls.

    ```mlir
    // before
    %a = memref.alloc() {alignment = 64 : i64} : memref<16xf32>
    ...
    memref.dealloc %a : memref<16xf32>
    // after
    func.func @main_graph(..., %ws: memref<64xi8>) attributes {mlc.workspace_size = 64 : i64}
    %a = memref.view %ws[%c0][] : memref<64xi8> to memref<16xf32>
    ```
  }];
  let dependentDialects = ["mlir::memref::MemRefDialect", "mlir::arith::ArithDialect"];
}

def WidenBoolBuffersPass : Pass<"mlc-widen-bool-buffers", "mlir::ModuleOp"> {
  let summary = "Store i1 buffers as i8";
  let description = [{
    Buffer deallocation keeps ownership flags in `memref<?xi1>` buffers,
    which the LLVM lowering does not accept (sub-byte element types need
    emulation). This pass gives every memref of `i1` an `i8` element type:
    loads truncate, stores extend, `linalg.generic` bodies do both, and
    allocations, casts and function signatures change type. The model's own
    booleans are i8 already; masks that lowerings compute are not.

    ```mlir
    // before
    memref.store %flag, %m[%i] : memref<?xi1>
    // after
    %b = arith.extui %flag : i1 to i8
    memref.store %b, %m[%i] : memref<?xi8>
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::memref::MemRefDialect"];
}


def ApproximateMathPass : Pass<"mlc-approximate-math", "mlir::func::FuncOp"> {
  let summary = "Compute exp, erf and tanh on f32 with polynomials instead of libm calls";
  let description = [{
    Replaces `math.exp`, `math.erf` and `math.tanh` on f32 (scalars or
    vectors) by MLIR's polynomial approximations: range reduction, a
    polynomial or rational function evaluated with FMAs, and selects for
    the special values. A call to libm's `expf` in a loop keeps LLVM from
    vectorizing it; arithmetic does not, so Softmax, GELU, Sigmoid and Tanh
    run in vectors. The approximations are within a few ulp of libm's.
    ```mlir
    // before
    %y = math.erf %x : f32
    // after: arith and math.fma ops only
    ```
  }];
  let dependentDialects = ["mlir::arith::ArithDialect", "mlir::math::MathDialect",
                           "mlir::vector::VectorDialect"];
}

def CheckLoweredToLLVMPass : Pass<"mlc-check-lowered-to-llvm", "mlir::ModuleOp"> {
  let summary = "Fail on any op the LLVM lowering left behind";
  let description = [{
    The last pass of `mlc-lower-to-llvm`. Translation to LLVM IR accepts the
    LLVM dialect only; an op left in another dialect (an unreconciled
    `builtin.unrealized_conversion_cast`, say) is a compiler bug, reported
    here at the op's location instead of failing, or crashing, in the
    translation.
  }];
}

#endif // ONNX_MLC_TRANSFORMS_PASSES
