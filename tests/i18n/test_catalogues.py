"""The message catalogues: complete in Finnish and Swedish, nothing fuzzy, placeholders kept, up to date."""

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[2]
APP_DIR = ROOT / "expenses" / "translations"
RULES_DIR = ROOT / "rules" / "locale"
# English is the source language: its catalogue exists so that wording can be tuned without a code
# change, and an empty msgstr there means "as in the source". Finnish and Swedish must be complete.
CATALOGUES = {
    ("messages", "fi"): APP_DIR / "fi/LC_MESSAGES/messages.po",
    ("messages", "sv"): APP_DIR / "sv/LC_MESSAGES/messages.po",
    ("messages", "en"): APP_DIR / "en/LC_MESSAGES/messages.po",
    ("rules", "fi"): RULES_DIR / "fi/LC_MESSAGES/rules.po",
    ("rules", "sv"): RULES_DIR / "sv/LC_MESSAGES/rules.po",
}
MUST_BE_TRANSLATED = ("fi", "sv")
# %(name)s, %s and {name} (the engine's str.format placeholders); %% is a literal percent.
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_]*\}")


def read(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def messages(catalog: Catalog) -> list[Message]:
    return [m for m in catalog if m.id]


def forms(text: str | tuple | list) -> list[str]:
    return list(text) if isinstance(text, (tuple, list)) else [text]


@pytest.mark.parametrize(("domain", "lang"), list(CATALOGUES))
def test_catalogue_has_no_fuzzy_or_untranslated_message(domain, lang):
    catalog = read(CATALOGUES[domain, lang])
    assert not catalog.fuzzy, f"{domain}/{lang}: the header is marked fuzzy, so pybabel would not compile it"
    fuzzy = [m.id for m in messages(catalog) if m.fuzzy]
    assert not fuzzy, f"{domain}/{lang}: fuzzy messages (check each, then remove the #, fuzzy line): {fuzzy}"
    if lang in MUST_BE_TRANSLATED:
        empty = [m.id for m in messages(catalog) if not all(s.strip() for s in forms(m.string))]
        assert not empty, f"{domain}/{lang}: untranslated messages: {empty}"


@pytest.mark.parametrize(("domain", "lang"), [k for k in CATALOGUES if k[1] in MUST_BE_TRANSLATED])
def test_translations_keep_every_placeholder(domain, lang):
    wrong = []
    for m in messages(read(CATALOGUES[domain, lang])):
        ids, strings = forms(m.id), forms(m.string)
        wanted = set(PLACEHOLDER.findall(ids[-1]))
        for s in strings:
            # A singular form may leave out the count ("yksi yö"), never anything else.
            found = set(PLACEHOLDER.findall(s))
            if found - wanted or (len(strings) == 1 and found != set(PLACEHOLDER.findall(ids[0]))):
                wrong.append((m.id, s))
    assert not wrong, f"{domain}/{lang}: placeholders changed: {wrong}"


@pytest.fixture(scope="module")
def templates(tmp_path_factory) -> dict[str, Catalog]:
    """The catalogue templates extracted from the sources now, with the Makefile's own settings."""
    if shutil.which("make") is None:
        pytest.fail("make is needed to extract the messages the way `make translations` does")
    out = tmp_path_factory.mktemp("pot")
    pybabel = Path(sys.executable).with_name("pybabel")
    subprocess.run(
        ["make", "--no-print-directory", "-s", "pot", f"POT_DIR={out}", f"PYBABEL={pybabel}"],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return {"messages": read(out / "messages.pot"), "rules": read(out / "rules.pot")}


@pytest.mark.parametrize(("domain", "lang"), list(CATALOGUES))
def test_catalogue_has_every_message_of_the_sources(templates, domain, lang):
    """A string added to the code or templates but not to the catalogues fails here: run `make translations`."""
    known = {m.id for m in messages(read(CATALOGUES[domain, lang]))}
    missing = [m.id for m in messages(templates[domain]) if m.id not in known]
    assert not missing, f"{domain}/{lang}: run `make translations` and translate: {missing}"


def test_extraction_finds_the_engines_method_call_markers(templates):
    # text._(...) and text.n_(singular, plural, n) are method calls: Babel must still see them.
    ids = {m.id for m in messages(templates["rules"])}
    assert "Attach the receipt of this expense." in ids  # text._ in rules/engine.py
    assert (
        "{amount} per receipt for {n} night ({per_night} a night)",
        "{amount} per receipt for {n} nights ({per_night} a night)",
    ) in ids
    assert "Night travel allowance" in ids  # the module-level _ of rules/registry.py
    assert "must not be negative" in ids  # the parse problems of rules/claim.py


def test_extraction_finds_lazy_and_plural_and_template_strings(templates):
    ids = {m.id for m in messages(templates["messages"])}
    assert "Kilometre allowance" in ids  # _l in expenses/formatting.py
    assert ("%(num)s night", "%(num)s nights") in ids  # ngettext in a template
    assert "Skip to content" in ids  # _() in templates/base.html
    assert "Your travel claim %(ref)s was paid" in ids  # N_ in expenses/notifications.py


def test_compiled_catalogues_are_built_and_fresh():
    """`make run` and `make test` compile the catalogues; a stale .mo would show old translations."""
    stale = []
    for path in CATALOGUES.values():
        compiled = path.with_suffix(".mo")
        if not compiled.exists() or compiled.stat().st_mtime < path.stat().st_mtime:
            stale.append(str(compiled.relative_to(ROOT)))
    assert not stale, f"run `make compile`: {stale}"


def test_english_catalogue_falls_back_to_the_source_text():
    english = gettext.translation("messages", APP_DIR, languages=["en"])
    assert english.gettext("Skip to content") == "Skip to content"
    assert english.ngettext("%(num)s night", "%(num)s nights", 2) == "%(num)s nights"
