"""A user's own details: the bank account reimbursements are paid to, and the preferred language."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from wtforms import SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from expenses import payments, workflow
from expenses.extensions import db
from expenses.i18n import LANGUAGES
from expenses.web.forms import CheckedForm

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


@bp.route("/", methods=["GET", "POST"])
@login_required
def details():
    form = DetailsForm(obj=current_user)
    if not form.is_submitted():
        form.language.data = current_user.language or "fi"
        form.iban.data = payments.grouped_iban(current_user.iban)  # in fours, as the mentor checks it
    if form.validate_on_submit():
        try:
            current_user.iban = payments.normalise_iban(form.iban.data) if (form.iban.data or "").strip() else None
        except workflow.Invalid as e:
            form.iban.errors.append(e.message)
        else:
            current_user.language = form.language.data
            db.session.commit()
            flash(_("Your details are saved."), "success")
            return redirect(url_for("account.details"))
    return render_template("account/details.html", form=form)
