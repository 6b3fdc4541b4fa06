"""Pages of ministry finance: the queues, one claim beside its receipts, and the check/approve/pay actions."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from expenses import queue_decisions, roster, workflow
from expenses.decisions import localised
from expenses.extensions import db
from expenses.formatting import STATUS_NAMES, language
from expenses.models import Claim, User
from expenses.security import whole_number
from expenses.web import queues, summary
from expenses.web.access import role_required
from expenses.web.claim_pages import claims_page, receipts_of, template_helpers, trail_of
from expenses.web.forms import CheckedForm
from expenses.web.search import SearchForm
from expenses.web.validators import plain

bp = Blueprint("review", __name__, url_prefix="/finance")

#: Statuses finance has finished with, for the "recently handled" list.
HANDLED = ("returned", "rejected", "paid")
#: Rows per page of the handled list: the page stays fast however long the list grows.
PAGE_SIZE = 50


class ActionForm(CheckedForm):
    """An action on one claim; the version it was shown at travels with it, so a stale page cannot win."""

    version = HiddenField(validators=[InputRequired()])

    def version_number(self) -> int | None:
        try:
            return int(self.version.data)
        except (TypeError, ValueError):
            return None


class ReasonForm(ActionForm):
    reason = TextAreaField(
        _l("Reason"),
        validators=[plain(DataRequired(message=_l("Write the reason: the mentor sees it."))), Length(max=2000)],
        description=_l("The mentor sees this reason in the claim and in the e-mail."),
    )


class PayForm(ActionForm):
    reference = StringField(
        _l("Payment reference"),
        validators=[plain(DataRequired(message=_l("Write the payment reference."))), Length(max=100)],
        description=_l("The reference of the payment in the payment system."),
    )


class HandledSearch(SearchForm):
    """The handled list's search: the search box, the session and which of the handled statuses."""

    status = SelectField(_l("Status"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Returned, rejected or paid"))] + [(s, STATUS_NAMES[s]) for s in HANDLED]

    @property
    def searching(self) -> bool:
        return super().searching or bool(self.status.data)


FORMS = {"check": ActionForm, "approve": ActionForm, "return": ReasonForm, "reject": ReasonForm, "pay": PayForm}


def _success(action: str, ref: str) -> str:
    return {
        "check": _("The claim %(ref)s is checked. Another officer approves it.", ref=ref),
        "approve": _("The claim %(ref)s is approved.", ref=ref),
        "return": _("The claim %(ref)s was returned to the mentor for correction.", ref=ref),
        "reject": _("The claim %(ref)s was rejected.", ref=ref),
        "pay": _("The claim %(ref)s is marked paid.", ref=ref),
    }[action]


def _decided_many(action: str, refs: list[str]) -> str:
    listed = ", ".join(refs)
    if action == "check":
        return ngettext(
            "%(num)d claim is checked: %(refs)s. Another officer approves it.",
            "%(num)d claims are checked: %(refs)s. Another officer approves them.",
            len(refs),
            refs=listed,
        )
    return ngettext(
        "%(num)d claim is approved: %(refs)s.", "%(num)d claims are approved: %(refs)s.", len(refs), refs=listed
    )


@bp.context_processor
def _helpers() -> dict:
    return template_helpers()


@bp.route("/")
@role_required("finance")
def index():
    shown = queues.queue_named(request.args.get("queue"))
    waiting = queues.counts()
    search = SearchForm(formdata=request.args)
    # A search with mistakes shows them and no list: not a list the officer did not ask for.
    page = queues.queue_page(shown, waiting, search) if search.validate() else None
    return render_template(
        "review/index.html", queues=queues.QUEUES, shown=shown, waiting=waiting, page=page, search=search
    )


@bp.route("/handled")
@role_required("finance")
def handled():
    search = HandledSearch(formdata=request.args)
    page = None
    if search.validate():
        query = select(Claim).where(Claim.status.in_(HANDLED))
        if search.status.data in HANDLED:
            query = query.where(Claim.status == search.status.data)
        if search.term:
            query = query.join(User, Claim.mentor_id == User.id)
        query = search.narrowed(query).order_by(Claim.updated_at.desc(), Claim.id.desc())
        page = claims_page(query, "page", PAGE_SIZE)
    return render_template("review/handled.html", page=page, search=search)


@bp.route("/summary")
@role_required("finance")
def summary_page():
    return summary.page("review.summary_csv")


@bp.route("/summary.csv")
@role_required("finance")
def summary_csv():
    return summary.csv_download()


@bp.post("/decide/<any(check, approve):action>")
@role_required("finance")
def decide(action: str):
    """Check or approve clean claims from the queue: the row's own button, or every ticked row at once.

    The app's CSRF protection refuses the form without its token before this runs."""
    one = request.form.get("claim")
    ids = [one] if one is not None else request.form.getlist("selected")
    wanted = [(n, whole_number(request.form.get(f"version-{n}"))) for v in ids if (n := whole_number(v)) is not None]
    queue = next(q for q in queues.QUEUES if q.action == action)
    if not wanted:
        flash(_("Tick the claims to decide first."), "error")
        return redirect(url_for("review.index", queue=queue.id))
    outcomes = queue_decisions.decide(action, wanted, current_user)
    done = [o.reference for o in outcomes if o.problem is None]
    if len(done) == 1:
        flash(_success(action, done[0]), "success")
    elif done:
        flash(_decided_many(action, done), "success")
    for outcome in outcomes:
        if outcome.problem is not None:
            flash(_("%(ref)s was not decided: %(problem)s", ref=outcome.reference, problem=outcome.problem), "error")
    if left := len(wanted) - len(outcomes):
        flash(
            ngettext(
                "%(num)d more claim was not decided: at most %(max)d are decided at once. Choose it again.",
                "%(num)d more claims were not decided: at most %(max)d are decided at once. Choose them again.",
                left,
                max=queue_decisions.MAX_AT_ONCE,
            ),
            "error",
        )
    return redirect(url_for("review.index", queue=queue.id))


def _forms_for(claim: Claim, submitted: tuple[str, CheckedForm] | None = None) -> dict[str, CheckedForm]:
    """The action forms the claim's state allows, each carrying the version the officer sees."""
    forms = {}
    for action, transition in workflow.TRANSITIONS.items():
        if action not in workflow.FINANCE_ACTIONS or claim.status not in transition.sources:
            continue
        mine = submitted is not None and submitted[0] == action
        form = submitted[1] if mine else FORMS[action](prefix=action, formdata=None)
        # Always the version on screen now: after a refusal the officer has seen the claim as it is.
        form.version.data = str(claim.version)
        forms[action] = form
    return forms


def _show(claim: Claim, submitted: tuple[str, CheckedForm] | None = None, problem: str | None = None, status=200):
    return (
        render_template(
            "review/show.html",
            claim=claim,
            decision=localised(claim, language()),
            forms=_forms_for(claim, submitted),
            receipts=receipts_of(claim),
            trail=trail_of(claim),
            problem=problem,
            may_approve=claim.checked_by_id != current_user.id,
            without_roster=roster.without_roster(claim.session_id),
        ),
        status,
    )


@bp.route("/claims/<int:claim_id>")
@role_required("finance")
def show(claim_id: int):
    return _show(workflow.get_claim(claim_id, current_user))


@bp.route("/claims/<int:claim_id>/<any(check, approve, return, reject, pay):action>", methods=["POST"])
@role_required("finance")
def act(claim_id: int, action: str):
    claim = workflow.get_claim(claim_id, current_user)
    form = FORMS[action](prefix=action)
    if not form.validate_on_submit():
        problem = None
        if form.version.errors or form.version_number() is None:
            problem = _("The form was incomplete. Reload the page and try again.")
        return _show(claim, (action, form), problem, 422)
    text = {"return": "reason", "reject": "reason", "pay": "reference"}.get(action)
    args = (form[text].data,) if text else ()
    try:
        done = workflow.ACTIONS[action](claim.id, current_user, *args, version=form.version_number())
    except workflow.Stale:
        db.session.rollback()
        message = _(
            "Someone else changed this claim while you had it open. The page now shows the claim as it is: "
            "check it and try again if the action is still needed."
        )
        return _show(db.session.get(Claim, claim_id), (action, form), message, 409)
    except workflow.Invalid as e:
        for error in e.details.get("errors", []):
            if error.get("field") == text:
                form[text].errors = [*form[text].errors, error["message"]]
        return _show(claim, (action, form), None if text else e.message, 422)
    except workflow.WorkflowError as e:
        db.session.rollback()
        return _show(db.session.get(Claim, claim_id), (action, form), e.message, e.status)
    flash(_success(action, done.reference), "success")
    return redirect(url_for("review.show", claim_id=done.id))
