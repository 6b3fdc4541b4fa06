"""Online backups of a SQLite deployment: the database (SQLite's backup API) plus receipts and PDFs.

The database is copied first and the file stores after it: files are content-addressed and written
before the rows that name them commit, so every file the copied database refers to is in the copy.
For PostgreSQL use `pg_dump` for the database (see README) and this command's file part.
"""

import hashlib
import json
import shutil
import sqlite3
from pathlib import Path

from flask import current_app

from expenses.extensions import db
from expenses.models import utcnow

MANIFEST = "manifest.json"
STORES = ("RECEIPTS_DIR", "DOCUMENTS_DIR")


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why."""


def _sqlite_path() -> Path:
    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise BackupError("Only SQLite databases are backed up by this command; use pg_dump for PostgreSQL.")
    return Path(url.database)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def _copy_store(source: Path, target: Path) -> dict[str, str]:
    hashes = {}
    for path in sorted(source.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            relative = path.relative_to(source)
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / relative)
            hashes[str(relative)] = _sha256(target / relative)
    return hashes


def make_backup(target: Path) -> dict:
    """Copy the database and the file stores into an empty or new folder; return the manifest."""
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty; give a new folder.")
    target.mkdir(parents=True, exist_ok=True)
    database = _sqlite_path()
    db.session.remove()
    with sqlite3.connect(database) as live, sqlite3.connect(target / "database.sqlite3") as copy:
        live.backup(copy)  # a consistent snapshot even while the service writes
    manifest = {
        "created_at": utcnow().isoformat(),
        "database": "database.sqlite3",
        "database_sha256": _sha256(target / "database.sqlite3"),
        "files": {},
    }
    for key in STORES:
        manifest["files"][key] = _copy_store(Path(current_app.config[key]), target / key.lower())
    (target / MANIFEST).write_text(json.dumps(manifest, indent=2))
    return manifest


def check_backup(source: Path) -> dict:
    """The manifest, after checking that every file of the backup is as it was made."""
    try:
        manifest = json.loads((source / MANIFEST).read_text())
    except (OSError, ValueError) as e:
        raise BackupError(f"{source} has no readable {MANIFEST}: is it a backup folder?") from e
    if _sha256(source / manifest["database"]) != manifest["database_sha256"]:
        raise BackupError("The backup's database file has changed since the backup was made.")
    for key, files in manifest["files"].items():
        for relative, sha256 in files.items():
            path = source / key.lower() / relative
            if not path.is_file() or _sha256(path) != sha256:
                raise BackupError(f"The backup's file {key.lower()}/{relative} is missing or changed.")
    return manifest


def restore_backup(source: Path) -> dict:
    """Bring back a checked backup: the database replaced as a whole, the stores' files copied back."""
    manifest = check_backup(source)
    database = _sqlite_path()
    db.session.remove()
    db.engine.dispose()
    with sqlite3.connect(source / manifest["database"]) as copy, sqlite3.connect(database) as live:
        copy.backup(live)
    for key in manifest["files"]:
        _copy_store(source / key.lower(), Path(current_app.config[key]))
    return manifest
