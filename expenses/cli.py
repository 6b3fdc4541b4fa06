"""Commands: users, programmes, demo, notify-waiting, generate, audit verify, storage check, documents keygen,
backup, restore, retention (db: Flask-Migrate)."""

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext
from flask_babel import force_locale

from expenses import audit, backup, notifications, orphans, password_links, programme_files, retention, signing
from expenses.accounts import AccountError, create_user, find_user, issue_token
from expenses.config import is_production
from expenses.demo import seed_demo
from expenses.extensions import db, migrations
from expenses.models import ROLES

users = AppGroup("users", help="Manage users.")


@users.command("create")
@click.argument("email")
@click.option("--name", required=True, help="The person's full name.")
@click.option("--role", required=True, type=click.Choice(ROLES), help="What the user does in the service.")
def create_user_command(email: str, name: str, role: str) -> None:
    """Create a user; the password is read from standard input."""
    password = (
        sys.stdin.readline().rstrip("\r\n")
        if not sys.stdin.isatty()
        else click.prompt("Password", hide_input=True, confirmation_prompt=True)
    )
    try:
        with force_locale("en"):  # the command line speaks English, as its other messages do
            user = create_user(email, name, role, password)
    except AccountError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"Created {user.email} ({user.role}).")


@users.command("token")
@click.argument("email")
def token_command(email: str) -> None:
    """Print a new API token for the user (its last line is the token)."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user has the e-mail {email}.")
    token = issue_token(user)
    db.session.commit()
    click.echo(f"New API token for {user.email}; it is shown only once:")
    click.echo(token)


@users.command("invite")
@click.argument("email")
def invite_command(email: str) -> None:
    """Mail the user (who has no password yet) a link to set one, valid EXPENSES_INVITATION_DAYS."""
    user = find_user(email)
    if user is None:
        raise click.ClickException(f"No user has the e-mail {email}.")
    try:
        with force_locale("en"):  # the command line speaks English, as its other messages do
            password_links.invite(user, None)
    except AccountError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    db.session.info.pop(notifications.FAILED, None)
    db.session.commit()
    if db.session.info.pop(notifications.FAILED, None):
        raise click.ClickException("The invitation could not be sent (see the log); try again.")
    days = current_app.config["INVITATION_DAYS"]
    click.echo(f"Invited {user.email}: the link in the mail works once, for {days} days.")


@click.command("demo")
@with_appcontext
def demo_command() -> None:
    """Fill an empty database with demo users, roster and claims, and print the sign-in details."""
    if is_production(current_app):
        raise click.ClickException(
            "The demo data and its well-known password are for development only (EXPENSES_ENV_NAME=development)."
        )
    for line in seed_demo():
        click.echo(line)


@click.command("notify-waiting")
@with_appcontext
def notify_waiting_command() -> None:
    """E-mail finance the claims that have waited longer than EXPENSES_WAITING_DAYS."""
    try:
        reported = notifications.remind_finance()
    except notifications.MailError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"{reported} waiting claim(s) reported.")


class MigrationCommands(click.Command):
    """`flask db …`: Flask-Migrate's group of commands (upgrade, downgrade, current, history, …), loaded when
    one runs, so that starting the app does not import Alembic (expenses.extensions.migrations)."""

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Migrate the database's schema (Flask-Migrate: upgrade, current, history, …).")
        self.app = app

    def make_context(
        self, info_name: str | None, args: list[str], parent: click.Context | None = None, **extra: Any
    ) -> click.Context:
        # The real group parses the arguments, so its options (--directory, -x) and its help are the ones used.
        # (Registering Flask-Migrate also puts that group on app.cli in this command's place.)
        migrations(self.app)
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)

    def invoke(self, ctx: click.Context) -> Any:
        # Called directly rather than through app.cli, click invokes this command with the real group's context.
        return ctx.command.invoke(ctx)


def init_app(app: Flask) -> None:
    app.cli.add_command(MigrationCommands(app))
    app.cli.add_command(users)
    app.cli.add_command(programmes)
    app.cli.add_command(demo_command)
    app.cli.add_command(notify_waiting_command)
    app.cli.add_command(audit_group)
    app.cli.add_command(storage_group)
    app.cli.add_command(documents_group)
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(retention_command)
    app.cli.add_command(generate_command)


programmes = AppGroup("programmes", help="Programme rounds: import and export their files.")


@programmes.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--by", "by_email", required=True, help="The e-mail of the admin who imports it (recorded in the round's trail)."
)
def programmes_import_command(path: Path, by_email: str) -> None:
    """Add or update the round of a programme file (rules/programmes/*.toml form, optionally with [[roster]])."""
    actor = find_user(by_email)
    if actor is None or actor.role != "admin":
        raise click.ClickException(f"{by_email} is not an admin of this service.")
    problems = programme_files.import_programme(path.read_bytes(), path.name, actor)
    if problems:
        db.session.rollback()
        for problem in problems:
            click.echo(problem, err=True)
        raise SystemExit(1)
    db.session.commit()
    click.echo(f"{path.name}: imported.")


@programmes.command("export")
@click.argument("round_id")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), help="Write here, not to stdout.")
def programmes_export_command(round_id: str, output: Path | None) -> None:
    """Write a round, its sessions and roster, as a programme file."""
    text = programme_files.export_programme(round_id)
    if text is None:
        raise click.ClickException(f"There is no round {round_id}.")
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")


audit_group = AppGroup("audit", help="Check the audit trail.")


@audit_group.command("verify")
def audit_verify_command() -> None:
    """Check every claim's chain of audit events; name the first broken link of each."""
    problems = audit.verify_chain()
    if problems:
        for problem in problems:
            click.echo(f"BROKEN: {problem}", err=True)
        raise SystemExit(1)
    click.echo("The audit trail is intact.")


storage_group = AppGroup("storage", help="Check the stored receipts and PDFs.")


@storage_group.command("check")
@click.option("--remove", is_flag=True, help="Delete the files found.")
@click.option(
    "--min-age",
    type=click.IntRange(min=0),
    default=int(orphans.MIN_AGE.total_seconds() // 60),
    show_default=True,
    help="Leave files younger than this many minutes: their rows may be committing now.",
)
def storage_check_command(remove: bool, min_age: int) -> None:
    """List the stored files (receipts, PDFs) that no row refers to; exit 1 if there are any left."""
    found = orphans.find(timedelta(minutes=min_age))
    for orphan in found:
        kept = orphan.file
        click.echo(f"{orphan.kind:8}  {kept.sha256}  {kept.size:>9} bytes  written {kept.written.isoformat()}")
    size = sum(o.file.size for o in found)
    if not found:
        click.echo("Every stored file belongs to a row.")
    elif remove:
        orphans.remove(found)
        click.echo(f"Removed {len(found)} file(s) that no row refers to ({size} bytes).")
    else:
        click.echo(f"{len(found)} file(s) that no row refers to ({size} bytes); --remove deletes them.")
        raise SystemExit(1)


documents_group = AppGroup("documents", help="The approval PDFs' signing.")


@documents_group.command("keygen")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    help="Where to write signing-key.pem and signing-cert.pem (default: the instance folder's signing/).",
)
@click.option(
    "--name", default="Mentor travel claims (trial signer)", show_default=True, help="The certificate's name."
)
@click.option("--days", default=365, show_default=True, type=click.IntRange(1, 3650), help="How long it is valid.")
def documents_keygen_command(directory: Path | None, name: str, days: int) -> None:
    """Make a signing key and a self-signed certificate, for trying signed PDFs (production: see README)."""
    directory = directory or Path(current_app.instance_path) / "signing"
    try:
        key, cert = signing.make_trial_key(directory, name, days)
    except FileExistsError as e:
        raise click.ClickException(f"{e} exists already; remove it first or choose another --dir.") from None
    click.echo(f"Wrote {key} (the private key, readable by you only) and {cert}.")
    click.echo("Every approval PDF is signed once the service runs with:")
    click.echo(f"  export EXPENSES_SIGNING_KEY={key} EXPENSES_SIGNING_CERT={cert}")
    click.echo(
        "The certificate is self-signed: it shows a PDF is unchanged, not who signed it. Do not use it in production."
    )


@click.command("backup")
@click.argument("path", type=click.Path(file_okay=False, path_type=Path))
def backup_command(path: Path) -> None:
    """Copy the database, receipts and PDFs into the new folder PATH (online, consistent)."""
    try:
        manifest = backup.make_backup(path)
    except backup.BackupError as e:
        raise click.ClickException(str(e)) from None
    count = sum(len(files) for files in manifest["files"].values())
    click.echo(f"Backed up the database and {count} file(s) to {path}.")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the current data.")
def restore_command(path: Path, yes: bool) -> None:
    """Replace the current database and files with the backup in PATH (checked first)."""
    if not yes:
        click.confirm("This replaces the current database. Continue?", abort=True)
    try:
        manifest = backup.restore_backup(path)
    except backup.BackupError as e:
        raise click.ClickException(str(e)) from None
    click.echo(f"Restored the backup made at {manifest['created_at']}.")


@click.command("retention")
@click.option(
    "--by", "by_email", required=True, help="The e-mail of the admin who runs it (recorded in the audit trail)."
)
@click.option("--dry-run", is_flag=True, help="Only tell what would be removed.")
@click.option(
    "--as-of", type=click.DateTime(formats=["%Y-%m-%d"]), help="Judge the periods as on this day (YYYY-MM-DD)."
)
def retention_command(by_email: str, dry_run: bool, as_of) -> None:
    """Remove receipts, PDFs and personal fields of claims past EXPENSES_RETENTION_YEARS; keep the ledger figures."""
    actor = find_user(by_email)
    if actor is None or actor.role != "admin":
        raise click.ClickException(f"{by_email} is not an admin of this service.")
    outcome = retention.run(actor, as_of.date() if as_of else None, dry_run=dry_run)
    verb = "Would remove" if dry_run else "Removed"
    click.echo(
        f"{verb} the personal data of {len(outcome.claims)} claim(s) paid or rejected before "
        f"{outcome.closed_before.isoformat()}: {outcome.receipts} receipt(s) ({outcome.receipt_files} file(s)), "
        f"{outcome.documents} PDF(s), {outcome.ibans} IBAN(s), {outcome.payment_files} payment file(s)."
    )
    for reference in outcome.claims:
        click.echo(f"  {reference}")


@click.command("generate")
@click.option("--claims", type=click.IntRange(min=1), default=10_000, show_default=True, help="How many claims.")
@click.option(
    "--mentors",
    type=click.IntRange(min=1),
    default=None,
    help="How many mentors (default: as few as the claims need, one per claim and reimbursed session).",
)
@click.option("--seed", type=int, default=1, show_default=True, help="The same seed makes the same population.")
@click.option("--real-pdfs", is_flag=True, help="Render real approval PDFs (slow: about a second each).")
@with_appcontext
def generate_command(claims: int, mentors: int | None, seed: int, real_pdfs: bool) -> None:
    """Fill the database with a generated population, for benchmarks and for trying the service with volume."""
    from expenses.generate import generate

    if is_production(current_app):
        raise click.ClickException(
            "Generated users share a well-known password: generate data only with EXPENSES_ENV_NAME=development."
        )
    try:
        made = generate(claims=claims, mentors=mentors, seed=seed, real_pdfs=real_pdfs)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    click.echo(
        f"Generated {made['mentors']} mentors, {made['claims']} claims, {made['events']} audit events "
        f"and {made['documents']} approval documents."
    )
    for role, email in made["users"].items():
        click.echo(f"  {role}: {email}")
    click.echo(f"Every generated user's password is {made['password']}.")
