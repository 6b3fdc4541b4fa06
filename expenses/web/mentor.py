"""Pages of the mentor (placeholder until built)."""

from flask import Blueprint, render_template

from expenses.web.access import role_required

bp = Blueprint("mentor", __name__, url_prefix="/claims")


@bp.route("/")
@role_required("mentor")
def index():
    return render_template("placeholder.html", title="My claims")


@bp.route("/new")
@role_required("mentor")
def new():
    return render_template("placeholder.html", title="New claim")


@bp.route("/<int:claim_id>")
@role_required("mentor")
def show(claim_id: int):
    return render_template("placeholder.html", title=f"Claim {claim_id}")
