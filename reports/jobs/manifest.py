"""文件清单: the list of files in a batch export's ZIP — each file, its SHA-256, approved (已审定) or draft
(草稿), when it was generated and by whom — as CSV (for Excel) and as plain text (for reading)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext

from . import messages

MANIFEST_CSV = "文件清单.csv"
MANIFEST_TXT = "文件清单.txt"
CSV_HEADER = ("序号", "文件", "SHA-256", "大小（字节）", "状态", "审定情况", "生成时间", "生成人")


@dataclass(frozen=True)
class ManifestLine:
    arcname: str
    sha256: str
    size: int
    draft: bool
    approval_note: str
    generated_at: datetime

    @property
    def state(self) -> str:
        return gettext(messages.DRAFT) if self.draft else gettext(messages.APPROVED)


@dataclass(frozen=True)
class ManifestHead:
    organization: str
    period_label: str
    period_code: str
    requested_by: str
    packed_at: datetime
    skipped: Sequence[dict[str, str]]


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")


def manifest_csv(lines: Sequence[ManifestLine], head: ManifestHead) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel opens the Chinese text as such."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(CSV_HEADER)
    for number, line in enumerate(lines, start=1):
        writer.writerow(
            (
                number,
                line.arcname,
                line.sha256,
                line.size,
                line.state,
                line.approval_note,
                _when(line.generated_at),
                head.requested_by,
            )
        )
    return buffer.getvalue().encode("utf-8-sig")


def manifest_txt(lines: Sequence[ManifestLine], head: ManifestHead) -> bytes:
    drafts = sum(1 for line in lines if line.draft)
    out = [
        "批量导出文件清单",
        f"组织：{head.organization}",
        f"周期：{head.period_label}（{head.period_code}）",
        f"申请人（生成人）：{head.requested_by}",
        f"打包时间：{_when(head.packed_at)}",
        f"文件数：{len(lines)}（已审定 {len(lines) - drafts}，草稿 {drafts}）",
        "草稿：所依据的积分尚未全部审定，仅供核对，不作为正式台账。",
        "校验：sha256sum <文件> 的结果应与下列 SHA-256 一致。",
        "",
    ]
    for number, line in enumerate(lines, start=1):
        note = f"，{line.approval_note}" if line.approval_note else ""
        out += [
            f"{number}. {line.arcname}",
            f"   {line.state}{note}；生成于 {_when(line.generated_at)}，"
            f"生成人 {head.requested_by}；{line.size} 字节",
            f"   SHA-256：{line.sha256}",
        ]
    if head.skipped:
        out += ["", "未包含的支部："]
        out += [f"- {item['branch']}：{item['reason']}" for item in head.skipped]
    return ("\r\n".join(out) + "\r\n").encode("utf-8")
