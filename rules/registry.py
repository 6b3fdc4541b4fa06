"""Every rule id a decision line can name, with the sections of the reference it applies.

Sections refer to `reference/state-travel-rules.md`: R… are its rules, A… its amounts.
"""

from dataclasses import dataclass

from rules.i18n import _


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    sections: str
    title: str  # English source text; translated where it is shown


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
