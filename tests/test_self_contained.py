"""The repository stands on its own: what users, maintainers and the tests need is inside it.

A clone has nothing beside it, so no file may point outside the checkout to the folders a
developer's machine happened to have (the product owner's design notes, reference and examples
were once read from a sibling folder; they are now docs/). `.ci/run` runs the suite in a copy of
the repository alone, which proves the same for what the tests read.
"""

import re

from tests.examples import ROOT

# Built from parts, so that this file does not name what it looks for.
OUTSIDE = re.compile(r"\.\./" + "shared" + r"\b|/work/" + "shared" + r"\b|\b" + "DESIGN" + r"(\.md| §)")
NOT_OURS = {".venv", ".git", "instance", "build", "test-output", "__pycache__", ".pytest_cache", ".ruff_cache"}
BINARY = {".mo", ".pyc", ".png", ".jpg", ".jpeg", ".pdf", ".sqlite3", ".woff", ".woff2", ".ttf"}


def _our_files() -> list:
    return [
        path
        for path in ROOT.rglob("*")
        if path.is_file()
        and path.suffix not in BINARY
        and not NOT_OURS.intersection(path.relative_to(ROOT).parts)
        and not any(part.endswith((".egg-info", ".hypothesis")) for part in path.relative_to(ROOT).parts)
    ]


def test_no_file_points_outside_the_repository():
    files = _our_files()
    assert len(files) > 200  # the walk really found the repository
    outside = [
        f"{path.relative_to(ROOT)}:{number}"
        for path in files
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1)
        if OUTSIDE.search(line)
    ]
    assert outside == []


def test_the_readme_and_the_docs_name_only_files_that_exist():
    # Every relative Markdown link of README.md and docs/ leads to a file of the repository.
    documents = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    missing = []
    for document in documents:
        for target in re.findall(r"\]\(([^)#:]+)(?:#[^)]*)?\)", document.read_text()):
            if not (document.parent / target).exists():
                missing.append(f"{document.relative_to(ROOT)} → {target}")
    assert missing == []
