"""The rules engine in Finnish and Swedish: explanations, findings, rule titles and input problems."""

import io
import json
import subprocess
import sys

import pytest

from rules import RULES, MalformedClaim, evaluate, parse_claim
from rules.cli import main
from rules.i18n import text_for
from tests.examples import ROOT
from tests.rules.claims import claim, ticket

# A 10-hour trip (part per diem), a ticket without its receipt and a taxi without a reason.
DOCUMENT = claim(
    "2024-04-23T07:00",
    "2024-04-23T17:00",
    expenses=[
        ticket(receipt=""),
        {"type": "taxi", "date": "2024-04-23", "amount": "18.40", "receipt": "r-2"},
    ],
)
MALFORMED = claim(expenses=[ticket(amount="-5.00"), {"type": "boat", "date": "2024-04-23"}])


def test_command_line_speaks_finnish(tmp_path):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(DOCUMENT))
    done = subprocess.run(
        [sys.executable, "-m", "rules", "--lang", "fi", "evaluate", str(path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 1, done.stderr
    decision = json.loads(done.stdout)
    assert [line["explanation"] for line in decision["lines"]] == [
        "matka 10 h > 6 h → 24,00\u00a0€",
        "Train: kuitin mukaan",
        "kuitin mukaan",
    ]
    messages = {f["code"]: f["message"] for f in decision["findings"]}
    assert messages["receipt_missing"] == "Liitä tämän kulun kuitti."
    assert messages["taxi_reason_missing"].startswith("Taksin käytölle tarvitaan syy")


@pytest.mark.parametrize(
    ("lang", "amount", "kind"),
    [
        ("sv", "får inte vara negativt", "måste vara något av följande: public_transport"),
        ("fi", "ei saa olla negatiivinen", "on oltava jokin seuraavista: public_transport"),
        ("en", "must not be negative", "must be one of public_transport"),
    ],
)
def test_command_line_names_input_problems_in_the_language(capsys, monkeypatch, lang, amount, kind):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(MALFORMED)))
    assert main(["--lang", lang, "evaluate", "-"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == f"expenses[0].amount: {amount}"
    assert err[1].startswith(f"expenses[1].type: {kind}")


def test_jsonl_errors_and_json_syntax_errors_are_translated(capsys, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(MALFORMED) + "\n{oops\n"))
    assert main(["--lang", "sv", "evaluate", "--jsonl"]) == 0
    first, second = (json.loads(line) for line in capsys.readouterr().out.splitlines())
    assert first["errors"][0] == {"field": "expenses[0].amount", "message": "får inte vara negativt"}
    assert second["errors"][0]["message"].startswith("är inte giltig JSON: ")
    assert second["errors"][0]["message"].endswith("(rad 1, kolumn 2)")


def test_problems_stay_english_in_the_engine_and_translate_on_demand():
    with pytest.raises(MalformedClaim) as caught:
        parse_claim(claim(expenses=[{"type": "accommodation", "date": "2024-04-23", "amount": "90.00", "nights": 0}]))
    (problem,) = caught.value.problems
    assert problem.to_dict() == {"field": "expenses[0].nights", "message": "must be at least 1"}
    assert problem.in_language("fi") == "on oltava vähintään 1"
    assert problem.in_language("sv") == "måste vara minst 1"
    assert problem.in_language("xx") == "must be at least 1"


def test_the_language_changes_only_the_words():
    decisions = {lang: evaluate(DOCUMENT, lang=lang).to_dict() for lang in ("fi", "sv", "en")}
    for decision in decisions.values():
        for line in decision["lines"]:
            line.pop("explanation")
        for finding in decision["findings"]:
            finding.pop("message")
    assert decisions["fi"] == decisions["sv"] == decisions["en"]


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_every_rule_title_is_translated(lang):
    text = text_for(lang)
    untranslated = [rule.id for rule in RULES.values() if text._(rule.title) == rule.title]
    assert not untranslated


def test_unknown_language_falls_back_to_english():
    assert text_for("de")._("per receipt") == "per receipt"
    assert text_for("sv").n_("{n} night", "{n} nights", 2) == "2 nights"  # not in the catalogue
