"""Sign-in, sign-out, password change, the links that set a password by mail, and each role's home page."""

from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from expenses import account_log, account_notices, password_links, two_factor
from expenses.accounts import MIN_PASSWORD_LENGTH, AccountError, end_sessions, find_user, set_password, verify_password
from expenses.extensions import db, limiter
from expenses.models import User
from expenses.security import (
    PENDING,
    account_limit,
    address_limit,
    code_account_key,
    login_account_key,
    login_failed,
    no_reset_address,
    reset_account_key,
    reset_account_limit,
    reset_address_limit,
)
from expenses.web.forms import CheckedForm
from expenses.web.validators import strong_password

bp = Blueprint("auth", __name__)

HOMES = {
    "mentor": "mentor.index",
    "actor": "auth.actor",
    "finance": "review.index",
    "auditor": "audit.index",
    "admin": "admin.index",
}


class LoginForm(CheckedForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail address.")), Length(max=254)]
    )
    password = PasswordField(
        _l("Password"), validators=[DataRequired(message=_l("Enter your password.")), Length(max=1000)]
    )


class NewPasswordForm(CheckedForm):
    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(message=_l("Enter a new password.")),
            Length(max=1000, message=_l("The new password can be at most %(max)d characters long.")),
            strong_password(lambda form: (form.user.email, form.user.name)),
        ],
        description=_l(
            "At least %(n)s characters and not easy to guess: for example four or five words that do not belong "
            "together.",
            n=MIN_PASSWORD_LENGTH,
        ),
    )
    repeat = PasswordField(
        _l("New password again"),
        validators=[
            DataRequired(message=_l("Enter the new password again.")),
            EqualTo("new", message=_l("The passwords differ.")),
        ],
    )

    def __init__(self, user: User, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user  # whose password: it must not be made of their e-mail or name


class PasswordForm(NewPasswordForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(message=_l("Enter your current password."))]
    )


class CodeForm(CheckedForm):
    code = StringField(
        _l("Code"),
        validators=[DataRequired(message=_l("Enter the code from your authenticator app.")), Length(max=20)],
        description=_l("Six digits from your authenticator app, or one of your recovery codes."),
    )


class ForgotForm(CheckedForm):
    email = EmailField(
        _l("E-mail"), validators=[DataRequired(message=_l("Enter your e-mail address.")), Length(max=254)]
    )


def _safe_next(target: str | None) -> str | None:
    """The `next` address if it stays on this site, else None: an open redirect would lend our name to phishing."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    # Browsers drop tabs and newlines and read "\\" as "/", so "/\t/evil.example" would leave the site.
    if "\\" in target or any(not c.isprintable() or c.isspace() for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _fresh_session() -> None:
    """Start a new session, keeping only the chosen language: nothing from before sign-in carries over."""
    lang = session.get("lang")
    session.clear()
    if lang:
        session["lang"] = lang


@bp.route("/")
def home():
    if not current_user.is_authenticated:
        return redirect(url_for("auth.login"))
    return redirect(url_for(HOMES[current_user.role]))


@bp.route("/login", methods=["GET", "POST"])
# Guessing passwords: every attempt counts per address, failed ones per account (whatever the address).
@limiter.limit(address_limit, methods=["POST"])
@limiter.limit(account_limit, methods=["POST"], key_func=login_account_key, deduct_when=login_failed)
def login():
    form = LoginForm()
    if form.validate_on_submit():
        user = find_user(form.email.data)
        if verify_password(user, form.password.data):
            if not user.active:
                db.session.rollback()
                # Said only to someone who knows the password, so it tells no stranger the account exists.
                form.email.errors.append(_("This account has been closed. Contact the programme's staff."))
                return render_template("auth/login.html", form=form)
            target = _safe_next(request.args.get("next"))
            _fresh_session()
            if user.totp_secret:
                # Half signed in: the code comes next, and only then the session (login_code).
                session[PENDING] = {"user": user.id, "epoch": user.session_epoch, "email": user.email, "next": target}
                db.session.commit()
                return redirect(url_for("auth.login_code"))
            return _signed_in(user, target)
        db.session.rollback()
        # One message for a wrong e-mail and a wrong password: no telling which accounts exist.
        form.password.errors.append(_("The e-mail or the password is wrong."))
    return render_template("auth/login.html", form=form)


def _signed_in(user: User, target: str | None):
    login_user(user)
    if session.get("lang"):
        user.language = session["lang"]  # mail about their claims follows the language they chose
    db.session.commit()  # also keeps the hash verify_password may have upgraded
    return redirect(target or url_for("auth.home"))


@bp.route("/login/code", methods=["GET", "POST"])
# The code is guessed like a password: the same limits, on the same account's counter.
@limiter.limit(address_limit, methods=["POST"])
@limiter.limit(account_limit, methods=["POST"], key_func=code_account_key, deduct_when=login_failed)
def login_code():
    pending = session.get(PENDING) or {}
    user = db.session.get(User, pending["user"]) if isinstance(pending.get("user"), int) else None
    if user is None or not user.active or user.session_epoch != pending.get("epoch") or not user.totp_secret:
        session.pop(PENDING, None)
        flash(_("Sign in with your e-mail and password first."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.check(user, form.code.data):
            _fresh_session()
            return _signed_in(user, pending.get("next"))
        db.session.rollback()
        form.code.errors.append(_("The code is wrong or already used. Enter the newest code from your app."))
    return render_template("auth/code.html", form=form), 422 if form.errors else 200


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Ended on the server, not only in this browser: the session's id carries the account's generation
        # (User.get_id), so moving it on makes a copy of the cookie sign nobody in. It signs out everywhere.
        end_sessions(current_user._get_current_object())
        db.session.commit()
    logout_user()
    _fresh_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm(current_user)
    if form.validate_on_submit():
        if not verify_password(current_user, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            user = current_user._get_current_object()
            try:
                set_password(user, form.new.data)
            except AccountError as e:
                db.session.rollback()
                form.new.errors.append(str(e))
                return render_template("auth/password.html", form=form), 422
            account_log.record(user, "password_changed", user)
            account_notices.changed(user, "password")
            db.session.commit()
            # Stay signed in here with the new epoch; sessions elsewhere still carry the old one and end.
            _fresh_session()
            login_user(user)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.home"))
    return render_template("auth/password.html", form=form)


@bp.route("/password/forgot", methods=["GET", "POST"])
# Every request counts per address; per e-mail address, however many addresses ask for it.
@limiter.limit(reset_address_limit, methods=["POST"])
# (A form without an address asks for no account's link: it counts per address only.)
@limiter.limit(reset_account_limit, methods=["POST"], key_func=reset_account_key, exempt_when=no_reset_address)
def forgot_password():
    form = ForgotForm()
    if form.validate_on_submit():
        password_links.request_reset(form.email.data)
        db.session.commit()
        # The same answer whether or not the address has an account: no telling which do.
        flash(
            _(
                "If %(email)s has an account here, a link to set a new password is on its way. "
                "It works for %(minutes)s minutes.",
                email=form.email.data.strip(),
                minutes=current_app.config["RESET_MINUTES"],
            ),
            "info",
        )
        return redirect(url_for("auth.login"))
    return render_template("auth/forgot.html", form=form), 422 if form.errors else 200


def _link_refused(error: password_links.LinkError, purpose: str):
    status = 400 if error.reason == "invalid" else 410
    return render_template("auth/link_refused.html", reason=error.reason, purpose=purpose), status


def _set_from_link(token: str, purpose: str, action: str):
    """The page of a link by mail: the new password twice; once set, the link (and every older one) is spent."""
    try:
        user = password_links.read_link(token, purpose)
    except password_links.LinkError as e:
        return _link_refused(e, purpose)
    form = NewPasswordForm(user)
    if form.validate_on_submit():
        try:
            set_password(user, form.new.data)  # also ends every session and API token of the account
        except AccountError as e:
            db.session.rollback()
            form.new.errors.append(str(e))
        else:
            account_log.record(user, action, user)
            if purpose == "reset":
                account_notices.changed(user, "password")
            db.session.commit()
            if current_user.is_authenticated:
                logout_user()
            _fresh_session()
            # Signing in with it, not straight in: two-factor sign-in must not be skipped by a link.
            flash(_("Your password is set. Sign in with it."), "success")
            return redirect(url_for("auth.login"))
    return (
        render_template("auth/set_password.html", form=form, user=user, purpose=purpose),
        422 if form.errors else 200,
    )


@bp.route("/welcome/<token>", methods=["GET", "POST"])
def accept_invitation(token: str):
    return _set_from_link(token, "invite", "password_set")


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
def reset_password(token: str):
    return _set_from_link(token, "reset", "password_reset")


@bp.route("/actor")
@login_required
def actor():
    return render_template("auth/actor.html")
