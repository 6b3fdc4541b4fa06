"""Look and feel in Chromium: the main pages fit a phone's width, print without navigation, use only our own assets.

With E2E_SCREENSHOTS=1 every page is also photographed at 1280 and 375 pixels wide in each language,
under test-output/e2e/screens/, for a person to look at.
"""

import os
import re

import pytest

from tests.e2e.conftest import expect, sign_in

pytestmark = pytest.mark.browser

PHONE, DESKTOP = 375, 1280
LANGUAGES = ("fi", "sv", "en")
SCREENSHOTS = os.environ.get("E2E_SCREENSHOTS") == "1"


def main_pages(role: str, w: dict) -> list[tuple[str, str]]:
    c = w["claims"]
    return {
        "visitor": [("login", "/login")],
        "mentor": [
            ("my-claims", "/claims/"),
            ("draft", f"/claims/{c['draft']}"),
            ("edit", f"/claims/{c['draft']}/edit"),
            ("paid", f"/claims/{c['paid']}"),
            ("details", "/account/"),
        ],
        "mentor_with_form": [("new-claim", "/claims/new"), ("returned", f"/claims/{c['returned']}")],
        "finance": [
            ("queues", "/finance/"),
            ("queue-to-approve", "/finance/?queue=to-approve"),
            ("claim-to-check", f"/finance/claims/{c['submitted']}"),
            ("claim-to-approve", f"/finance/claims/{c['checked_by_other']}"),
            ("payments", "/finance/payments/"),
            ("payment-file", f"/finance/payments/{w['batch']}"),
            ("handled", "/finance/handled"),
        ],
        "auditor": [
            ("approved-claims", "/audit/"),
            ("audit-claim", f"/audit/claims/{c['paid']}"),
            ("verify", "/verify"),
        ],
        "admin": [("admin", "/admin/")],
        "actor": [("actor", "/actor")],
    }[role]


def _overflow(page) -> int:
    """How many pixels the page is wider than the window (0 when nothing scrolls sideways)."""
    return page.evaluate("document.scrollingElement.scrollWidth - window.innerWidth")


@pytest.mark.parametrize("role", ["visitor", "mentor", "mentor_with_form", "finance", "auditor", "admin", "actor"])
def test_main_pages_fit_a_phone_without_sideways_scrolling(browser, world, role, output_dir):
    page = browser.new_page(role, "fi", width=PHONE, height=800)
    if role != "visitor":
        sign_in(page, world[role], "fi")
    too_wide = []
    for lang in LANGUAGES:
        for name, path in main_pages(role, world):
            with browser.step(f"{name}-{lang}"):
                page.set_viewport_size({"width": PHONE, "height": 800})
                page.goto(f"{path}?lang={lang}" if "?" not in path else f"{path}&lang={lang}")
                expect(page.locator("html")).to_have_attribute("lang", lang)
                if (extra := _overflow(page)) > 0:
                    too_wide.append(f"{name} ({lang}): {extra} px too wide")
                if SCREENSHOTS:
                    folder = output_dir.parent / "screens" / lang
                    folder.mkdir(parents=True, exist_ok=True)
                    page.screenshot(path=str(folder / f"{name}-{PHONE}.png"), full_page=True)
                    page.set_viewport_size({"width": DESKTOP, "height": 900})
                    page.screenshot(path=str(folder / f"{name}-{DESKTOP}.png"), full_page=True)
    assert not too_wide, "pages scroll sideways on a phone:\n" + "\n".join(too_wide)


_BROKEN_WORDS = """selector => {
    // Words of the tables' visible text that a line break cuts in two: their letters stand on more than one
    // line. (Headings hidden for the stacked layout are one pixel wide and read out, not seen.)
    const broken = [];
    for (const table of document.querySelectorAll(selector)) {
        const walker = document.createTreeWalker(table, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (node.parentElement.closest("thead, .visually-hidden")) continue;
            for (const match of node.textContent.matchAll(/[^\\s]+/g)) {
                const range = document.createRange();
                range.setStart(node, match.index);
                range.setEnd(node, match.index + match[0].length);
                const tops = new Set([...range.getClientRects()].map(r => Math.round(r.top)));
                if (tops.size > 1) broken.push(match[0]);
            }
        }
    }
    return broken;
}"""


def test_a_claim_on_a_phone_breaks_no_word_of_its_computation_or_expenses(browser, world):
    page = browser.new_page("mentor", "fi", width=PHONE, height=800)
    sign_in(page, world["mentor"], "fi")
    for lang in LANGUAGES:
        page.goto(f"/claims/{world['claims']['paid']}?lang={lang}")
        expect(page.locator("table.expenses")).to_be_visible()
        assert page.evaluate(_BROKEN_WORDS, "table.decision, table.expenses") == [], lang


def test_printed_pages_leave_out_navigation_and_buttons(browser, world):
    page = browser.new_page("finance", "en")
    sign_in(page, world["finance"], "en")
    page.goto(f"/finance/claims/{world['claims']['submitted']}")
    page.emulate_media(media="print")
    for hidden in (".main-nav", ".lang-switch", ".who", ".skip-link", "form[action$='/check']"):
        expect(page.locator(hidden).first).to_be_hidden()
    for shown in ("main h1", "table.decision", "table.trail"):
        expect(page.locator(shown).first).to_be_visible()
    page.emulate_media(media="screen")
    expect(page.locator(".main-nav")).to_be_visible()


def test_every_asset_comes_from_the_app_itself(browser, world):
    """No CDN: a claim form with its script, styles and receipts loads nothing from anywhere else."""
    page = browser.new_page("mentor", "fi")
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    sign_in(page, world["mentor_with_form"], "fi")
    page.goto("/claims/new")
    page.fill("input[name=start_place]", "Oulu")
    expect(page.locator("#decision")).not_to_have_attribute("aria-busy", "true")
    page.goto(f"/claims/{world['claims']['returned']}")
    origin = re.escape(browser.base_url)
    assert requested and all(re.match(origin + r"/", url) for url in requested), requested
    assert any("/static/css/app.css" in url for url in requested)
