"""PDF rendering: Chinese text comes back out of the PDF, and missing prerequisites stop PDF work."""

import http.server
import shutil
import subprocess
import threading
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from reports import pdf, readiness
from reports.pdf import render_pdf
from reports.readiness import CJK_FONT_MISSING, HARFBUZZ_SUBSET_MISSING, PdfUnavailable, pdf_problems

ROWS = "".join(
    f"<tr><td>{n}</td><td>张伟</td><td>参加支部党员大会</td><td>+1</td></tr>" for n in range(1, 61)
)
TWO_PAGES = f"""<html lang="zh-CN"><body><h1>党员季度积分明细登记表</h1>
<table border="1"><tr><th>序号</th><th>姓名</th><th>事项</th><th>分值</th></tr>{ROWS}</table>
<p>以签到情况和活动照片为准。</p></body></html>"""


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "out.pdf"
    path.write_bytes(data)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def pdf_pages(data: bytes, tmp_path) -> int:
    path = tmp_path / "info.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
    return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))


def test_this_machine_has_everything_pdfs_need():
    # scripts/run and scripts/test install these; a failure here means a machine set up by hand.
    assert pdf_problems() == []
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is installed by scripts/test"


def test_two_page_chinese_pdf_has_readable_text(tmp_path):
    data = render_pdf(TWO_PAGES)

    assert data.startswith(b"%PDF-")
    assert pdf_pages(data, tmp_path) == 2
    text = pdf_text(data, tmp_path)
    assert "党员季度积分明细登记表" in text
    assert "参加支部党员大会" in text
    assert "以签到情况和活动照片为准" in text


def test_render_refuses_with_the_reason_when_prerequisites_are_missing(monkeypatch):
    monkeypatch.setattr(readiness, "pdf_problems", lambda: [CJK_FONT_MISSING, HARFBUZZ_SUBSET_MISSING])

    with pytest.raises(PdfUnavailable) as excinfo:
        pdf.render_pdf(TWO_PAGES)

    assert excinfo.value.problems == [CJK_FONT_MISSING, HARFBUZZ_SUBSET_MISSING]
    assert "无法生成 PDF" in str(excinfo.value)
    assert "未找到中文字体" in str(excinfo.value)
    assert "apt-get install fonts-noto-cjk" in str(excinfo.value)


def test_missing_harfbuzz_subset_is_reported(monkeypatch):
    real = readiness._loadable
    monkeypatch.setattr(
        readiness, "_loadable", lambda *names: None if "libharfbuzz-subset.so.0" in names else real(*names)
    )
    assert pdf_problems() == [HARFBUZZ_SUBSET_MISSING]


def test_missing_cjk_font_is_reported(monkeypatch):
    monkeypatch.setattr(readiness.subprocess, "run", lambda *a, **kw: subprocess.CompletedProcess(a, 0, ""))
    assert pdf_problems() == [CJK_FONT_MISSING]


def test_system_check_warns_when_pdfs_cannot_be_made(monkeypatch, capsys):
    monkeypatch.setattr("reports.checks.pdf_problems", lambda: [CJK_FONT_MISSING])
    with pytest.raises(SystemCheckError) as excinfo:
        call_command("check", fail_level="WARNING")
    assert "reports.W001" in str(excinfo.value)
    assert CJK_FONT_MISSING in str(excinfo.value)


def test_system_check_is_quiet_on_a_ready_machine():
    call_command("check", fail_level="WARNING")


# --- What a document may load --------------------------------------------------------------------


@pytest.fixture
def web_server():
    """A web server on this machine that notes every request it gets and answers with a stylesheet."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            body = b'body::before { content: "FETCHED-FROM-THE-NETWORK"; }'
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", hits
    server.shutdown()
    server.server_close()


def test_a_document_makes_no_request_to_an_address_written_in_it(web_server, tmp_path):
    """A member's text reaches the documents: an <img> or a stylesheet in it must not make the server call
    a URL of someone's choosing (the intranet, a cloud metadata address)."""
    address, hits = web_server
    html = (
        f'<html><head><link rel="stylesheet" href="{address}/style.css"></head>'
        f'<body><p>事由</p><img src="{address}/pixel.png"><div style="background: url({address}/bg.png)">'
        "</div></body></html>"
    )

    text = pdf_text(render_pdf(html), tmp_path)

    assert hits == []
    assert "FETCHED-FROM-THE-NETWORK" not in text and "事由" in text


def test_a_document_does_not_read_the_servers_own_files(tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text('body::before { content: "READ-FROM-THE-DISK"; }')
    html = (
        f'<html><head><link rel="stylesheet" href="file://{secret}"></head>'
        '<body><p>事由</p><img src="file:///etc/passwd"></body></html>'
    )

    assert "READ-FROM-THE-DISK" not in pdf_text(render_pdf(html), tmp_path)


def test_a_document_loads_data_urls_and_the_projects_static_files(tmp_path):
    inline = "data:text/css,body::before{content:%22INLINE-STYLE%22}"
    html = f'<html><head><link rel="stylesheet" href="{inline}"></head><body><p>事由</p></body></html>'
    assert "INLINE-STYLE" in pdf_text(render_pdf(html), tmp_path)

    fetcher = pdf.project_files_fetcher()
    served = fetcher.fetch(pdf.BASE_URL + "static/reports/dashboards.css")
    assert served.read() == Path(finders.find("reports/dashboards.css")).read_bytes()
    assert served.content_type == "text/css"


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "http://127.0.0.1:9/static/reports/dashboards.css",  # our static path, on another host
        pdf.BASE_URL + "static/../../../etc/passwd",
        pdf.BASE_URL + "static/%2e%2e/%2e%2e/etc/passwd",
        pdf.BASE_URL + "media/evidence/2026/03/x.png",  # uploads are not static files
        "ftp://example.org/x.css",
    ],
)
def test_the_fetcher_refuses_anything_but_data_and_static_files(url):
    with pytest.raises(ValueError, match="只读取 data: 和本系统的静态文件"):
        pdf.project_files_fetcher().fetch(url)
