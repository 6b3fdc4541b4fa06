"""The first page of a PDF receipt as a PNG picture, so that finance reads it beside the computation.

Rendered on the server with PDFium (pypdfium2), within fixed bounds whatever the page size says,
so that the browser shows a plain picture: nothing of the PDF itself (scripts, forms, links) runs.
"""

import io
import threading

import pypdfium2 as pdfium

#: The picture fits in this box (pixels), about a screen's column: enough to read a receipt.
MAX_WIDTH, MAX_HEIGHT = 900, 1400
#: Never enlarge a small page more than this: a tiny page stays a small picture.
MAX_SCALE = 2.0

# PDFium is not thread-safe; the development server and threaded workers render one at a time.
_lock = threading.Lock()


class NoPreview(Exception):
    """The file has no first page that can be drawn (damaged, encrypted, empty)."""


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
    out = io.BytesIO()
    image.save(out, "PNG", optimize=True)
    return out.getvalue()
