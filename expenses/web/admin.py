"""Pages of the admin: users and roles, activation, invitations, reset links and tokens, and the roster."""

from collections.abc import Callable

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.file import FileField, FileRequired
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import BooleanField, EmailField, HiddenField, PasswordField, SelectField, StringField
from wtforms.validators import AnyOf, DataRequired, Email, Length, Optional

from expenses import account_log, password_links, roster, two_factor
from expenses.accounts import MIN_PASSWORD_LENGTH, AccountError, create_user, revoke_tokens
from expenses.extensions import db
from expenses.formatting import ROLE_NAMES
from expenses.models import ROLES, ApiToken, RosterEntry, User
from expenses.text import limit
from expenses.web.access import role_required
from expenses.web.claim_pages import paginate
from expenses.web.forms import CheckedForm
from expenses.web.validators import plain, strong_password

bp = Blueprint("admin", __name__, url_prefix="/admin")

PER_PAGE = 100


def _role_choices() -> list[tuple[str, str]]:
    return [(r, str(ROLE_NAMES[r])) for r in ROLES]


def _strip(value: str | None) -> str | None:
    return value.strip() if isinstance(value, str) else value


class UserForm(CheckedForm):
    email = EmailField(
        _l("E-mail"),
        validators=[
            DataRequired(),
            plain(Email(message=_l("Write a whole e-mail address."))),
            Length(max=limit(User.email)),
        ],
        filters=[_strip],
    )
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=limit(User.name))], filters=[_strip])
    role = SelectField(_l("Role"), choices=_role_choices)
    password = PasswordField(
        _l("Initial password (optional)"),
        validators=[
            Optional(),
            Length(max=1000),
            strong_password(lambda form: (form.email.data, form.name.data)),
        ],
        description=_l(
            "At least %(n)s characters and not easy to guess. Without one the user cannot sign in until a "
            "password is set.",
            n=MIN_PASSWORD_LENGTH,
        ),
    )
    invite = BooleanField(
        _l("Send an invitation by e-mail to set a password (when no password is given)"), default=True
    )


class RoleForm(CheckedForm):
    role = SelectField(_l("Role"), choices=_role_choices)


class ActiveForm(CheckedForm):
    active = HiddenField(validators=[AnyOf(["0", "1"])])


class RevokeTokensForm(CheckedForm):
    # Says what the button revokes, so that a form without it (sent from elsewhere, half loaded) revokes nothing.
    tokens = HiddenField(validators=[AnyOf(["all"])])


class ResetTwoFactorForm(CheckedForm):
    # As RevokeTokensForm: a form that does not say what it resets resets nothing.
    two_factor = HiddenField(validators=[AnyOf(["reset"])])


class ImportForm(CheckedForm):
    file = FileField(
        _l("Roster file (CSV)"),
        validators=[plain(FileRequired(message=_l("Choose the CSV file to import.")))],
        description=_l(
            "Columns email, name, role (mentor or actor) and optionally organisation, with a header line. "
            "UTF-8, separated by commas or semicolons. Nothing is saved if any line is wrong."
        ),
    )
    programme = SelectField(_l("Programme"))
    invite = BooleanField(_l("Send each new person an invitation by e-mail to set a password"), default=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme.choices = list(roster.programmes().items())
        if not self.programme.data:
            self.programme.data = roster.DEFAULT_PROGRAMME


def _index(user_form: UserForm | None = None, import_form: ImportForm | None = None, status: int = 200):
    users = paginate(select(User).order_by(func.lower(User.name), User.id), "users_page", PER_PAGE)
    # One query for the page's users, however many: the API tokens each could revoke.
    tokens = dict(
        db.session.execute(
            select(ApiToken.user_id, func.count())
            .where(ApiToken.user_id.in_([u.id for u in users.items]), ApiToken.revoked_at.is_(None))
            .group_by(ApiToken.user_id)
        ).all()
    )
    entries = paginate(
        select(RosterEntry)
        .join(User, RosterEntry.user_id == User.id)
        .options(selectinload(RosterEntry.user))
        .order_by(RosterEntry.programme, func.lower(User.name), RosterEntry.id),
        "roster_page",
        PER_PAGE,
    )
    return (
        render_template(
            "admin/index.html",
            users=users,
            tokens=tokens,
            entries=entries,
            user_form=user_form or UserForm(formdata=None),
            import_form=import_form or ImportForm(formdata=None),
            roles=_role_choices(),
            programmes=roster.programmes(),
        ),
        status,
    )


@bp.route("/")
@role_required("admin")
def index():
    return _index()


@bp.route("/users", methods=["POST"])
@role_required("admin")
def create():
    form = UserForm()
    if not form.validate_on_submit():
        return _index(user_form=form, status=422)
    try:
        user = create_user(form.email.data, form.name.data, form.role.data, form.password.data or None)
        invited = form.invite.data and not user.password_hash
        if invited:
            password_links.invite(user, current_user)
    except AccountError as e:
        db.session.rollback()
        form.email.errors = [*form.email.errors, str(e)]
        return _index(user_form=form, status=422)
    db.session.commit()
    if invited:
        flash(_("%(name)s (%(email)s) was added and invited by e-mail.", name=user.name, email=user.email), "success")
    else:
        flash(_("%(name)s (%(email)s) was added.", name=user.name, email=user.email), "success")
    return redirect(url_for("admin.index"))


def _back(message: str, category: str = "success") -> Response:
    """To the users page, with the outcome said on it."""
    flash(message, category)
    return redirect(url_for("admin.index"))


def _user_or_404(user_id: int) -> User:
    return db.get_or_404(User, user_id)


@bp.route("/users/<int:user_id>/role", methods=["POST"])
@role_required("admin")
def change_role(user_id: int):
    user = _user_or_404(user_id)
    form = RoleForm()
    if not form.validate_on_submit():
        return _back(_("Choose one of the roles."), "error")
    try:
        roster.set_role(user, form.role.data, current_user)
    except roster.UserAdminError as e:
        db.session.rollback()
        return _back(str(e), "error")
    db.session.commit()
    return _back(_("%(name)s is now: %(role)s.", name=user.name, role=ROLE_NAMES[user.role]))


@bp.route("/users/<int:user_id>/active", methods=["POST"])
@role_required("admin")
def change_active(user_id: int):
    user = _user_or_404(user_id)
    form = ActiveForm()
    if not form.validate_on_submit():
        return _back(_("The form was incomplete. Reload the page and try again."), "error")
    try:
        roster.set_active(user, form.active.data == "1", current_user)
    except roster.UserAdminError as e:
        db.session.rollback()
        return _back(str(e), "error")
    db.session.commit()
    if user.active:
        flash(_("%(name)s can sign in again.", name=user.name), "success")
    else:
        flash(_("%(name)s is deactivated and can no longer sign in.", name=user.name), "success")
    return redirect(url_for("admin.index"))


@bp.route("/users/<int:user_id>/invite", methods=["POST"])
@role_required("admin")
def invite(user_id: int):
    """Send (or send again) the invitation of a user who has no password yet."""
    return _mail_link(
        user_id, password_links.invite, lambda u: _("An invitation was sent to %(email)s.", email=u.email)
    )


@bp.route("/users/<int:user_id>/reset", methods=["POST"])
@role_required("admin")
def send_reset(user_id: int):
    return _mail_link(
        user_id, password_links.send_reset, lambda u: _("A password reset link was sent to %(email)s.", email=u.email)
    )


def _mail_link(user_id: int, send: Callable[[User, User], None], done: Callable[[User], str]):
    user = _user_or_404(user_id)
    if not CheckedForm().validate_on_submit():
        return _back(_("The form was incomplete. Reload the page and try again."), "error")
    try:
        send(user, current_user)
    except AccountError as e:
        db.session.rollback()
        return _back(str(e), "error")
    db.session.commit()
    return _back(done(user))


@bp.route("/users/<int:user_id>/tokens/revoke", methods=["POST"])
@role_required("admin")
def revoke_user_tokens(user_id: int):
    user = _user_or_404(user_id)
    if not RevokeTokensForm().validate_on_submit():
        return _back(_("The form was incomplete. Reload the page and try again."), "error")
    count = revoke_tokens(user)
    account_log.record(user, "tokens_revoked", current_user, count=count)
    db.session.commit()
    return _back(_("The API tokens of %(name)s were revoked (%(count)s).", name=user.name, count=count))


@bp.route("/users/<int:user_id>/two-factor/reset", methods=["POST"])
@role_required("admin")
def reset_two_factor(user_id: int):
    """For an officer who lost both the phone and the recovery codes; another admin does it for an admin."""
    user = _user_or_404(user_id)
    if not ResetTwoFactorForm().validate_on_submit():
        return _back(_("The form was incomplete. Reload the page and try again."), "error")
    if user.id == current_user.id:
        return _back(_("You cannot turn off your own two-factor sign-in: ask another admin."), "error")
    if not user.totp_secret:
        return _back(_("%(name)s has no two-factor sign-in to turn off.", name=user.name), "error")
    two_factor.remove(user, current_user)
    db.session.commit()
    return _back(
        _("Two-factor sign-in of %(name)s is off; they set it up again at their next sign-in.", name=user.name)
    )


@bp.route("/roster/import", methods=["POST"])
@role_required("admin")
def import_roster():
    form = ImportForm()
    if not form.validate_on_submit():
        return _index(import_form=form, status=422)
    try:
        result = roster.import_roster(form.file.data.read(), form.programme.data)
    except roster.UserAdminError as e:
        db.session.rollback()
        form.file.errors = [*form.file.errors, str(e)]
        return _index(import_form=form, status=422)
    if not result.ok:
        db.session.rollback()
        return render_template("admin/import.html", result=result, programme=form.programme.data), 422
    if form.invite.data:
        for user in result.created:
            password_links.invite(user, current_user)
    db.session.commit()
    # The per-line report is the answer itself, too long for a flash message; the import can be repeated safely.
    return render_template("admin/import.html", result=result, programme=form.programme.data)
