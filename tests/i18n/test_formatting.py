"""Money, numbers and dates as each language writes them, in the app (Babel) and in the engine (rules.i18n)."""

from datetime import date, datetime
from decimal import Decimal

import pytest
from flask_babel import force_locale

from expenses.formatting import day, money, when
from rules.i18n import text_for

NBSP = "\u00a0"
SHAPES = {"fi": f"1{NBSP}234,50{NBSP}€", "sv": f"1{NBSP}234,50{NBSP}€", "en": "€1,234.50"}


@pytest.mark.parametrize(("lang", "expected"), SHAPES.items())
def test_app_money_in_each_language(app, lang, expected):
    with app.test_request_context(), force_locale(lang):
        assert money(Decimal("1234.50")) == expected
        assert money("1234.5") == expected  # stored decisions carry amounts as strings
        assert money(None) == ""


@pytest.mark.parametrize(("lang", "expected"), SHAPES.items())
def test_engine_money_has_the_same_shape_as_the_apps(lang, expected):
    assert text_for(lang).money(Decimal("1234.50")) == expected


@pytest.mark.parametrize(
    ("lang", "expected"), [("fi", "22. syyskuuta 2023"), ("sv", "22 september 2023"), ("en", "September 22, 2023")]
)
def test_long_dates_use_the_languages_month_names(app, lang, expected):
    with app.test_request_context(), force_locale(lang):
        assert day(date(2023, 9, 22), "long") == expected
        assert day("2023-09-22", "long") == expected  # claim bodies keep dates as ISO strings


@pytest.mark.parametrize(
    ("lang", "style", "expected"),
    [("fi", "short", "22.9.2023 6.50"), ("sv", "short", "2023-09-22 06:50"), ("sv", "long", "22 september 2023 06:50")],
)
def test_times_are_shown_in_helsinki_time_in_the_languages_way(app, lang, style, expected):
    stored = datetime.fromisoformat("2023-09-22T03:50:00+00:00")  # stored in UTC; 06:50 in Helsinki
    with app.test_request_context(), force_locale(lang):
        assert when(stored, style).startswith(expected)


def test_a_date_that_is_not_one_is_shown_as_given(app):
    with app.test_request_context(), force_locale("fi"):
        assert day("soon") == "soon" and day(None) == ""


@pytest.mark.parametrize(("lang", "expected"), [("fi", "22.9.2023"), ("sv", "22.9.2023"), ("en", "2023-09-22")])
def test_engine_dates(lang, expected):
    assert text_for(lang).date(date(2023, 9, 22)) == expected
