"""The worked examples (claim + expected decision) and how a decision is compared with one.

Shared examples live in ../shared/examples; our own hand-worked ones in tests/rules/examples.
Comparison as ../shared/examples/README.md says. Our own examples may also give `warnings` (the
sorted codes of the warning findings); it is compared only where an expected file states it.
"""

import json
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED_EXAMPLES = ROOT.parent / "shared" / "examples"
OWN_EXAMPLES = ROOT / "tests" / "rules" / "examples"


def example_names() -> list[Path]:
    """Every `*.claim.json` that has an `*.expected.json` beside it."""
    claims = sorted(SHARED_EXAMPLES.glob("*.claim.json")) + sorted(OWN_EXAMPLES.glob("*.claim.json"))
    return [c for c in claims if c.with_name(c.name.replace(".claim.", ".expected.")).exists()]


def load_example(claim_path: Path) -> tuple[dict, dict]:
    expected_path = claim_path.with_name(claim_path.name.replace(".claim.", ".expected."))
    return json.loads(claim_path.read_text()), json.loads(expected_path.read_text())


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
