"""Pages of the finance (placeholder until built)."""

from flask import Blueprint, render_template

from expenses.web.access import role_required

bp = Blueprint("review", __name__, url_prefix="/finance")


@bp.route("/")
@role_required("finance")
def index():
    return render_template("placeholder.html", title="Claims to handle")
