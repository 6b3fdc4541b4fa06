"""Each role's journey in a real browser: mentor, finance (two officers), auditor, and the actor's refusal.

Selectors are names, ids and form actions, not visible text, so that the journeys run in Finnish,
Swedish and English alike; each journey uses another language.
"""

import re
import time
from pathlib import Path

import pytest

from expenses import workflow
from expenses.extensions import db
from expenses.models import Claim, User
from tests.e2e.conftest import expect, sign_in
from tests.e2e.world import programme_mentor
from tests.factories import PDF_BYTES, PNG_BYTES, make_claim, make_clean_claim, make_receipt, make_user, train_body

pytestmark = pytest.mark.browser

SESSION = "2024-04-23"


def cents(text: str) -> str:
    """An amount as shown in any language ("226,00 €", "€226.00") reduced to its digits: "22600"."""
    return re.sub(r"\D", "", text)


def total_of(page):
    """The total line of the decision panel on the claim form."""
    return page.locator("#decision table.decision tfoot td.num")


def expect_total(page, digits: str) -> None:
    expect(total_of(page)).to_have_text(re.compile(r"^\D*" + r"\D?".join(digits[:-2]) + r"\D" + digits[-2:] + r"\D*$"))


def test_mentor_fills_in_a_claim_watches_the_total_and_submits(browser, live_server):
    email = live_server.seed(lambda: programme_mentor(name="Maija Mentori").email)
    page = browser.new_page("mentor")

    with browser.step("sign in"):
        sign_in(page, email, "fi")
        expect(page).to_have_url(re.compile(r"/claims/$"))
        expect(page.locator("html")).to_have_attribute("lang", "fi")

    with browser.step("open the claim form"):
        page.locator("main a[href$='/claims/new']").click()
        expect(page).to_have_url(re.compile(r"/claims/new$"))
        page.check(f"input[name=session][value='{SESSION}']")

    with browser.step("fill in the trip: the per diem appears"):
        page.fill("input[name=start_place]", "Tampere")
        page.fill("input[name=distance_km]", "178")
        page.fill("input[name=departure]", f"{SESSION}T07:00")
        page.fill("input[name=return_at]", f"{SESSION}T18:30")
        expect_total(page, "5100")

    with browser.step("first expense: a train ticket with its PDF receipt"):
        row = page.locator("#expense-0")
        row.locator("select[name='expenses-0-type']").select_option("public_transport")
        # Fields the type does not use are hidden by the script.
        expect(row.locator("input[name='expenses-0-km']")).to_be_hidden()
        row.locator("input[name='expenses-0-date']").fill(SESSION)
        row.locator("input[name='expenses-0-description']").fill("Juna Tampere–Helsinki")
        # The receipt goes up as soon as it is chosen; without it the claim has an error and totals nothing.
        row.locator("input[type=file]").set_input_files(
            {"name": "juna.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}
        )
        expect(row.locator(".attached")).to_be_visible()
        expect(row.locator(".attached-name")).to_have_text("juna.pdf")
        row.locator("input[name='expenses-0-amount']").fill("160,00")
        expect_total(page, "21100")

    with browser.step("second expense: parking with a PNG receipt; the total follows each change"):
        page.click("#add-expense")
        row = page.locator("#expense-rows .expense-row").nth(1)
        expect(row.locator("select")).to_be_focused()
        row.locator("select").select_option("other")
        row.locator("input[type=date]").fill(SESSION)
        row.locator("input[name$='-description']").fill("Pysäköinti")
        row.locator("input[type=file]").set_input_files(
            {"name": "parkki.png", "mimeType": "image/png", "buffer": PNG_BYTES}
        )
        expect(row.locator(".attached-name")).to_have_text("parkki.png")
        row.locator("input[name$='-amount']").fill("12,50")
        expect_total(page, "22350")
        row.locator("input[name$='-amount']").fill("15")
        expect_total(page, "22600")
        page.fill("input[name=distance_km]", "12")
        # Within 15 km there is no per diem (a meal allowance at most): the total drops.
        expect(total_of(page)).not_to_have_text(re.compile("226"))
        assert int(cents(total_of(page).inner_text())) < 22600
        page.fill("input[name=distance_km]", "178")
        expect_total(page, "22600")

    with browser.step("save the draft"):
        page.click("button[name=save]")
        expect(page).to_have_url(re.compile(r"/claims/\d+$"))
        expect(page.locator(".flash-success")).to_be_visible()
        receipts = page.locator("main table a[href^='/receipts/']")
        expect(receipts).to_have_count(2)
        expect(receipts.nth(0)).to_have_text("juna.pdf")
        expect(receipts.nth(1)).to_have_text("parkki.png")

    with browser.step("send it from its page: the declaration is asked, the IBAN may wait"):
        page.click("main form[action$='/submit'] button[type=submit]")
        expect(page.locator("#declaration-error")).to_be_visible()
        expect(page.locator(".error-summary a[href='#declaration']")).to_be_visible()
        expect(page.locator(".status-draft")).to_be_visible()
        page.check("#declaration")
        page.click("main form[action$='/submit'] button[type=submit]")
        expect(page.locator(".status-submitted")).to_be_visible()
        expect(page.locator(".flash-success")).to_be_visible()
        expect(page.locator("main form[action$='/submit']")).to_have_count(0)
        assert cents(page.locator("dl.facts dd").nth(2).inner_text()) == "22600"


#: The standard claim's budget (issue 14): start, session, start place, km, departure, return, two
#: tickets with their files, send. Before the form took dates from the trip and copied the return
#: ticket it took 19.
MAX_INTERACTIONS = 12
MAX_SECONDS = 120


class Counted:
    """A person's hands on the page: every click, filled field, tick and chosen file counts one."""

    def __init__(self, page) -> None:
        self.page = page
        self.count = 0

    def click(self, selector: str) -> None:
        self.count += 1
        self.page.click(selector)

    def fill(self, selector: str, value: str) -> None:
        self.count += 1
        self.page.fill(selector, value)

    def check(self, selector: str) -> None:
        self.count += 1
        self.page.check(selector)

    def choose_file(self, selector: str, name: str) -> None:
        self.count += 1
        self.page.set_input_files(selector, {"name": name, "mimeType": "application/pdf", "buffer": PDF_BYTES})


def _standard_mentor() -> str:
    mentor = programme_mentor(name="Tiina Tavallinen")
    mentor.iban = "FI2112345600000785"  # on file: sending does not ask for it
    db.session.commit()
    return mentor.email


def test_mentor_files_the_standard_claim_within_twelve_interactions(browser, live_server):
    email = live_server.seed(_standard_mentor)
    page = browser.new_page("mentor", "fi", width=375, height=800)
    sign_in(page, email, "fi")
    hands = Counted(page)
    started = time.monotonic()

    with browser.step("start the claim and choose the session"):
        hands.click("main a[href$='/claims/new']")
        hands.check(f"input[name=session][value='{SESSION}']")

    with browser.step("the trip: an evening train the day before, back the next evening"):
        hands.fill("input[name=start_place]", "Tampere")
        hands.fill("input[name=distance_km]", "178")
        hands.fill("input[name=departure]", "2024-04-22T17:00")
        hands.fill("input[name=return_at]", f"{SESSION}T19:00")

    with browser.step("the outbound ticket: public transport on the departure day, by themselves"):
        row = page.locator("#expense-0")
        expect(row.locator("select[name='expenses-0-type']")).to_have_value("public_transport")
        expect(row.locator("input[name='expenses-0-date']")).to_have_value("2024-04-22")
        hands.fill("input[name='expenses-0-amount']", "25,90")
        hands.choose_file("input[name='expenses-0-receipt']", "meno.pdf")
        # Attached: "view" and "replace", not a second empty chooser.
        expect(row.locator(".attached-name")).to_have_text("meno.pdf")
        expect(row.locator(".attached-view")).to_be_visible()
        expect(row.locator("input[type=file]")).to_be_hidden()

    with browser.step("the return ticket: the same as the outbound, on the return day"):
        hands.click("#expense-0 button[name=copy_expense]")
        row = page.locator("#expense-rows .expense-row").nth(1)
        expect(row.locator("input[name$='-amount']")).to_have_value("25,90")
        expect(row.locator("input[name$='-date']")).to_have_value(SESSION)
        expect(row.locator("input[type=file]")).to_be_focused()
        hands.choose_file("#expense-rows .expense-row:nth-child(2) input[type=file]", "paluu.pdf")
        expect(row.locator(".attached-name")).to_have_text("paluu.pdf")

    with browser.step("send: the declaration, then saved and submitted in one step"):
        expect(page.locator("input[name=iban]")).to_have_count(0)
        hands.check("#declaration")
        hands.click("button[name=send]")
        expect(page.locator(".status-submitted")).to_be_visible()
        expect(page.locator(".flash-success")).to_be_visible()

    seconds = time.monotonic() - started
    assert hands.count <= MAX_INTERACTIONS, f"the standard claim took {hands.count} interactions"
    assert seconds < MAX_SECONDS, f"the standard claim took {seconds:.0f} s"

    def stored() -> tuple:
        claim = db.session.scalars(db.select(Claim).join(User, Claim.mentor).where(User.email == email)).one()
        return claim.status, [(e["date"], e["amount"], bool(e.get("receipt"))) for e in claim.body["expenses"]]

    assert live_server.seed(stored) == (
        "submitted",
        [("2024-04-22", "25.90", True), (SESSION, "25.90", True)],
    )


def _submitted_claim() -> dict:
    mentor = programme_mentor(name="Matti Korjaaja")
    receipt = make_receipt(mentor)
    claim = make_claim(mentor, "submitted", train_body(receipt.id))
    a = make_user("finance", name="Anna Tarkastaja")
    b = make_user("finance", name="Bertil Godkännare")
    return {"claim": claim.id, "mentor": mentor.email, "a": a.email, "b": b.email}


def test_finance_returns_then_one_officer_checks_another_approves_and_pays(browser, live_server):
    seed = live_server.seed(_submitted_claim)
    claim_url = f"/finance/claims/{seed['claim']}"
    officer_a = browser.new_page("officer-a", "sv")
    officer_b = browser.new_page("officer-b", "en")
    mentor = browser.new_page("mentor")

    with browser.step("officer A finds the claim in the queue"):
        sign_in(officer_a, seed["a"], "sv")
        expect(officer_a).to_have_url(re.compile(r"/finance/$"))
        officer_a.locator(f"#to-check a[href='{claim_url}']").click()
        expect(officer_a).to_have_url(re.compile(claim_url + "$"))
        # The receipt is beside the computation.
        expect(officer_a.locator(".receipts a[href^='/receipts/']")).to_have_count(1)

    with browser.step("a return without a reason is refused, next to the field and at the top"):
        officer_a.click("form[action$='/return'] button[type=submit]")
        expect(officer_a.locator("#return-reason-error")).to_be_visible()
        expect(officer_a.locator("#return-reason")).to_have_attribute("aria-invalid", "true")
        expect(officer_a.locator(".error-summary a[href='#return-reason']")).to_be_visible()

    with browser.step("officer A returns the claim with a reason"):
        officer_a.fill("#return-reason", "Kvittot för tåget saknar datum. Lägg till ett tydligare kvitto.")
        officer_a.click("form[action$='/return'] button[type=submit]")
        expect(officer_a.locator(".flash-success")).to_be_visible()
        expect(officer_a.locator("form[action$='/check']")).to_have_count(0)

    with browser.step("the mentor reads the reason, fixes the claim and submits it again"):
        sign_in(mentor, seed["mentor"], "fi")
        mentor.locator(f"a[href='/claims/{seed['claim']}']").click()
        expect(mentor.locator(".returned-reason")).to_contain_text("Kvittot för tåget saknar datum")
        mentor.locator(f"a[href='/claims/{seed['claim']}/edit']").click()
        expect_total(mentor, "20800")
        mentor.fill("input[name='expenses-0-amount']", "150,00")
        expect_total(mentor, "19800")
        # Send: saved and submitted in one step.
        mentor.check("#declaration")
        mentor.click("button[name=send]")
        expect(mentor).to_have_url(re.compile(rf"/claims/{seed['claim']}$"))
        expect(mentor.locator(".status-submitted")).to_be_visible()

    with browser.step("officer A checks it and may not approve it"):
        officer_a.goto(claim_url)
        officer_a.click("form[action$='/check'] button[type=submit]")
        expect(officer_a.locator(".flash-success")).to_be_visible()
        approve = officer_a.locator("form[action$='/approve'] button[type=submit]")
        expect(approve).to_be_disabled()
        expect(approve).to_have_attribute("aria-describedby", "approve-why")
        expect(officer_a.locator("#approve-why")).to_be_visible()

    with browser.step("officer B approves it: the PDF summary is made"):
        sign_in(officer_b, seed["b"], "en")
        officer_b.locator("nav.tabs a[href$='queue=to-approve']").click()
        expect(officer_b.locator("nav.tabs a[aria-current=page]")).to_contain_text("To approve")
        officer_b.locator(f"#to-approve a[href='{claim_url}']").click()
        officer_b.click("form[action$='/approve'] button[type=submit]")
        expect(officer_b.locator(".flash-success")).to_be_visible()
        expect(officer_b.locator(f"a[href='/claims/{seed['claim']}/summary.pdf']")).to_be_visible()

    with browser.step("officer B marks it paid with the payment reference"):
        officer_b.fill("#pay-reference", "RF18 5390 0754 7034")
        officer_b.click("form[action$='/pay'] button[type=submit]")
        expect(officer_b.locator(".flash-success")).to_be_visible()
        expect(officer_b.locator("main")).to_contain_text("RF18 5390 0754 7034")
        expect(officer_b.locator("form[action$='/pay']")).to_have_count(0)

    with browser.step("the mentor sees the claim paid"):
        mentor.reload()
        expect(mentor.locator(".status-paid")).to_be_visible()

    def states() -> tuple:
        claim = workflow.get_claim(seed["claim"], db.session.scalar(db.select(User).filter_by(email=seed["b"])))
        return claim.status, claim.checked_by.email, claim.approved_by.email

    assert live_server.seed(states) == ("paid", seed["a"], seed["b"])


def _paid_claim() -> dict:
    mentor = programme_mentor(name="Aune Auditoitava")
    receipt = make_receipt(mentor)
    claim = make_claim(mentor, "paid", train_body(receipt.id))
    auditor = make_user("auditor", name="Auli Tarkastaja")
    return {"claim": claim.id, "reference": claim.reference, "auditor": auditor.email}


def test_auditor_finds_a_claim_and_downloads_its_pdf(browser, live_server):
    seed = live_server.seed(_paid_claim)
    page = browser.new_page("auditor", "en")

    with browser.step("sign in"):
        sign_in(page, seed["auditor"], "en")
        expect(page).to_have_url(re.compile(r"/audit/$"))

    with browser.step("filter by the mentor's name and status"):
        page.fill("#q", "auditoitava")
        page.select_option("#status", "paid")
        page.click("main form[method=get] button[type=submit]")
        rows = page.locator("#claims tbody tr")
        expect(rows).to_have_count(1)
        expect(rows.first).to_contain_text(seed["reference"])

    with browser.step("the ZIP of the found claims downloads"):
        with page.expect_download() as download:
            page.click("a[href^='/audit/export.zip']")
        assert download.value.suggested_filename.endswith(".zip")
        assert Path(download.value.path()).read_bytes()[:2] == b"PK"

    with browser.step("open the claim: its audit trail is there"):
        page.locator(f"#claims a[href='/audit/claims/{seed['claim']}']").click()
        expect(page.locator("table.trail tbody tr")).to_have_count(5)  # create, submit, check, approve, pay

    with browser.step("download its PDF summary"):
        with page.expect_download() as download:
            page.click(f"a[href='/claims/{seed['claim']}/summary.pdf']")
        assert download.value.suggested_filename == f"{seed['reference']}.pdf"
        assert Path(download.value.path()).read_bytes()[:5] == b"%PDF-"


def test_an_actor_is_told_travel_is_for_mentors_and_cannot_open_the_claim_form(browser, live_server):
    email = live_server.seed(lambda: make_user("actor", name="Aku Aktori").email)
    page = browser.new_page("actor", "sv")

    with browser.step("sign in: the mentors-only page"):
        sign_in(page, email, "sv")
        expect(page).to_have_url(re.compile(r"/actor$"))
        expect(page.locator("main h1")).to_be_visible()
        expect(page.locator("a[href$='/claims/new']")).to_have_count(0)

    with browser.step("the claim form is refused"):
        response = page.goto("/claims/new")
        assert response.status == 403
        expect(page.locator("html")).to_have_attribute("lang", "sv")
        expect(page.locator("input[name=start_place]")).to_have_count(0)


def _clean_claims() -> dict:
    a = make_user("finance", name="Anna Tarkastaja")
    b = make_user("finance", name="Bertil Godkännare")
    one, two, three = (make_clean_claim(programme_mentor(name=f"Mentori {n}")) for n in (1, 2, 3))
    late = make_claim(programme_mentor(name="Myöhäinen Mentori"), "submitted")  # a late_claim warning
    return {"a": a.email, "b": b.email, "claims": [one.id, two.id, three.id], "late": late.id}


def test_finance_decides_clean_claims_from_the_queue_in_one_click(browser, live_server):
    seed = live_server.seed(_clean_claims)
    one, two, three = seed["claims"]
    officer_a = browser.new_page("officer-a", "fi")
    officer_b = browser.new_page("officer-b", "sv")

    with browser.step("officer A checks a clean claim from its queue row: one click"):
        sign_in(officer_a, seed["a"], "fi")
        expect(officer_a).to_have_url(re.compile(r"/finance/$"))
        # The only interaction between the queue and the confirmation, which names the claim.
        officer_a.locator(f"#to-check button[name=claim][value='{one}']").click()
        expect(officer_a).to_have_url(re.compile(r"/finance/\?queue=to-check$"))
        expect(officer_a.locator(".flash-success")).to_contain_text("tarkastettu")
        expect(officer_a.locator(f"#to-check a[href='/finance/claims/{one}']")).to_have_count(0)

    with browser.step("a claim with a finding has no button: it opens on its own page"):
        late_row = officer_a.locator(
            "#to-check tbody tr", has=officer_a.locator(f"a[href='/finance/claims/{seed['late']}']")
        )
        expect(late_row.locator("button")).to_have_count(0)
        expect(late_row.locator("code", has_text="late_claim")).to_be_visible()

    with browser.step("officer A ticks two more with the keyboard and checks them at once"):
        for claim_id in (two, three):
            box = officer_a.locator(f"#select-{claim_id}")
            box.focus()
            officer_a.keyboard.press("Space")
            expect(box).to_be_checked()
        officer_a.locator("form[action$='/decide/check'] button[name=bulk]").click()
        expect(officer_a.locator(".flash-success")).to_contain_text("2 matkalaskua on tarkastettu")

    with browser.step("officer A cannot approve from the queue what they checked"):
        officer_a.locator("nav.tabs a[href$='queue=to-approve']").click()
        # Only these three: the package's shared world has claims that other officers checked.
        for claim_id in (one, two, three):
            link = officer_a.locator(f"a[href='/finance/claims/{claim_id}']")
            row = officer_a.locator("#to-approve tbody tr", has=link)
            expect(row).to_have_count(1)
            expect(row.locator("button, input[type=checkbox]")).to_have_count(0)
            expect(row.locator(".badge")).to_contain_text("toinen virkailija hyväksyy")

    with browser.step("officer B approves one from its row in one click"):
        sign_in(officer_b, seed["b"], "sv")
        officer_b.goto("/finance/?queue=to-approve")
        officer_b.locator(f"#to-approve button[name=claim][value='{one}']").click()
        expect(officer_b.locator(".flash-success")).to_contain_text("godkänd")
        expect(officer_b.locator(f"#to-approve a[href='/finance/claims/{one}']")).to_have_count(0)

    def states() -> tuple:
        claims = [db.session.get(Claim, n) for n in (one, two, three)]
        return tuple((c.status, c.checked_by.email, c.approved_by.email if c.approved_by else None) for c in claims)

    assert live_server.seed(states) == (
        ("approved", seed["a"], seed["b"]),
        ("checked", seed["a"], None),
        ("checked", seed["a"], None),
    )
