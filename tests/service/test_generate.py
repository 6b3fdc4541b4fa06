"""The data generator: a consistent population in every status, with intact audit chains."""

from sqlalchemy import func, select

from expenses import audit, documents
from expenses.extensions import db
from expenses.generate import generate
from expenses.models import Claim, User


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
