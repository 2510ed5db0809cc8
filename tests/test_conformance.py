"""The ONNX backend node suite (tests/conformance.py) as a regression test:
every case on the checked-in passing list must still pass, and no case may
crash, hang or compute a wrong result; the rest must be refused with the
compiler's clear error."""

import os

import pytest

import conformance


@pytest.fixture(scope="module")
def results():
    outcome = conformance.run_all(conformance.collect(), jobs=os.cpu_count() or 1, timeout=120)
    print("\nONNX node suite:", conformance.summary(outcome))
    return outcome


def test_passing_cases_still_pass(results):
    regressed = {n: results.get(n, ("missing", "")) for n in conformance.read_passing_list()
                 if results.get(n, ("missing",))[0] != "pass"}
    assert not regressed, "\n".join(f"{n}: {o} {d}" for n, (o, d) in sorted(regressed.items()))


def test_no_case_crashes_hangs_or_computes_wrongly(results):
    bad = {n: r for n, r in results.items() if r[0] in ("fail", "crash", "timeout")}
    assert not bad, "\n".join(f"{n}: {o} {d}" for n, (o, d) in sorted(bad.items()))


def test_unsupported_cases_say_where(results):
    # The importer and the lowering describe a node as
    # "node 'name' (OpType, domain d, opset n)", or name the graph's input
    # or output at fault.
    where = ("node '", "graph input '", "graph output '")
    vague = {n: d for n, (o, d) in results.items()
             if o == "unsupported" and not any(w in d for w in where)}
    assert not vague, "\n".join(f"{n}: {d}" for n, d in sorted(vague.items()))
