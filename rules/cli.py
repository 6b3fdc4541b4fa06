"""The command line of the rules engine (docs/api.md).

python -m rules evaluate FILE.json|-      one claim; exit 0 eligible, 1 ineligible, 2 malformed
python -m rules evaluate --jsonl          one claim per line on stdin, one decision per line out
python -m rules evaluate --calendar F     ... with the sessions of programme file F (or a folder of them)
python -m rules sessions [--calendar F]   the programme calendar as a table
python -m rules rates check [--dir DIR]   check every rates file and list the years covered
"""

import argparse
import json
import sys
from pathlib import Path
from typing import TextIO

from rules.claim import MalformedClaim, problem
from rules.engine import evaluate
from rules.i18n import LANGUAGES, _, text_for
from rules.programme import PROGRAMMES_DIR, Calendar, CalendarError, load_calendar
from rules.rates import RATES_DIR, check_rates, load_rates

EXIT_ELIGIBLE, EXIT_INELIGIBLE, EXIT_MALFORMED = 0, 1, 2


def _dump(document: object) -> str:
    return json.dumps(document, ensure_ascii=False)


def _read_claim(text: str) -> object:
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        message = _("is not valid JSON: {error} (line {line}, column {column})")
        raise MalformedClaim([problem("claim", message, error=e.msg, line=e.lineno, column=e.colno)]) from None


def evaluate_one(source: TextIO, out: TextIO, err: TextIO, lang: str, calendar: Calendar | None = None) -> int:
    try:
        decision = evaluate(_read_claim(source.read()), calendar, lang=lang)
    except MalformedClaim as e:
        for p in e.problems:
            print(f"{p.field}: {p.in_language(lang)}", file=err)
        return EXIT_MALFORMED
    print(json.dumps(decision.to_dict(), ensure_ascii=False, indent=2), file=out)
    return EXIT_ELIGIBLE if decision.eligible else EXIT_INELIGIBLE


def evaluate_stream(source: TextIO, out: TextIO, lang: str, calendar: Calendar | None = None) -> int:
    """One decision (or `{"errors": [...]}`) per input line, in order; blank lines give blank lines."""
    calendar, rates = calendar or load_calendar(), load_rates()
    for line in source:
        if not line.strip():
            out.write("\n")
            continue
        try:
            result = evaluate(_read_claim(line), calendar, rates, lang).to_dict()
        except MalformedClaim as e:
            result = {"errors": [{"field": p.field, "message": p.in_language(lang)} for p in e.problems]}
        out.write(_dump(result) + "\n")
    return EXIT_ELIGIBLE


#: Words of the sessions table, marked for the `rules` catalogue and said in the chosen language.
_HEADINGS = (_("date"), _("time"), _("mode"), _("place"), _("reimbursed"), _("claims due"), _("session"))
_MODES = {"in_person": _("in person"), "remote": _("remote"), "any": _("any")}


def print_sessions(out: TextIO, lang: str, calendar: Calendar | None = None) -> int:
    calendar, say = calendar or load_calendar(), text_for(lang)
    rows = [tuple(say._(h) for h in _HEADINGS)]
    for s in calendar.sessions.values():
        rows.append(
            (
                s.id,
                f"{s.start:%H:%M}–{s.end:%H:%M}",
                say._(_MODES.get(s.mode, s.mode.replace("_", " "))),
                s.place,
                say._(_("yes, mentors")) if s.reimbursed else say._(_("no")),
                s.claim_deadline.isoformat() if s.reimbursed else "",
                s.title_in(lang),
            )
        )
    for p in calendar.independent:
        independent = (f"{p.start}…{p.end}", "", say._(_MODES["any"]), "", say._(_("no")), "")
        rows.append((*independent, p.title_in(lang)))
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip(), file=out)
        if n == 0:
            print("  ".join("-" * w for w in widths), file=out)
    return 0


def check_rates_files(directory: Path, out: TextIO, err: TextIO) -> int:
    """One line per problem on `err` (exit 1); the years covered by the good files on `out`."""
    book, problems = check_rates(directory)
    for message in problems:
        print(message, file=err)
    if book.editions:
        years = sorted(book.years)
        print(
            f"{directory}: years covered {', '.join(map(str, years))} (rates files in force: {len(book.editions)})",
            file=out,
        )
        for rates in book.editions:
            unconfirmed = ", ".join(rates.unconfirmed()) or "-"
            print(f"{rates.year}  from {rates.valid_from}  {rates.ruleset}  to confirm (U): {unconfirmed}", file=out)
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m rules",
        description="The state travel regulation applied to mentors' claims of the mentoring programme.",
    )
    parser.add_argument("--lang", choices=LANGUAGES, default="en", help="language of messages (default: en)")
    commands = parser.add_subparsers(dest="command", required=True)
    ev = commands.add_parser(
        "evaluate",
        help="decide what a claim reimburses",
        description="Print the decision JSON of a claim. Exit status: 0 eligible, 1 ineligible, "
        "2 malformed input (one message per problem on stderr).",
    )
    ev.add_argument("file", nargs="?", help="the claim JSON file, or - for standard input")
    ev.add_argument(
        "--jsonl",
        action="store_true",
        help='read one claim per line on standard input and write one decision (or {"errors": [...]}) '
        "per line, in order; exit 0 unless the stream cannot be read",
    )
    sessions = commands.add_parser("sessions", help="list the programme's sessions", description="Print the calendar.")
    for command in (ev, sessions):
        command.add_argument(
            "--calendar",
            type=Path,
            default=PROGRAMMES_DIR,
            help="a programme file (TOML), or a folder of them (default: the shipped ones)",
        )
    rates = commands.add_parser("rates", help="the yearly rates files", description="Work with the rates files.")
    rates_commands = rates.add_subparsers(dest="rates_command", required=True)
    check = rates_commands.add_parser(
        "check",
        help="check every rates file and list the years covered",
        description="Check every rates file of the folder: one line per problem on stderr and exit 1, or "
        "exit 0; then list the files in force (year, valid from, ruleset, figures still to confirm).",
    )
    check.add_argument(
        "--dir", type=Path, default=RATES_DIR, help="the folder of rates files (default: the shipped ones)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "rates":
        return check_rates_files(args.dir, sys.stdout, sys.stderr)
    try:
        calendar = load_calendar(args.calendar)
    except (CalendarError, OSError) as e:
        print(
            str(e) if isinstance(e, CalendarError) else f"{args.calendar}: cannot read: {e.strerror}", file=sys.stderr
        )
        return EXIT_MALFORMED
    if args.command == "sessions":
        return print_sessions(sys.stdout, args.lang, calendar)
    if args.jsonl:
        if args.file not in (None, "-"):
            parser.error("--jsonl reads standard input; give no file")
        return evaluate_stream(sys.stdin, sys.stdout, args.lang, calendar)
    if args.file is None:
        parser.error("give a claim file, or - for standard input")
    if args.file == "-":
        return evaluate_one(sys.stdin, sys.stdout, sys.stderr, args.lang, calendar)
    try:
        with open(args.file, encoding="utf-8") as f:
            return evaluate_one(f, sys.stdout, sys.stderr, args.lang, calendar)
    except OSError as e:
        print(f"{args.file}: cannot read: {e.strerror}", file=sys.stderr)
        return EXIT_MALFORMED
    except UnicodeDecodeError:
        print(f"{args.file}: is not UTF-8 text", file=sys.stderr)
        return EXIT_MALFORMED
