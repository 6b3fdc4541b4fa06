"""A user's own details: the bank account reimbursements are paid to, the preferred language, API tokens."""

from datetime import date, datetime, time, timedelta

from flask import Blueprint, abort, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import DateField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from expenses import account_log, account_notices, payments, two_factor, workflow
from expenses.accounts import issue_token, revoke_tokens, tokens
from expenses.extensions import db
from expenses.i18n import LANGUAGES
from expenses.models import ApiToken, utcnow
from expenses.security import is_api_call, whole_number
from expenses.web.access import role_required
from expenses.web.auth import CodeForm
from expenses.web.forms import CheckedForm
from rules.programme import HELSINKI

bp = Blueprint("account", __name__, url_prefix="/account")
LANGUAGE_NAMES = {"fi": "Suomi", "sv": "Svenska", "en": "English"}


class DetailsForm(CheckedForm):
    iban = StringField(
        _l("Bank account (IBAN)"),
        validators=[Optional(), Length(max=42)],
        description=_l("Reimbursements are paid to this account, for example FI21 1234 5600 0007 85."),
    )
    language = SelectField(
        _l("Language of e-mail and documents"),
        choices=[SelectChoice(code, LANGUAGE_NAMES[code]) for code in LANGUAGES],
    )


class TokenForm(CheckedForm):
    name = StringField(
        _l("Name of the token"),
        validators=[DataRequired(message=_l("Give the token a name.")), Length(max=100)],
        description=_l("What it is for, such as the script or machine that uses it."),
    )
    expires = DateField(
        _l("Valid until (optional)"),
        validators=[Optional()],
        invalid_value_message=_l("Enter a date, such as 31.12.2026."),
        description=_l("The token stops working at the end of this day. Empty: until you revoke it."),
    )

    def validate_expires(self, field: DateField) -> None:
        if field.data is not None and field.data < datetime.now(HELSINKI).date():
            raise ValidationError(_("The date has passed: choose today or a later day."))


def _end_of(day: date) -> datetime:
    """Midnight after the day, in Helsinki: the token works the whole day the user chose."""
    return datetime.combine(day + timedelta(days=1), time(0, 0), HELSINKI)


def _page(form: "DetailsForm", token_form: TokenForm, new_token: str | None = None, status: int = 200):
    return (
        render_template(
            "account/details.html",
            form=form,
            token_form=token_form,
            tokens=tokens(current_user),
            new_token=new_token,
            activity=account_log.events(current_user),
            describe_account_event=account_log.describe,
            now=utcnow(),
        ),
        status,
    )


@bp.route("/tokens", methods=["POST"])
@login_required
def create_token():
    token_form = TokenForm()
    form = _details_form()
    if not token_form.validate_on_submit():
        return _page(form, token_form, status=422)
    expires_at = _end_of(token_form.expires.data) if token_form.expires.data else None
    token = issue_token(current_user, token_form.name.data.strip(), expires_at)
    account_log.record(current_user, "token_created", current_user, name=token_form.name.data.strip())
    db.session.commit()
    # Shown on this answer alone, never put in the session cookie or a later page: only its hash is kept.
    return _page(form, TokenForm(formdata=None), new_token=token)


class RevokeForm(CheckedForm):
    token = HiddenField(validators=[DataRequired()])


@bp.route("/tokens/revoke", methods=["POST"])
@login_required
def revoke_token():
    form = RevokeForm()
    if not form.validate_on_submit():
        flash(_("The form was incomplete. Reload the page and try again."), "error")
        return redirect(url_for("account.details"))
    token_id = whole_number(form.token.data)
    token = db.session.get(ApiToken, token_id) if token_id is not None else None
    if token is None or token.user_id != current_user.id or token.revoked_at is not None:
        abort(404)  # someone else's token is not revealed to exist
    revoke_tokens(current_user, token.id)
    account_log.record(current_user, "token_revoked", current_user, name=token.name)
    db.session.commit()
    flash(_("The token %(name)s was revoked; it no longer works.", name=token.name), "success")
    return redirect(url_for("account.details"))


#: Pages an officer who must enrol can still reach: the enrolment itself and the way out.
ENROLMENT_OPEN = {"static", "account.two_factor", "auth.logout", "auth.login", "auth.login_code"}
PENDING_SECRET = "totp_pending_secret"


@bp.before_app_request
def enrolment_first():
    """EXPENSES_REQUIRE_2FA_ROLES: an officer of those roles sets up two-factor sign-in before anything else."""
    if request.endpoint in ENROLMENT_OPEN or is_api_call(request) or not current_user.is_authenticated:
        return None
    if two_factor.must_enrol(current_user):
        flash(_("Set up two-factor sign-in first: your role requires it."), "info")
        return redirect(url_for("account.two_factor"))
    return None


@bp.route("/two-factor", methods=["GET", "POST"], endpoint="two_factor")
@role_required(*two_factor.ROLES)
def two_factor_page():
    user = current_user._get_current_object()
    if user.totp_secret:
        return render_template("account/two_factor.html", enrolled=True)
    # The secret waits in the session until a code proves the app has it; only then is it stored.
    secret = session.get(PENDING_SECRET) or two_factor.new_secret()
    session[PENDING_SECRET] = secret
    form = CodeForm()
    if form.validate_on_submit():
        codes = two_factor.enrol(user, secret, form.code.data)
        if codes is not None:
            db.session.commit()
            session.pop(PENDING_SECRET, None)
            return render_template("account/two_factor.html", enrolled=True, recovery_codes=codes)
        form.code.errors.append(_("The code does not match. Enter the code your app shows now."))
    return (
        render_template(
            "account/two_factor.html", enrolled=False, form=form, secret=secret, qr=two_factor.qr_code(user, secret)
        ),
        422 if form.errors else 200,
    )


def _details_form() -> "DetailsForm":
    form = DetailsForm(obj=current_user, formdata=None)
    form.language.data = current_user.language or "fi"
    form.iban.data = payments.grouped_iban(current_user.iban)  # in fours, as the mentor checks it
    return form


@bp.route("/", methods=["GET", "POST"])
@login_required
def details():
    form = DetailsForm(obj=current_user) if request.method == "POST" else _details_form()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            iban = payments.normalise_iban(form.iban.data) if (form.iban.data or "").strip() else None
        except workflow.Invalid as e:
            form.iban.errors.append(e.message)
        else:
            user.language = form.language.data
            if iban != user.iban:
                user.iban = iban
                account_log.record(user, "iban_changed", user)
                account_notices.changed(user, "iban")
            db.session.commit()
            flash(_("Your details are saved."), "success")
            return redirect(url_for("account.details"))
    return _page(form, TokenForm(formdata=None))
