"""The data generator: a consistent population in every status, with intact audit chains."""

import pytest
from sqlalchemy import func, select

from expenses import audit, create_app, documents
from expenses.extensions import db
from expenses.generate import generate
from expenses.models import Claim, User
from tests.factories import make_claim, make_user


def test_generated_population_is_consistent(app):
    made = generate(claims=60, seed=3)
    assert made["claims"] == 60 and made["mentors"] == 30
    statuses = dict(db.session.execute(select(Claim.status, func.count()).group_by(Claim.status)).all())
    assert sum(statuses.values()) == 60 and len(statuses) >= 5
    assert audit.verify_chain() == []
    for claim in db.session.scalars(select(Claim)):
        assert str(claim.total) == claim.decision["total"]
        assert (claim.document is not None) == (claim.status in ("approved", "paid"))
        if claim.document is not None:
            assert documents.read(claim.document)[:5] == b"%PDF-"
        assert claim.events[-1].to_status == claim.status


def test_generator_adds_to_existing_data_without_clashes(app):
    generate(claims=10, seed=1)
    generate(claims=10, seed=1)
    assert db.session.scalar(select(func.count()).select_from(Claim)) == 20
    assert db.session.scalar(select(func.count()).select_from(User).where(User.role == "finance")) == 6


def test_new_rows_after_generating_get_fresh_ids(app):
    """The generator sets ids itself; the database (PostgreSQL's sequences too) hands out later ones afterwards."""
    made = generate(claims=10, seed=5)
    mentor = make_user("mentor")
    claim = make_claim(mentor)
    assert mentor.id > made["first_user_id"] + made["mentors"]
    assert claim.id >= made["first_claim_id"] + made["claims"]


def test_too_few_mentors_are_refused(app):
    with pytest.raises(ValueError, match="20 claims need at least 10 mentors"):
        generate(claims=20, mentors=9)
    assert db.session.scalar(select(func.count()).select_from(Claim)) == 0


def test_generate_command_says_what_it_made(app, runner):
    result = runner.invoke(args=["generate", "--claims", "12", "--seed", "4"])
    assert result.exit_code == 0, result.output
    assert "Generated 6 mentors, 12 claims" in result.output
    assert "finance 1 (checked the claims): finance1." in result.output
    assert "password is generated-password" in result.output
    assert db.session.scalar(select(func.count()).select_from(Claim)) == 12


def test_generate_command_refuses_too_few_mentors(app, runner):
    result = runner.invoke(args=["generate", "--claims", "12", "--mentors", "2"])
    assert result.exit_code == 1
    assert "12 claims need at least 6 mentors" in result.output


def test_generate_command_is_refused_in_production(tmp_path):
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "x" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
            "RECEIPTS_DIR": str(tmp_path / "r"),
            "DOCUMENTS_DIR": str(tmp_path / "d"),
        }
    )
    result = app.test_cli_runner().invoke(args=["generate", "--claims", "2"])
    assert result.exit_code == 1
    assert "EXPENSES_ENV_NAME=development" in result.output
