"""The admin's pages of programme rounds: create a round, its sessions and independent-meetings period."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import BooleanField, DateField, IntegerField, RadioField, StringField, TimeField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, Regexp, ValidationError

from expenses import rounds
from expenses.extensions import db
from expenses.models import ProgrammeChange, ProgrammeRound, ProgrammeSession, RosterEntry
from expenses.web.access import role_required
from expenses.web.forms import CheckedForm
from expenses.web.validators import plain, within_years
from rules import load_rates

bp = Blueprint("rounds", __name__, url_prefix="/admin/rounds")

DATE_MESSAGE = _l("Enter a date, such as 20.11.2026.")
TIME_MESSAGE = _l("Enter a time, such as 13:00.")


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class RoundForm(CheckedForm):
    name_fi = StringField(_l("Name in Finnish"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    name_sv = StringField(_l("Name in Swedish"), validators=[Optional(), Length(max=200)], filters=[_strip])
    name_en = StringField(_l("Name in English"), validators=[Optional(), Length(max=200)], filters=[_strip])
    starts = DateField(_l("Starts"), validators=[InputRequired(), within_years], format="%Y-%m-%d")
    ends = DateField(_l("Ends"), validators=[InputRequired(), within_years], format="%Y-%m-%d")
    claim_deadline_months = IntegerField(
        _l("Claims are due, months after a session"),
        default=2,
        validators=[DataRequired(), NumberRange(min=1, max=24)],
        description=_l("A session may have a deadline of its own."),
    )

    def validate_ends(self, field: DateField) -> None:
        if field.data and self.starts.data and field.data < self.starts.data:
            raise ValidationError(_("The round cannot end before it starts."))


class NewRoundForm(RoundForm):
    id = StringField(
        _l("Identifier"),
        validators=[
            DataRequired(),
            Length(max=100),
            plain(Regexp(r"^[a-z0-9][a-z0-9-]*$", message=_l("Use only a–z, 0–9 and hyphens."))),
        ],
        filters=[_strip],
        description=_l("Kept for good, in the roster and the files: for example hankinta-suomi-2026-2027."),
    )


class SessionForm(CheckedForm):
    date = DateField(_l("Date"), validators=[InputRequired(), within_years], format="%Y-%m-%d")
    start = TimeField(_l("Starts at"), validators=[InputRequired()], format="%H:%M")
    end = TimeField(_l("Ends at"), validators=[InputRequired()], format="%H:%M")
    place = StringField(_l("Place"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    mode = RadioField(
        _l("How it is held"),
        choices=[SelectChoice("in_person", _l("In person")), SelectChoice("remote", _l("Remote"))],
        default="in_person",
        validators=[DataRequired()],
    )
    reimbursed = BooleanField(
        _l("Travel to it is reimbursed"), default=True, description=_l("Remote sessions are never reimbursed.")
    )
    title_fi = StringField(_l("Title in Finnish"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    title_sv = StringField(_l("Title in Swedish"), validators=[Optional(), Length(max=200)], filters=[_strip])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)], filters=[_strip])
    claim_deadline = DateField(
        _l("Own claim deadline (optional)"),
        validators=[Optional(), within_years],
        format="%Y-%m-%d",
        description=_l("Empty: the round's rule."),
    )

    def validate_end(self, field: TimeField) -> None:
        if field.data and self.start.data and field.data <= self.start.data:
            raise ValidationError(_("The session must end after it starts."))

    def validate_claim_deadline(self, field: DateField) -> None:
        if field.data and self.date.data and field.data < self.date.data:
            raise ValidationError(_("Claims cannot be due before the session."))


class PeriodForm(CheckedForm):
    starts = DateField(_l("From"), validators=[InputRequired(), within_years], format="%Y-%m-%d")
    ends = DateField(_l("Until"), validators=[InputRequired(), within_years], format="%Y-%m-%d")
    title_fi = StringField(_l("Title in Finnish"), validators=[DataRequired(), Length(max=200)], filters=[_strip])
    title_sv = StringField(_l("Title in Swedish"), validators=[Optional(), Length(max=200)], filters=[_strip])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200)], filters=[_strip])

    def validate_ends(self, field: DateField) -> None:
        if field.data and self.starts.data and field.data < self.starts.data:
            raise ValidationError(_("The period cannot end before it starts."))


class ActionForm(CheckedForm):
    """A button's form: only its CSRF token."""


for _form in (RoundForm, NewRoundForm, SessionForm, PeriodForm):
    for _field in ("starts", "ends", "date", "claim_deadline"):
        if hasattr(_form, _field):
            getattr(_form, _field).kwargs["invalid_value_message"] = DATE_MESSAGE  # wtforms' own is in English
for _field in ("start", "end"):
    getattr(SessionForm, _field).kwargs["invalid_value_message"] = TIME_MESSAGE


def _round_or_404(round_id: str) -> ProgrammeRound:
    return db.get_or_404(ProgrammeRound, round_id)


def _index(form: NewRoundForm | None = None, status: int = 200):
    all_rounds = db.session.scalars(select(ProgrammeRound).order_by(ProgrammeRound.starts.desc())).all()
    people = dict(db.session.execute(select(RosterEntry.programme, func.count()).group_by(RosterEntry.programme)).all())
    years = load_rates().years
    return (
        render_template(
            "admin/rounds.html",
            rounds=all_rounds,
            people=people,
            without_rates={r.id: rounds.years_without_rates(r, years) for r in all_rounds},
            form=form or NewRoundForm(formdata=None),
        ),
        status,
    )


@bp.route("/")
@role_required("admin")
def index():
    return _index()


@bp.route("/", methods=["POST"])
@role_required("admin")
def create():
    form = NewRoundForm()
    if not form.validate_on_submit():
        return _index(form, 422)
    problems = rounds.create_round(form.id.data, form.data, current_user)
    if problems:
        db.session.rollback()
        form.id.errors = [*form.id.errors, *problems]
        return _index(form, 422)
    db.session.commit()
    flash(_("The round %(name)s was created. Add its sessions.", name=form.name_fi.data), "success")
    return redirect(url_for("rounds.show", round_id=form.id.data))


def _show(
    round_: ProgrammeRound,
    round_form: RoundForm | None = None,
    session_form: SessionForm | None = None,
    period_form: PeriodForm | None = None,
    problems: list[str] | None = None,
    status: int = 200,
):
    ids = [s.id for s in round_.sessions]
    return (
        render_template(
            "admin/round.html",
            round=round_,
            round_form=round_form or RoundForm(formdata=None, obj=round_),
            session_form=session_form or SessionForm(formdata=None),
            period_form=period_form or PeriodForm(formdata=None),
            action_form=ActionForm(formdata=None),
            claims=rounds.claims_per_session(ids),
            without_rates=rounds.years_without_rates(round_, load_rates().years),
            roster_size=db.session.scalar(
                select(func.count()).select_from(RosterEntry).where(RosterEntry.programme == round_.id)
            ),
            changes=db.session.scalars(
                select(ProgrammeChange)
                .where(ProgrammeChange.round_id == round_.id)
                .order_by(ProgrammeChange.id.desc())
                .limit(20)
            ).all(),
            problems=problems or [],
        ),
        status,
    )


@bp.route("/<round_id>")
@role_required("admin")
def show(round_id: str):
    return _show(_round_or_404(round_id))


def _done(round_: ProgrammeRound, problems: list[str], message: str, **forms):
    if problems:
        db.session.rollback()
        return _show(db.session.get(ProgrammeRound, round_.id), problems=problems, status=422, **forms)
    db.session.commit()
    flash(message, "success")
    return redirect(url_for("rounds.show", round_id=round_.id))


@bp.route("/<round_id>", methods=["POST"])
@role_required("admin")
def update(round_id: str):
    round_ = _round_or_404(round_id)
    form = RoundForm()
    if not form.validate_on_submit():
        return _show(round_, round_form=form, status=422)
    return _done(
        round_, rounds.update_round(round_, form.data, current_user), _("The round was saved."), round_form=form
    )


@bp.route("/<round_id>/sessions", methods=["POST"])
@role_required("admin")
def add_session(round_id: str):
    round_ = _round_or_404(round_id)
    form = SessionForm()
    if not form.validate_on_submit():
        return _show(round_, session_form=form, status=422)
    session_id, problems = rounds.add_session(round_, form.data, current_user)
    return _done(round_, problems, _("The session %(id)s was added.", id=session_id), session_form=form)


def _session_or_404(round_: ProgrammeRound, session_id: str) -> ProgrammeSession:
    session = db.session.get(ProgrammeSession, session_id)
    if session is None or session.round_id != round_.id:
        abort(404)
    return session


def _session_page(round_: ProgrammeRound, session: ProgrammeSession, form: SessionForm, problems=(), status=200):
    return (
        render_template(
            "admin/session.html",
            round=round_,
            session=session,
            form=form,
            claims=rounds.claims_per_session([session.id]).get(session.id, 0),
            problems=list(problems),
        ),
        status,
    )


@bp.route("/<round_id>/sessions/<session_id>", methods=["GET", "POST"])
@role_required("admin")
def edit_session(round_id: str, session_id: str):
    round_ = _round_or_404(round_id)
    session = _session_or_404(round_, session_id)
    if request.method == "GET":
        form = SessionForm(
            formdata=None,
            data={
                "date": session.day,
                "start": session.start_time,
                "end": session.end_time,
                "place": session.place,
                "mode": session.mode,
                "reimbursed": session.reimbursed,
                "title_fi": session.title_fi,
                "title_sv": session.title_sv,
                "title_en": session.title_en,
                "claim_deadline": session.claim_deadline,
            },
        )
        return _session_page(round_, session, form)
    form = SessionForm()
    if not form.validate_on_submit():
        return _session_page(round_, session, form, status=422)
    problems = rounds.edit_session(round_, session_id, form.data, current_user)
    if problems:
        db.session.rollback()
        return _session_page(round_, _session_or_404(round_, session_id), form, problems, 422)
    db.session.commit()
    flash(_("The session was saved."), "success")
    return redirect(url_for("rounds.show", round_id=round_.id))


@bp.route("/<round_id>/sessions/<session_id>/<any(cancel, delete):action>", methods=["POST"])
@role_required("admin")
def session_action(round_id: str, session_id: str, action: str):
    round_ = _round_or_404(round_id)
    _session_or_404(round_, session_id)
    if not ActionForm().validate_on_submit():
        flash(_("The form had expired. Send it again."), "error")
        return redirect(url_for("rounds.show", round_id=round_.id))
    if action == "cancel":
        problems = rounds.cancel_session(round_, session_id, current_user)
        message = _("The session %(id)s was cancelled: it is no longer reimbursed.", id=session_id)
    else:
        problems = rounds.delete_session(round_, session_id, current_user)
        message = _("The session %(id)s was deleted.", id=session_id)
    return _done(round_, problems, message)


@bp.route("/<round_id>/independent", methods=["POST"])
@role_required("admin")
def independent(round_id: str):
    round_ = _round_or_404(round_id)
    form = PeriodForm()
    if not form.validate_on_submit():
        return _show(round_, period_form=form, status=422)
    problems = rounds.set_independent(round_, [rounds.period_values(form.data)], current_user)
    return _done(round_, problems, _("The independent-meetings period was saved."), period_form=form)
