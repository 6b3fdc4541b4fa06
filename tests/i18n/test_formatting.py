"""Money, numbers and dates as each language writes them, in the app (Babel) and in the engine (rules.i18n)."""

from datetime import date, datetime, time
from decimal import Decimal

import pytest
from flask_babel import force_locale

from expenses.formatting import day, formats, money, span, time_of_day, when
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


STORED = datetime.fromisoformat("2024-04-23T07:00:00+00:00")  # stored in UTC; 10.00 in Helsinki (summer time)
#: The one way of each language (issue 14, item 10).
MOMENTS = {"fi": "23.4.2024 klo 10.00", "sv": "23.4.2024 kl. 10.00", "en": "23 Apr 2024, 10:00"}
DAYS = {"fi": "23.4.2024", "sv": "23.4.2024", "en": "23 Apr 2024"}
TIMES = {"fi": "10.00", "sv": "10.00", "en": "10:00"}


@pytest.mark.parametrize("lang", MOMENTS)
def test_a_moment_in_each_languages_one_format_in_helsinki_time(app, lang):
    with app.test_request_context(), force_locale(lang):
        assert when(STORED) == MOMENTS[lang]
        # The claim body's naive ISO text is Helsinki wall time, as the rules engine reads it.
        assert when("2024-04-23T10:00") == MOMENTS[lang]
        assert when(STORED.replace(second=59, microsecond=5)) == MOMENTS[lang]  # never seconds
        assert when(None) == "" and when("soon") == "soon"


def test_winter_time_is_helsinki_time_too(app):
    with app.test_request_context(), force_locale("fi"):
        assert when(datetime.fromisoformat("2024-12-03T08:05:00+00:00")) == "3.12.2024 klo 10.05"


@pytest.mark.parametrize("lang", DAYS)
def test_dates_in_each_languages_one_format(app, lang):
    with app.test_request_context(), force_locale(lang):
        assert day(date(2024, 4, 23)) == DAYS[lang]
        assert day("2024-04-23") == DAYS[lang]  # claim bodies keep dates as ISO strings
        assert day(datetime.fromisoformat("2024-04-22T22:30:00+00:00")) == DAYS[lang]  # Helsinki's date


@pytest.mark.parametrize("lang", TIMES)
def test_times_of_day_and_periods(app, lang):
    with app.test_request_context(), force_locale(lang):
        assert time_of_day(STORED) == TIMES[lang]
        end = STORED.replace(hour=12)  # 15.00 in Helsinki
        assert span(STORED, end) == MOMENTS[lang] + "–" + {"fi": "15.00", "sv": "15.00", "en": "15:00"}[lang]
        next_day = STORED.replace(day=24)
        assert span(STORED, next_day) == f"{MOMENTS[lang]} – {when(next_day)}"


@pytest.mark.parametrize("lang", MOMENTS)
def test_formats_of_a_given_language_outside_a_request(app, lang):
    # Mail and PDFs are written in their reader's language, also from commands without a request.
    with app.app_context():
        assert formats(lang).when(STORED) == MOMENTS[lang]


@pytest.mark.parametrize("lang", ["fi", "sv", "en"])
def test_never_us_order_or_iso_text(app, lang):
    with app.test_request_context(), force_locale(lang):
        shown = when(datetime.fromisoformat("2026-12-03T10:00:00+00:00"))
        assert "12/3" not in shown and "2026-12-03" not in shown and "PM" not in shown


def test_a_date_that_is_not_one_is_shown_as_given(app):
    with app.test_request_context(), force_locale("fi"):
        assert day("soon") == "soon" and day(None) == ""


@pytest.mark.parametrize("lang", DAYS)
def test_engine_dates_and_times_have_the_same_shape_as_the_apps(lang):
    text = text_for(lang)
    assert text.date(date(2024, 4, 23)) == DAYS[lang]
    assert text.time(time(10, 0)) == TIMES[lang]
