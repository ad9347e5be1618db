"""Render HTML to PDF with WeasyPrint, after making sure the machine can do it properly."""

from __future__ import annotations

from reports.readiness import ensure_pdf_ready

# Applied under the document's own styles: a CJK font for Simplified Chinese and an A4 page.
BASE_CSS = """
@page { size: A4; margin: 18mm 15mm; }
html { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; font-size: 11pt; }
"""


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF for ``html``; raises ``PdfUnavailable`` (with the reason in Chinese) when it can't."""
    ensure_pdf_ready()
    # Imported here: loading WeasyPrint loads Pango, which the check above has just vouched for.
    from weasyprint import CSS, HTML

    return HTML(string=html, base_url=base_url).write_pdf(stylesheets=[CSS(string=BASE_CSS)])
