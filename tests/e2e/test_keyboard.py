"""The keyboard alone: the skip link, a visible focus, and the claim form's expense rows, with or without script."""

import pytest

from tests.e2e.conftest import expect, sign_in
from tests.e2e.world import programme_mentor

pytestmark = pytest.mark.browser

ROWS = "#expense-rows .expense-row"


def tab_to(page, selector: str, limit: int = 120) -> None:
    """Press Tab until the element matching `selector` has the focus, as a keyboard user would."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
    raise AssertionError(f"{selector} was not reached with Tab in {limit} presses")


def focus_ring(page) -> dict:
    return page.evaluate(
        """() => {
            const s = getComputedStyle(document.activeElement);
            return {style: s.outlineStyle, width: parseFloat(s.outlineWidth), background: s.backgroundColor};
        }"""
    )


@pytest.fixture
def mentor_email(live_server) -> str:
    return live_server.seed(lambda: programme_mentor(name="Kaisa Näppäimistö").email)


def test_expense_rows_are_added_and_removed_with_the_keyboard(browser, mentor_email):
    page = browser.new_page("mentor", "en")
    sign_in(page, mentor_email, "en")
    page.goto("/claims/new")
    rows = page.locator(ROWS)

    with browser.step("the first Tab reaches the skip link, and it shows"):
        page.keyboard.press("Tab")
        expect(page.locator(".skip-link")).to_be_focused()
        assert page.locator(".skip-link").bounding_box()["x"] >= 0
        assert focus_ring(page)["background"] == "rgb(255, 191, 71)"  # the yellow highlight of links

    with browser.step("Tab to Add expense: its focus is visible"):
        tab_to(page, "#add-expense")
        ring = focus_ring(page)
        assert ring["style"] == "solid" and ring["width"] >= 2, ring

    with browser.step("Enter adds a row and puts the focus in it; the change is announced"):
        expect(rows).to_have_count(1)
        page.keyboard.press("Enter")
        expect(rows).to_have_count(2)
        expect(rows.nth(1).locator("select")).to_be_focused()
        expect(page.locator("#rows-status")).to_contain_text("2")

    with browser.step("the type is chosen with the arrow keys; fields of other types hide"):
        page.keyboard.press("ArrowDown")
        expect(rows.nth(1).locator("select")).to_have_value("public_transport")
        expect(rows.nth(1).locator("input[name$='-km']")).to_be_hidden()

    with browser.step("Tab to the new row's Remove, Enter removes the row and keeps the focus nearby"):
        tab_to(page, f"{ROWS}:nth-child(2) .remove-expense")
        page.keyboard.press("Enter")
        expect(rows).to_have_count(1)
        expect(rows.nth(0).locator("select")).to_be_focused()
        expect(page.locator("#rows-status")).to_contain_text("removed")

    with browser.step("Space works on the Add button too"):
        tab_to(page, "#add-expense")
        page.keyboard.press("Space")
        expect(rows).to_have_count(2)
        expect(rows.nth(1).locator("select")).to_be_focused()


def test_expense_rows_work_with_the_keyboard_without_the_script(browser, mentor_email):
    page = browser.new_page("mentor-no-script", "en", java_script_enabled=False)
    sign_in(page, mentor_email, "en")
    page.goto("/claims/new")
    rows = page.locator(ROWS)

    with browser.step("Enter on Add expense posts the form; the new row has the focus"):
        tab_to(page, "#add-expense")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(rows).to_have_count(2)
        expect(rows.nth(1).locator("select")).to_be_focused()

    with browser.step("Enter on a row's Remove posts the form; the focus is back on Add expense"):
        tab_to(page, f"{ROWS}:nth-child(2) .remove-expense")
        with page.expect_navigation():
            page.keyboard.press("Enter")
        expect(rows).to_have_count(1)
        expect(page.locator("#add-expense")).to_be_focused()
