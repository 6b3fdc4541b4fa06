"""Finance's claim page in a real browser: every receipt is a picture drawn on the server, none the uploaded file."""

import io

import pytest
from PIL import Image

from tests.e2e.conftest import expect, sign_in
from tests.e2e.world import programme_mentor
from tests.factories import make_claim, make_receipt, make_user, one_page_pdf, train_body

pytestmark = pytest.mark.browser


def _photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (2400, 3200), (250, 250, 240)).save(out, "JPEG")
    return out.getvalue()


def _claim_with_a_pdf_and_a_photo() -> dict:
    mentor = programme_mentor(name="Kaisa Kuitti")
    pdf = make_receipt(mentor, one_page_pdf(), "train.pdf")
    photo = make_receipt(mentor, _photo(), "taxi.jpg")
    body = train_body(pdf.id)
    body["expenses"].append(
        {"type": "other", "date": "2023-09-22", "description": "Taxi", "amount": "18.00", "receipt": photo.id}
    )
    claim = make_claim(mentor, "submitted", body=body)
    return {"claim": claim.id, "finance": make_user("finance").email, "receipts": [pdf.id, photo.id]}


def test_finance_sees_bounded_previews_and_downloads_the_originals(browser, live_server, output_dir):
    seeded = live_server.seed(_claim_with_a_pdf_and_a_photo)
    page = browser.new_page("finance", lang="en")
    sign_in(page, seeded["finance"], "en")
    page.goto(f"/finance/claims/{seeded['claim']}")

    pictures = page.locator("section.receipts figure.receipt img")
    expect(pictures).to_have_count(2)
    for picture, receipt_id in zip(pictures.all(), seeded["receipts"], strict=True):
        assert picture.get_attribute("src") == f"/receipts/{receipt_id}/preview"
        picture.scroll_into_view_if_needed()
        page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle())
        width, height = picture.evaluate("img => [img.naturalWidth, img.naturalHeight]")
        assert 0 < width <= 900 and 0 < height <= 1400  # drawn within the preview's bounds
    assert page.locator(f"img[src='/receipts/{seeded['receipts'][1]}']").count() == 0

    with page.expect_download() as download:
        page.locator(f"a[href='/receipts/{seeded['receipts'][1]}']").click()
    assert download.value.suggested_filename == "taxi.jpg"
    output_dir.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(output_dir / "finance-claim-receipts.png"), full_page=True)
