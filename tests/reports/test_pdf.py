"""PDF rendering: Chinese text comes back out of the PDF, and missing prerequisites stop PDF work."""

import shutil
import subprocess

import pytest
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
