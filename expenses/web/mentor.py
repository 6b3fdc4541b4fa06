"""The mentor's pages: my claims, a new claim, the claim form with its live computation, a claim and its history.

Every route of the blueprint is listed here. Views load, check access, call `workflow` and render;
the claim form's parsing lives in `claim_form`, and statuses change only in `workflow`.
"""

import re
from dataclasses import dataclass, field
from datetime import date

from flask import Blueprint, abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select

from expenses import payments, receipts, workflow
from expenses.decisions import computed_total, localised
from expenses.extensions import db
from expenses.formatting import language
from expenses.models import ACTIVE_STATUSES, Claim
from expenses.rounds import current_calendar, rounds_not_admitting
from expenses.security import whole_number
from expenses.web import claim_form as cf
from expenses.web.access import role_required
from expenses.web.claim_pages import session_label
from rules import Session

bp = Blueprint("mentor", __name__, url_prefix="/claims")
bp.add_app_template_filter(computed_total, "computed_total")  # the decision table of every audience
#: The statuses in which the mentor may change and send the claim.
EDITABLE = ("draft", "returned")

EVENT_NAMES = {
    "create": _l("Created"),
    "update": _l("Changed"),
    "submit": _l("Submitted"),
    "check": _l("Checked by finance"),
    "approve": _l("Approved"),
    "return": _l("Returned for correction"),
    "reject": _l("Rejected"),
    "pay": _l("Paid"),
}

# --- helpers -------------------------------------------------------------------------------------------


@dataclass
class SessionChoice:
    """A session as the new-claim page offers it: choosable, or why not."""

    session: Session
    title: str
    choosable: bool
    why_not: str | None = None
    claim: Claim | None = None


def _active_claims() -> dict[str, Claim]:
    rows = db.session.scalars(
        select(Claim).where(Claim.mentor_id == current_user.id, Claim.status.in_(ACTIVE_STATUSES))
    )
    return {c.session_id: c for c in rows}


def _session_choices() -> list[SessionChoice]:
    active = _active_claims()
    closed = rounds_not_admitting(current_user.id)
    choices = []
    for session in current_calendar().sessions.values():
        if session.programme in closed:
            continue  # another round's people: only its own roster may claim
        title = session.title_in(language())
        if session.mode == "remote":
            why = _("Not reimbursed: the session is remote, so there is no travel.")
            choices.append(SessionChoice(session, title, False, why))
        elif not session.reimbursed:
            choices.append(
                SessionChoice(
                    session, title, False, _("Not reimbursed: the programme does not reimburse travel to this session.")
                )
            )
        elif session.id in active:
            choices.append(SessionChoice(session, title, False, None, active[session.id]))
        else:
            choices.append(SessionChoice(session, title, True))
    return choices


@dataclass(frozen=True, slots=True)
class RoundChoices:
    """One round's part of the new-claim page: its name, its sessions, its independent-meetings periods."""

    name: str
    sessions: list[SessionChoice]
    independent: list[tuple[str, date, date]]


def _by_round(choices: list[SessionChoice]) -> list[RoundChoices]:
    """The choices under their rounds, the newest round first: the one a mentor claims for now is on top,
    not below every session of the rounds before it."""
    calendar, lang = current_calendar(), language()
    grouped: dict[str, list[SessionChoice]] = {}
    for choice in choices:
        grouped.setdefault(choice.session.programme, []).append(choice)
    rounds = sorted((calendar.programmes[r] for r in grouped), key=lambda r: r.starts, reverse=True)
    return [
        RoundChoices(
            r.name_in(lang),
            grouped[r.id],
            [(p.title_in(lang), p.start, p.end) for p in r.independent],
        )
        for r in rounds
    ]


def _posted_action() -> tuple[str, str | None]:
    form = request.form
    if "add_expense" in form:
        return "add", None
    if "remove_expense" in form:
        return "remove", form["remove_expense"]
    if "copy_expense" in form:
        return "copy", form["copy_expense"]
    if "compute" in form:
        return "compute", None
    if "send" in form:
        return "send", None
    return "save", None


def _version() -> int | None:
    return whole_number(request.form.get("version", ""))


@dataclass
class Preview:
    """What the decision panel shows: the (possibly partial) decision and what still needs fixing."""

    decision: dict | None = None
    errors: list[tuple[str, str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    partial: bool = False


def _compute(form: cf.ClaimForm, built: cf.Built, claim_id: int | None) -> Preview:
    """Ask the workflow for the decision; errors go onto the form, and rows with errors are left out."""
    result = Preview()
    try:
        result.decision = workflow.preview(built.body, current_user, language(), claim_id).to_dict()
    except workflow.Invalid as e:
        problems = e.problems
        result.notes = cf.apply_errors(form, built, problems)
        bad = {int(m[1]) for p in problems if (m := re.match(r"expenses\[(\d+)\]", p.field))}
        if bad and all(p.field.startswith("expenses[") for p in problems):
            # Show what the rest of the claim is worth while the mentor is still filling in a row.
            kept = [i for i in range(len(built.body["expenses"])) if i not in bad]
            body = dict(built.body, expenses=[built.body["expenses"][i] for i in kept])
            try:
                decision = workflow.preview(body, current_user, language(), claim_id).to_dict()
            except workflow.Invalid:
                decision = None
            if decision is not None:
                for finding in decision["findings"]:
                    if finding.get("expense") is not None:
                        finding["expense"] = kept[finding["expense"]]
                result.decision, result.partial = decision, True
    if result.decision is not None:
        # Number the findings' expenses as the form numbers its rows (blank rows are not in the JSON).
        positions = [form.expenses.entries.index(row) for row in built.rows]
        for finding in result.decision["findings"]:
            if finding.get("expense") is not None and finding["expense"] < len(positions):
                finding["expense"] = positions[finding["expense"]]
    result.errors = cf.field_errors(form)
    return result


def _chosen_session(form: cf.ClaimForm, choices: list[SessionChoice]) -> str | None:
    open_ids = {c.session.id for c in choices if c.choosable}
    if form.session.data in open_ids:
        return form.session.data
    if form.session.data and any(c.session.id == form.session.data for c in choices):
        cf.add_error(form.session, _("You cannot claim this session; choose one of the sessions offered."))
    return None


def _handle_post(form: cf.ClaimForm, claim: Claim | None, session_id: str | None):
    """One POST of the (already validated) claim form: store uploads, then add, copy or remove a row,
    compute, save, or send (save and submit)."""
    action, index = _posted_action()
    cf.store_uploads(form, current_user)
    focus = None
    preview = Preview()
    if action in ("add", "copy"):
        row = cf.add_row(form) if action == "add" else cf.copy_row(form, index or "")
        # A copied ticket needs only its own receipt: the keyboard goes there.
        focus = (row.form.type.id if action == "add" else row.form.receipt.id) if row else None
        if row is None and len(form.expenses.entries) >= cf.MAX_EXPENSES:
            flash(_("A claim can have at most %(n)s expenses.", n=cf.MAX_EXPENSES), "error")
    elif action == "remove":
        cf.remove_row(form, index or "")
        focus = "add-expense"
    else:
        cf.default_dates(form)
        built = cf.build_body(form, session_id)
        wanted = action == "save" or (action == "send" and _ready_to_send(form))
        if wanted and session_id and not cf.has_errors(form):
            try:
                if claim is None:
                    saved = workflow.create(built.body, current_user, language())
                else:
                    saved = workflow.update(claim.id, built.body, current_user, language(), _version())
            except workflow.Invalid as e:
                preview.notes = cf.apply_errors(form, built, e.problems)
            except (workflow.Ineligible, workflow.Stale, workflow.WrongState) as e:
                db.session.rollback()
                preview.notes = [e.message]
            else:
                if action == "send":
                    return _send(saved, form)
                if claim is None:
                    flash(_("The claim was saved as a draft. Check it and send it when it is ready."), "success")
                else:
                    flash(_("The changes were saved."), "success")
                return redirect(url_for("mentor.show", claim_id=saved.id))
        if not session_id and not form.session.errors:
            cf.add_error(form.session, _("Choose the session."))
        computed = _compute(form, built, claim.id if claim else None) if session_id else Preview()
        computed.notes = list(dict.fromkeys(preview.notes + computed.notes))
        computed.errors = cf.field_errors(form)
        preview = computed
    return preview, focus


def _ready_to_send(form: cf.SendForm) -> bool:
    """The declaration is given and the IBAN, if one was typed, is one; otherwise their fields say why."""
    ready = form.declared()
    typed = (form.iban.data or "").strip()
    if typed and not current_user.iban:
        try:
            payments.normalise_iban(typed)
        except workflow.Invalid as e:
            cf.add_error(form.iban, e.message)
            ready = False
    return ready


def _keep_iban(form: cf.SendForm) -> None:
    """The IBAN typed when sending (asked only while none is on file), checked by `_ready_to_send`."""
    typed = (form.iban.data or "").strip()
    if typed and not current_user.iban:
        payments.set_iban(current_user, typed)


def _send(claim: Claim, form: cf.SendForm):
    """Submit the saved claim, keeping the IBAN typed with it; a refusal leaves it saved, to fix and send again."""
    _keep_iban(form)
    try:
        workflow.submit(claim.id, current_user, language(), claim.version)
    except workflow.Ineligible:
        # Redirected, not rendered: reloading the page must not send the form (and a new claim) again.
        flash(
            _("The claim was saved as a draft, but it cannot be sent until the errors shown below are fixed."), "error"
        )
        return redirect(url_for("mentor.show", claim_id=claim.id))
    except (workflow.Stale, workflow.WrongState) as e:
        db.session.rollback()
        flash(e.message, "error")
        return redirect(url_for("mentor.show", claim_id=claim.id))
    flash(_("The claim was sent to ministry finance."), "success")
    return redirect(url_for("mentor.show", claim_id=claim.id))


def _form_context(form: cf.ClaimForm, preview: Preview, focus: str | None = None, **extra) -> dict:
    return {
        "form": form,
        "preview": preview,
        "focus": focus,
        "errors": cf.field_errors(form),
        "attached": cf.attached_receipts(form, current_user),
        "template_row": cf.template_row(),
        "file_size": cf.file_size,
        "row_index": cf.row_index,
        "type_fields": cf.FORM_TYPE_FIELDS,
        **extra,
    }


# --- pages ---------------------------------------------------------------------------------------------


@bp.route("/")
@role_required("mentor")
def index():
    claims = db.session.scalars(
        select(Claim).where(Claim.mentor_id == current_user.id).order_by(Claim.updated_at.desc(), Claim.id.desc())
    ).all()
    return render_template("mentor/index.html", claims=claims, session_label=session_label)


@bp.route("/new", methods=["GET", "POST"])
@role_required("mentor")
def new():
    choices = _session_choices()
    form = cf.ClaimForm()
    open_ids = [c.session.id for c in choices if c.choosable]
    cf.set_sessions(form, [(c.session.id, c.title) for c in choices if c.choosable])
    preview, focus = Preview(), None
    if request.method == "POST":
        cf.validate_fields(form)
        session_id = _chosen_session(form, choices)
        result = _handle_post(form, None, session_id)
        if not isinstance(result, tuple):
            return result
        preview, focus = result
    elif not form.expenses.entries:
        cf.add_row(form).form.type.data = cf.DEFAULT_TYPE
        wanted = request.args.get("session")
        if wanted in open_ids:
            form.session.data = wanted
        elif len(open_ids) == 1:
            form.session.data = open_ids[0]
    return render_template(
        "mentor/new.html",
        **_form_context(form, preview, focus, choices=choices, rounds=_by_round(choices)),
    )


@bp.route("/<int:claim_id>")
@role_required("mentor")
def show(claim_id: int):
    claim = workflow.get_claim(claim_id, current_user)
    return _show(claim)


def _show(
    claim: Claim,
    status: int = 200,
    problem: str | None = None,
    findings: list | None = None,
    send_form: cf.SendForm | None = None,
):
    send_form = send_form or cf.SendForm(formdata=None)
    ids = {e.get("receipt") for e in claim.body.get("expenses", []) if isinstance(e.get("receipt"), str)}
    return (
        render_template(
            "mentor/show.html",
            claim=claim,
            decision=localised(claim, language()),
            session_label=session_label(claim.session_id),
            receipts=receipts.owned_receipts(claim.mentor, ids),
            problem=problem,
            refused_findings=findings,
            file_size=cf.file_size,
            EXPENSE_NAMES=dict(cf.EXPENSE_TYPES),
            EVENT_NAMES=EVENT_NAMES,
            editable=claim.status in EDITABLE,
            send_form=send_form,
            errors=cf.field_errors(send_form),
        ),
        status,
    )


def _closed(claim: Claim):
    flash(_("The claim can be changed only while it is a draft or returned for correction."), "error")
    return redirect(url_for("mentor.show", claim_id=claim.id))


@bp.route("/<int:claim_id>/edit", methods=["GET", "POST"])
@role_required("mentor")
def edit(claim_id: int):
    claim = workflow.get_claim(claim_id, current_user)
    if claim.status not in EDITABLE:
        return _closed(claim)
    form = cf.ClaimForm()
    preview, focus = Preview(decision=localised(claim, language())), None
    if request.method == "POST":
        cf.validate_fields(form)
        result = _handle_post(form, claim, claim.session_id)
        if not isinstance(result, tuple):
            return result
        preview, focus = result
    else:
        cf.fill_from_body(form, claim.body)
        form.version.data = str(claim.version)
    return render_template(
        "mentor/edit.html",
        claim=claim,
        session_label=session_label(claim.session_id),
        **_form_context(form, preview, focus),
    )


@bp.post("/<int:claim_id>/submit")
@role_required("mentor")
def submit(claim_id: int):
    claim = workflow.get_claim(claim_id, current_user)
    if claim.status not in EDITABLE:  # whatever was ticked: the claim has gone on already
        return _closed(claim)
    form = cf.SendForm()
    form.validate()
    if not _ready_to_send(form):
        return _show(claim, 422, send_form=form)
    _keep_iban(form)
    try:
        workflow.submit(claim.id, current_user, language(), _version())
    except workflow.Ineligible as e:
        return _show(db.session.get(Claim, claim_id), 409, e.message, e.details.get("findings", []))
    except workflow.Stale as e:
        db.session.rollback()
        return _show(db.session.get(Claim, claim_id), 409, e.message)
    except workflow.WrongState as e:
        flash(e.message, "error")
        return redirect(url_for("mentor.show", claim_id=claim_id))
    flash(_("The claim was sent to ministry finance."), "success")
    return redirect(url_for("mentor.show", claim_id=claim_id))


@bp.post("/preview", endpoint="preview")
@role_required("mentor")
def live_preview():
    """The decision panel for the form as it is now (the claim-form script); nothing is stored."""
    form = cf.ClaimForm()
    claim_arg = request.args.get("claim")
    claim_id = whole_number(claim_arg) if claim_arg is not None else None
    if claim_arg is not None and claim_id is None:
        abort(404)
    session_id = workflow.visible_claim_row(claim_id, current_user).session_id if claim_id is not None else None
    cf.validate_fields(form)
    if claim_id is None:
        session_id = _chosen_session(form, _session_choices())
    cf.default_dates(form)
    built = cf.build_body(form, session_id)
    result = _compute(form, built, claim_id) if session_id else Preview(errors=cf.field_errors(form))
    if not session_id:
        result.notes.append(_("Choose the session to see the computation."))
    return render_template("mentor/preview.html", preview=result)


@bp.post("/receipts")
@role_required("mentor")
def upload_receipt():
    """Store one receipt at once when the mentor picks the file (the claim-form script)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return jsonify({"error": _("Choose the receipt file.")}), 400
    try:
        receipt = receipts.store(upload.stream, upload.filename, current_user)
    except receipts.ReceiptError as e:
        db.session.rollback()
        # Our disk failing is not the mentor's file being wrong: 503, as the API answers.
        return jsonify({"error": str(e)}), 503 if isinstance(e.__cause__, OSError) else 400
    db.session.commit()
    return jsonify(
        {
            "id": receipt.id,
            "name": receipt.filename,
            "size": cf.file_size(receipt.size),
            "url": url_for("files.receipt", receipt_id=receipt.id),
        }
    ), 201
