"""The yearly figures of the travel regulation, read from `rules/rates/*.toml`.

A new year is a new file; the engine picks the file by the year of the trip's departure (R1).
"""

import tomllib
from dataclasses import dataclass
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


class RatesError(ValueError):
    """A rates file is incomplete or wrong."""


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
    """The figures and thresholds of one year."""

    ruleset: str
    year: int
    title: str
    figures: dict[str, Figure]
    thresholds: dict[str, int]

    def amount(self, name: str) -> Decimal:
        return self.figures[name].value

    def limit(self, name: str) -> int:
        return self.thresholds[name]


@dataclass(frozen=True)
class RateBook:
    """The rates of every year that has a file."""

    years: dict[int, Rates]

    def for_year(self, year: int) -> Rates | None:
        return self.years.get(year)


def _figure(path: Path, name: str, raw: dict | None) -> Figure:
    if raw is None:
        raise RatesError(f"{path.name}: figure {name} is missing")
    missing = [k for k in ("value", "unit", *SOURCE_KEYS) if not raw.get(k)]
    if missing:
        raise RatesError(f"{path.name}: figure {name} lacks {', '.join(missing)}")
    # Only a string is exact: a TOML float such as 0.53 would become 0.53000000000000002665…
    if not isinstance(raw["value"], str):
        raise RatesError(f'{path.name}: figure {name} must be a decimal string such as "0.53"')
    try:
        value = Decimal(raw["value"])
    except InvalidOperation:
        raise RatesError(f"{path.name}: figure {name} is not a decimal string") from None
    if not value.is_finite():
        raise RatesError(f"{path.name}: figure {name} is not a decimal string")
    if value <= 0:
        raise RatesError(f"{path.name}: figure {name} must be positive")
    if raw["unit"] != FIGURES[name]:
        raise RatesError(f"{path.name}: figure {name} must be in {FIGURES[name]}")
    return Figure(value, raw["unit"], raw["confidence"], raw["section"], raw["source"], raw["url"])


def read_rates_file(path: Path) -> Rates:
    """Read and check one year's file: every figure present, positive and with a source."""
    with path.open("rb") as f:
        raw = tomllib.load(f)
    for key in ("ruleset", "year", "title", "figures", "thresholds"):
        if key not in raw:
            raise RatesError(f"{path.name}: missing {key}")
    figures = {name: _figure(path, name, raw["figures"].get(name)) for name in FIGURES}
    thresholds = raw["thresholds"]
    missing = [k for k in (*THRESHOLDS, "source", "url") if k not in thresholds]
    if missing:
        raise RatesError(f"{path.name}: thresholds lack {', '.join(missing)}")
    bad = [k for k in THRESHOLDS if not isinstance(thresholds[k], int) or thresholds[k] < 0]
    if bad:
        raise RatesError(f"{path.name}: thresholds must be whole non-negative numbers: {', '.join(bad)}")
    return Rates(
        ruleset=raw["ruleset"],
        year=raw["year"],
        title=raw["title"],
        figures=figures,
        thresholds={k: thresholds[k] for k in THRESHOLDS},
    )


def read_rates(directory: Path) -> RateBook:
    """Read every year's file of a folder."""
    years: dict[int, Rates] = {}
    for path in sorted(directory.glob("*.toml")):
        rates = read_rates_file(path)
        if rates.year in years:
            raise RatesError(f"{path.name}: year {rates.year} already has a rates file")
        years[rates.year] = rates
    return RateBook(years)


@cache
def load_rates(directory: Path = RATES_DIR) -> RateBook:
    """The rates shipped with the engine (read once per process)."""
    return read_rates(directory)
