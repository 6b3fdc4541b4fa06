"""The archival PDF summary of an approved claim: A4, PDF/A-3b, with the claim and decision embedded.

WeasyPrint is imported only when a document is made, so that the app starts quickly; its font
configuration and the summary's style sheet are made once per process and reused.
"""

import json
from datetime import datetime
from functools import cache
from typing import Any, NamedTuple

from flask import current_app, render_template
from flask_babel import force_locale

ATTACHMENT_NAME = "claim-and-decision.json"
TEMPLATE = "pdf/summary.html"
#: The summary's fixed style; the template keeps only what changes per document (headers and footers).
STYLESHEET = "pdf/summary.css"


class _Weasy(NamedTuple):
    weasyprint: Any
    font_config: Any
    url_fetcher: Any
    stylesheet: Any


@cache
def _weasy() -> _Weasy:
    import weasyprint
    from weasyprint.text.fonts import FontConfiguration
    from weasyprint.urls import URLFetcher

    font_config = FontConfiguration()
    # Only data: URLs: the document never reaches out to files or the network.
    fetcher = URLFetcher(allowed_protocols=["data"])
    # Parsed (its selectors compiled) once rather than for every document; read where the template is.
    env = current_app.jinja_env
    source, _filename, _uptodate = env.loader.get_source(env, STYLESHEET)
    stylesheet = weasyprint.CSS(string=source, base_url="data:,", url_fetcher=fetcher, font_config=font_config)
    return _Weasy(weasyprint, font_config, fetcher, stylesheet)


def embedded_json(claim_document: dict, decision: dict) -> str:
    """The machine-readable part of the document, canonical so its hash is reproducible."""
    return json.dumps({"claim": claim_document, "decision": decision}, ensure_ascii=False, sort_keys=True, indent=2)


def render(context: dict, language: str, created: datetime) -> bytes:
    """Render the summary in `language` from plain data (see documents.summary_context)."""
    weasy = _weasy()
    with force_locale(language):
        html = render_template(TEMPLATE, language=language, **context)
    attachment = weasy.weasyprint.Attachment(
        string=context["embedded"],
        name=ATTACHMENT_NAME,
        description="Claim and decision JSON (docs/claims.md)",
        created=created,
        modified=created,
        relationship="Data",
    )
    document = weasy.weasyprint.HTML(string=html, url_fetcher=weasy.url_fetcher, base_url="data:,")
    return document.write_pdf(
        # A user style sheet to WeasyPrint: below the template's own style, above its defaults.
        stylesheets=[weasy.stylesheet],
        pdf_variant="pdf/a-3b",
        attachments=[attachment],
        font_config=weasy.font_config,
        custom_metadata=True,
    )
