"""Roster files built on the fly for the roster import tests: .xlsx with openpyxl, .csv in any encoding."""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Mapping, Sequence

import openpyxl
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.id_numbers import id_check_character
from accounts.roster import COLUMNS

HEADERS = [c.header for c in COLUMNS]
NAMES = ["王建国", "李秀英", "张志强", "刘桂兰", "陈晓明", "杨丽娟", "赵德华", "黄敏", "周海燕", "吴国栋"]


def valid_id(n: int, birth: str = "19850315") -> str:
    """A valid 18-digit ID number (GB 11643 check character), distinct for each ``n``."""
    first17 = f"110105{birth}{n:03d}"
    return first17 + id_check_character(first17)


def person(n: int, branch_code: str, **overrides: object) -> dict[str, object]:
    """A valid row: a 正式党员 with a phone, keyed by Chinese header."""
    row: dict[str, object] = {
        "姓名": NAMES[n % len(NAMES)],
        "身份证号": valid_id(n),
        "手机号": f"1390000{n:04d}",
        "支部编码": branch_code,
        "党员类别": "正式党员",
        "状态": "在岗",
        "入党日期": "2010-07-01",
    }
    row.update(overrides)
    return row


def _cells(rows: Iterable[Mapping[str, object]], headers: Sequence[str]) -> list[list[object]]:
    return [list(headers)] + [[row.get(h, "") for h in headers] for row in rows]


def xlsx_bytes(rows: Iterable[Mapping[str, object]], headers: Sequence[str] = HEADERS) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for values in _cells(rows, headers):
        sheet.append([None if v == "" else v for v in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(
    rows: Iterable[Mapping[str, object]], encoding: str = "utf-8", headers: Sequence[str] = HEADERS
) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    for values in _cells(rows, headers):
        writer.writerow([v.isoformat() if isinstance(v, datetime.date) else v for v in values])
    return buffer.getvalue().encode(encoding)


def xlsx_file(rows: Iterable[Mapping[str, object]], name: str = "党员名册.xlsx", **kw) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, xlsx_bytes(rows, **kw))


def csv_file(
    rows: Iterable[Mapping[str, object]], encoding: str = "utf-8", name: str = "党员名册.csv", **kw
) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, csv_bytes(rows, encoding, **kw))
