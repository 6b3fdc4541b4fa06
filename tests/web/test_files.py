"""Receipt files: originals only as attachments under a sandboxing policy; pages show pictures drawn on the server."""

import io
import re

from PIL import Image

from tests.factories import (
    PDF_BYTES,
    PNG_BYTES,
    make_claim,
    make_receipt,
    make_user,
    new_client,
    one_page_pdf,
    sign_in,
    train_body,
)


def _signed_in(app, user):
    client = new_client(app)
    assert sign_in(client, user).status_code == 302
    return client


def test_an_original_is_a_download_that_can_run_nothing(app):
    mentor = make_user("mentor")
    receipt = make_receipt(mentor, PDF_BYTES, "ticket.pdf")
    with _signed_in(app, mentor).get(f"/receipts/{receipt.id}") as answer:
        assert answer.status_code == 200 and answer.data == PDF_BYTES
        assert (
            answer.headers["Content-Disposition"].startswith("attachment;")
            and "ticket.pdf" in answer.headers["Content-Disposition"]
        )
        policy = answer.headers["Content-Security-Policy"]
        assert "sandbox" in policy and "default-src 'none'" in policy
        assert answer.headers["X-Content-Type-Options"] == "nosniff"


def test_a_picture_receipt_is_previewed_as_a_new_bounded_png(app):
    mentor = make_user("mentor")
    photo = io.BytesIO()
    Image.new("RGB", (2000, 3000), "white").save(photo, "JPEG")
    receipt = make_receipt(mentor, photo.getvalue(), "taxi.jpg")
    finance = _signed_in(app, make_user("finance"))
    with finance.get(f"/receipts/{receipt.id}/preview.png") as answer:
        assert answer.status_code == 200 and answer.content_type == "image/png"
        with Image.open(io.BytesIO(answer.data)) as preview:
            assert preview.format == "PNG" and preview.size == (900, 1350)


def test_finances_page_embeds_previews_only_never_the_uploaded_files(app):
    mentor = make_user("mentor", name="Maija Mentori")
    pdf = make_receipt(mentor, one_page_pdf(), filename="train.pdf")
    png = make_receipt(mentor, PNG_BYTES, filename="parking.png")
    body = train_body(pdf.id)
    body["expenses"].append(
        {"type": "other", "date": "2023-09-22", "description": "Parking", "amount": "5.00", "receipt": png.id}
    )
    claim = make_claim(mentor, "submitted", body=body)
    html = _signed_in(app, make_user("finance")).get(f"/finance/claims/{claim.id}").get_data(as_text=True)

    images = re.findall(r'<img src="([^"]+)"', html)
    assert images == [f"/receipts/{pdf.id}/preview.png", f"/receipts/{png.id}/preview.png"]
    assert 'alt="Receipt parking.png for expense 2"' in html
    assert f'<a href="/receipts/{png.id}" download>Download parking.png</a>' in html
