"""The archival PDF summary of an approved claim: A4, PDF/A-3b, tagged for accessibility (PDF/UA-1),
with the claim and decision embedded.

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

#: PDF/UA-1's identification beside PDF/A-3b's in the XMP metadata, with the extension schema that
#: PDF/A requires for a property outside its own schemas. WeasyPrint writes one variant's
#: identification; `pdf_tags` makes the structure tree, the language and the marked content PDF/UA needs.
_PDF_UA_XMP = b"""<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/"><pdfuaid:part>1</pdfuaid:part></rdf:Description>
<rdf:Description rdf:about="" xmlns:pdfaExtension="http://www.aiim.org/pdfa/ns/extension/"
 xmlns:pdfaSchema="http://www.aiim.org/pdfa/ns/schema#" xmlns:pdfaProperty="http://www.aiim.org/pdfa/ns/property#">
<pdfaExtension:schemas><rdf:Bag><rdf:li rdf:parseType="Resource">
<pdfaSchema:schema>PDF/UA Universal Accessibility Schema</pdfaSchema:schema>
<pdfaSchema:namespaceURI>http://www.aiim.org/pdfua/ns/id/</pdfaSchema:namespaceURI>
<pdfaSchema:prefix>pdfuaid</pdfaSchema:prefix>
<pdfaSchema:property><rdf:Seq><rdf:li rdf:parseType="Resource">
<pdfaProperty:name>part</pdfaProperty:name><pdfaProperty:valueType>Integer</pdfaProperty:valueType>
<pdfaProperty:category>internal</pdfaProperty:category>
<pdfaProperty:description>Part of ISO 14289 the document conforms to</pdfaProperty:description>
</rdf:li></rdf:Seq></pdfaSchema:property>
</rdf:li></rdf:Bag></pdfaExtension:schemas>
</rdf:Description>
"""


def _declare_pdf_ua(_document: Any, pdf: Any) -> None:
    """A WeasyPrint finisher: add the PDF/UA identification inside the XMP packet's one rdf:RDF.

    Not WeasyPrint's `xmp_metadata` option, which adds a second rdf:RDF after the first: XMP allows
    one, and pyHanko keeps only the first when it signs.
    """
    for stream in pdf.objects:
        if getattr(stream, "extra", {}).get("Type") == "/Metadata":
            packet = b"".join(stream.stream)
            stream.stream = [packet.replace(b"</rdf:RDF>", _PDF_UA_XMP + b"</rdf:RDF>", 1)]
            return


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
        pdf_tags=True,
        finisher=_declare_pdf_ua,
        attachments=[attachment],
        font_config=weasy.font_config,
        custom_metadata=True,
    )
