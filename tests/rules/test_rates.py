"""The yearly rates files: complete, positive, sourced; broken files are refused by name."""

import json
import re
import tomllib
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from rules import evaluate
from rules.rates import (
    FIGURES,
    RATES_DIR,
    SOURCE_KEYS,
    THRESHOLDS,
    RateBook,
    RatesError,
    check_rates,
    load_rates,
    read_rates,
)
from tests.rules.claims import KICKOFF, claim, codes

ADOPTED = {  # the figures of "Adopted interpretation" 1 and 8 of docs/rules-reference.md
    2023: {
        "per_diem_full": "48.00",
        "per_diem_partial": "22.00",
        "meal_allowance": "12.00",
        "car_per_km": "0.53",
        "passenger_per_km": "0.04",
        "night_travel": "15.00",
        "accommodation_review_per_night": "200.00",
    },
    2024: {
        "per_diem_full": "51.00",
        "per_diem_partial": "24.00",
        "meal_allowance": "12.75",
        "car_per_km": "0.57",
        "passenger_per_km": "0.04",
        "night_travel": "16.00",
        "accommodation_review_per_night": "200.00",
    },
    2025: {
        "per_diem_full": "53.00",
        "per_diem_partial": "24.00",
        "meal_allowance": "13.25",
        "car_per_km": "0.59",
        "passenger_per_km": "0.04",
        "night_travel": "16.00",
        "accommodation_review_per_night": "200.00",
    },
    2026: {
        "per_diem_full": "54.00",
        "per_diem_partial": "25.00",
        "meal_allowance": "13.50",
        "car_per_km": "0.55",
        "passenger_per_km": "0.04",
        "night_travel": "16.00",
        "accommodation_review_per_night": "200.00",
    },
}
YEARS = sorted(ADOPTED)
ADOPTED_THRESHOLDS = {
    "per_diem_partial_over_hours": 6,
    "per_diem_full_over_hours": 10,
    "remainder_partial_min_hours": 2,
    "remainder_full_over_hours": 6,
    "per_diem_min_distance_over_km": 15,
    "meal_allowance_min_km": 10,
    "meal_allowance_over_hours": 6,
    "full_halved_at_free_meals": 2,
    "partial_halved_at_free_meals": 1,
    "night_window_start_hour": 21,
    "night_window_end_hour": 7,
    "night_min_hours": 4,
}


def test_a_file_for_each_year():
    assert sorted(load_rates().years) == YEARS
    assert {r.ruleset for r in load_rates().years.values()} == {f"fi-state-{year}" for year in YEARS}


@pytest.mark.parametrize("year", YEARS)
def test_every_figure_present_positive_and_sourced(year):
    rates = load_rates().for_year(year)
    assert rates is not None and set(rates.figures) == set(FIGURES)
    for name, figure in rates.figures.items():
        assert figure.value > 0, name
        assert figure.unit == FIGURES[name]
        assert figure.confidence in ("H", "M", "L", "U"), name
        assert figure.source.strip() and figure.section.strip(), name
        assert figure.url.startswith(("https://", "http://")), name
    # A figure read only in the restatements of the Tax Administration's maxima, never in the state
    # agreement's own text, stays marked unconfirmed.
    assert rates.figures["night_travel"].confidence == "U"


def test_the_unconfirmed_2026_meal_allowance_says_so():
    meal = load_rates().for_year(2026).figures["meal_allowance"]
    assert meal.confidence == "U"
    assert "13.20" in meal.source and "VH/6575/00.01.00/2025" in meal.source


@pytest.mark.parametrize("year", YEARS)
def test_figures_and_thresholds_are_the_adopted_ones(year):
    rates = load_rates().for_year(year)
    assert {name: str(f.value) for name, f in rates.figures.items()} == ADOPTED[year]
    assert rates.thresholds == ADOPTED_THRESHOLDS
    assert set(rates.thresholds) == set(THRESHOLDS)


def test_a_trip_in_a_year_without_rates_is_a_clear_error():
    only_2024 = RateBook([load_rates().for_year(2024)])
    decision = evaluate(claim("2023-09-22T06:00", "2023-09-22T21:30", session=KICKOFF), rates=only_2024)
    assert codes(decision, "error") == ["rates_unavailable"]
    assert not decision.eligible and decision.to_dict()["total"] == "0.00" and decision.lines == ()
    assert decision.ruleset is None
    assert "2023" in decision.findings[0].message


# -- broken files -------------------------------------------------------------------------------


def _toml(value: object) -> str:
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else str(value).lower()


def write_rates(directory: Path, raw: dict, name: str = "fi-state-2024.toml") -> None:
    """Write the few shapes a rates file has (scalars, [figures.*] tables, [thresholds])."""
    out = [f"{k} = {_toml(v)}" for k, v in raw.items() if not isinstance(v, dict)]
    for figure, fields in raw.get("figures", {}).items():
        out += [f"[figures.{figure}]", *(f"{k} = {_toml(v)}" for k, v in fields.items())]
    if "thresholds" in raw:
        out += ["[thresholds]", *(f"{k} = {_toml(v)}" for k, v in raw["thresholds"].items())]
    (directory / name).write_text("\n".join(out) + "\n")


@pytest.fixture
def shipped() -> dict:
    with (RATES_DIR / "fi-state-2024.toml").open("rb") as f:
        return tomllib.load(f)


def test_the_writer_round_trips_a_good_file(tmp_path, shipped):
    write_rates(tmp_path, shipped)
    assert read_rates(tmp_path).for_year(2024) == load_rates().for_year(2024)


@pytest.mark.parametrize("figure", sorted(FIGURES))
def test_missing_figure(tmp_path, shipped, figure):
    del shipped["figures"][figure]
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match=re.escape(f"fi-state-2024.toml: figure {figure} is missing")):
        read_rates(tmp_path)


@pytest.mark.parametrize("value", ["0.00", "-51.00"])
def test_non_positive_value(tmp_path, shipped, value):
    shipped["figures"]["per_diem_full"]["value"] = value
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match="figure per_diem_full must be positive"):
        read_rates(tmp_path)


@pytest.mark.parametrize("value", ["lots", "NaN", "Infinity", 0.57])
def test_value_not_a_decimal_string(tmp_path, shipped, value):
    shipped["figures"]["car_per_km"]["value"] = value
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match=r"figure car_per_km .*decimal string"):
        read_rates(tmp_path)


@pytest.mark.parametrize("key", SOURCE_KEYS)
def test_missing_source(tmp_path, shipped, key):
    del shipped["figures"]["night_travel"][key]
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match=f"figure night_travel lacks {key}"):
        read_rates(tmp_path)


def test_empty_source(tmp_path, shipped):
    shipped["figures"]["meal_allowance"]["source"] = ""
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match="figure meal_allowance lacks source"):
        read_rates(tmp_path)


def test_wrong_unit(tmp_path, shipped):
    shipped["figures"]["car_per_km"]["unit"] = "EUR"
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match="figure car_per_km must be in EUR/km"):
        read_rates(tmp_path)


@pytest.mark.parametrize("key", ["night_min_hours", "source"])
def test_missing_threshold(tmp_path, shipped, key):
    del shipped["thresholds"][key]
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match=f"thresholds lack {key}"):
        read_rates(tmp_path)


@pytest.mark.parametrize("value", [-1, "6", 6.5])
def test_bad_threshold(tmp_path, shipped, value):
    shipped["thresholds"]["per_diem_full_over_hours"] = value
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match="whole non-negative numbers: per_diem_full_over_hours"):
        read_rates(tmp_path)


@pytest.mark.parametrize("key", ["ruleset", "year", "figures", "thresholds"])
def test_missing_top_level_key(tmp_path, shipped, key):
    del shipped[key]
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match=f"missing {key}"):
        read_rates(tmp_path)


def test_two_files_for_one_year(tmp_path, shipped):
    write_rates(tmp_path, shipped, "a.toml")
    write_rates(tmp_path, shipped, "b.toml")
    with pytest.raises(RatesError, match=re.escape("b.toml: year 2024 already has a rates file")):
        read_rates(tmp_path)


def test_a_new_year_is_a_new_file(tmp_path, shipped):
    shipped |= {"year": 2025, "ruleset": "fi-state-2025"}
    shipped["figures"]["per_diem_full"]["value"] = "53.00"
    write_rates(tmp_path, shipped, "fi-state-2025.toml")
    book = read_rates(tmp_path)
    assert book.for_year(2025).amount("per_diem_full") == Decimal("53.00")
    assert book.for_year(2024) is None


# -- a change within a year: valid_from ---------------------------------------------------------


@pytest.fixture
def mid_year(tmp_path, shipped):
    write_rates(tmp_path, shipped)
    changed = json.loads(json.dumps(shipped)) | {"ruleset": "fi-state-2024-07", "valid_from": date(2024, 7, 1)}
    changed["figures"]["car_per_km"]["value"] = "0.60"
    write_rates(tmp_path, changed, "fi-state-2024-07.toml")
    return tmp_path


def test_a_file_without_valid_from_is_in_force_from_1_january(tmp_path, shipped):
    write_rates(tmp_path, shipped)
    book = read_rates(tmp_path)
    assert book.for_year(2024).valid_from == date(2024, 1, 1)
    assert book.for_date(date(2024, 1, 1)).ruleset == "fi-state-2024"
    assert book.for_date(date(2023, 12, 31)) is None


def test_the_file_in_force_on_the_trip_date_is_picked(mid_year):
    book = read_rates(mid_year)
    assert book.for_date(date(2024, 6, 30)).amount("car_per_km") == Decimal("0.57")
    assert book.for_date(date(2024, 7, 1)).amount("car_per_km") == Decimal("0.60")
    assert book.for_date(date(2024, 12, 31)).ruleset == "fi-state-2024-07"
    assert book.for_year(2024).ruleset == "fi-state-2024"  # the year's file from 1 January
    assert sorted(book.years) == [2024]


@pytest.mark.parametrize(
    ("valid_from", "ruleset", "km_total"), [(24, "fi-state-2024", "57.00"), (23, "fi-state-2024-04", "60.00")]
)
def test_the_engine_decides_with_the_file_in_force_on_the_departure_day(
    tmp_path, shipped, valid_from, ruleset, km_total
):
    write_rates(tmp_path, shipped)
    changed = json.loads(json.dumps(shipped)) | {"ruleset": "fi-state-2024-04", "valid_from": date(2024, 4, valid_from)}
    changed["figures"]["car_per_km"]["value"] = "0.60"
    write_rates(tmp_path, changed, "fi-state-2024-04.toml")
    document = claim(expenses=[{"type": "own_car", "date": "2024-04-23", "km": "100"}])  # the closing session
    decision = evaluate(document, rates=read_rates(tmp_path))
    assert decision.ruleset == ruleset
    assert [str(line.amount) for line in decision.lines if line.rule == "travel.own-car"] == [km_total]


@pytest.mark.parametrize(
    ("valid_from", "message"),
    [
        ("2024-07-01", "valid_from must be a date such as 2026-07-01 (without quotes)"),
        (date(2025, 7, 1), "valid_from 2025-07-01 is not in the file's year 2024"),
    ],
)
def test_bad_valid_from(tmp_path, shipped, valid_from, message):
    shipped["valid_from"] = valid_from
    write_rates(tmp_path, shipped)
    with pytest.raises(RatesError, match=re.escape(f"fi-state-2024.toml: {message}")):
        read_rates(tmp_path)


def test_a_year_must_start_on_1_january(tmp_path, shipped):
    shipped["valid_from"] = date(2024, 3, 1)
    write_rates(tmp_path, shipped)
    with pytest.raises(
        RatesError, match="year 2024 has no rates file valid from 1 January; its first is valid from 2024-03-01"
    ):
        read_rates(tmp_path)


def test_two_files_with_one_ruleset_name(tmp_path, shipped):
    write_rates(tmp_path, shipped, "a.toml")
    write_rates(tmp_path, shipped | {"valid_from": date(2024, 7, 1)}, "b.toml")
    with pytest.raises(RatesError, match=re.escape("b.toml: ruleset fi-state-2024 is already the name of a.toml")):
        read_rates(tmp_path)


# -- every problem at once ----------------------------------------------------------------------


def test_every_problem_of_every_file_is_listed(tmp_path, shipped):
    broken = json.loads(json.dumps(shipped))
    broken["figures"]["car_per_km"]["value"] = "-1"
    broken["figures"]["meal_allowance"]["confidence"] = "sure"
    broken["figures"]["night_travel"]["url"] = "kirjanpito.fi"
    broken["figures"]["per_diem_ful"] = broken["figures"].pop("per_diem_full")
    write_rates(tmp_path, broken)
    (tmp_path / "fi-state-2025.toml").write_text('year = 2025\nruleset = "x\n')
    book, problems = check_rates(tmp_path)
    assert book.editions == ()
    assert problems[0].startswith("fi-state-2024.toml: figure per_diem_full is missing")
    assert set(problems[1:-1]) == {
        "fi-state-2024.toml: figure meal_allowance has confidence 'sure': use one of H, M, L, U",
        "fi-state-2024.toml: figure car_per_km must be positive",
        "fi-state-2024.toml: figure night_travel url must be a web address (https://…)",
        "fi-state-2024.toml: figure per_diem_ful is not one the engine uses",
    }
    assert problems[-1].startswith("fi-state-2025.toml: is not valid TOML: ")
    with pytest.raises(RatesError) as raised:
        read_rates(tmp_path)
    assert raised.value.problems == problems


def test_a_folder_without_files(tmp_path):
    assert check_rates(tmp_path)[1] == [f"{tmp_path}: no rates files (*.toml)"]
    assert check_rates(tmp_path / "nowhere")[1] == [f"{tmp_path / 'nowhere'}: is not a folder"]


def test_the_shipped_files_check_clean():
    book, problems = check_rates(RATES_DIR)
    assert problems == [] and len(book.editions) == len(YEARS)
