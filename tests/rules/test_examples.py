"""Every worked example through the Python API and through `python -m rules evaluate`."""

import json
import subprocess
import sys

import pytest

from rules import evaluate
from tests.examples import ROOT, example_names, expected_summary, load_example, summary

EXAMPLES = example_names()


def test_shared_examples_are_found():
    assert len([p for p in EXAMPLES if "shared" in p.parts]) >= 6


def test_own_examples_are_found():
    assert len([p for p in EXAMPLES if "shared" not in p.parts]) >= 18


@pytest.mark.parametrize("claim_path", EXAMPLES, ids=lambda p: p.name.removesuffix(".claim.json"))
def test_example_through_python_api(claim_path):
    claim, expected = load_example(claim_path)
    actual = summary(evaluate(claim).to_dict())
    assert actual == expected_summary(expected, actual)


@pytest.mark.parametrize("claim_path", EXAMPLES, ids=lambda p: p.name.removesuffix(".claim.json"))
def test_example_through_command_line(claim_path):
    _, expected = load_example(claim_path)
    done = subprocess.run(
        [sys.executable, "-m", "rules", "evaluate", str(claim_path)], capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == (0 if expected["eligible"] else 1), done.stderr
    actual = summary(json.loads(done.stdout))
    assert actual == expected_summary(expected, actual)
