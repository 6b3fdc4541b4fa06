"""The first page of a PDF receipt drawn as a PNG within bounds, and a clear refusal for what cannot be drawn."""

import io

import pytest
from PIL import Image

from expenses import previews
from tests.factories import PDF_BYTES, one_page_pdf


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


@pytest.mark.parametrize("data", [PDF_BYTES, b"not a pdf", b""])
def test_what_cannot_be_drawn_is_no_preview(data):
    with pytest.raises(previews.NoPreview):
        previews.first_page_png(data)
