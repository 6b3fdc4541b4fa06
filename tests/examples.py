"""The worked examples (claim + expected decision) and how a decision is compared with one.

The examples of the documentation live in docs/examples, the hand-worked ones of single rules in
tests/rules/examples; both are read from the repository only. Comparison as docs/examples/README.md
says: `amounts_by_kind` and `warnings` are compared only where an expected file states them.
"""

import json
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCS_EXAMPLES = ROOT / "docs" / "examples"
OWN_EXAMPLES = ROOT / "tests" / "rules" / "examples"
EXAMPLE_DIRS = (DOCS_EXAMPLES, OWN_EXAMPLES)


def example_names() -> list[Path]:
    """Every `*.claim.json` of the example folders; one without its expected file fails when loaded."""
    return [claim for folder in EXAMPLE_DIRS for claim in sorted(folder.glob("*.claim.json"))]


def expected_path(claim_path: Path) -> Path:
    return claim_path.with_name(claim_path.name.replace(".claim.", ".expected."))


def load_example(claim_path: Path) -> tuple[dict, dict]:
    return json.loads(claim_path.read_text()), json.loads(expected_path(claim_path).read_text())


def summary(decision: dict) -> dict:
    """The parts of a decision that an expected file states."""
    by_kind: dict[str, Decimal] = {}
    for line in decision["lines"]:
        by_kind[line["kind"]] = by_kind.get(line["kind"], Decimal("0.00")) + Decimal(line["amount"])
    return {
        "eligible": decision["eligible"],
        "total": decision["total"],
        "amounts_by_kind": {k: str(v) for k, v in by_kind.items() if v},
        "errors": sorted(f["code"] for f in decision["findings"] if f["severity"] == "error"),
        "warnings": sorted(f["code"] for f in decision["findings"] if f["severity"] == "warning"),
    }


def expected_summary(expected: dict, actual: dict) -> dict:
    """The expected file as a summary; `amounts_by_kind` and `warnings` are compared only when given."""
    return {
        "eligible": expected["eligible"],
        "total": expected["total"],
        "amounts_by_kind": expected.get("amounts_by_kind", actual["amounts_by_kind"]),
        "errors": sorted(expected["errors"]),
        "warnings": sorted(expected.get("warnings", actual["warnings"])),
    }
