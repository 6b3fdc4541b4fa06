"""The first page of a PDF receipt drawn as a PNG within bounds, and a clear refusal for what cannot be drawn."""

import io

import pytest
from PIL import Image

from expenses import previews
from tests.factories import PNG_BYTES, one_page_pdf, png_header

NO_PAGES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _size(png: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        return image.size


def test_an_a4_receipt_becomes_a_picture_as_wide_as_the_column():
    width, height = _size(previews.first_page_png(one_page_pdf()))
    assert width == previews.MAX_WIDTH and height == pytest.approx(previews.MAX_WIDTH * 842 / 595, abs=2)


@pytest.mark.parametrize(
    ("page", "side", "bound"),
    [((595, 50_000), 1, previews.MAX_HEIGHT), ((14_400, 300), 0, previews.MAX_WIDTH)],  # a till roll; a banner
)
def test_a_page_of_any_shape_stays_within_the_bounds(page, side, bound):
    size = _size(previews.first_page_png(one_page_pdf(*page)))
    assert size[0] <= previews.MAX_WIDTH and size[1] <= previews.MAX_HEIGHT
    assert size[side] == pytest.approx(bound, abs=2)  # the longer side fills its bound


def test_a_small_page_is_not_blown_up_past_twice_its_size():
    assert _size(previews.first_page_png(one_page_pdf(100, 100))) == (200, 200)


@pytest.mark.parametrize("data", [NO_PAGES, b"not a pdf", b""])
def test_what_cannot_be_drawn_is_no_preview(data):
    with pytest.raises(previews.NoPreview):
        previews.first_page_png(data)


# --- pictures: redrawn within the same bounds, so that no page embeds the uploaded file -----------------


def _jpeg(width: int, height: int, orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation  # the camera's "rotate when shown" tag
    Image.new("RGB", (width, height), "white").save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_a_large_photo_becomes_a_picture_within_the_bounds():
    size = _size(previews.preview_png("image/jpeg", _jpeg(3000, 4000)))
    assert size == (previews.MAX_WIDTH, 1200)


def test_a_photo_taken_sideways_is_shown_upright():
    width, height = _size(previews.preview_png("image/jpeg", _jpeg(800, 600, orientation=6)))  # rotated 90°
    assert (width, height) == (600, 800)


def test_a_small_picture_is_not_enlarged_and_keeps_no_metadata():
    png = previews.preview_png("image/jpeg", _jpeg(40, 30, orientation=1))
    with Image.open(io.BytesIO(png)) as image:
        assert image.size == (40, 30) and not image.getexif()


@pytest.mark.parametrize("data", [png_header(65535, 65535), PNG_BYTES[:20], b"\xff\xd8\xffnot a jpeg"])
def test_a_picture_that_cannot_be_drawn_within_bounds_is_no_preview(data):
    """Also one kept before uploads were checked: Pillow's own bomb limit refuses it."""
    with pytest.raises(previews.NoPreview):
        previews.preview_png("image/png", data)
