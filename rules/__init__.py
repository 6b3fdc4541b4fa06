"""The pure rules engine: what the state travel regulation reimburses for a mentor's claim.

No Flask, SQLAlchemy, WeasyPrint or `expenses` imports here: a finance analyst can use this
package from a notebook or through `python -m rules`.
"""

from rules.claim import Claim, Expense, MalformedClaim, Trip, parse_claim
from rules.decision import Decision, Finding, Line
from rules.engine import evaluate
from rules.programme import Calendar, Session, load_calendar
from rules.rates import RateBook, Rates, load_rates
from rules.registry import RULES, SOURCES, Rule, RuleText, describe, legend

__all__ = [
    "RULES",
    "SOURCES",
    "Calendar",
    "Claim",
    "Decision",
    "Expense",
    "Finding",
    "Line",
    "MalformedClaim",
    "RateBook",
    "Rates",
    "Rule",
    "RuleText",
    "Session",
    "Trip",
    "describe",
    "evaluate",
    "legend",
    "load_calendar",
    "load_rates",
    "parse_claim",
]
