"""The ledger opened as its readers open it: the office's CSV, the integrations' CSV and the XLSX workbook."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from expenses import ledger
from expenses.extensions import db
from expenses.models import Claim
from tests.factories import car_body, make_claim, make_receipt, make_user, train_body

KIND_COLUMNS = tuple(ledger.KIND_GROUPS)


@pytest.fixture
def claims(app):
    """A paid claim by train with a ticket, an approved one by car, and a Finnish name that looks like a formula."""
    mentor = make_user("mentor", name="=Åsa Ääninen")
    paid = make_claim(mentor, "paid", body=train_body(make_receipt(mentor).id))
    paid.approved_at = datetime(2023, 10, 5, 22, 30, 15, 123456, tzinfo=UTC)  # 6.10.2023 1.30 in Helsinki
    approved = make_claim(status="approved", body=car_body())
    db.session.commit()
    return [paid, approved]


def _rows(claims: list[Claim]):
    query = select(Claim).where(Claim.id.in_([c.id for c in claims])).order_by(Claim.id)
    return db.session.execute(ledger.query(query))


def _csv(writer: ledger.Writer, claims: list[Claim]) -> str:
    return "".join(ledger.stream_csv(writer, _rows(claims)))


def _finnish_number(text: str) -> Decimal:
    assert "." not in text, text
    return Decimal(text.replace(",", "."))


def _kinds_in_database(claim: Claim) -> dict[str, Decimal]:
    sums = dict.fromkeys(KIND_COLUMNS, Decimal(0))
    for line in claim.decision["lines"]:
        sums[next(g for g, kinds in ledger.KIND_GROUPS.items() if line["kind"] in kinds)] += Decimal(line["amount"])
    return sums


def test_office_csv_in_finnish_gives_the_databases_totals(app, claims):
    text = _csv(ledger.office_writer("fi"), claims)
    assert text.startswith("\ufeff")  # the BOM that makes Excel read UTF-8
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    header, lines = rows[0], rows[1:]
    assert header[:4] == ["Tunnus", "Mentori", "Tapaaminen", "Tila"]
    assert "Korvattu (€)" in header and "Päivärahat (€)" in header
    by_name = [dict(zip(header, line, strict=True)) for line in lines]
    assert [r["Tunnus"] for r in by_name] == [c.reference for c in claims]
    assert sum(_finnish_number(r["Korvattu (€)"]) for r in by_name) == sum(c.total for c in claims)
    # Every kind's column adds up to the decision's lines of that kind, and the kinds to the total.
    for row, claim in zip(by_name, claims, strict=True):
        kinds = [_finnish_number(row[str(c.label)]) for c in ledger.COLUMNS if c.key in KIND_COLUMNS]
        assert kinds == list(_kinds_in_database(claim).values())
        assert sum(kinds) == claim.total
    paid = by_name[0]
    assert paid["Tila"] == "Maksettu" and by_name[1]["Tila"] == "Hyväksytty"
    assert paid["Hyväksytty"] == "6.10.2023 1.30"  # Helsinki time, no seconds
    assert paid["Korvattu (€)"] == "208,00" and paid["Haettu (€)"] == "208,00"
    assert paid["Mentori"] == "'=Åsa Ääninen"  # shown as typed, never run as a formula
    assert paid["Maksun viite"] == "RF18 1234"
    assert paid["Asiatarkastaja"] and paid["Hyväksyjä"]


def test_office_csv_follows_the_readers_language(app, claims):
    english = list(csv.reader(io.StringIO(_csv(ledger.office_writer("en"), claims).removeprefix("\ufeff"))))
    assert english[0][:4] == ["Reference", "Mentor", "Session", "Status"]
    assert english[1][3] == "Paid" and "208.00" in english[1]
    swedish = list(csv.reader(io.StringIO(_csv(ledger.office_writer("sv"), claims)[1:]), delimiter=";"))
    assert swedish[0][3] == "Status" and swedish[1][3] == "Betald" and "208,00" in swedish[1]


def test_data_csv_is_stable_for_integrations(app, claims):
    rows = list(csv.DictReader(io.StringIO(_csv(ledger.data_writer(), claims).removeprefix("\ufeff"))))
    assert list(rows[0]) == list(ledger.KEYS)
    assert rows[0]["status"] == "paid" and rows[0]["session"] == "2023-09-22"
    assert rows[0]["approved_at"] == "2023-10-06T01:30:15+03:00"  # ISO 8601 with its offset, no microseconds
    assert sum(Decimal(r["total"]) for r in rows) == sum(c.total for c in claims)
    assert rows[1]["mileage"] == "217.16" and rows[1]["tickets"] == "0.00"


def test_claimed_counts_what_the_rules_refused(app):
    body = train_body(None)
    body["expenses"].append({"type": "meal", "date": "2023-09-22", "description": "Lunch", "amount": "16.90"})
    lines = [{"kind": "per_diem_full", "amount": "48.00"}, {"kind": "public_transport", "amount": "160.00"}]
    decision = {"eligible": True, "lines": lines}
    assert ledger.claimed_amount(body, decision) == Decimal("224.90")  # 48 + 160 + the refused lunch


def test_xlsx_has_numbers_and_times(app, claims):
    out = io.BytesIO()
    ledger.write_xlsx(_rows(claims), "fi", out)
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    assert sheet.title == "Kirjanpito"
    header = [c.value for c in sheet[1]]
    total = sheet.cell(row=2, column=header.index("Korvattu (€)") + 1)
    assert isinstance(total.value, int | float) and Decimal(str(total.value)) == claims[0].total
    assert "€" in total.number_format
    approved = sheet.cell(row=2, column=header.index("Hyväksytty") + 1)
    assert approved.value == datetime(2023, 10, 6, 1, 30) and approved.is_date
    mentor = sheet.cell(row=2, column=header.index("Mentori") + 1)
    assert mentor.value == "=Åsa Ääninen" and mentor.data_type == "s"  # text, not a formula
    totals = [sheet.cell(row=r, column=header.index("Korvattu (€)") + 1).value for r in (2, 3)]
    assert sum(Decimal(str(v)) for v in totals) == sum(c.total for c in claims)
