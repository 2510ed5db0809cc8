"""The ONNX backend node suite, run through onnx_mlc.compile().

Every case ends in one of these outcomes:
  pass         all outputs match (the runner's rtol/atol, same dtype and shape)
  unsupported  the compiler refused the model with OnnxMlcError, as it must
  fail         wrong results, or any other exception (a bug)
  crash        the worker process died (a signal, an abort)
  timeout      the case took longer than --timeout seconds

Cases run in worker processes, one case at a time, so a crash or a hang
costs one case and a worker restart, not the run.

    python tests/conformance.py                 # all cases, print counts
    python tests/conformance.py -k conv         # names containing "conv"
    python tests/conformance.py --update        # rewrite the passing list
"""

import argparse
import multiprocessing as mp
import multiprocessing.connection
import os
import sys
import time
import warnings
from collections import Counter

PASSING_LIST = os.path.join(os.path.dirname(os.path.abspath(__file__)), "conformance_passing.txt")
OUTCOMES = ("pass", "unsupported", "fail", "crash", "timeout")


def collect(pattern=None):
    """(name, model bytes, data sets, rtol, atol) of each node case."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from onnx.backend.test.case.node import collect_testcases

        cases = collect_testcases(None)
    from onnx import TensorProto, numpy_helper

    def arrays(values):  # some cases keep their data as TensorProtos
        return [numpy_helper.to_array(v) if isinstance(v, TensorProto) else v for v in values]

    return [(c.name, c.model.SerializeToString(),
             [(arrays(ins), arrays(outs)) for ins, outs in c.data_sets], c.rtol, c.atol)
            for c in cases if pattern is None or pattern in c.name]


def compare(got, want, rtol, atol):
    """None if the outputs match, else why not. Half-precision outputs match
    within their own precision: onnx-mlc accumulates in f32 and rounds once,
    the reference rounds after every op, so each result may be one rounding
    (one ulp) away from the exact value and the two may differ by two: the
    relative tolerance is at least twice the type's epsilon."""
    import ml_dtypes
    import numpy as np

    if len(got) != len(want):
        return f"{len(got)} outputs, expected {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        w = np.asarray(w)
        if g.dtype != w.dtype:
            return f"output {i}: dtype {g.dtype}, expected {w.dtype}"
        if g.shape != w.shape:
            return f"output {i}: shape {g.shape}, expected {w.shape}"
        try:
            if w.dtype == object or w.dtype.kind in "SUb":
                np.testing.assert_array_equal(g, w)
            else:
                tol = rtol
                if w.dtype in (np.float16, ml_dtypes.bfloat16):
                    tol = max(rtol, 2 * float(ml_dtypes.finfo(w.dtype).eps))
                    g, w = g.astype(np.float32), w.astype(np.float32)
                np.testing.assert_allclose(g, w, rtol=tol, atol=atol, equal_nan=True)
        except AssertionError as e:
            return f"output {i}: " + " ".join(str(e).split())[:300]
    return None


def run_case(model_bytes, data_sets, rtol, atol):
    """(outcome, detail) of one case, in this process."""
    import onnx_mlc

    try:
        compiled = onnx_mlc.compile(model_bytes, cache=False)
    except onnx_mlc.OnnxMlcError as e:
        return "unsupported", str(e).splitlines()[-1].strip()
    except Exception as e:  # a compiler bug: anything but the clear error
        return "fail", f"compile raised {type(e).__name__}: {e}"
    for inputs, outputs in data_sets:
        try:
            got = compiled(*inputs)
        except Exception as e:
            return "fail", f"run raised {type(e).__name__}: {e}"
        why = compare(got, outputs, rtol, atol)
        if why:
            return "fail", why
    return "pass", ""


def _worker(conn, setup):
    warnings.simplefilter("ignore")
    if setup:
        setup()
    while True:
        task = conn.recv()
        if task is None:
            return
        fn, args = task
        conn.send(fn(*args))


class _Worker:
    def __init__(self, ctx, setup):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker, args=(child, setup), daemon=True)
        self.proc.start()
        child.close()
        self.case = None
        self.started = 0.0

    def stop(self):
        self.proc.kill()
        self.proc.join()


def run_all(cases, jobs, timeout, progress=None, fn=run_case, setup=None):
    """{name: (outcome, detail)} for `cases`, on `jobs` worker processes:
    each case is (name, *args), and its result is fn(*args), run in a
    worker, or ("crash"|"timeout", detail). `fn` and `setup` (called once in
    each new worker) must be module-level functions."""
    ctx = mp.get_context("spawn")
    pending = list(reversed(cases))
    results = {}
    workers = [_Worker(ctx, setup) for _ in range(max(1, min(jobs, len(cases))))]

    def give(w):
        if pending:
            w.case = pending.pop()
            w.started = time.monotonic()
            w.conn.send((fn, w.case[1:]))
        else:
            w.case = None

    def done(name, result):
        results[name] = result
        if progress:
            progress(name, result, len(results), len(cases))

    for w in workers:
        give(w)
    while any(w.case for w in workers):
        mp.connection.wait([w.conn for w in workers if w.case] +
                           [w.proc.sentinel for w in workers if w.case], timeout=1.0)
        for i, w in enumerate(workers):
            if not w.case:
                continue
            name = w.case[0]
            if w.conn.poll():
                try:
                    done(name, w.conn.recv())
                    give(w)
                    continue
                except (EOFError, OSError):
                    pass
            if not w.proc.is_alive():
                done(name, ("crash", f"worker died with exit code {w.proc.exitcode}"))
            elif time.monotonic() - w.started > timeout:
                done(name, ("timeout", f"over {timeout:.0f} s"))
            else:
                continue
            w.stop()
            workers[i] = _Worker(ctx, setup)
            give(workers[i])
    for w in workers:
        if w.proc.is_alive():
            w.conn.send(None)
            w.proc.join(timeout=5)
            w.stop()
    return results


def read_passing_list(path=PASSING_LIST):
    with open(path) as f:
        return [line.strip() for line in f if line.strip() and not line.startswith("#")]


def write_passing_list(results, path=PASSING_LIST):
    names = sorted(n for n, (outcome, _) in results.items() if outcome == "pass")
    with open(path, "w") as f:
        f.write("# ONNX backend node cases that onnx-mlc passes; CI fails if one stops\n"
                "# passing. Regenerate with: python tests/conformance.py --update\n")
        f.write("\n".join(names) + "\n")


def summary(results):
    counts = Counter(outcome for outcome, _ in results.values())
    return ", ".join(f"{counts.get(o, 0)} {o}" for o in OUTCOMES) + f" (of {len(results)})"


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("-k", dest="pattern", help="only cases whose name contains this")
    p.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes")
    p.add_argument("--timeout", type=float, default=60.0, help="seconds per case")
    p.add_argument("--update", action="store_true", help=f"rewrite {os.path.basename(PASSING_LIST)}")
    p.add_argument("-v", "--verbose", action="store_true", help="print every case, not only problems")
    args = p.parse_args(argv)

    def progress(name, result, n, total):
        outcome, detail = result
        if args.verbose or outcome in ("fail", "crash", "timeout"):
            print(f"[{n}/{total}] {outcome:11} {name}  {detail}", flush=True)

    start = time.monotonic()
    results = run_all(collect(args.pattern), args.jobs, args.timeout, progress)
    print(f"{summary(results)} in {time.monotonic() - start:.0f} s")
    if args.update:
        if args.pattern:
            sys.exit("--update needs the whole suite (no -k)")
        write_passing_list(results)
    return results


def exit_status(results, whole_suite):
    """1 if a case failed, crashed or hung, or (for the whole suite) a case
    of the passing list no longer passes."""
    bad = any(r[0] in ("fail", "crash", "timeout") for r in results.values())
    regressed = whole_suite and any(results.get(n, ("missing",))[0] != "pass"
                                    for n in read_passing_list())
    return 1 if bad or regressed else 0


if __name__ == "__main__":
    args = sys.argv[1:]
    sys.exit(exit_status(main(args), whole_suite="-k" not in args))
