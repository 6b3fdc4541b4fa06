"""The benchmark script keeps working (a tiny run; no timing is asserted: timings are not tests)."""

import importlib.util
import json
import subprocess
import sys

from rules import evaluate
from tests.examples import ROOT

BENCH = ROOT / "benchmarks" / "rules_eval.py"


def test_quick_run_prints_the_json_line_then_a_table():
    done = subprocess.run(
        [sys.executable, str(BENCH), "--n", "200", "--repeat", "1"], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    first, *table = done.stdout.splitlines()
    result = json.loads(first)
    assert result["bench"] == "rules_eval" and result["unit"] == "eval/s"
    assert result["value"] > 0 and result["baseline"] > 0 and result["ratio"] > 0
    assert result["target"] == "≥ 10000/s and ≤ 10× json.loads"
    assert isinstance(result["ok"], bool)
    assert any(line.startswith("json.loads + evaluate") for line in table)


def test_generated_claims_are_well_formed_varied_and_repeatable():
    spec = importlib.util.spec_from_file_location("rules_eval", BENCH)
    rules_eval = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(rules_eval)

    texts = rules_eval.make_claims(300)
    assert texts == rules_eval.make_claims(300)  # same seed, same claims
    decisions = [evaluate(json.loads(t)) for t in texts]  # no MalformedClaim: all well-formed
    assert len({json.loads(t)["session"] for t in texts}) >= 4
    eligible = sum(d.eligible for d in decisions)
    assert 0.6 * len(texts) < eligible < len(texts)  # mostly eligible, some refused
