"""Can this machine render Chinese PDFs? WeasyPrint needs three things from the system.

- Pango (with its FreeType backend) lays out the text; without it WeasyPrint cannot even be imported.
- A CJK font: without one every Chinese character comes out as an empty box.
- HarfBuzz's subsetter: without it WeasyPrint falls back to fontTools, which needs about 20 s to
  subset a CJK font for a two-page document instead of well under a second.

``pdf_problems`` names what is missing, in Chinese, for the person who installs the service;
``ensure_pdf_ready`` refuses PDF work with that message instead of a stack trace or a 20 s wait.
"""

from __future__ import annotations

import ctypes
import shutil
import subprocess

APT_HINT = (
    "在 Debian/Ubuntu 上执行：apt-get install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 "
    "libharfbuzz-subset0 fontconfig（scripts/run 会自动安装）。"
)

PANGO_MISSING = "缺少 Pango 排版库（libpango-1.0.so.0 / libpangoft2-1.0.so.0），无法生成 PDF。"
FONTCONFIG_MISSING = "缺少 fontconfig（找不到 fc-list 命令），无法确认是否安装了中文字体。"
CJK_FONT_MISSING = "未找到中文字体（fc-list :lang=zh 无结果），PDF 中的汉字将无法显示。"
HARFBUZZ_SUBSET_MISSING = (
    "无法加载 HarfBuzz 字体子集库（libharfbuzz-subset.so.0）：两页的中文 PDF 将需要约 20 秒而不是 1 秒以内。"
)
HARFBUZZ_TOO_OLD = "HarfBuzz 版本过旧（需要 4.1.0 或更高），WeasyPrint 不会使用它来做字体子集。"


class PdfUnavailable(RuntimeError):
    """PDF work was asked for on a machine that lacks what it needs."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("无法生成 PDF：" + "；".join(problems) + " " + APT_HINT)


def _loadable(*names: str) -> ctypes.CDLL | None:
    for name in names:
        try:
            return ctypes.CDLL(name)
        except OSError:
            continue
    return None


def _pango_problems() -> list[str]:
    if _loadable("libpango-1.0.so.0") and _loadable("libpangoft2-1.0.so.0"):
        return []
    return [PANGO_MISSING]


def _cjk_font_problems() -> list[str]:
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return [FONTCONFIG_MISSING]
    try:
        found = subprocess.run(
            [fc_list, ":lang=zh", "family"], capture_output=True, text=True, timeout=30, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return [FONTCONFIG_MISSING]
    return [] if found.strip() else [CJK_FONT_MISSING]


def _harfbuzz_problems() -> list[str]:
    if _loadable("libharfbuzz-subset.so.0") is None:
        return [HARFBUZZ_SUBSET_MISSING]
    harfbuzz = _loadable("libharfbuzz.so.0")
    # WeasyPrint uses the subsetter only from HarfBuzz 4.1.0 on (hb_set_add_sorted_array).
    if harfbuzz is not None and not harfbuzz.hb_version_atleast(4, 1, 0):
        return [HARFBUZZ_TOO_OLD]
    return []


def pdf_problems() -> list[str]:
    """What keeps this machine from rendering Chinese PDFs quickly; empty when all is there."""
    return _pango_problems() + _cjk_font_problems() + _harfbuzz_problems()


def ensure_pdf_ready() -> None:
    problems = pdf_problems()
    if problems:
        raise PdfUnavailable(problems)
