"""The journey of a new programme round in a real browser: the admin creates the 2026–2027 round with
a Helsinki session and imports its roster; a mentor on it files a claim, decided with the 2026 rates;
two finance officers check and approve it into a PDF. A mentor not on the roster is refused.
"""

import re

import pytest

from expenses.extensions import db
from expenses.models import Claim
from tests.e2e.conftest import expect, sign_in
from tests.factories import make_user

pytestmark = pytest.mark.browser

ROUND = "hankinta-suomi-2026-2027"
SESSION = "2026-11-20"


def _people() -> dict:
    return {
        "admin": make_user("admin", name="Aarne Kierros").email,
        "mentor": make_user("mentor", name="Riikka Rosterissa").email,
        "outsider": make_user("mentor", name="Olli Ulkopuolinen").email,
        "a": make_user("finance", name="Anna Asiatarkastaja").email,
        "b": make_user("finance", name="Bertil Hyväksyjä").email,
    }


def test_a_new_round_from_the_admin_to_an_approved_claim(browser, live_server):
    people = live_server.seed(_people)
    admin = browser.new_page("admin", "en")

    with browser.step("the admin creates the 2026–2027 round"):
        sign_in(admin, people["admin"], "en")
        admin.locator("nav a[href='/admin/rounds/']").click()
        admin.fill("#id", ROUND)
        admin.fill("#name_fi", "Hankinta-Suomen mentorointiohjelma 2026–2027")
        admin.fill("#name_sv", "Upphandlings-Finlands mentorprogram 2026–2027")
        admin.fill("#name_en", "Procurement Finland mentoring programme 2026–2027")
        admin.fill("#starts", "2026-09-01")
        admin.fill("#ends", "2027-05-31")
        admin.locator("form[action$='/admin/rounds/'] button[type=submit]").click()
        expect(admin).to_have_url(re.compile(rf"/admin/rounds/{ROUND}$"))
        expect(admin.locator(".flash-success")).to_be_visible()

    with browser.step("it gets a Helsinki session, in person and reimbursed"):
        form = admin.locator("form[action$='/sessions']")
        form.locator("#date").fill(SESSION)
        form.locator("#start").fill("12:00")
        form.locator("#end").fill("16:00")
        form.locator("#place").fill("Helsinki")
        form.locator("#title_fi").fill("Aloitustapaaminen")
        form.locator("#title_en").fill("Kick-off meeting")
        form.locator("button[type=submit]").click()
        expect(admin.locator("#sessions")).to_contain_text(SESSION)
        expect(admin.locator("#no-rates")).to_have_count(0)  # 2026 has its rates file

    with browser.step("the admin imports the round's roster"):
        admin.goto("/admin/")
        admin.select_option("#programme", ROUND)
        admin.set_input_files(
            "#file",
            {
                "name": "roster.csv",
                "mimeType": "text/csv",
                "buffer": f"email;name;role\n{people['mentor']};Riikka Rosterissa;mentor\n".encode(),
            },
        )
        admin.locator("form[action$='/roster/import'] button[type=submit]").click()
        expect(admin.locator("main")).to_contain_text(people["mentor"])

    mentor = browser.new_page("mentor", "fi")
    with browser.step("the mentor on the roster files a claim for the session"):
        sign_in(mentor, people["mentor"], "fi")
        mentor.goto("/claims/new")
        mentor.check(f"input[name=session][value='{SESSION}']")
        mentor.fill("input[name=start_place]", "Tampere")
        mentor.fill("input[name=distance_km]", "178")
        mentor.fill("input[name=departure]", f"{SESSION}T08:00")
        mentor.fill("input[name=return_at]", f"{SESSION}T19:00")
        row = mentor.locator("#expense-0")
        row.locator("select[name='expenses-0-type']").select_option("own_car")
        row.locator("input[name='expenses-0-date']").fill(SESSION)
        row.locator("input[name='expenses-0-km']").fill("356")
        # 2026: full per diem 54 €, own car 0.55 €/km × 356 km = 195.80 €.
        expect(mentor.locator("#decision table.decision tfoot td.num")).to_have_text(re.compile(r"249,80"))
        mentor.check("#declaration")
        mentor.click("button[name=send]")
        expect(mentor).to_have_url(re.compile(r"/claims/\d+$"))
        expect(mentor.locator(".status-submitted")).to_be_visible()
    claim_id = int(mentor.url.rsplit("/", 1)[1])

    outsider = browser.new_page("outsider", "en")
    with browser.step("a mentor not on the roster is not offered the round's session"):
        sign_in(outsider, people["outsider"], "en")
        outsider.goto("/claims/new")
        expect(outsider.locator(f"input[name=session][value='{SESSION}']")).to_have_count(0)

    officer_a, officer_b = browser.new_page("officer-a", "sv"), browser.new_page("officer-b", "en")
    with browser.step("officer A checks the claim, officer B approves it into a PDF"):
        sign_in(officer_a, people["a"], "sv")
        officer_a.goto(f"/finance/claims/{claim_id}")
        expect(officer_a.locator("#no-roster")).to_have_count(0)  # the round has a roster
        officer_a.click("form[action$='/check'] button[type=submit]")
        expect(officer_a.locator(".flash-success")).to_be_visible()
        sign_in(officer_b, people["b"], "en")
        officer_b.goto(f"/finance/claims/{claim_id}")
        officer_b.click("form[action$='/approve'] button[type=submit]")
        expect(officer_b.locator(".flash-success")).to_be_visible()
        pdf = officer_b.locator(f"a[href='/claims/{claim_id}/summary.pdf']")
        expect(pdf).to_be_visible()
        response = officer_b.request.get(f"/claims/{claim_id}/summary.pdf")
        assert response.ok and response.body().startswith(b"%PDF")

    def decided() -> tuple:
        claim = db.session.get(Claim, claim_id)
        return claim.status, claim.decision["ruleset"], str(claim.total)

    status, ruleset, total = live_server.seed(decided)
    assert status == "approved" and "2026" in ruleset and total == "249.80"
