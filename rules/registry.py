"""Every rule id a decision line can name: its plain-language title and the regulation it applies.

`sections` refer to `docs/rules-reference.md` (R… its rules, A… its amounts): the service's
reading of the regulation. People never read the rule id: they read `title` (translated where it is
shown) and the name of the regulation, linked to its official page in their language (`source`).

The article (§) numbers of the state agreement itself are not given: the reference could read only
the ministry's pages about it, not the agreement's text, and a guessed § would mislead.
"""

from dataclasses import dataclass

from rules.i18n import DEFAULT_LANGUAGE, _, text_for


@dataclass(frozen=True, slots=True)
class Source:
    """A regulation a rule rests on: its name (English source text, translated) and official page per language."""

    id: str
    name: str
    urls: dict[str, str]

    def url(self, lang: str) -> str:
        return self.urls.get(lang) or self.urls[DEFAULT_LANGUAGE]


SOURCES: dict[str, Source] = {
    source.id: source
    for source in (
        # Reference section 1, item 1: the collective agreement on travel costs, with the yearly amounts.
        Source(
            "state-travel-regulation",
            _("State travel regulation"),
            {
                "fi": "https://vm.fi/valtio-tyonantajana/virka-ja-tyoehdot-henkilostohallinnon-asiakirjat/virkamatkat",
                "sv": "https://vm.fi/sv/tjansteresor",
                "en": "https://vm.fi/en/official-journeys",
            },
        ),
    )
}


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    sections: str
    title: str  # English source text; translated where it is shown
    source: str = "state-travel-regulation"


@dataclass(frozen=True, slots=True)
class RuleText:
    """A rule as a reader sees it, in one language: what it is, which regulation, where to read it."""

    id: str
    title: str
    regulation: str
    url: str
    sections: str


RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule("per-diem.full", "R6, A1", _("Full per diem: trip under 24 h lasting over 10 h")),
        Rule("per-diem.partial", "R6, A2", _("Part per diem: trip under 24 h lasting over 6 h")),
        Rule("per-diem.travel-day", "R5, R7, A1", _("Full per diem for each complete 24-hour travel day")),
        Rule("per-diem.remainder-full", "R7, A4", _("Full per diem: last part-day over 6 h")),
        Rule("per-diem.remainder-partial", "R7, A3", _("Part per diem: last part-day of at least 2 h")),
        Rule("per-diem.free-meals", "R8, R9, A5", _("Per diem halved for free meals")),
        Rule("meal-allowance", "R10, A6", _("Meal allowance when no per diem is paid")),
        Rule("night-travel", "R15, A12", _("Night travel allowance")),
        Rule("travel.own-car", "R11, R12, A8, A9", _("Kilometre allowance for own car")),
        Rule("travel.public-transport", "R17", _("Public transport per receipt")),
        Rule("travel.taxi", "R18", _("Taxi per receipt, with a reason")),
        Rule("accommodation", "R16, A13", _("Accommodation per receipt")),
        Rule("travel.other", "R19", _("Other necessary cost per receipt")),
    )
}


def describe(rule_id: str, lang: str) -> RuleText:
    """The rule in `lang` for a reader. An id the registry does not know (an old decision) reads as a generic rule."""
    text = text_for(lang)
    rule = RULES.get(rule_id)
    source = SOURCES[rule.source if rule else "state-travel-regulation"]
    return RuleText(
        id=rule_id,
        title=text._(rule.title) if rule else text._("Rule of the state travel regulation"),
        regulation=text._(source.name),
        url=source.url(text.lang),
        sections=rule.sections if rule else "",
    )


def legend(rule_ids: list[str], lang: str) -> list[RuleText]:
    """The rules a decision used, once each in order of first use: a legend for a printed decision."""
    return [describe(rule_id, lang) for rule_id in dict.fromkeys(rule_ids)]
