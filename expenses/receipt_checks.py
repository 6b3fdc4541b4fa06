"""What a receipt file may hold: a plain document or picture, nothing that runs, unpacks without bound or
doubles as a web page. Checked on upload, before the file is kept (expenses/receipts.py).

- Pictures: read with Pillow (the header only), at most MAX_PIXELS; a 65535 × 65535 PNG of a few
  bytes would take gigabytes to draw.
- PDFs: read with pikepdf (qpdf). No JavaScript, launch or other actions that run something, no
  embedded files, no picture over MAX_PIXELS, and all compressed streams together unpack to at most
  MAX_INFLATED bytes (a "flate bomb" unpacks 10 MB to gigabytes when the preview draws it).
- Any file: no HTML near its start, where browsers look when they guess a type (a `%PDF-` + HTML polyglot).
"""

import io
import re
import warnings
import zlib
from collections.abc import Iterator

import pikepdf
from flask_babel import gettext as _
from PIL import Image

#: Largest picture, in pixels: an A4 page scanned at 600 dpi is 35 million; Pillow's own warning is at 89.
MAX_PIXELS = 40_000_000
#: Largest total of a PDF's Flate streams once unpacked: several pages of colour scans at 300 dpi.
MAX_INFLATED = 128 * 1024 * 1024
#: Browsers sniff a type from the first 512 bytes; a little more is read to be sure.
SNIFFED = 1024
_HTML = re.compile(rb"<\s*(!doctype|html|head|body|script|iframe|object|embed|svg)[\s>/]", re.IGNORECASE)
#: Keys of a PDF dictionary that run something or carry another file inside the PDF.
_ACTIVE_KEYS = frozenset({"/JS", "/JavaScript", "/AA", "/EmbeddedFiles", "/EF", "/RichMedia", "/XFA"})
#: Actions (the /S of an action dictionary) that run code, start programs or fetch and send data.
_ACTIVE_ACTIONS = frozenset(
    {"/JavaScript", "/Launch", "/ImportData", "/SubmitForm", "/RichMediaExecute", "/Rendition", "/Sound", "/Movie"}
)
_FLATE = ("/FlateDecode", "/Fl")
_CHUNK = 1024 * 1024


class Unsafe(ValueError):
    """The file is refused; the message (in the reader's language) says what to upload instead."""


def check(content_type: str, data: bytes) -> None:
    """Refuse a file whose content is not a plain receipt of its (sniffed) type."""
    if _HTML.search(data[:SNIFFED]):
        raise Unsafe(
            _(
                "The file also contains web-page code, which a receipt never has. "
                "Save or scan the receipt again and upload the new file."
            )
        )
    if content_type == "application/pdf":
        _check_pdf(data)
    else:
        _check_picture(data, "PNG" if content_type == "image/png" else "JPEG")


def _too_many_pixels(width: int, height: int) -> Unsafe:
    return Unsafe(
        _(
            "The picture is %(width)s × %(height)s pixels, more than a receipt needs (at most %(limit)s million). "
            "Scan or photograph the receipt at a lower resolution.",
            width=width,
            height=height,
            limit=MAX_PIXELS // 1_000_000,
        )
    )


def _check_picture(data: bytes, kind: str) -> None:
    try:
        # Pillow's own bomb guard warns (and past twice its limit raises) on opening; ours is stricter.
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[kind]) as picture:
                width, height = picture.size
                if width * height > MAX_PIXELS:
                    raise _too_many_pixels(width, height)
                picture.verify()  # PNG: every chunk's checksum; cheap, draws nothing
    except Unsafe:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise _too_many_pixels(*_header_size(data)) from None
    except Exception:  # Pillow's decoders fail on damaged input in many ways (OSError, SyntaxError, IndexError…)
        raise Unsafe(_("The picture cannot be read: the file is damaged. Save or scan the receipt again.")) from None


def _header_size(data: bytes) -> tuple[int, int]:
    """The size a picture's header claims, read without Pillow's bomb guard, for the message."""
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        with Image.open(io.BytesIO(data)) as picture:
            return picture.size
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def _check_pdf(data: bytes) -> None:
    try:
        pdf = pikepdf.open(io.BytesIO(data))
    except pikepdf.PasswordError:
        raise Unsafe(
            _("The PDF is protected with a password. Save or print it as a PDF without a password and upload that.")
        ) from None
    except pikepdf.PdfError:
        raise Unsafe(
            _("The PDF cannot be read: the file is damaged. Save or scan the receipt as a new PDF and upload that.")
        ) from None
    with pdf:
        inflated = 0
        for obj in _dictionaries(pdf):
            active = _ACTIVE_KEYS.intersection(obj.keys()) or obj.get("/S") in _ACTIVE_ACTIONS
            if active or obj.get("/Type") == "/EmbeddedFile":
                raise Unsafe(
                    _(
                        "The PDF contains JavaScript, actions that start programs, or files attached inside it, "
                        "which a receipt never needs. Print it to a new PDF or scan the paper receipt, and upload that."
                    )
                )
            if isinstance(obj, pikepdf.Stream):
                if obj.get("/Subtype") == "/Image":
                    width, height = int(obj.get("/Width", 0)), int(obj.get("/Height", 0))
                    if width * height > MAX_PIXELS:
                        raise _too_many_pixels(width, height)
                inflated += _inflated_size(obj, MAX_INFLATED - inflated)
                if inflated > MAX_INFLATED:
                    raise Unsafe(
                        _(
                            "The PDF unpacks to far more data than a receipt has. "
                            "Print it to a new PDF or scan the paper receipt, and upload that."
                        )
                    )


def _dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary | pikepdf.Stream]:
    """Every dictionary and stream of the file, also those written inside another (an /OpenAction in the
    catalogue): `pdf.objects` holds the numbered objects only. A reference is not followed, as what it
    names is one of those numbered objects, so each is visited once and a cycle cannot loop."""
    for top in pdf.objects:
        pending = [top]
        while pending:
            obj = pending.pop()
            if isinstance(obj, pikepdf.Dictionary | pikepdf.Stream):
                yield obj
                children = obj.values()
            elif isinstance(obj, pikepdf.Array):
                children = obj
            else:
                continue
            pending += [child for child in children if isinstance(child, pikepdf.Object) and not child.is_indirect]


def _inflated_size(stream: pikepdf.Stream, budget: int) -> int:
    """How many bytes the stream's Flate filter unpacks to, counted up to just past `budget` only."""
    filters = stream.get("/Filter")
    first = filters[0] if isinstance(filters, pikepdf.Array) and len(filters) else filters
    if first not in _FLATE:
        return 0
    inflater, pending, size = zlib.decompressobj(), stream.read_raw_bytes(), 0
    try:
        while pending and size <= budget:
            size += len(inflater.decompress(pending, _CHUNK))
            pending = inflater.unconsumed_tail
    except zlib.error:
        pass  # a damaged stream: what it gave so far counts, and the preview copes with the rest
    return size
