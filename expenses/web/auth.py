"""Sign-in, sign-out, password change and each role's home page."""

from urllib.parse import urlsplit

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required, login_user, logout_user
from wtforms import EmailField, PasswordField
from wtforms.validators import DataRequired, EqualTo, Length

from expenses.accounts import MIN_PASSWORD_LENGTH, find_user, set_password, verify_password
from expenses.extensions import db, limiter
from expenses.security import account_limit, address_limit, login_account_key, login_failed
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


class PasswordForm(CheckedForm):
    current = PasswordField(
        _l("Current password"), validators=[DataRequired(message=_l("Enter your current password."))]
    )
    new = PasswordField(
        _l("New password"),
        validators=[
            DataRequired(message=_l("Enter a new password.")),
            Length(max=1000, message=_l("The new password can be at most %(max)d characters long.")),
            strong_password(lambda form: (current_user.email, current_user.name)),
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
            _fresh_session()
            login_user(user)
            if session.get("lang"):
                user.language = session["lang"]  # mail about their claims follows the language they chose
            db.session.commit()  # also keeps the hash verify_password may have upgraded
            return redirect(_safe_next(request.args.get("next")) or url_for("auth.home"))
        db.session.rollback()
        # One message for a wrong e-mail and a wrong password: no telling which accounts exist.
        form.password.errors.append(_("The e-mail or the password is wrong."))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():
    if current_user.is_authenticated:
        # Ended on the server, not only in this browser: the session's id carries the account's generation
        # (User.get_id), so moving it on makes a copy of the cookie sign nobody in. It signs out everywhere.
        user = current_user._get_current_object()
        user.session_epoch = (user.session_epoch or 0) + 1
        db.session.commit()
    logout_user()
    _fresh_session()
    flash(_("You have signed out."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/password", methods=["GET", "POST"])
@login_required
def password():
    form = PasswordForm()
    if form.validate_on_submit():
        if not verify_password(current_user, form.current.data):
            form.current.errors.append(_("The current password is wrong."))
        else:
            user = current_user._get_current_object()
            set_password(user, form.new.data)
            db.session.commit()
            # Stay signed in here with the new epoch; sessions elsewhere still carry the old one and end.
            _fresh_session()
            login_user(user)
            flash(_("Your password has been changed."), "success")
            return redirect(url_for("auth.home"))
    return render_template("auth/password.html", form=form)


@bp.route("/actor")
@login_required
def actor():
    return render_template("auth/actor.html")
