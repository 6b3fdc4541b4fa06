"""The finance summary page and its CSV, as finance and auditors open them, in each language."""

import csv
import io
import re
from decimal import Decimal

import pytest
from sqlalchemy import select

from expenses.extensions import db
from expenses.models import Claim
from tests.factories import CAR_TOTAL, car_body, make_claim, make_receipt, make_user, new_client, sign_in, train_body

PAGES = {"finance": "/finance/summary", "auditor": "/audit/summary"}


@pytest.fixture
def claims(app):
    first, second = make_user("mentor"), make_user("mentor")
    make_claim(first, "paid", body=train_body(make_receipt(first).id))
    make_claim(first, "approved", body=car_body())
    make_claim(second, "paid", body=car_body())
    make_claim(status="submitted", body=car_body())


def _signed_in(app, role: str, language: str = "en"):
    client = new_client(app, language)
    sign_in(client, make_user(role))
    return client


def _committed_total() -> Decimal:
    return sum(db.session.scalars(select(Claim.total).where(Claim.status.in_(("approved", "paid")))), Decimal(0))


def _csv(text: str) -> list[list[str]]:
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))


def _comma_number(text: str) -> Decimal:
    assert "." not in text, text
    return Decimal(text.replace(",", "."))


@pytest.mark.parametrize("role", PAGES)
def test_the_page_shows_the_chart_and_a_table_of_the_same_figures(app, claims, role):
    client = _signed_in(app, role)
    html = client.get(PAGES[role]).get_data(as_text=True)
    assert "Programme finances" in html
    # Reimbursed by session: the closing session's two car trips, in the table and drawn beside the bar.
    closing = f"{2 * CAR_TOTAL:,.2f}"
    assert f'<td class="num">{closing}</td>' in html
    chart = re.search(r'<svg id="chart-sessions".*?</svg>', html, re.S).group(0)
    assert 'role="img"' in chart and 'aria-labelledby="chart-sessions-title chart-sessions-desc"' in chart
    assert '<title id="chart-sessions-title">Reimbursed by session</title>' in chart
    assert f"€{closing}" in chart  # the figure written beside its bar, not only its length
    assert chart.count("<rect") == 2  # one bar per reimbursed session
    assert re.search(r'<svg id="chart-kinds".*?</svg>', html, re.S).group(0).count("<rect") == 6
    assert f"€{_committed_total():,.2f}" in html


def test_finance_counts_open_claims_and_auditors_only_committed_ones(app, claims):
    finance = _signed_in(app, "finance").get("/finance/summary").get_data(as_text=True)
    audit = _signed_in(app, "auditor").get("/audit/summary").get_data(as_text=True)
    assert "Submitted" in finance.split("Claims by status")[1]
    assert "Submitted" not in audit.split("Claims by status")[1]


def test_the_page_in_finnish_writes_decimal_commas(app, claims):
    html = _signed_in(app, "finance", "fi").get("/finance/summary").get_data(as_text=True)
    assert "Ohjelman talous" in html
    assert '<td class="num">536,32</td>' in html  # 2 × 268,16
    assert "536,32\xa0€" in html


def test_the_page_in_swedish(app, claims):
    html = _signed_in(app, "auditor", "sv").get("/audit/summary").get_data(as_text=True)
    assert "Programmets ekonomi" in html and '<td class="num">536,32</td>' in html


def test_an_unknown_round_is_404(app, claims):
    assert _signed_in(app, "finance").get("/finance/summary?round=nope").status_code == 404


@pytest.mark.parametrize("role", PAGES)
def test_the_csv_in_finnish_gives_the_databases_totals(app, claims, role):
    response = _signed_in(app, role, "fi").get(PAGES[role] + ".csv?round=hankinta-suomi-2023-2024")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = _csv(response.get_data(as_text=True))
    header, sessions = rows[0], rows[1:3]
    assert header[:3] == ["Tapaaminen", "Hyväksytyt tai maksetut matkalaskut", "Mentorit"]
    assert "Päivärahat (€)" in header and "Korvattu (€)" in header
    whole = dict(zip(header, rows[3], strict=True))
    assert whole["Tapaaminen"] == "Koko kierros"
    assert _comma_number(whole["Korvattu (€)"]) == _committed_total()
    assert sum(_comma_number(dict(zip(header, r, strict=True))["Korvattu (€)"]) for r in sessions) == _committed_total()
    kinds = header[3:9]
    assert sum(_comma_number(whole[k]) for k in kinds) == _committed_total()
    assert whole["Mentorit"] == "2"
    assert _comma_number(whole["Keskimäärin mentoria kohden (€)"]) == (_committed_total() / 2).quantize(Decimal("0.01"))
    assert rows[4] == []
    statuses = {r[0]: r[1:] for r in rows[6:]}
    assert statuses["Maksettu"][0] == "2"
