"""Pages of the admin (placeholder until built)."""

from flask import Blueprint, render_template

from expenses.web.access import role_required

bp = Blueprint("admin", __name__, url_prefix="/admin")


@bp.route("/")
@role_required("admin")
def index():
    return render_template("placeholder.html", title="Users and roster")
