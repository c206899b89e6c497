"""The catalogue of wrong calls (benchmarks/bad_input_catalogue.py) runs to the end: no wrong
call returns an answer, none hangs, and the only unclear errors are the known ones."""

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
    bad = [(o["name"], o["detail"]) for o in outcomes if o["kind"] in ("silent", "hang")]
    assert not bad
    unclear = {o["name"] for o in outcomes if o["kind"] == "unclear"}
    assert unclear <= set(report["known_unclear"]), unclear - set(report["known_unclear"])
