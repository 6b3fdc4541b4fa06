"""The `flask --app wsgi …` commands: users, tokens, demo data, the database schema and the signing key."""

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import func, inspect, select

from expenses import create_app, documents
from expenses.accounts import Caller, find_user, token_owner, verify_password
from expenses.cli import MigrationCommands
from expenses.decisions import decide
from expenses.demo import DEMO_PASSWORD, DEMO_USERS, current_round
from expenses.extensions import db
from expenses.models import Claim, User
from tests.factories import make_claim, make_user

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "a-long-enough-password"


def create(runner, *args: str, password: str = PASSWORD):
    return runner.invoke(args=["users", "create", *args], input=password + "\n")


def test_users_create_reads_the_password_from_stdin(app, runner):
    result = create(runner, "Kaisa@Example.fi", "--name", "Kaisa K", "--role", "finance")
    assert result.exit_code == 0, result.output
    assert "Created kaisa@example.fi (finance)." in result.output
    user = find_user("kaisa@example.fi")
    assert (user.name, user.role) == ("Kaisa K", "finance")
    assert verify_password(user, PASSWORD)


def test_users_create_refuses_a_short_password(app, runner):
    result = create(runner, "k@example.fi", "--name", "K", "--role", "mentor", password="short")
    assert result.exit_code == 1
    assert "Error: The password must be at least 12 characters long." in result.output
    assert find_user("k@example.fi") is None


def test_users_create_refuses_an_empty_standard_input(app, runner):
    result = runner.invoke(args=["users", "create", "k@example.fi", "--name", "K", "--role", "mentor"], input="")
    assert result.exit_code == 1
    assert "at least 12 characters" in result.output


def test_users_create_refuses_a_taken_email(app, runner):
    make_user("mentor", email="taken@example.fi")
    result = create(runner, "TAKEN@example.fi", "--name", "Other", "--role", "auditor")
    assert result.exit_code == 1
    assert "A user with the e-mail taken@example.fi already exists." in result.output
    assert db.session.scalar(select(func.count(User.id))) == 1


def test_users_create_refuses_an_unknown_role(app, runner):
    result = create(runner, "k@example.fi", "--name", "K", "--role", "boss")
    assert result.exit_code == 2
    assert "Invalid value for '--role'" in result.output and "mentor" in result.output
    assert find_user("k@example.fi") is None


def test_users_token_prints_a_working_token_last(app, runner):
    user = make_user("finance")
    result = runner.invoke(args=["users", "token", user.email])
    assert result.exit_code == 0, result.output
    token = result.output.strip().splitlines()[-1]
    assert token_owner(token) == Caller(user.id, "finance", user.name)
    second = runner.invoke(args=["users", "token", user.email]).output.strip().splitlines()[-1]
    assert second != token and token_owner(token) == token_owner(second) == Caller(user.id, "finance", user.name)


def test_users_token_for_an_unknown_email(app, runner):
    result = runner.invoke(args=["users", "token", "nobody@example.fi"])
    assert result.exit_code == 1
    assert "No user has the e-mail nobody@example.fi." in result.output


def counts() -> tuple[int, int]:
    return db.session.scalar(select(func.count(User.id))), db.session.scalar(select(func.count(Claim.id)))


def test_demo_fills_every_role_and_state_once(app, runner):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    for email, _name, role in DEMO_USERS:
        assert email in first.output
        assert find_user(email).role == role
    assert DEMO_PASSWORD in first.output
    statuses = set(db.session.scalars(select(Claim.status)))
    assert {"paid", "submitted", "checked", "returned"} <= statuses
    before = counts()

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert counts() == before
    assert DEMO_PASSWORD in second.output  # the sign-in details again, for `make run`


def test_the_demo_mentor_can_claim_a_session_of_the_current_round_at_once(app, runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    today = date.today()
    document = current_round(today)
    past = next(s for s in document["sessions"] if s["date"] < today and s["reimbursed"])
    assert today - timedelta(days=21) <= past["date"] and any(s["date"] > today for s in document["sessions"])
    day = past["date"].isoformat()
    body = {
        "session": day,
        "trip": {"start_place": "Tampere", "distance_km": 178, "departure": f"{day}T08:00", "return": f"{day}T19:00"},
        "expenses": [{"type": "own_car", "date": day, "km": 356, "passengers": 0, "route": "Tampere–Helsinki"}],
    }
    decided = decide(body, find_user("mentor@example.fi"), "en")
    assert decided.decision.eligible, decided.decision.findings
    assert str(past["date"].year) in decided.decision.ruleset


def test_demo_never_mixes_into_real_data(app, runner):
    make_user("admin", email="real.admin@vm.fi")
    result = runner.invoke(args=["demo"])
    assert result.exit_code == 0
    assert "already has users" in result.output
    assert counts() == (1, 0)


def test_demo_is_refused_in_production(tmp_path):
    app = create_app(
        {
            "ENV_NAME": "production",
            "SECRET_KEY": "p" * 40,
            "DATABASE_URL": f"sqlite:///{tmp_path / 'p.sqlite3'}",
            "RECEIPTS_DIR": str(tmp_path / "r"),
            "DOCUMENTS_DIR": str(tmp_path / "d"),
        }
    )
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 1
    assert "for development only" in result.output


def test_db_upgrade_creates_the_schema(empty_app):
    result = empty_app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())


def test_the_db_command_runs_when_invoked_by_itself(empty_app):
    """Not only through `flask db`: the command object, as click's API or a script calls it."""
    result = empty_app.test_cli_runner().invoke(MigrationCommands(empty_app), args=["upgrade"])
    assert result.exit_code == 0, result.output
    assert set(db.metadata.tables) <= set(inspect(db.engine).get_table_names())


def production_env(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXPENSES_")}
    env.update(
        EXPENSES_ENV_NAME="production",
        EXPENSES_SECRET_KEY="s" * 48,
        EXPENSES_DATABASE_URL=f"sqlite:///{tmp_path / 'ops.sqlite3'}",
        EXPENSES_RECEIPTS_DIR=str(tmp_path / "receipts"),
        EXPENSES_DOCUMENTS_DIR=str(tmp_path / "documents"),
    )
    return env


def test_serving_pages_loads_neither_alembic_nor_weasyprint(tmp_path):
    """Migrations and PDFs load what they need when used: a server process starts without either."""
    serve = (
        "import sys; from wsgi import app; "
        "status = app.test_client().get('/login', base_url='https://localhost').status_code; "
        "print(status, *sorted(m for m in ('alembic', 'flask_migrate', 'weasyprint') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", serve],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.stdout.split() == ["200"], done.stdout + done.stderr


def test_commands_through_a_real_flask_process(tmp_path):
    """What an operator types, start to end, against a SQLite file."""
    env = production_env(tmp_path)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi"]

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess:
        return subprocess.run(
            [*flask, *args], input=stdin, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
        )

    # `db` is Flask-Migrate's group, loaded when called: its own options and commands.
    helped = run("db", "--help")
    assert helped.returncode == 0, helped.stderr
    assert "--directory" in helped.stdout and "upgrade" in helped.stdout and "downgrade" in helped.stdout
    upgraded = run("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "Migrate the database" in run("--help").stdout
    created = run("users", "create", "ops@example.fi", "--name", "Olli Operaattori", "--role", "admin", stdin=PASSWORD)
    assert created.returncode == 0, created.stderr
    assert "Created ops@example.fi (admin)." in created.stdout

    # The rest in-process against the same file: each real process costs seconds of imports.
    app = create_app({"TESTING": True, "DATABASE_URL": env["EXPENSES_DATABASE_URL"], "RECEIPTS_DIR": str(tmp_path)})
    with app.app_context():
        token = app.test_cli_runner().invoke(args=["users", "token", "ops@example.fi"])
        ops = find_user("ops@example.fi")
        assert token_owner(token.output.strip().splitlines()[-1]) == Caller(ops.id, "admin", "Olli Operaattori")
        db.engine.dispose()


def test_documents_keygen_makes_a_key_that_signs_summaries(app, runner, tmp_path):
    result = runner.invoke(args=["documents", "keygen", "--dir", str(tmp_path / "keys"), "--name", "Trial signer"])
    assert result.exit_code == 0, result.output
    key, cert = tmp_path / "keys" / "signing-key.pem", tmp_path / "keys" / "signing-cert.pem"
    assert key.stat().st_mode & 0o777 == 0o600  # the private key: its owner's only
    assert f"EXPENSES_SIGNING_KEY={key} EXPENSES_SIGNING_CERT={cert}" in result.output
    again = runner.invoke(args=["documents", "keygen", "--dir", str(tmp_path / "keys")])
    assert again.exit_code == 1 and "exists already" in again.output  # never replaces a key in use

    app.config["SIGNING_KEY"], app.config["SIGNING_CERT"] = str(key), str(cert)
    claim = make_claim(status="approved")
    verified = documents.verify(documents.read(claim.document))
    assert verified["verdict"] == "signed" and verified["signature_valid"] is True
    assert verified["signer"] == "Trial signer"


def test_users_create_refuses_an_easy_password_in_english(app, runner):
    result = create(runner, "k@example.fi", "--name", "K", "--role", "mentor", password="aaaaaaaaaaaa")
    assert result.exit_code == 1
    assert "Error: This password is too easy to guess" in result.output
    assert find_user("k@example.fi") is None
