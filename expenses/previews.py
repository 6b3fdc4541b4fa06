"""A receipt as a PNG picture made on the server, so that finance reads it beside the computation.

A PDF's first page is rendered with PDFium (pypdfium2), a JPEG or PNG is redrawn with Pillow, both
within fixed bounds whatever the file says, so that the page never embeds the uploaded file itself:
nothing of it (scripts, forms, links, a polyglot's other half, metadata) reaches the browser.
"""

import io
import threading
import warnings

import pypdfium2 as pdfium
from PIL import Image, ImageOps

#: The picture fits in this box (pixels), about a screen's column: enough to read a receipt.
MAX_WIDTH, MAX_HEIGHT = 900, 1400
#: Never enlarge a small page more than this: a tiny page stays a small picture.
MAX_SCALE = 2.0

# PDFium is not thread-safe; the development server and threaded workers render one at a time.
_lock = threading.Lock()


class NoPreview(Exception):
    """The file has no first page that can be drawn (damaged, encrypted, empty)."""


def preview_png(content_type: str, data: bytes) -> bytes:
    """The receipt as PNG bytes within MAX_WIDTH × MAX_HEIGHT; NoPreview when it cannot be drawn."""
    return first_page_png(data) if content_type == "application/pdf" else picture_png(data)


def picture_png(data: bytes) -> bytes:
    """A JPEG or PNG receipt redrawn within MAX_WIDTH × MAX_HEIGHT, upright (as the camera's EXIF says)."""
    try:
        with warnings.catch_warnings():
            # Uploads are checked (expenses/receipt_checks.py); a file kept before that is refused here.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=["JPEG", "PNG"]) as picture:
                # A JPEG is decoded at a fraction of its size when that still fills the box: far quicker.
                picture.draft("RGB", (MAX_WIDTH, MAX_HEIGHT))
                image = ImageOps.exif_transpose(picture)
                image.thumbnail((MAX_WIDTH, MAX_HEIGHT))
                if image.mode not in ("RGB", "RGBA", "L", "LA", "P"):
                    image = image.convert("RGB")
                return _png(image)
    except Exception as e:  # Pillow fails on damaged input in many ways (OSError, SyntaxError, IndexError…)
        raise NoPreview(str(e)) from None


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()


def first_page_png(data: bytes) -> bytes:
    """The PDF's first page as PNG bytes within MAX_WIDTH × MAX_HEIGHT; NoPreview when it cannot be drawn."""
    with _lock:
        try:
            pdf = pdfium.PdfDocument(data)
        except pdfium.PdfiumError as e:
            raise NoPreview(str(e)) from None
        try:
            if len(pdf) == 0:
                raise NoPreview("no pages")
            page = pdf[0]
            width, height = page.get_size()  # in points
            if width <= 0 or height <= 0:
                raise NoPreview("a page without size")
            scale = min(MAX_WIDTH / width, MAX_HEIGHT / height, MAX_SCALE)
            image = page.render(scale=scale).to_pil()
            page.close()
        except pdfium.PdfiumError as e:
            raise NoPreview(str(e)) from None
        finally:
            pdf.close()
    return _png(image)
