"""`python -m rules`: exit codes, standard input, the --jsonl batch, the sessions table, help."""

import io
import json
import subprocess
import sys

import pytest

from rules.cli import main
from tests.examples import DOCS_EXAMPLES, ROOT, expected_path
from tests.rules.claims import claim, ticket

ELIGIBLE = claim(expenses=[ticket()])
INELIGIBLE = claim(role="actor", expenses=[ticket()])


def run(capsys, argv: list[str], stdin: str | None = None, monkeypatch=None) -> tuple[int, str, str]:
    if stdin is not None:
        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(argv)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("document", "code"), [(ELIGIBLE, 0), (INELIGIBLE, 1)])
def test_exit_code_of_a_file(tmp_path, capsys, document, code):
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(document))
    status, out, err = run(capsys, ["evaluate", str(path)])
    decision = json.loads(out)
    assert status == code and err == ""
    assert decision["eligible"] is (code == 0)
    assert set(decision) == {"ruleset", "eligible", "lines", "findings", "total"}


def test_dash_reads_standard_input(capsys, monkeypatch):
    status, out, _ = run(capsys, ["evaluate", "-"], json.dumps(ELIGIBLE), monkeypatch)
    assert status == 0 and json.loads(out)["total"] == "66.00"  # 8 h: part day 24.00 + ticket 42.00


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "claim: is not valid JSON: Expecting property name enclosed in double quotes (line 1, column 2)"),
        ("", "claim: is not valid JSON: Expecting value (line 1, column 1)"),
        ("[]", "claim: must be a JSON object"),
        (json.dumps(claim(distance_km="far")), "trip.distance_km: must be a number with at most two decimals"),
    ],
)
def test_malformed_input_exits_2_with_a_line_per_problem(capsys, monkeypatch, text, message):
    status, out, err = run(capsys, ["evaluate", "-"], text, monkeypatch)
    assert (status, out, err) == (2, "", message + "\n")


def test_a_file_that_cannot_be_read(tmp_path, capsys):
    status, _, err = run(capsys, ["evaluate", str(tmp_path / "nowhere.json")])
    assert status == 2 and "nowhere.json: cannot read" in err
    (tmp_path / "latin1.json").write_bytes(b'{"session": "\xe4"}')
    status, _, err = run(capsys, ["evaluate", str(tmp_path / "latin1.json")])
    assert status == 2 and "is not UTF-8 text" in err


def test_jsonl_one_decision_per_line_in_order(capsys, monkeypatch):
    lines = [json.dumps(ELIGIBLE), "{broken", json.dumps(INELIGIBLE), "", json.dumps({"session": 1})]
    status, out, err = run(capsys, ["evaluate", "--jsonl"], "\n".join(lines) + "\n", monkeypatch)
    assert status == 0 and err == ""
    results = out.split("\n")
    assert len(results) == 6 and results[-1] == ""  # five lines in, five out, blank kept as blank
    first, broken, ineligible, blank, malformed = results[:5]
    assert json.loads(first)["eligible"] is True
    assert json.loads(broken)["errors"][0]["field"] == "claim"
    assert json.loads(ineligible)["eligible"] is False
    assert blank == ""
    assert {e["field"] for e in json.loads(malformed)["errors"]} >= {"session", "claimant", "trip"}


def test_jsonl_takes_no_file(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate", "--jsonl", "claims.jsonl"])
    assert exit_.value.code == 2
    assert "--jsonl reads standard input" in capsys.readouterr().err


def test_evaluate_needs_a_file(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["evaluate"])
    assert exit_.value.code == 2 and "give a claim file" in capsys.readouterr().err


def test_sessions_table(capsys):
    status, out, _ = run(capsys, ["sessions"])
    rows = out.splitlines()
    assert status == 0
    assert rows[0].split() == ["date", "time", "mode", "place", "reimbursed", "claims", "due", "session"]
    assert set(rows[1]) <= {"-", " "}
    body = rows[2:]
    assert len(body) == 5
    kickoff = next(r for r in body if r.startswith("2023-09-22"))
    assert "13:00–16:00" in kickoff and "yes, mentors" in kickoff and "2023-11-22" in kickoff
    remote = next(r for r in body if r.startswith("2024-01-22"))
    assert "remote" in remote and "yes" not in remote
    assert any(r.startswith("2023-10-01…2024-03-31") for r in body)


def test_sessions_in_finnish_and_swedish(capsys):
    _, out, _ = run(capsys, ["--lang", "fi", "sessions"])
    rows = out.splitlines()
    assert "Päätöstapaaminen ja reflektio" in out
    # The columns and their words too, not only the titles.
    assert rows[0].split() == ["päivä", "aika", "muoto", "paikka", "korvataan", "hakuaika", "päättyy", "tapaaminen"]
    kickoff = next(r for r in rows if r.startswith("2023-09-22"))
    assert "lähitapaaminen" in kickoff and "kyllä, mentoreille" in kickoff
    assert "etänä" in next(r for r in rows if r.startswith("2024-01-22"))
    _, out, _ = run(capsys, ["--lang", "sv", "sessions"])
    assert out.splitlines()[0].split()[:3] == ["datum", "tid", "form"]
    assert "ja, för mentorer" in out and "på plats" in out


def test_language_formats_money(capsys, monkeypatch):
    _, out, _ = run(capsys, ["--lang", "fi", "evaluate", "-"], json.dumps(ELIGIBLE), monkeypatch)
    explanation = json.loads(out)["lines"][0]["explanation"]
    assert "24,00\u00a0€" in explanation
    assert json.loads(out)["lines"][0]["amount"] == "24.00"  # the data never changes with the language


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["--help"], "usage: python -m rules"),
        (["evaluate", "--help"], "--jsonl"),
        (["sessions", "--help"], "usage: python -m rules sessions"),
    ],
)
def test_help(capsys, argv, expected):
    with pytest.raises(SystemExit) as exit_:
        main(argv)
    assert exit_.value.code == 0 and expected in capsys.readouterr().out


def test_real_process_with_standard_input():
    done = subprocess.run(
        [sys.executable, "-m", "rules", "evaluate", "-"],
        input=json.dumps(INELIGIBLE),
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert done.returncode == 1
    assert [f["code"] for f in json.loads(done.stdout)["findings"]] == ["not_a_mentor"]


def test_real_process_jsonl_over_the_documented_examples():
    claims = sorted(DOCS_EXAMPLES.glob("*.claim.json"))
    assert claims
    stream = "".join(json.dumps(json.loads(p.read_text())) + "\n" for p in claims)
    done = subprocess.run(
        [sys.executable, "-m", "rules", "evaluate", "--jsonl"], input=stream, capture_output=True, text=True, cwd=ROOT
    )
    assert done.returncode == 0, done.stderr
    totals = [json.loads(line)["total"] for line in done.stdout.splitlines()]
    expected = [json.loads(expected_path(p).read_text())["total"] for p in claims]
    assert totals == expected


def test_rates_check_lists_the_years_covered(capsys):
    status, out, err = run(capsys, ["rates", "check"])
    assert status == 0 and err == ""
    assert "years covered 2023, 2024, 2025, 2026 (rates files in force: 4)" in out.splitlines()[0]
    assert "2026  from 2026-01-01  fi-state-2026  to confirm (U): meal_allowance, night_travel" in out


def test_rates_check_says_each_problem_and_exits_1(tmp_path, capsys):
    good = (ROOT / "rules" / "rates" / "fi-state-2024.toml").read_text()
    (tmp_path / "fi-state-2024.toml").write_text(good)
    (tmp_path / "fi-state-2025.toml").write_text(
        good.replace("year = 2024", "year = 2025")
        .replace('"fi-state-2024"', '"fi-state-2025"')
        .replace('value = "51.00"', 'value = "0"')
        .replace('unit = "EUR/km"', 'unit = "EUR"', 1)
    )
    status, out, err = run(capsys, ["rates", "check", "--dir", str(tmp_path)])
    assert status == 1
    assert err.splitlines() == [
        "fi-state-2025.toml: figure per_diem_full must be positive",
        "fi-state-2025.toml: figure car_per_km must be in EUR/km",
    ]
    assert "years covered 2024 (rates files in force: 1)" in out  # the good file is still listed


def test_evaluate_with_a_calendar_of_its_own(tmp_path, capsys):
    (tmp_path / "next.toml").write_text(
        'id = "next"\nname = { fi = "Seuraava" }\n[[sessions]]\ndate = 2026-11-20\nstart = "13:00"\n'
        'end = "16:00"\nmode = "in_person"\nreimbursed = true\nplace = "Helsinki"\ntitle = { fi = "Aloitus" }\n'
    )
    document = claim("2026-11-20T08:00", "2026-11-20T20:00", session="2026-11-20", expenses=[ticket("2026-11-20")])
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(document))
    assert run(capsys, ["evaluate", str(path)])[0] == 1  # not a session of the shipped round
    status, out, _ = run(capsys, ["evaluate", "--calendar", str(tmp_path / "next.toml"), str(path)])
    assert status == 0 and json.loads(out)["ruleset"].endswith("2026")


def test_a_broken_calendar_file_exits_2_with_its_problems(tmp_path, capsys):
    (tmp_path / "bad.toml").write_text('id = "Bad Id"\n')
    status, _, err = run(capsys, ["sessions", "--calendar", str(tmp_path / "bad.toml")])
    assert status == 2
    assert err.splitlines() == [
        "bad.toml: missing id, or it is not 1–100 characters of a-z, 0-9 and -",
        "bad.toml: missing name",
        "bad.toml: missing sessions",
    ]
