"""The yearly figures of the travel regulation, read from `rules/rates/*.toml`.

A new year is a new file; the engine picks the file in force on the day of the trip's departure
(R1). A file may carry `valid_from` (a date in its year, by default 1 January) so that a change
within a year is a second file for that year; a year's first file must be valid from 1 January.
"""

import tomllib
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

RATES_DIR = Path(__file__).parent / "rates"

#: Every figure a rates file must give, with its unit.
FIGURES = {
    "per_diem_full": "EUR",
    "per_diem_partial": "EUR",
    "meal_allowance": "EUR",
    "car_per_km": "EUR/km",
    "passenger_per_km": "EUR/km",
    "night_travel": "EUR",
    "accommodation_review_per_night": "EUR",
}
#: Every threshold a rates file must give (hours, km or counts).
THRESHOLDS = (
    "per_diem_partial_over_hours",
    "per_diem_full_over_hours",
    "remainder_partial_min_hours",
    "remainder_full_over_hours",
    "per_diem_min_distance_over_km",
    "meal_allowance_min_km",
    "meal_allowance_over_hours",
    "full_halved_at_free_meals",
    "partial_halved_at_free_meals",
    "night_window_start_hour",
    "night_window_end_hour",
    "night_min_hours",
)
SOURCE_KEYS = ("confidence", "section", "source", "url")
#: The confidence marks of docs/rules-reference.md; U is a value finance must still confirm.
CONFIDENCE = ("H", "M", "L", "U")
_TOP_KEYS = ("ruleset", "year", "title", "figures", "thresholds")


class RatesError(ValueError):
    """Rates files are incomplete or wrong; `problems` holds one message per problem."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


@dataclass(frozen=True, slots=True)
class Figure:
    """One amount of the regulation with where it comes from."""

    value: Decimal
    unit: str
    confidence: str
    section: str
    source: str
    url: str


@dataclass(frozen=True)
class Rates:
    """The figures and thresholds in force from `valid_from` (within `year`)."""

    ruleset: str
    year: int
    title: str
    figures: dict[str, Figure]
    thresholds: dict[str, int]
    valid_from: date

    def amount(self, name: str) -> Decimal:
        return self.figures[name].value

    def limit(self, name: str) -> int:
        return self.thresholds[name]

    def unconfirmed(self) -> list[str]:
        """The figures marked U, which finance must still confirm."""
        return [name for name, figure in self.figures.items() if figure.confidence == "U"]


class RateBook:
    """The rates of every year that has a file, each in force from its `valid_from`."""

    def __init__(self, editions: "list[Rates] | tuple[Rates, ...]"):
        self.editions = tuple(sorted(editions, key=lambda r: r.valid_from))

    @property
    def years(self) -> dict[int, Rates]:
        """Each year covered, with the file in force on its 1 January."""
        first: dict[int, Rates] = {}
        for rates in self.editions:
            first.setdefault(rates.year, rates)
        return first

    def for_year(self, year: int) -> Rates | None:
        return self.years.get(year)

    def for_date(self, day: date) -> Rates | None:
        """The file in force on `day`: the latest of its year that is valid from that day or before."""
        found = None
        for rates in self.editions:
            if rates.year == day.year and rates.valid_from <= day:
                found = rates
        return found


def _figure(name: str, raw: object, problems: list[str]) -> Figure | None:
    """The figure, or None with its problems added (each message starts with `figure NAME`)."""
    if raw is None:
        problems.append(f"figure {name} is missing")
        return None
    if not isinstance(raw, dict):
        problems.append(f"figure {name} must be a table ([figures.{name}])")
        return None
    missing = [k for k in ("value", "unit", *SOURCE_KEYS) if not raw.get(k)]
    if missing:
        problems.append(f"figure {name} lacks {', '.join(missing)}")
        return None
    before = len(problems)
    # Only a string is exact: a TOML float such as 0.53 would become 0.53000000000000002665…
    if not isinstance(raw["value"], str):
        problems.append(f'figure {name} must be a decimal string such as "0.53"')
    else:
        try:
            value = Decimal(raw["value"])
        except InvalidOperation:
            value = Decimal("NaN")
        if not value.is_finite():
            problems.append(f'figure {name} is not a decimal string such as "0.53"')
        elif value <= 0:
            problems.append(f"figure {name} must be positive")
    if raw["unit"] != FIGURES[name]:
        problems.append(f"figure {name} must be in {FIGURES[name]}")
    if raw["confidence"] not in CONFIDENCE:
        problems.append(f"figure {name} has confidence {raw['confidence']!r}: use one of {', '.join(CONFIDENCE)}")
    if not isinstance(raw["url"], str) or not raw["url"].startswith(("https://", "http://")):
        problems.append(f"figure {name} url must be a web address (https://…)")
    if len(problems) > before:
        return None
    return Figure(Decimal(raw["value"]), raw["unit"], raw["confidence"], raw["section"], raw["source"], raw["url"])


def _check_file(path: Path) -> tuple[Rates | None, list[str]]:
    """One file's rates, or None; and every problem found in it, each naming the file."""
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except tomllib.TOMLDecodeError as e:
        return None, [f"{path.name}: is not valid TOML: {e}"]
    except OSError as e:
        return None, [f"{path.name}: cannot be read: {e.strerror}"]
    problems = [f"missing {key}" for key in _TOP_KEYS if key not in raw]
    year = raw.get("year")
    if "year" in raw and (isinstance(year, bool) or not isinstance(year, int)):
        problems.append("year must be a whole number such as 2026")
    for key in ("ruleset", "title"):
        if key in raw and (not isinstance(raw[key], str) or not raw[key].strip()):
            problems.append(f"{key} must be a text")
    valid_from = raw.get("valid_from")
    if valid_from is None and isinstance(year, int):
        valid_from = date(year, 1, 1)
    elif "valid_from" in raw:
        # tomllib reads a bare TOML date (valid_from = 2026-07-01) as a date; a datetime is a date too.
        if not isinstance(valid_from, date) or hasattr(valid_from, "hour"):
            problems.append("valid_from must be a date such as 2026-07-01 (without quotes)")
        elif isinstance(year, int) and valid_from.year != year:
            problems.append(f"valid_from {valid_from} is not in the file's year {year}")
    figures: dict[str, Figure] = {}
    raw_figures = raw.get("figures", {})
    if not isinstance(raw_figures, dict):
        problems.append("figures must be tables such as [figures.per_diem_full]")
        raw_figures = {}
    elif "figures" in raw:
        for name in FIGURES:
            figure = _figure(name, raw_figures.get(name), problems)
            if figure is not None:
                figures[name] = figure
        problems += [f"figure {name} is not one the engine uses" for name in sorted(raw_figures.keys() - FIGURES)]
    thresholds = raw.get("thresholds", {})
    if not isinstance(thresholds, dict):
        problems.append("thresholds must be a table ([thresholds])")
    elif "thresholds" in raw:
        missing = [k for k in (*THRESHOLDS, "source", "url") if k not in thresholds]
        if missing:
            problems.append(f"thresholds lack {', '.join(missing)}")
        bad = [
            k
            for k in THRESHOLDS
            if k in thresholds
            and (isinstance(thresholds[k], bool) or not isinstance(thresholds[k], int) or thresholds[k] < 0)
        ]
        if bad:
            problems.append(f"thresholds must be whole non-negative numbers: {', '.join(bad)}")
    if problems:
        return None, [f"{path.name}: {p}" for p in problems]
    rates = Rates(
        ruleset=raw["ruleset"],
        year=year,
        title=raw["title"],
        figures=figures,
        thresholds={k: thresholds[k] for k in THRESHOLDS},
        valid_from=valid_from,
    )
    return rates, []


def read_rates_file(path: Path) -> Rates:
    """Read and check one file: every figure present, positive and with a source."""
    rates, problems = _check_file(path)
    if rates is None:
        raise RatesError(problems)
    return rates


def check_rates(directory: Path) -> tuple[RateBook, list[str]]:
    """The rates of every good file of a folder, and every problem of the folder (none when all is well)."""
    problems: list[str] = []
    paths = sorted(directory.glob("*.toml")) if directory.is_dir() else []
    if not directory.is_dir():
        problems.append(f"{directory}: is not a folder")
    elif not paths:
        problems.append(f"{directory}: no rates files (*.toml)")
    editions: list[Rates] = []
    names: dict[str, str] = {}  # each accepted file's ruleset → its file name
    for path in paths:
        rates, file_problems = _check_file(path)
        problems += file_problems
        if rates is None:
            continue
        clash = next((r for r in editions if r.valid_from == rates.valid_from), None)
        same_name = next((r for r in editions if r.ruleset == rates.ruleset), None)
        if clash is not None:
            problems.append(
                f"{path.name}: year {rates.year} already has a rates file valid from {rates.valid_from} "
                f"({names[clash.ruleset]})"
            )
        elif same_name is not None:
            problems.append(f"{path.name}: ruleset {rates.ruleset} is already the name of {names[same_name.ruleset]}")
        else:
            editions.append(rates)
            names[rates.ruleset] = path.name
    for year in sorted({r.year for r in editions}):
        first = min((r for r in editions if r.year == year), key=lambda r: r.valid_from)
        if first.valid_from != date(year, 1, 1):
            problems.append(
                f"{names[first.ruleset]}: year {year} has no rates file valid from 1 January; "
                f"its first is valid from {first.valid_from} (a change within a year is a second file)"
            )
    return RateBook(editions), problems


def read_rates(directory: Path) -> RateBook:
    """Read every file of a folder; raise `RatesError` listing every problem."""
    book, problems = check_rates(directory)
    if problems:
        raise RatesError(problems)
    return book


@cache
def load_rates(directory: Path = RATES_DIR) -> RateBook:
    """The rates shipped with the engine (read once per process)."""
    return read_rates(directory)
