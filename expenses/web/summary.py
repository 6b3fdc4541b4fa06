"""The finance summary page and its CSV, shared by the blueprints of its audiences (finance, auditors).

The chart is drawn here as SVG, on the server: bars with their figures written beside them (never
colour alone), inside a role="img" with a title and a description, next to a table of the same figures.
"""

from dataclasses import dataclass
from decimal import Decimal

from babel import numbers
from flask import Response, abort, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms.validators import Optional

from expenses import ledger, summary
from expenses.formatting import STATUS_NAMES, formats, language
from expenses.models import utcnow
from expenses.web.claim_pages import session_label
from expenses.web.forms import CheckedForm
from rules.programme import HELSINKI

#: The kinds' headers, as the ledger names its columns (amounts in euros).
KIND_LABELS = {c.key: c.label for c in ledger.COLUMNS if c.key in ledger.KIND_GROUPS}


class RoundForm(CheckedForm):
    """Which round to sum up. A GET form: it changes nothing, so it can be bookmarked."""

    class Meta:
        csrf = False

    round = SelectField(_l("Round"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        lang = language()
        self.round.choices = [(r.id, r.name_in(lang)) for r in summary.rounds()]


#: The chart's geometry, in its own units (the SVG scales to the page's width).
CHART_WIDTH = 360
BAR_SPACE = 250  # the longest bar; the rest of the width is for its figure
ROW = 46  # a label above each bar, then the bar


@dataclass(frozen=True)
class Bar:
    label: str
    value: str  # the figure as the reader writes it, drawn after the bar
    y: int  # the top of its row
    width: Decimal  # in the SVG's units, to a tenth


TENTH, ZERO = Decimal("0.1"), Decimal(0)


@dataclass(frozen=True)
class Chart:
    """A horizontal bar chart: a label above each bar and its figure after it."""

    bars: list[Bar]
    width: int = CHART_WIDTH

    @property
    def height(self) -> int:
        return len(self.bars) * ROW + 8


def bar_chart(items: list[tuple[str, Decimal]]) -> Chart:
    """A chart of (label, amount) pairs, each bar as long as its share of the largest."""
    shown = formats()
    largest = max((value for _label, value in items), default=Decimal(0))
    return Chart(
        [
            Bar(label, shown.money(value), i * ROW, (value / largest * BAR_SPACE).quantize(TENTH) if largest else ZERO)
            for i, (label, value) in enumerate(items)
        ]
    )


def _chosen() -> tuple[RoundForm, summary.Round]:
    form = RoundForm(formdata=request.args)
    chosen = summary.round_named(form.round.data)
    if chosen is None:
        abort(404)  # an unknown round in the address (or a calendar without sessions)
    form.round.data = chosen.id
    return form, chosen


def amount(value: Decimal | None) -> str:
    """An amount in a table of euros: the language's digits and decimal sign, no currency sign."""
    return "" if value is None else numbers.format_decimal(value, format="#,##0.00", locale=language())


def page(csv_endpoint: str, statuses: tuple[str, ...] = summary.SENT) -> str:
    """The summary of the round in `?round=` (the latest by default), with a link to its CSV."""
    form, chosen = _chosen()
    figures = summary.summarise(chosen, statuses)
    lang = language()
    return render_template(
        "summary/index.html",
        form=form,
        figures=figures,
        csv_endpoint=csv_endpoint,
        round_name=chosen.name_in(lang),
        session_chart=bar_chart([(session_label(s.session.id, lang), s.total) for s in figures.sessions]),
        kind_chart=bar_chart([(KIND_LABELS[k], v) for k, v in figures.kinds.items()]),
        kind_labels=KIND_LABELS,
        amount=amount,
    )


def _rows(figures: summary.Summary) -> list[tuple]:
    """The page's tables one after the other: sessions with the round's total, then statuses."""
    lang = language()
    kinds = list(KIND_LABELS)
    rows: list[tuple] = [
        (_("Session"), _("Approved or paid claims"), _("Mentors"), *KIND_LABELS.values(),
         _("Reimbursed (€)"), _("Average per mentor (€)")),
    ]  # fmt: skip
    for s in figures.sessions:
        rows.append(
            (session_label(s.session.id, lang), s.claims, s.mentors, *(s.kinds[k] for k in kinds), s.total, s.average)
        )
    rows.append(
        (_("The whole round"), figures.claims, figures.mentors, *(figures.kinds[k] for k in kinds),
         figures.total, figures.average),
    )  # fmt: skip
    rows.append(())
    rows.append((_("Status"), _("Claims"), _("Amount (€)")))
    rows.extend((STATUS_NAMES[s.status], s.claims, s.total) for s in figures.statuses)
    return rows


def csv_download(statuses: tuple[str, ...] = summary.SENT) -> Response:
    """The page's figures as the office opens them: the ledger's CSV variant for the reader's language."""
    _form, chosen = _chosen()
    figures = summary.summarise(chosen, statuses)
    office = ledger.Office.of(language())

    def cell(value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return str(value).replace(".", office.decimal)
        if isinstance(value, int):
            return str(value)
        return ledger.text_cell(str(value))

    header, *rows = _rows(figures)
    writer = ledger.Writer([str(h) for h in header], lambda values: [cell(v) for v in values], office.delimiter)
    for row in rows:
        writer.write(row)
    name = f"summary-{chosen.id}-{utcnow().astimezone(HELSINKI):%Y%m%d-%H%M}.csv"
    return Response(
        writer.take(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
