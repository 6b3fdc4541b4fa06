"""The archival PDF summary of an approved claim: A4, PDF/A-3b, with the claim and decision embedded.

WeasyPrint is imported only when a document is made, so that the app starts quickly; its font
configuration is made once per process and reused.
"""

import json
from datetime import datetime
from functools import cache
from typing import Any

from flask import render_template
from flask_babel import force_locale

ATTACHMENT_NAME = "claim-and-decision.json"


@cache
def _weasy() -> tuple[Any, Any, Any]:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    # Only data: URLs: the document never reaches out to files or the network.
    return weasyprint, FontConfiguration(), URLFetcher(allowed_protocols=["data"])


def embedded_json(claim_document: dict, decision: dict) -> str:
    """The machine-readable part of the document, canonical so its hash is reproducible."""
    return json.dumps({"claim": claim_document, "decision": decision}, ensure_ascii=False, sort_keys=True, indent=2)


def render(context: dict, language: str, created: datetime) -> bytes:
    """Render the summary in `language` from plain data (see documents.summary_context)."""
    weasyprint, font_config, fetcher = _weasy()
    with force_locale(language):
        html = render_template("pdf/summary.html", language=language, **context)
    attachment = weasyprint.Attachment(
        string=context["embedded"],
        name=ATTACHMENT_NAME,
        description="Claim and decision JSON (DESIGN.md section 4)",
        created=created,
        modified=created,
        relationship="Data",
    )
    document = weasyprint.HTML(string=html, url_fetcher=fetcher, base_url="data:,")
    return document.write_pdf(
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        font_config=font_config,
        custom_metadata=True,
    )
