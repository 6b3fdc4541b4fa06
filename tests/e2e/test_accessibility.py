"""Every page, in every role and all three languages, at 1280 and 375 px, checked with axe-core in Chromium: no
WCAG 2.1 A/AA violation.

Pages are checked as people see them: signed in through the form, after the page's script has run,
and also in their error states (a refused sign-in, a claim form with mistakes, an action without its
reason). Each page must also say its language in <html lang>.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.e2e.conftest import expect, sign_in, unavailable
from tests.e2e.world import KICK_OFF
from tests.factories import PDF_BYTES

pytestmark = pytest.mark.browser

LANGUAGES = ("fi", "sv", "en")
#: The WCAG 2.1 A and AA rules of axe-core.
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


@dataclass
class Visit:
    """One page to check: an address, or an action on the current page that leads to a state of it."""

    name: str
    path: str | None = None
    status: int = 200
    act: Callable | None = None


def _fill_claim_form_wrongly(page) -> None:
    page.fill("input[name=distance_km]", "kaksi")
    page.select_option("select[name='expenses-0-type']", "taxi")
    page.fill("input[name='expenses-0-amount']", "12,5,0")
    page.click("#compute")
    expect(page.locator("#error-summary")).to_be_visible()


def _fill_claim_form_rightly(page) -> None:
    page.check(f"input[name=session][value='{KICK_OFF}']")
    page.fill("input[name=start_place]", "Oulu")
    page.fill("input[name=distance_km]", "607")
    page.fill("input[name=departure]", f"{KICK_OFF}T06:00")
    page.fill("input[name=return_at]", f"{KICK_OFF}T21:30")
    expect(page.locator("#decision table.decision")).to_be_visible()  # the live preview's answer
    page.click("#add-expense")  # a second row, added by the script


def _attach_and_copy(page) -> None:
    row = page.locator("#expense-0")
    row.locator("input[name='expenses-0-amount']").fill("80")
    receipt = {"name": "juna.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
    row.locator("input[type=file]").set_input_files(receipt)
    expect(row.locator(".attached")).to_be_visible()  # "view" and "replace", no second chooser
    with page.expect_navigation():
        row.locator("button[name=copy_expense]").click()
    expect(page.locator("#expense-rows .expense-row")).to_have_count(3)


def visits(role: str, w: dict) -> list[Visit]:
    c = w["claims"]
    # Pages that differ between roles only in the navigation are checked in one role; every page in three languages.
    details = Visit("my details", "/account/")
    if role == "visitor":
        return [
            Visit("sign in", "/login"),
            Visit("a page that needs sign-in: to sign in", "/claims/"),
            Visit("sign in refused", act=_refuse_sign_in),
            Visit("forgot password", "/password/forgot"),
            Visit("forgot password, no address", act=_ask_reset_without_address),
            Visit("a password link that is not valid", "/password/reset/not-a-link", 400),
        ]
    if role == "mentor":
        return [
            Visit("front page (my claims)", "/"),
            Visit("new claim, no session left", "/claims/new"),
            Visit("draft claim", f"/claims/{c['draft']}"),
            Visit("submission without the declaration", act=_submit_without_declaration),
            Visit("submission refused", act=_submit_with_errors),
            Visit("edit draft", f"/claims/{c['draft']}/edit"),
            Visit("paid claim with its PDF", f"/claims/{c['paid']}"),
            Visit("someone else's claim: not found", f"/claims/{c['submitted']}", 404),
            details,
            Visit("change password", "/password"),
            Visit("an API token made, shown once", act=_make_token),
            Visit("password change refused", act=_refuse_password),
        ]
    if role == "mentor_with_form":
        return [
            Visit("returned claim", f"/claims/{c['returned']}"),
            Visit("edit returned claim", f"/claims/{c['returned']}/edit"),
            Visit("new claim form", "/claims/new"),
            Visit("new claim form, filled in, live total", act=_fill_claim_form_rightly),
            Visit("a receipt attached, the return ticket copied", act=_attach_and_copy),
            Visit("new claim form with mistakes", act=_fill_claim_form_wrongly),
        ]
    if role == "finance":
        return [
            Visit("front page (queues)", "/"),
            Visit("deciding from the queue without ticking a claim", act=_decide_nothing),
            Visit("queue to approve (the badge on claims I checked)", "/finance/?queue=to-approve"),
            Visit("queue to pay", "/finance/?queue=to-pay"),
            Visit("recently handled", "/finance/handled"),
            Visit("recently handled, searched", "/finance/handled?q=mentori&status=paid"),
            Visit("queue searched: nothing found", "/finance/?queue=to-check&q=nobody"),
            Visit("queue search with mistakes", "/finance/?session=1999-01-01"),
            Visit("submitted claim", f"/finance/claims/{c['submitted']}"),
            Visit("return without a reason", act=_return_without_reason),
            Visit("checked by me: approve refused", f"/finance/claims/{c['checked_by_me']}"),
            Visit("checked by another: approve", f"/finance/claims/{c['checked_by_other']}"),
            Visit("approved claim: pay", f"/finance/claims/{c['approved']}"),
            Visit("paid claim", f"/finance/claims/{c['paid']}"),
            Visit("payments", "/finance/payments/"),
            Visit("payment file", f"/finance/payments/{w['batch']}"),
            Visit("programme finances (chart and tables)", "/finance/summary"),
            Visit("check a PDF", "/verify"),
            Visit("check a PDF without a file", act=_verify_nothing),
            details,
            Visit("two-factor sign-in: set up with a QR code", "/account/two-factor"),
        ]
    if role == "auditor":
        return [
            Visit("front page (approved claims)", "/"),
            Visit("filtered", "/audit/?q=mentori&status=paid&sort=total&order=asc"),
            Visit("filters with mistakes", "/audit/?approved_from=eilen&amount_min=-5"),
            Visit("nothing found", "/audit/?q=nobody"),
            Visit("paid claim", f"/audit/claims/{c['paid']}"),
            Visit("programme finances (chart and tables)", "/audit/summary"),
            Visit("check a PDF", "/verify"),
            Visit("check a PDF: not genuine", act=_verify_a_stranger),
            details,
        ]
    if role == "admin":
        return [
            Visit("front page (users and roster)", "/"),
            Visit("add a user with mistakes", act=_add_bad_user),
            Visit("roster import refused, line by line", act=_import_bad_roster),
            Visit("roster imported, line by line", act=_import_roster),
            details,
        ]
    if role == "actor":
        return [
            Visit("front page (mentors only)", "/"),
            Visit("claim form refused", "/claims/new", 403),
            details,
        ]
    raise AssertionError(role)


def _ask_reset_without_address(page) -> None:
    page.click("main form button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()


def _make_token(page) -> None:
    page.goto("/account/")
    page.fill("input[name=name]", "script")
    page.click("form[action$='/account/tokens'] button[type=submit]")
    expect(page.locator("#new-token")).to_be_visible()


def _refuse_sign_in(page) -> None:
    page.goto("/login")
    page.fill("input[name=email]", "nobody@example.fi")
    page.fill("input[name=password]", "wrong password")
    page.click("main form button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()


def _submit_without_declaration(page) -> None:
    page.click("main form[action$='/submit'] button[type=submit]")
    expect(page.locator("#declaration-error")).to_be_visible()


def _submit_with_errors(page) -> None:
    page.check("#declaration")
    page.click("main form[action$='/submit'] button[type=submit]")
    expect(page.locator("#problem")).to_be_visible()


def _refuse_password(page) -> None:
    page.goto("/password")
    page.fill("input[name=current]", "not my password")
    page.fill("input[name=new]", "short")
    page.click("main form button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()


def _return_without_reason(page) -> None:
    page.click("form[action$='/return'] button[type=submit]")
    expect(page.locator("#return-reason-error")).to_be_visible()


def _decide_nothing(page) -> None:
    page.click("form[action$='/decide/check'] button[name=bulk]")
    expect(page.locator(".flash-error")).to_be_visible()


def _verify_nothing(page) -> None:
    page.goto("/verify")
    page.click("main form button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()


def _verify_a_stranger(page) -> None:
    page.set_input_files("#file", {"name": "other.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES})
    page.click("main form button[type=submit]")
    expect(page.locator("#result-title")).to_be_visible()


def _import(page, csv: str) -> None:
    page.goto("/admin/")
    page.set_input_files("#file", {"name": "roster.csv", "mimeType": "text/csv", "buffer": csv.encode()})
    page.click("form[action$='/roster/import'] button[type=submit]")
    expect(page.locator("table.import-report")).to_be_visible()


def _import_bad_roster(page) -> None:
    _import(page, "email;name;role\nnot-an-address;Nobody;mentor\nx@example.fi;X;boss\n")


def _import_roster(page) -> None:
    _import(page, "email;name;role\nanu.aktori@example.fi;Anu Aktori;actor\n")


def _add_bad_user(page) -> None:
    page.fill("#email", "not an address")
    page.click("form[action$='/admin/users'] button[type=submit]")
    expect(page.locator(".error-summary")).to_be_visible()


AXE_OPTIONS = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}


def start_axe(page) -> None:
    """Start axe on the page and return at once: the three languages' pages are checked side by side."""
    page.evaluate("options => { window.__axe = axe.run(document, options); }", AXE_OPTIONS)


def axe_violations(page) -> list[str]:
    """The WCAG A/AA violations axe found on the page (after start_axe), one readable line per element."""
    results = page.evaluate("() => window.__axe")
    lines = []
    for violation in results["violations"]:
        for node in violation["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            why = node["failureSummary"].splitlines()[-1].strip()
            lines.append(f"{violation['id']} ({violation['impact']}): {target} – {why}")
    return lines


@pytest.fixture(scope="module")
def axe_script() -> str:
    """axe-core itself, as the axe-playwright-python package ships it: nothing is fetched from a CDN."""
    try:
        import axe_playwright_python
    except ImportError:
        unavailable("the Python package `axe-playwright-python` is not installed (pip install -e '.[test]').")
    return (Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text(encoding="utf-8")


ROLES = ("visitor", "mentor", "mentor_with_form", "finance", "auditor", "admin", "actor")


#: A desktop and a phone: tables, queues and forms are laid out anew at the narrow width.
WIDTHS = (1280, 375)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("role", ROLES)
def test_every_page_passes_axe_in_every_language(browser, world, axe_script, role, width):
    pages = {}
    for lang in LANGUAGES:
        page = pages[lang] = browser.new_page(f"{role}-{lang}-{width}", lang, width=width)
        # Loaded into every page before its own scripts, as the browser tools do; the page's CSP does not apply.
        page.context.add_init_script(script=axe_script)
        if role == "visitor":
            page.goto(f"/login?lang={lang}")
        else:
            sign_in(page, world[role], lang)
    problems = []
    for visit in visits(role, world):
        with browser.step(visit.name):
            for lang, page in pages.items():
                if visit.path is not None:
                    response = page.goto(visit.path)
                    assert response.status == visit.status, f"{visit.name}: {visit.path} answered {response.status}"
                if visit.act is not None:
                    visit.act(page)
                page.wait_for_load_state("load")
                assert page.locator("html").get_attribute("lang") == lang, f"{visit.name}: <html lang> is not {lang}"
                start_axe(page)
            for lang, page in pages.items():
                address = re.sub(r"^https?://[^/]+", "", page.url)
                problems += [f"{visit.name} [{lang}] ({address}): {line}" for line in axe_violations(page)]
            if problems:
                browser.screenshot_all(f"axe-{visit.name}")
    assert not problems, "axe found violations:\n" + "\n".join(problems)
