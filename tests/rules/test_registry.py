"""The rule registry as people read it: a plain title and the regulation, linked, in their language."""

import pytest

from rules import RULES, describe, legend
from rules.i18n import LANGUAGES


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_rule_reads_in_words_with_its_regulation_linked(lang):
    for rule_id in RULES:
        told = describe(rule_id, lang)
        assert told.title and rule_id not in told.title
        assert told.regulation and told.url.startswith("https://vm.fi/")
        assert told.sections == RULES[rule_id].sections


def test_the_regulation_is_named_and_linked_in_each_language():
    assert describe("per-diem.full", "fi").title == "Kokopäiväraha: alle 24 tunnin matka, joka kestää yli 10 h"
    assert describe("per-diem.full", "fi").regulation == "Valtion matkustussääntö"
    assert describe("per-diem.full", "sv").regulation == "Statens resereglemente"
    assert describe("per-diem.full", "sv").url == "https://vm.fi/sv/tjansteresor"
    assert describe("per-diem.full", "en").url == "https://vm.fi/en/official-journeys"


def test_an_unknown_rule_id_is_still_said_in_words():
    told = describe("retired.rule", "fi")
    assert told.title == "Valtion matkustussäännön mukainen korvaus"
    assert told.sections == ""


def test_the_legend_names_each_rule_once_in_order_of_use():
    ids = [t.id for t in legend(["travel.public-transport", "per-diem.full", "travel.public-transport"], "en")]
    assert ids == ["travel.public-transport", "per-diem.full"]
