"""The fuzz harness (tests/fuzz.py) in CI: seeded mutants of the node suite
and the light models must all be refused with OnnxMlcError or compile and
run; none may crash the worker, hang, or raise anything else."""

import fuzz

# Mutants 0 to 1499 of seed 0: about a minute on 2 cores. Longer runs, other
# seeds: python tests/fuzz.py -n 20000 --seed 7
COUNT = 1500


def test_no_mutant_crashes_or_raises_an_internal_error():
    results = fuzz.run(COUNT, seed=0, jobs=2)
    bad = [f"{i} {outcome}: {what} | {detail}" for i, (what, outcome, detail) in results.items()
           if outcome in fuzz.BAD]
    assert not bad, "\n".join(bad)
    outcomes = {outcome for _, outcome, _ in results.values()}
    assert outcomes == {"refused", "compiled"}  # both paths were exercised
