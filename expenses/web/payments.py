"""Finance's payment pages: SEPA credit-transfer files (pain.001) for approved claims, and marking them paid."""

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from expenses import payments, workflow
from expenses.extensions import db
from expenses.models import Claim, PaymentBatch, User
from expenses.security import whole_number
from expenses.web.access import role_required
from expenses.web.forms import CheckedForm
from expenses.web.search import SearchForm
from expenses.web.validators import plain

bp = Blueprint("payments", __name__, url_prefix="/finance/payments")
bp.add_app_template_filter(payments.grouped_iban, "iban")


class PaidForm(CheckedForm):
    reference = StringField(
        _l("Payment reference"),
        validators=[plain(DataRequired(message=_l("Write the bank's reference of the payment."))), Length(max=100)],
        description=_l("The reference the bank gave the transfer; every claim of the file is marked paid with it."),
    )


@bp.route("/")
@role_required("finance")
def index():
    return _index()


def _index(status: int = 200):
    search = SearchForm(formdata=request.args)
    waiting = None  # a search with mistakes shows them instead of the claims
    if search.validate():
        query = select(Claim).where(Claim.status == "approved", Claim.payment_batch_id.is_(None))
        if search.term:
            query = query.join(User, Claim.mentor_id == User.id)
        waiting = db.session.scalars(
            search.narrowed(query).options(selectinload(Claim.mentor)).order_by(Claim.approved_at, Claim.id).limit(500)
        ).all()
    batches = db.session.scalars(select(PaymentBatch).order_by(PaymentBatch.id.desc()).limit(50)).all()
    page = render_template(
        "payments/index.html", waiting=waiting, batches=batches, form=CheckedForm(), paid=PaidForm(), search=search
    )
    return page, status


@bp.post("/")
@role_required("finance")
def create():
    form = CheckedForm()
    if not form.validate_on_submit():
        abort(400)
    ids = [n for v in request.form.getlist("claim") if (n := whole_number(v)) is not None]
    if not ids:
        flash(_("Choose at least one approved claim for the payment file."), "error")
        return redirect(url_for("payments.index"))
    try:
        batch = payments.export_batch(ids, current_user)
    except workflow.WorkflowError as e:
        # The page again, with the refusal's status: 409 when another officer took a claim first.
        flash(e.message, "error")
        return _index(e.status)
    flash(
        ngettext(
            "The payment file has %(num)d claim. Download it for the bank.",
            "The payment file has %(num)d claims. Download it for the bank.",
            batch.count,
        ),
        "success",
    )
    return redirect(url_for("payments.show", batch_id=batch.id))


def _batch(batch_id: int, *options) -> PaymentBatch:
    batch = db.session.get(PaymentBatch, batch_id, options=options)
    if batch is None:
        abort(404)
    return batch


@bp.route("/<int:batch_id>", methods=["GET", "POST"])
@role_required("finance")
def show(batch_id: int):
    # The page lists every claim of the file with its mentor: two queries, not one per claim.
    batch = _batch(batch_id, selectinload(PaymentBatch.claims).joinedload(Claim.mentor))
    form, status = PaidForm(), 200
    if form.validate_on_submit():
        try:
            payments.mark_batch_paid(batch.id, current_user, form.reference.data)
        except workflow.WorkflowError as e:
            flash(e.message, "error")
            status = e.status
        else:
            flash(
                ngettext(
                    "%(num)d claim of the file is marked paid.",
                    "%(num)d claims of the file are marked paid.",
                    batch.count,
                ),
                "success",
            )
            return redirect(url_for("payments.show", batch_id=batch.id))
    return render_template("payments/show.html", batch=batch, form=form), status


@bp.route("/<int:batch_id>/pain001.xml")
@role_required("finance")
def download(batch_id: int):
    batch = _batch(batch_id)
    if not batch.xml:
        abort(410)  # removed at the end of its retention period (expenses/retention.py)
    return Response(
        batch.xml,
        mimetype="application/xml",
        headers={"Content-Disposition": f'attachment; filename="pain001-{batch.message_id}.xml"'},
    )
