"""Pages of the auditor: approved and paid claims, filtered and sorted, each with its full audit trail."""

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import Blueprint, Response, abort, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, or_, select
from wtforms import DateField, DecimalField, SelectField, StringField
from wtforms.validators import NumberRange, Optional, ValidationError

from expenses import exports, workflow
from expenses.decisions import localised
from expenses.formatting import STATUS_NAMES, language
from expenses.models import Claim, User, utcnow
from expenses.web.access import role_required
from expenses.web.claim_pages import claims_page, receipts_of, session_label, template_helpers, trail_of
from expenses.web.forms import CheckedForm
from expenses.web.validators import within_years
from rules import load_calendar
from rules.programme import HELSINKI

bp = Blueprint("audit", __name__, url_prefix="/audit")

#: What an auditor sees: money the state has committed to or paid.
VISIBLE = ("approved", "paid")
PAGE_SIZE = 50

SORTS = {
    "approved": (_l("Approval date"), Claim.approved_at),
    "total": (_l("Total"), Claim.total),
    "mentor": (_l("Mentor"), func.lower(User.name)),
    "session": (_l("Session"), Claim.session_id),
    "reference": (_l("Reference"), Claim.id),
}


class LocalDecimalField(DecimalField):
    """A euro amount typed either way, 12,50 or 12.50, as Finnish users do."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            valuelist = [valuelist[0].replace(" ", "").replace("\u00a0", "").replace(",", ".")]
        super().process_formdata(valuelist)


class FilterForm(CheckedForm):
    """The auditor's search. A GET form: it changes nothing, so it needs no CSRF token and can be bookmarked."""

    class Meta:
        csrf = False

    session = SelectField(_l("Session"), validators=[Optional()])
    mentor = StringField(_l("Mentor's name"), validators=[Optional()])
    status = SelectField(_l("Status"), validators=[Optional()])
    approved_from = DateField(_l("Approved from"), validators=[Optional(), within_years])
    approved_to = DateField(_l("Approved until"), validators=[Optional(), within_years])
    amount_min = LocalDecimalField(_l("Total at least (€)"), places=2, validators=[Optional(), NumberRange(min=0)])
    amount_max = LocalDecimalField(_l("Total at most (€)"), places=2, validators=[Optional(), NumberRange(min=0)])
    sort = SelectField(_l("Sort by"), validators=[Optional()])
    order = SelectField(_l("Order"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.session.choices = [("", _l("All sessions"))] + [
            (s.id, session_label(s.id)) for s in load_calendar().reimbursable()
        ]
        self.status.choices = [("", _l("Approved or paid"))] + [(s, STATUS_NAMES[s]) for s in VISIBLE]
        self.sort.choices = [(key, label) for key, (label, _column) in SORTS.items()]
        self.order.choices = [("desc", _l("Descending")), ("asc", _l("Ascending"))]

    def validate_approved_to(self, field: DateField) -> None:
        if field.data and self.approved_from.data and field.data < self.approved_from.data:
            raise ValidationError(_("The end date is before the start date."))

    def validate_amount_max(self, field: DecimalField) -> None:
        if field.data is not None and self.amount_min.data is not None and field.data < self.amount_min.data:
            raise ValidationError(_("The largest total is smaller than the smallest."))


def _local_start(day: date) -> datetime:
    return datetime.combine(day, time.min, HELSINKI)


def _filtered(form: FilterForm) -> Select:
    """The claims the filters ask for; dates are Helsinki days, the end date included."""
    query = select(Claim).where(Claim.status.in_(VISIBLE))
    term = (form.mentor.data or "").strip()
    if term or form.sort.data == "mentor":
        # Only then: without the mentor, counting and ordering the list read nothing but an index.
        query = query.join(User, Claim.mentor_id == User.id)
    if form.status.data in VISIBLE:
        query = query.where(Claim.status == form.status.data)
    if form.session.data:
        query = query.where(Claim.session_id == form.session.data)
    if term:
        # SQLite's lower() knows only ASCII, so "Åsa" is also looked for exactly as typed.
        query = query.where(
            or_(
                func.lower(User.name).contains(term.lower(), autoescape=True), User.name.contains(term, autoescape=True)
            )
        )
    if form.approved_from.data:
        query = query.where(Claim.approved_at >= _local_start(form.approved_from.data))
    if form.approved_to.data:
        query = query.where(Claim.approved_at < _local_start(form.approved_to.data + timedelta(days=1)))
    if form.amount_min.data is not None:
        query = query.where(Claim.total >= Decimal(form.amount_min.data))
    if form.amount_max.data is not None:
        query = query.where(Claim.total <= Decimal(form.amount_max.data))
    _label, column = SORTS.get(form.sort.data, SORTS["approved"])
    direction = "asc" if form.order.data == "asc" else "desc"
    tie = Claim.id.asc() if direction == "asc" else Claim.id.desc()
    return query.order_by(getattr(column, direction)(), tie)


@bp.context_processor
def _helpers() -> dict:
    return template_helpers()


@bp.route("/")
@role_required("auditor")
def index():
    form = FilterForm(formdata=request.args)
    if not form.sort.data:
        form.sort.data = "approved"
    if not form.order.data:
        form.order.data = "desc"
    # Bad filters are shown next to their fields; no list is better than a list the auditor did not ask for.
    page = claims_page(_filtered(form), "page", PAGE_SIZE) if form.validate() else None
    return render_template("audit/index.html", form=form, page=page, searched=bool(request.args))


@bp.route("/export.zip")
@role_required("auditor")
def export():
    """The claims the filters select, as one ZIP of their PDFs with a CSV ledger, streamed."""
    form = FilterForm(formdata=request.args)
    if not form.validate():
        abort(400)
    stamp = utcnow().astimezone(HELSINKI).strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(exports.zip_of(_filtered(form))),
        mimetype="application/zip",
        headers={"Content-Disposition": f'attachment; filename="claims-{stamp}.zip"'},
    )


@bp.route("/claims/<int:claim_id>")
@role_required("auditor")
def show(claim_id: int):
    claim = workflow.get_claim(claim_id, current_user)
    if claim.status not in VISIBLE:
        abort(404)  # auditors see committed money only; drafts and open claims are not theirs to read
    return render_template(
        "audit/show.html",
        claim=claim,
        decision=localised(claim, language()),
        receipts=receipts_of(claim),
        trail=trail_of(claim),
    )
