"""Pages of the auditor (placeholder until built)."""

from flask import Blueprint, render_template

from expenses.web.access import role_required

bp = Blueprint("audit", __name__, url_prefix="/audit")


@bp.route("/")
@role_required("auditor")
def index():
    return render_template("placeholder.html", title="Approved claims")
