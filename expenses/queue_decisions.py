"""Deciding clean claims straight from finance's queue: one or several, each through the workflow on its own.

A clean claim is one nobody needs to read on its own page: no error, and no warning that an
officer has not yet accepted. Each claim is decided in its own transaction by the workflow's
own functions, so separation of duties, the version check and the audit trail are exactly
those of the claim page; a refusal of one claim leaves the others decided.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from flask_babel import gettext as _

from expenses import workflow
from expenses.extensions import db
from expenses.models import User

#: The queue decides these; returning or rejecting needs a reason, so those stay on the claim's page.
QUEUE_ACTIONS = ("check", "approve")
#: Approving makes a PDF (about a second each): more at once would outlast the request's timeout.
MAX_AT_ONCE = 20


def is_clean(status: str, findings: Iterable[dict] | None) -> bool:
    """Whether a claim in `status` with these stored findings may be decided without opening it.

    A checked claim's warnings were accepted by the officer who checked it (the check event names
    them, and the claim cannot change between check and approval), so only errors hold it back.
    """
    severities = {f.get("severity") for f in findings or ()}
    if "error" in severities:
        return False
    return status == "checked" or "warning" not in severities


@dataclass(frozen=True)
class Outcome:
    """What became of one claim: `problem` is None when it was decided, else why not."""

    claim_id: int
    reference: str
    problem: str | None = None


def decide(action: str, wanted: list[tuple[int, int | None]], officer: User) -> list[Outcome]:
    """Check or approve each (claim id, version shown) in order; an outcome per claim, decided or refused.

    Only the first MAX_AT_ONCE are read and get an outcome; the caller tells the officer about the rest."""
    if action not in QUEUE_ACTIONS:
        raise ValueError(action)
    outcomes = []
    for claim_id, version in wanted[:MAX_AT_ONCE]:
        try:
            claim = workflow.get_claim(claim_id, officer)
        except workflow.NotFound as e:
            outcomes.append(Outcome(claim_id, f"#{claim_id}", e.message))
            continue
        reference = claim.reference
        if version is None:
            problem = _("The form was incomplete. Reload the page and try again.")
        elif claim.status in workflow.TRANSITIONS[action].sources and not is_clean(
            claim.status, claim.decision.get("findings")
        ):
            problem = _("It has findings to look at: open the claim and decide it there.")
        else:
            try:
                workflow.ACTIONS[action](claim_id, officer, version=version)
            except workflow.WorkflowError as e:
                db.session.rollback()
                problem = e.message
            else:
                problem = None
        outcomes.append(Outcome(claim_id, reference, problem))
    return outcomes
