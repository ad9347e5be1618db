"""Render HTML to PDF with WeasyPrint, after making sure the machine can do it properly."""

from __future__ import annotations

import mimetypes
import posixpath
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.contrib.staticfiles import finders

from reports.readiness import ensure_pdf_ready

# Applied under the document's own styles: a CJK font for Simplified Chinese and an A4 page.
BASE_CSS = """
@page { size: A4; margin: 18mm 15mm; }
html { font-family: "Noto Sans CJK SC", "Noto Serif CJK SC", sans-serif; font-size: 11pt; }
"""

# The documents' base URL: "/static/…" in a template resolves against it to a URL the fetcher below maps to
# the project's own static files. ".invalid" (RFC 2606) names no host, so nothing here can reach one.
BASE_URL = "http://jifen.invalid/"


def render_pdf(html: str, *, base_url: str | None = None) -> bytes:
    """The PDF for ``html``; raises ``PdfUnavailable`` (with the reason in Chinese) when it can't."""
    ensure_pdf_ready()
    # Imported here: loading WeasyPrint loads Pango, which the check above has just vouched for.
    from weasyprint import CSS, HTML

    fetcher = project_files_fetcher()
    return HTML(string=html, base_url=base_url or BASE_URL, url_fetcher=fetcher).write_pdf(
        stylesheets=[CSS(string=BASE_CSS, url_fetcher=fetcher)]
    )


def project_files_fetcher() -> Any:
    """WeasyPrint's fetcher for our documents: ``data:`` URLs and the project's static files, nothing else.

    A document carries what members typed (a reason, a name); an ``<img src="http://…">`` or a
    ``file:///etc/passwd`` in it must not make the server fetch a URL of someone's choosing or read its own
    disk into the PDF. A refused URL is left out of the document (WeasyPrint logs it and goes on)."""
    # Imported when called, as in render_pdf: WeasyPrint loads Pango.
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class ProjectFilesFetcher(URLFetcher):
        def fetch(self, url: str, headers: Any = None) -> Any:
            if urlsplit(url).scheme.lower() == "data":
                return super().fetch(url, headers)
            path = static_file_for(url)
            if path is None:
                raise ValueError(f"只读取 data: 和本系统的静态文件：{url[:200]}")
            with open(path, "rb") as file:
                body = file.read()
            content_type = mimetypes.guess_type(path)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body, {"Content-Type": content_type})

    return ProjectFilesFetcher(allowed_protocols=("data",))


def static_file_for(url: str) -> str | None:
    """The file on disk of ``http://jifen.invalid/static/<name>``, found as ``collectstatic`` would find
    it (app and project static folders, then ``STATIC_ROOT``); None for any other URL."""
    parts = urlsplit(url)
    if (parts.scheme, parts.netloc) != ("http", urlsplit(BASE_URL).netloc):
        return None
    path = unquote(parts.path)
    if not path.startswith(settings.STATIC_URL):
        return None
    name = path.removeprefix(settings.STATIC_URL)
    if not name or name != posixpath.normpath(name) or name.startswith(("/", "..")) or "\\" in name:
        return None  # no climbing out of the static folders
    found = finders.find(name) or (Path(settings.STATIC_ROOT) / name if settings.STATIC_ROOT else None)
    return str(found) if found is not None and Path(found).is_file() else None
