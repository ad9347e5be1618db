"""Time the render of a two-page Chinese PDF, with HarfBuzz subsetting and (for comparison) without.

Run: .venv/bin/python benchmarks/pdf_render.py
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")  # WeasyPrint and fontTools log every step at INFO

import django

django.setup()

from reports.pdf import render_pdf  # noqa: E402

ROW = (
    "<tr><td>{n}</td><td>张伟</td><td>参加支部党员大会</td><td>+1</td><td>以签到情况和活动照片为准</td></tr>"
)


def two_page_document() -> str:
    rows = "".join(ROW.format(n=n) for n in range(1, 61))
    return f"""<html lang="zh-CN"><body>
    <h1>党员季度积分明细登记表</h1>
    <p>第一党支部 · 2026 年第三季度。积分按照“申报、登记、审核、公示、审定、备案”的程序确定。</p>
    <table border="1" cellspacing="0">
    <tr><th>序号</th><th>姓名</th><th>事项</th><th>分值</th><th>依据</th></tr>
    {rows}</table></body></html>"""


def timed(label: str) -> float:
    html = two_page_document()
    start = time.perf_counter()
    pdf = render_pdf(html)
    elapsed = time.perf_counter() - start
    print(f"{label}: {elapsed:.2f} s ({len(pdf) // 1024} KiB)")
    return elapsed


def main() -> None:
    timed("first render in a fresh process (loads Pango and the fonts)")
    timed("two-page Chinese PDF, HarfBuzz subsetting")
    if "--without-harfbuzz" in sys.argv:
        from weasyprint.pdf import fonts

        fonts.harfbuzz_subset = None  # what WeasyPrint does when libharfbuzz-subset.so.0 is missing
        timed("two-page Chinese PDF, fontTools subsetting (no libharfbuzz-subset)")


if __name__ == "__main__":
    main()
