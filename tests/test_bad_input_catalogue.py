"""The catalogue of wrong calls (benchmarks/bad_input_catalogue.py) runs to the end: no wrong
call returns an answer, none hangs, and every error names the problem."""

from __future__ import annotations

import json

from benchmark_runs import run_script


def test_no_wrong_call_gives_a_silent_answer_or_hangs(tmp_path):
    results = tmp_path / "catalogue.json"
    run_script(["benchmarks/bad_input_catalogue.py", "--json", str(results)], OPENBLAS_NUM_THREADS="1")
    report = json.loads(results.read_text())
    outcomes = report["outcomes"]
    assert len(outcomes) >= 250
    assert {o["area"] for o in outcomes} >= {"numpy", "transforms", "conversions", "nn", "optim", "random"}
    bad = [(o["name"], o["kind"], o["detail"]) for o in outcomes if o["kind"] != "clear"]
    assert not bad
    # NumPy's buf[i] = x reports fnzero's refusal as the cause of its own error.
    into_buffer = next(o for o in outcomes if o["name"] == "grad buf[0] = x (x 0-d)")
    assert "caused by ConcretizationTypeError" in into_buffer["detail"]
