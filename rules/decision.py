"""The decision document (docs/claims.md): lines with their rule, findings, the total."""

from dataclasses import dataclass, field
from decimal import Decimal

from rules.money import ZERO

LINE_KINDS = (
    "per_diem_full",
    "per_diem_partial",
    "meal_allowance",
    "night_travel_allowance",
    "mileage",
    "public_transport",
    "taxi",
    "accommodation",
    "other",
)


# Value objects, never changed after they are made; not frozen because frozen dataclasses cost
# three times as much to build, and the engine builds thousands a second (benchmarks/rules_eval.py).
@dataclass(slots=True)
class Line:
    """One reimbursed amount: quantity × rate, the rule that made it and its arithmetic."""

    kind: str
    quantity: Decimal
    rate: Decimal
    amount: Decimal
    rule: str
    explanation: str
    expense: int | None = None  # index of the expense the line pays, if any

    def to_dict(self) -> dict[str, str]:
        return {
            "kind": self.kind,
            "quantity": format(self.quantity.normalize(), "f"),
            "rate": str(self.rate),
            "amount": str(self.amount),
            "rule": self.rule,
            "explanation": self.explanation,
        }


@dataclass(slots=True)
class Finding:
    """A problem (`error`, blocks payment) or a point for finance to review (`warning`)."""

    code: str
    severity: str
    message: str
    expense: int | None = None

    def to_dict(self) -> dict[str, object]:
        return {"code": self.code, "severity": self.severity, "message": self.message, "expense": self.expense}


@dataclass(slots=True)
class Decision:
    ruleset: str | None
    lines: tuple[Line, ...] = ()
    findings: tuple[Finding, ...] = field(default=())

    @property
    def eligible(self) -> bool:
        return not any(f.severity == "error" for f in self.findings)

    @property
    def computed(self) -> Decimal:
        """What the lines add up to, whether or not the claim is eligible."""
        return sum((line.amount for line in self.lines), ZERO)

    @property
    def total(self) -> Decimal:
        return self.computed if self.eligible else ZERO

    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    def to_dict(self) -> dict[str, object]:
        return {
            "ruleset": self.ruleset,
            "eligible": self.eligible,
            "lines": [line.to_dict() for line in self.lines],
            "findings": [f.to_dict() for f in self.findings],
            "total": str(self.total),
        }
