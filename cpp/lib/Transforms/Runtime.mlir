// The runtime support compiled into every model, in the LLVM dialect, so
// that a model needs nothing beyond libc (pthreads are part of glibc and
// musl): a thread pool and a workspace cache. mlc-link-runtime merges it
// into the module and exports mlc_pool_set_threads and mlc_pool_num_threads
// under the model's prefix; every other symbol is internal.
//
// The thread pool. A caller of mlc_parallel_for that takes the pool (a CAS on
// @mlc_pool_busy; if another host thread holds it, the caller runs the range
// itself) writes the task, then publishes it by storing a new generation in
// the high 32 bits of @mlc_pool_state, whose low 32 bits count the chunks
// claimed. Workers spin on the state for a while, then sleep on a condition
// variable. Everyone claims chunks by CAS on the state: a CAS that succeeds
// proves the task it read was still the current one. The caller returns
// once @mlc_pool_done counts every chunk. The mutex and condition variable
// are zero-initialized storage, which is their static initializer in glibc
// and musl on x86-64 and AArch64 (64 bytes covers both layouts).

module {
  llvm.func @pthread_create(!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
  llvm.func @pthread_join(i64, !llvm.ptr) -> i32
  llvm.func @pthread_mutex_lock(!llvm.ptr) -> i32
  llvm.func @pthread_mutex_unlock(!llvm.ptr) -> i32
  llvm.func @pthread_cond_wait(!llvm.ptr, !llvm.ptr) -> i32
  llvm.func @pthread_cond_broadcast(!llvm.ptr) -> i32
  llvm.func @sched_getaffinity(i32, i64, !llvm.ptr) -> i32
  llvm.func @sched_yield() -> i32
  llvm.func @getenv(!llvm.ptr) -> !llvm.ptr
  llvm.func @atoi(!llvm.ptr) -> i32
  llvm.func @aligned_alloc(i64, i64) -> !llvm.ptr
  llvm.func @madvise(!llvm.ptr, i64, i32) -> i32
  llvm.func @free(!llvm.ptr)

  // The task being run.
  llvm.mlir.global internal @mlc_pool_state(0 : i64) {alignment = 64 : i64} : i64
  llvm.mlir.global internal @mlc_pool_done(0 : i64) {alignment = 64 : i64} : i64
  llvm.mlir.global internal @mlc_pool_fn() {alignment = 8 : i64} : !llvm.ptr {
    %0 = llvm.mlir.zero : !llvm.ptr
    llvm.return %0 : !llvm.ptr
  }
  llvm.mlir.global internal @mlc_pool_ctx() {alignment = 8 : i64} : !llvm.ptr {
    %0 = llvm.mlir.zero : !llvm.ptr
    llvm.return %0 : !llvm.ptr
  }
  llvm.mlir.global internal @mlc_pool_begin(0 : i64) {alignment = 8 : i64} : i64
  llvm.mlir.global internal @mlc_pool_end(0 : i64) {alignment = 8 : i64} : i64
  llvm.mlir.global internal @mlc_pool_chunks(0 : i64) {alignment = 8 : i64} : i64
  // The pool: 1 while a caller owns it; the thread count (0: not chosen
  // yet); the workers running and their handles (pthread_t is an unsigned
  // long); 1 while they are being stopped; how many are asleep.
  llvm.mlir.global internal @mlc_pool_busy(0 : i64) {alignment = 64 : i64} : i64
  llvm.mlir.global internal @mlc_pool_threads(0 : i64) {alignment = 8 : i64} : i64
  llvm.mlir.global internal @mlc_pool_workers(0 : i64) {alignment = 8 : i64} : i64
  llvm.mlir.global internal @mlc_pool_handles() {alignment = 8 : i64} : !llvm.array<64 x i64> {
    %0 = llvm.mlir.zero : !llvm.array<64 x i64>
    llvm.return %0 : !llvm.array<64 x i64>
  }
  llvm.mlir.global internal @mlc_pool_stop(0 : i64) {alignment = 8 : i64} : i64
  llvm.mlir.global internal @mlc_pool_sleeping(0 : i64) {alignment = 8 : i64} : i64
  llvm.mlir.global internal @mlc_pool_mutex() {alignment = 16 : i64} : !llvm.array<8 x i64> {
    %0 = llvm.mlir.zero : !llvm.array<8 x i64>
    llvm.return %0 : !llvm.array<8 x i64>
  }
  llvm.mlir.global internal @mlc_pool_cond() {alignment = 16 : i64} : !llvm.array<8 x i64> {
    %0 = llvm.mlir.zero : !llvm.array<8 x i64>
    llvm.return %0 : !llvm.array<8 x i64>
  }
  llvm.mlir.global internal constant @mlc_pool_env("MLC_NUM_THREADS\00") {addr_space = 0 : i32}

  // The threads to use: MLC_NUM_THREADS if it is a positive number, else
  // the CPUs in the process's affinity mask; at most 64.
  llvm.func internal @mlc_pool_default_threads() -> i64 {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %name = llvm.mlir.addressof @mlc_pool_env : !llvm.ptr
    %value = llvm.call @getenv(%name) : (!llvm.ptr) -> !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %set = llvm.icmp "ne" %value, %null : !llvm.ptr
    llvm.cond_br %set, ^env, ^mask
  ^env:
    %n32 = llvm.call @atoi(%value) : (!llvm.ptr) -> i32
    %n = llvm.sext %n32 : i32 to i64
    %positive = llvm.icmp "sge" %n, %c1 : i64
    llvm.cond_br %positive, ^clamp(%n : i64), ^mask
  ^mask:
    %one = llvm.mlir.constant(1 : i32) : i32
    %cpus = llvm.alloca %one x !llvm.array<16 x i64> {alignment = 8 : i64} : (i32) -> !llvm.ptr
    %zero8 = llvm.mlir.constant(0 : i8) : i8
    %bytes = llvm.mlir.constant(128 : i64) : i64
    "llvm.intr.memset"(%cpus, %zero8, %bytes) <{isVolatile = false}> : (!llvm.ptr, i8, i64) -> ()
    %self = llvm.mlir.constant(0 : i32) : i32
    %status = llvm.call @sched_getaffinity(%self, %bytes, %cpus) : (i32, i64, !llvm.ptr) -> i32
    %ok = llvm.icmp "eq" %status, %self : i32
    llvm.cond_br %ok, ^count(%c0, %c0 : i64, i64), ^clamp(%c1 : i64)
  ^count(%i: i64, %sum: i64):
    %word = llvm.getelementptr %cpus[%i] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %bits = llvm.load %word {alignment = 8 : i64} : !llvm.ptr -> i64
    %pop = llvm.intr.ctpop(%bits) : (i64) -> i64
    %sum1 = llvm.add %sum, %pop : i64
    %i1 = llvm.add %i, %c1 : i64
    %c16 = llvm.mlir.constant(16 : i64) : i64
    %more = llvm.icmp "ult" %i1, %c16 : i64
    llvm.cond_br %more, ^count(%i1, %sum1 : i64, i64), ^clamp(%sum1 : i64)
  ^clamp(%t: i64):
    %c64 = llvm.mlir.constant(64 : i64) : i64
    %low = llvm.intr.smax(%t, %c1) : (i64, i64) -> i64
    %r = llvm.intr.smin(%low, %c64) : (i64, i64) -> i64
    llvm.return %r : i64
  }

  llvm.func internal @mlc_pool_thread_count() -> i64 {
    %p = llvm.mlir.addressof @mlc_pool_threads : !llvm.ptr
    %t = llvm.load %p atomic monotonic {alignment = 8 : i64} : !llvm.ptr -> i64
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %unset = llvm.icmp "eq" %t, %c0 : i64
    llvm.cond_br %unset, ^choose, ^done(%t : i64)
  ^choose:
    %d = llvm.call @mlc_pool_default_threads() : () -> i64
    llvm.store %d, %p atomic monotonic {alignment = 8 : i64} : i64, !llvm.ptr
    llvm.br ^done(%d : i64)
  ^done(%r: i64):
    llvm.return %r : i64
  }

  // Claims and runs chunks of generation %gen until none is left.
  llvm.func internal @mlc_pool_run_chunks(%gen: i64) {
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %c32 = llvm.mlir.constant(32 : i64) : i64
    %low = llvm.mlir.constant(4294967295 : i64) : i64
    %state = llvm.mlir.addressof @mlc_pool_state : !llvm.ptr
    llvm.br ^claim
  ^claim:
    %s = llvm.load %state atomic acquire {alignment = 8 : i64} : !llvm.ptr -> i64
    %g = llvm.lshr %s, %c32 : i64
    %current = llvm.icmp "eq" %g, %gen : i64
    llvm.cond_br %current, ^check, ^out
  ^check:
    %idx = llvm.and %s, %low : i64
    %pc = llvm.mlir.addressof @mlc_pool_chunks : !llvm.ptr
    %chunks = llvm.load %pc atomic monotonic {alignment = 8 : i64} : !llvm.ptr -> i64
    %left = llvm.icmp "ult" %idx, %chunks : i64
    llvm.cond_br %left, ^take, ^out
  ^take:
    %pf = llvm.mlir.addressof @mlc_pool_fn : !llvm.ptr
    %fn = llvm.load %pf atomic monotonic {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
    %px = llvm.mlir.addressof @mlc_pool_ctx : !llvm.ptr
    %ctx = llvm.load %px atomic monotonic {alignment = 8 : i64} : !llvm.ptr -> !llvm.ptr
    %pb = llvm.mlir.addressof @mlc_pool_begin : !llvm.ptr
    %begin = llvm.load %pb atomic monotonic {alignment = 8 : i64} : !llvm.ptr -> i64
    %pe = llvm.mlir.addressof @mlc_pool_end : !llvm.ptr
    %end = llvm.load %pe atomic monotonic {alignment = 8 : i64} : !llvm.ptr -> i64
    %next = llvm.add %s, %c1 : i64
    %pair = llvm.cmpxchg %state, %s, %next acq_rel acquire : !llvm.ptr, i64
    %won = llvm.extractvalue %pair[1] : !llvm.struct<(i64, i1)>
    llvm.cond_br %won, ^run, ^claim
  ^run:
    // Chunk idx of chunks over [begin, end): split evenly, the remainder
    // spread over the first chunks.
    %n = llvm.sub %end, %begin : i64
    %a = llvm.mul %idx, %n : i64
    %lo0 = llvm.udiv %a, %chunks : i64
    %idx1 = llvm.add %idx, %c1 : i64
    %b = llvm.mul %idx1, %n : i64
    %hi0 = llvm.udiv %b, %chunks : i64
    %lo = llvm.add %begin, %lo0 : i64
    %hi = llvm.add %begin, %hi0 : i64
    llvm.call %fn(%ctx, %lo, %hi) : !llvm.ptr, (!llvm.ptr, i64, i64) -> ()
    %pd = llvm.mlir.addressof @mlc_pool_done : !llvm.ptr
    %0 = llvm.atomicrmw add %pd, %c1 release : !llvm.ptr, i64
    llvm.br ^claim
  ^out:
    llvm.return
  }

  // A worker: runs each new generation's chunks; after spinning a while
  // with nothing to do, sleeps until the next one or until it is stopped.
  llvm.func internal @mlc_pool_worker(%unused: !llvm.ptr) -> !llvm.ptr {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %c32 = llvm.mlir.constant(32 : i64) : i64
    %spinLimit = llvm.mlir.constant(200000 : i64) : i64
    %state = llvm.mlir.addressof @mlc_pool_state : !llvm.ptr
    %stop = llvm.mlir.addressof @mlc_pool_stop : !llvm.ptr
    %mutex = llvm.mlir.addressof @mlc_pool_mutex : !llvm.ptr
    %cond = llvm.mlir.addressof @mlc_pool_cond : !llvm.ptr
    %sleeping = llvm.mlir.addressof @mlc_pool_sleeping : !llvm.ptr
    %s0 = llvm.load %state atomic acquire {alignment = 8 : i64} : !llvm.ptr -> i64
    %g0 = llvm.lshr %s0, %c32 : i64
    llvm.br ^wait(%g0, %c0 : i64, i64)
  ^wait(%seen: i64, %spins: i64):
    %halt = llvm.load %stop atomic acquire {alignment = 8 : i64} : !llvm.ptr -> i64
    %stopping = llvm.icmp "ne" %halt, %c0 : i64
    llvm.cond_br %stopping, ^exit, ^look
  ^look:
    %s = llvm.load %state atomic acquire {alignment = 8 : i64} : !llvm.ptr -> i64
    %g = llvm.lshr %s, %c32 : i64
    %fresh = llvm.icmp "ne" %g, %seen : i64
    llvm.cond_br %fresh, ^work, ^idle
  ^work:
    llvm.call @mlc_pool_run_chunks(%g) : (i64) -> ()
    llvm.br ^wait(%g, %c0 : i64, i64)
  ^idle:
    %spins1 = llvm.add %spins, %c1 : i64
    %keep = llvm.icmp "ult" %spins1, %spinLimit : i64
    llvm.cond_br %keep, ^wait(%seen, %spins1 : i64, i64), ^sleep
  ^sleep:
    %l = llvm.call @pthread_mutex_lock(%mutex) : (!llvm.ptr) -> i32
    %n = llvm.load %sleeping {alignment = 8 : i64} : !llvm.ptr -> i64
    %n1 = llvm.add %n, %c1 : i64
    llvm.store %n1, %sleeping {alignment = 8 : i64} : i64, !llvm.ptr
    llvm.br ^recheck
  ^recheck:
    %s2 = llvm.load %state atomic acquire {alignment = 8 : i64} : !llvm.ptr -> i64
    %g2 = llvm.lshr %s2, %c32 : i64
    %h2 = llvm.load %stop atomic acquire {alignment = 8 : i64} : !llvm.ptr -> i64
    %same = llvm.icmp "eq" %g2, %seen : i64
    %running = llvm.icmp "eq" %h2, %c0 : i64
    %block = llvm.and %same, %running : i1
    llvm.cond_br %block, ^block, ^woken
  ^block:
    %w = llvm.call @pthread_cond_wait(%cond, %mutex) : (!llvm.ptr, !llvm.ptr) -> i32
    llvm.br ^recheck
  ^woken:
    %m = llvm.load %sleeping {alignment = 8 : i64} : !llvm.ptr -> i64
    %m1 = llvm.sub %m, %c1 : i64
    llvm.store %m1, %sleeping {alignment = 8 : i64} : i64, !llvm.ptr
    %u = llvm.call @pthread_mutex_unlock(%mutex) : (!llvm.ptr) -> i32
    llvm.br ^wait(%seen, %c0 : i64, i64)
  ^exit:
    %null = llvm.mlir.zero : !llvm.ptr
    llvm.return %null : !llvm.ptr
  }

  // Wakes the sleeping workers.
  llvm.func internal @mlc_pool_wake() {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %mutex = llvm.mlir.addressof @mlc_pool_mutex : !llvm.ptr
    %cond = llvm.mlir.addressof @mlc_pool_cond : !llvm.ptr
    %sleeping = llvm.mlir.addressof @mlc_pool_sleeping : !llvm.ptr
    %l = llvm.call @pthread_mutex_lock(%mutex) : (!llvm.ptr) -> i32
    %n = llvm.load %sleeping {alignment = 8 : i64} : !llvm.ptr -> i64
    %any = llvm.icmp "ne" %n, %c0 : i64
    llvm.cond_br %any, ^broadcast, ^done
  ^broadcast:
    %b = llvm.call @pthread_cond_broadcast(%cond) : (!llvm.ptr) -> i32
    llvm.br ^done
  ^done:
    %u = llvm.call @pthread_mutex_unlock(%mutex) : (!llvm.ptr) -> i32
    llvm.return
  }

  // With the pool held: starts workers up to %threads - 1; returns how many
  // run (fewer if the system refuses a thread).
  llvm.func internal @mlc_pool_start(%threads: i64) -> i64 {
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %zero = llvm.mlir.constant(0 : i32) : i32
    %pw = llvm.mlir.addressof @mlc_pool_workers : !llvm.ptr
    %handles = llvm.mlir.addressof @mlc_pool_handles : !llvm.ptr
    %worker = llvm.mlir.addressof @mlc_pool_worker : !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %wanted = llvm.sub %threads, %c1 : i64
    %have = llvm.load %pw {alignment = 8 : i64} : !llvm.ptr -> i64
    llvm.br ^loop(%have : i64)
  ^loop(%i: i64):
    %more = llvm.icmp "slt" %i, %wanted : i64
    llvm.cond_br %more, ^create, ^done(%i : i64)
  ^create:
    %slot = llvm.getelementptr %handles[%i] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %r = llvm.call @pthread_create(%slot, %null, %worker, %null) : (!llvm.ptr, !llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32
    %ok = llvm.icmp "eq" %r, %zero : i32
    %i1 = llvm.add %i, %c1 : i64
    llvm.cond_br %ok, ^loop(%i1 : i64), ^done(%i : i64)
  ^done(%n: i64):
    llvm.store %n, %pw {alignment = 8 : i64} : i64, !llvm.ptr
    llvm.return %n : i64
  }

  // With the pool held: stops and joins every worker.
  llvm.func internal @mlc_pool_stop_workers() {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %pw = llvm.mlir.addressof @mlc_pool_workers : !llvm.ptr
    %stop = llvm.mlir.addressof @mlc_pool_stop : !llvm.ptr
    %handles = llvm.mlir.addressof @mlc_pool_handles : !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %n = llvm.load %pw {alignment = 8 : i64} : !llvm.ptr -> i64
    llvm.store %c1, %stop atomic release {alignment = 8 : i64} : i64, !llvm.ptr
    llvm.call @mlc_pool_wake() : () -> ()
    llvm.br ^loop(%c0 : i64)
  ^loop(%i: i64):
    %more = llvm.icmp "slt" %i, %n : i64
    llvm.cond_br %more, ^join, ^done
  ^join:
    %slot = llvm.getelementptr %handles[%i] : (!llvm.ptr, i64) -> !llvm.ptr, i64
    %h = llvm.load %slot {alignment = 8 : i64} : !llvm.ptr -> i64
    %r = llvm.call @pthread_join(%h, %null) : (i64, !llvm.ptr) -> i32
    %i1 = llvm.add %i, %c1 : i64
    llvm.br ^loop(%i1 : i64)
  ^done:
    llvm.store %c0, %pw {alignment = 8 : i64} : i64, !llvm.ptr
    llvm.store %c0, %stop atomic release {alignment = 8 : i64} : i64, !llvm.ptr
    llvm.return
  }

  // Takes the pool, waiting for a caller that holds it, or only if free.
  llvm.func internal @mlc_pool_try_take() -> i1 {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %busy = llvm.mlir.addressof @mlc_pool_busy : !llvm.ptr
    %pair = llvm.cmpxchg %busy, %c0, %c1 acquire monotonic : !llvm.ptr, i64
    %won = llvm.extractvalue %pair[1] : !llvm.struct<(i64, i1)>
    llvm.return %won : i1
  }
  llvm.func internal @mlc_pool_take() {
    llvm.br ^try
  ^try:
    %won = llvm.call @mlc_pool_try_take() : () -> i1
    llvm.cond_br %won, ^done, ^yield
  ^yield:
    %y = llvm.call @sched_yield() : () -> i32
    llvm.br ^try
  ^done:
    llvm.return
  }
  llvm.func internal @mlc_pool_release() {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %busy = llvm.mlir.addressof @mlc_pool_busy : !llvm.ptr
    llvm.store %c0, %busy atomic release {alignment = 8 : i64} : i64, !llvm.ptr
    llvm.return
  }

  // Runs %fn(%ctx, lo, hi) over chunks covering [%begin, %end), on the
  // pool's threads and the caller's; returns when all have run.
  llvm.func internal @mlc_parallel_for(%fn: !llvm.ptr, %ctx: !llvm.ptr, %begin: i64, %end: i64) {
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %c4 = llvm.mlir.constant(4 : i64) : i64
    %c32 = llvm.mlir.constant(32 : i64) : i64
    %n = llvm.sub %end, %begin : i64
    %threads = llvm.call @mlc_pool_thread_count() : () -> i64
    %tiny = llvm.icmp "sle" %n, %c1 : i64
    %alone = llvm.icmp "sle" %threads, %c1 : i64
    %serial = llvm.or %tiny, %alone : i1
    llvm.cond_br %serial, ^serial, ^take
  ^take:
    %won = llvm.call @mlc_pool_try_take() : () -> i1
    llvm.cond_br %won, ^start, ^serial
  ^start:
    %workers = llvm.call @mlc_pool_start(%threads) : (i64) -> i64
    %none = llvm.icmp "eq" %workers, %c0 : i64
    llvm.cond_br %none, ^give_up, ^publish
  ^give_up:
    llvm.call @mlc_pool_release() : () -> ()
    llvm.br ^serial
  ^publish:
    %everyone = llvm.add %workers, %c1 : i64
    %several = llvm.mul %everyone, %c4 : i64
    %chunks = llvm.intr.umin(%several, %n) : (i64, i64) -> i64
    %pf = llvm.mlir.addressof @mlc_pool_fn : !llvm.ptr
    llvm.store %fn, %pf atomic monotonic {alignment = 8 : i64} : !llvm.ptr, !llvm.ptr
    %px = llvm.mlir.addressof @mlc_pool_ctx : !llvm.ptr
    llvm.store %ctx, %px atomic monotonic {alignment = 8 : i64} : !llvm.ptr, !llvm.ptr
    %pb = llvm.mlir.addressof @mlc_pool_begin : !llvm.ptr
    llvm.store %begin, %pb atomic monotonic {alignment = 8 : i64} : i64, !llvm.ptr
    %pe = llvm.mlir.addressof @mlc_pool_end : !llvm.ptr
    llvm.store %end, %pe atomic monotonic {alignment = 8 : i64} : i64, !llvm.ptr
    %pc = llvm.mlir.addressof @mlc_pool_chunks : !llvm.ptr
    llvm.store %chunks, %pc atomic monotonic {alignment = 8 : i64} : i64, !llvm.ptr
    %pd = llvm.mlir.addressof @mlc_pool_done : !llvm.ptr
    llvm.store %c0, %pd atomic monotonic {alignment = 8 : i64} : i64, !llvm.ptr
    %state = llvm.mlir.addressof @mlc_pool_state : !llvm.ptr
    %s = llvm.load %state atomic monotonic {alignment = 8 : i64} : !llvm.ptr -> i64
    %g = llvm.lshr %s, %c32 : i64
    %g1 = llvm.add %g, %c1 : i64
    %fresh = llvm.shl %g1, %c32 : i64
    llvm.store %fresh, %state atomic release {alignment = 8 : i64} : i64, !llvm.ptr
    llvm.call @mlc_pool_wake() : () -> ()
    %gen = llvm.lshr %fresh, %c32 : i64
    llvm.call @mlc_pool_run_chunks(%gen) : (i64) -> ()
    llvm.br ^join
  ^join:
    %d = llvm.load %pd atomic acquire {alignment = 8 : i64} : !llvm.ptr -> i64
    %all = llvm.icmp "eq" %d, %chunks : i64
    llvm.cond_br %all, ^finish, ^join
  ^finish:
    llvm.call @mlc_pool_release() : () -> ()
    llvm.return
  ^serial:
    llvm.call %fn(%ctx, %begin, %end) : !llvm.ptr, (!llvm.ptr, i64, i64) -> ()
    llvm.return
  }

  // Exported under the model's prefix: sets the thread count (below 1: the
  // default); the workers restart at the next parallel loop.
  llvm.func @mlc_pool_set_threads(%n32: i32) {
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %c64 = llvm.mlir.constant(64 : i64) : i64
    llvm.call @mlc_pool_take() : () -> ()
    llvm.call @mlc_pool_stop_workers() : () -> ()
    %n = llvm.sext %n32 : i32 to i64
    %given = llvm.icmp "sge" %n, %c1 : i64
    llvm.cond_br %given, ^set(%n : i64), ^default
  ^default:
    %d = llvm.call @mlc_pool_default_threads() : () -> i64
    llvm.br ^set(%d : i64)
  ^set(%t: i64):
    %t1 = llvm.intr.smin(%t, %c64) : (i64, i64) -> i64
    %p = llvm.mlir.addressof @mlc_pool_threads : !llvm.ptr
    llvm.store %t1, %p atomic monotonic {alignment = 8 : i64} : i64, !llvm.ptr
    llvm.call @mlc_pool_release() : () -> ()
    llvm.return
  }

  llvm.func @mlc_pool_num_threads() -> i32 {
    %t = llvm.call @mlc_pool_thread_count() : () -> i64
    %r = llvm.trunc %t : i64 to i32
    llvm.return %r : i32
  }

  // The workspace cache. A model's intermediate buffers live in one
  // workspace of a fixed size (mlc-plan-workspace); the block of the last
  // call is kept for the next one, so that a call neither allocates nor
  // touches fresh pages. Calls made meanwhile from other threads allocate
  // their own; the block given back first is kept, the others freed.
  llvm.mlir.global internal @mlc_workspace_cached() {alignment = 8 : i64} : !llvm.ptr {
    %0 = llvm.mlir.zero : !llvm.ptr
    llvm.return %0 : !llvm.ptr
  }

  // A workspace of %size bytes, 64-byte aligned; null if memory is short.
  llvm.func internal @mlc_workspace_take(%size: i64) -> !llvm.ptr {
    %cached = llvm.mlir.addressof @mlc_workspace_cached : !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %old = llvm.atomicrmw xchg %cached, %null acq_rel : !llvm.ptr, !llvm.ptr
    %have = llvm.icmp "ne" %old, %null : !llvm.ptr
    llvm.cond_br %have, ^done(%old : !llvm.ptr), ^fresh
  ^fresh:
    // From 4 MiB on, the workspace is aligned to 2 MiB and asked to be
    // backed by huge pages: the kernels read their operands with large
    // strides, and with 4 KiB pages each row of a panel is a TLB miss.
    %c0 = llvm.mlir.constant(0 : i64) : i64
    %c1 = llvm.mlir.constant(1 : i64) : i64
    %c64 = llvm.mlir.constant(64 : i64) : i64
    %huge = llvm.mlir.constant(2097152 : i64) : i64
    %large = llvm.mlir.constant(4194304 : i64) : i64
    %isLarge = llvm.icmp "uge" %size, %large : i64
    %align = llvm.select %isLarge, %huge, %c64 : i1, i64
    %alignLess = llvm.sub %align, %c1 : i64
    %up = llvm.add %size, %alignLess : i64
    %mask = llvm.sub %c0, %align : i64
    %rounded = llvm.and %up, %mask : i64
    %block = llvm.call @aligned_alloc(%align, %rounded) : (i64, i64) -> !llvm.ptr
    %got = llvm.icmp "ne" %block, %null : !llvm.ptr
    %advise = llvm.and %got, %isLarge : i1
    llvm.cond_br %advise, ^huge, ^done(%block : !llvm.ptr)
  ^huge:
    %madvHugepage = llvm.mlir.constant(14 : i32) : i32
    %ignored = llvm.call @madvise(%block, %rounded, %madvHugepage) : (!llvm.ptr, i64, i32) -> i32
    llvm.br ^done(%block : !llvm.ptr)
  ^done(%r: !llvm.ptr):
    llvm.return %r : !llvm.ptr
  }

  llvm.func internal @mlc_workspace_give(%block: !llvm.ptr) {
    %cached = llvm.mlir.addressof @mlc_workspace_cached : !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %pair = llvm.cmpxchg %cached, %null, %block acq_rel monotonic : !llvm.ptr, !llvm.ptr
    %kept = llvm.extractvalue %pair[1] : !llvm.struct<(ptr, i1)>
    llvm.cond_br %kept, ^done, ^drop
  ^drop:
    llvm.call @free(%block) : (!llvm.ptr) -> ()
    llvm.br ^done
  ^done:
    llvm.return
  }

  // At dlclose or exit: the workers are joined, so that none runs code
  // that is being unmapped (skipped if a caller still holds the pool), and
  // the kept workspace is freed.
  llvm.func internal @mlc_pool_shutdown() {
    %won = llvm.call @mlc_pool_try_take() : () -> i1
    llvm.cond_br %won, ^stop, ^workspace
  ^stop:
    llvm.call @mlc_pool_stop_workers() : () -> ()
    llvm.call @mlc_pool_release() : () -> ()
    llvm.br ^workspace
  ^workspace:
    %cached = llvm.mlir.addressof @mlc_workspace_cached : !llvm.ptr
    %null = llvm.mlir.zero : !llvm.ptr
    %old = llvm.atomicrmw xchg %cached, %null acq_rel : !llvm.ptr, !llvm.ptr
    llvm.call @free(%old) : (!llvm.ptr) -> ()
    llvm.return
  }
  llvm.mlir.global_dtors dtors = [@mlc_pool_shutdown], priorities = [65535 : i32], data = [#llvm.zero]
}
