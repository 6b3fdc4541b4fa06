"""Pages of the auditor: approved and paid claims, filtered and sorted, with their audit trails and exports."""

import tempfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from flask import Blueprint, Response, abort, render_template, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, func, select
from wtforms import DecimalField, SelectField
from wtforms.validators import NumberRange, Optional, ValidationError

from expenses import exports, ledger, workflow
from expenses.decisions import localised
from expenses.extensions import db
from expenses.formatting import STATUS_NAMES, language
from expenses.models import Claim, User, utcnow
from expenses.web import summary
from expenses.web.access import role_required
from expenses.web.claim_pages import claims_page, receipts_of, template_helpers, trail_of
from expenses.web.search import LocalDateField, SearchForm
from expenses.web.validators import within_years
from rules.programme import HELSINKI

bp = Blueprint("audit", __name__, url_prefix="/audit")

#: What an auditor sees: money the state has committed to or paid (the rule itself is the workflow's).
VISIBLE = workflow.AUDITED
PAGE_SIZE = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

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


class FilterForm(SearchForm):
    """The auditor's search: the search box and session, with the auditor's own filters."""

    status = SelectField(_l("Status"), validators=[Optional()])
    approved_from = LocalDateField(_l("Approved from"), validators=[Optional(), within_years])
    approved_to = LocalDateField(_l("Approved until"), validators=[Optional(), within_years])
    amount_min = LocalDecimalField(_l("Total at least (€)"), places=2, validators=[Optional(), NumberRange(min=0)])
    amount_max = LocalDecimalField(_l("Total at most (€)"), places=2, validators=[Optional(), NumberRange(min=0)])
    sort = SelectField(_l("Sort by"), validators=[Optional()])
    order = SelectField(_l("Order"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.status.choices = [("", _l("Approved or paid"))] + [(s, STATUS_NAMES[s]) for s in VISIBLE]
        self.sort.choices = [(key, label) for key, (label, _column) in SORTS.items()]
        self.order.choices = [("desc", _l("Descending")), ("asc", _l("Ascending"))]

    def validate_approved_to(self, field: LocalDateField) -> None:
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
    if form.term or form.sort.data == "mentor":
        # Only then: without the mentor, counting and ordering the list read nothing but an index.
        query = query.join(User, Claim.mentor_id == User.id)
    if form.status.data in VISIBLE:
        query = query.where(Claim.status == form.status.data)
    query = form.narrowed(query)
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


def _selection() -> Select:
    """The claims the list's filters select, for an export; bad filters are the page's to explain."""
    form = FilterForm(formdata=request.args)
    if not form.validate():
        abort(400)
    return _filtered(form)


def _file_name(name: str, extension: str) -> str:
    """A download's name with its moment: claims-20240423-1015.zip."""
    return f"{name}-{utcnow().astimezone(HELSINKI):%Y%m%d-%H%M}.{extension}"


def _download(name: str, extension: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{_file_name(name, extension)}"'}


@bp.route("/export.zip")
@role_required("auditor")
def export():
    """The selected claims' PDFs and receipts with the ledgers and a manifest, as one ZIP, streamed."""
    return Response(
        stream_with_context(exports.zip_of(_selection(), language())),
        mimetype="application/zip",
        headers=_download("claims", "zip"),
    )


@bp.route("/ledger.csv")
@role_required("auditor")
def ledger_csv():
    """The ledger as the office opens it: the reader's language, ';' and decimal commas in fi and sv."""
    rows = db.session.execute(ledger.query(_selection()))
    return Response(
        stream_with_context(ledger.stream_csv(ledger.office_writer(language()), rows)),
        mimetype="text/csv",
        headers=_download("ledger", "csv"),
    )


@bp.route("/ledger-data.csv")
@role_required("auditor")
def ledger_data():
    """The ledger for integrations: English column names, ',', decimal points, ISO 8601 (README)."""
    rows = db.session.execute(ledger.query(_selection()))
    return Response(
        stream_with_context(ledger.stream_csv(ledger.data_writer(), rows)),
        mimetype="text/csv",
        headers=_download("ledger-data", "csv"),
    )


@bp.route("/ledger.xlsx")
@role_required("auditor")
def ledger_xlsx():
    """The ledger as an Excel workbook: numbers as numbers in euros, times as times."""
    rows = db.session.execute(ledger.query(_selection()))
    out = tempfile.TemporaryFile()  # noqa: SIM115 - send_file closes it when the response is done
    try:
        ledger.write_xlsx(rows, language(), out)
    finally:
        rows.close()
    out.seek(0)
    return send_file(out, XLSX, as_attachment=True, download_name=_file_name("ledger", "xlsx"), max_age=0)


@bp.route("/summary")
@role_required("auditor")
def summary_page():
    """The programme's finances; auditors count claims in the statuses they may read."""
    return summary.page("audit.summary_csv", VISIBLE)


@bp.route("/summary.csv")
@role_required("auditor")
def summary_csv():
    return summary.csv_download(VISIBLE)


@bp.route("/claims/<int:claim_id>")
@role_required("auditor")
def show(claim_id: int):
    claim = workflow.get_claim(claim_id, current_user)  # auditors read approved and paid claims only
    return render_template(
        "audit/show.html",
        claim=claim,
        decision=localised(claim, language()),
        receipts=receipts_of(claim),
        trail=trail_of(claim),
    )
