"""Every worked example through the Python API and through `python -m rules evaluate`."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from rules import evaluate
from tests.examples import (
    DOCS_EXAMPLES,
    EXAMPLE_DIRS,
    OWN_EXAMPLES,
    ROOT,
    example_names,
    expected_summary,
    load_example,
    summary,
)

EXAMPLES = example_names()


def test_the_examples_are_found_in_the_repository():
    assert len([p for p in EXAMPLES if p.parent == DOCS_EXAMPLES]) >= 6
    assert len([p for p in EXAMPLES if p.parent == OWN_EXAMPLES]) >= 19


def _stems(suffix: str) -> set[Path]:
    return {p.parent / p.name.removesuffix(suffix) for folder in EXAMPLE_DIRS for p in folder.glob(f"*{suffix}")}


def test_every_example_file_has_its_pair():
    # An expected decision without its claim (a renamed file) would silently test nothing.
    assert _stems(".claim.json") == _stems(".expected.json")


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
