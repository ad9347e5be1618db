"""Uploaded spreadsheets (名册, 签到表): rows numbered as the user sees them in Excel, every problem named by
row and column, in Chinese. Shared by the roster import (``accounts.roster``) and the attendance import
(``reports.exports.imports``); nothing here knows what the rows mean.

And the one way every exported sheet writes a value (:func:`write_cell`, :func:`append_row`): text as text.
"""

from __future__ import annotations

import datetime
import io
import re
import zipfile
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from accounts.messages import FILE_XLSX_ODD_COMPRESSION, FILE_XLSX_UNPACKS_TOO_BIG, SHEET_TOO_MANY_ROWS

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
HEADER_SEARCH_ROWS = 10  # a title line or two above the header row is tolerated

# An .xlsx is a zip of XML; a few hundred KB of repeated rows unpack to a gigabyte that openpyxl would parse
# and keep. The archive's own directory says how big each part unpacks (zipfile stops at that size and
# refuses the file if the data go on), so these are checked before openpyxl opens anything.
XLSX_MAX_UNPACKED_BYTES = 20 * 1024 * 1024  # a 10 000-row roster: 0.3 MB packed, 4 MB unpacked
XLSX_MAX_RATIO = 100  # Apache POI's default: a part may unpack to at most 100 times its packed size …
XLSX_RATIO_FROM_BYTES = 1024 * 1024  # … once it is big enough for the ratio to matter
SHEET_MAX_ROWS = 10_000  # rows read from the first sheet (blank ones count: they are still parsed)
SHEET_MAX_COLUMNS = 100  # cells kept from each row; no template has more than a dozen columns

FILE_XLS = _("不支持旧版 Excel（.xls）文件，请在 Excel 中“另存为”.xlsx 格式后上传。")
FILE_TOO_BIG = _("文件大小超过上限 %(limit)s。")
FILE_EMPTY = _("文件是空的。")
FILE_BAD_XLSX = _("无法读取该 Excel 文件，文件可能已损坏或不是 .xlsx 格式。")
HEADER_DUPLICATE = _("表头中此列出现了不止一次")

Cell = Any
Sheet = list[tuple[int, list[Cell]]]  # (Excel row number, cells)


@dataclass(frozen=True)
class RowError:
    """One problem, where the user will find it: the Excel row and the column header."""

    line: int  # 0 for a problem with the file as a whole
    column: str
    problem: str

    def __str__(self) -> str:
        if not self.line:
            return self.problem
        if not self.column:
            return f"第 {self.line} 行：{self.problem}"
        return f"第 {self.line} 行「{self.column}」：{self.problem}"


class SheetRejected(Exception):
    """The file cannot be imported; ``errors`` says why, row by row, as the user reads the sheet."""

    def __init__(self, errors: Sequence[RowError], column_order: Sequence[str] = ()):
        position = {header: index for index, header in enumerate(column_order)}
        self.errors = sorted(errors, key=lambda e: (e.line, position.get(e.column, -1)))
        super().__init__("\n".join(str(e) for e in self.errors))


def file_error(message: Any) -> SheetRejected:
    return SheetRejected([RowError(0, "", str(message))])


def extension_of(name: str) -> str:
    return name.rsplit(".", 1)[-1].lower() if "." in name else ""


def check_size(*, size: int, limit: int) -> None:
    """Refuse an empty file or one over ``limit`` bytes (``ValidationError`` with code too_big / empty)."""
    if size > limit:
        raise ValidationError(FILE_TOO_BIG % {"limit": filesizeformat(limit)}, code="too_big")
    if size == 0:
        raise ValidationError(FILE_EMPTY, code="empty")


def xlsx_rows(content: bytes) -> list[tuple[int, list[Cell]]]:
    """Every row of the first worksheet with its Excel row number; ``SheetRejected`` if unreadable."""
    import openpyxl

    if not content.startswith(b"PK"):
        raise file_error(FILE_BAD_XLSX)
    check_xlsx_archive(content)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        # The sheet's declared size is the file's word, not a fact: a claimed A1:XFD1048576 would pad
        # every row to 16 384 cells. Read the rows that are there.
        sheet.reset_dimensions()
        rows = []
        for index, row in enumerate(sheet.iter_rows(), 1):
            if index > SHEET_MAX_ROWS:  # gaps are yielded as empty rows, so this is the Excel row number
                raise SheetRejected([RowError(0, "", SHEET_TOO_MANY_ROWS % {"limit": SHEET_MAX_ROWS})])
            number = _row_number(row)
            if number is not None:
                rows.append((number, [cell.value for cell in row[:SHEET_MAX_COLUMNS]]))
        workbook.close()
    except SheetRejected:
        raise
    except Exception as error:  # an uploaded file can break openpyxl in many ways; all mean "unreadable"
        raise file_error(FILE_BAD_XLSX) from error
    return rows


def check_xlsx_archive(content: bytes) -> None:
    """Refuse an .xlsx whose parts unpack too big, or much bigger than they are packed (a zip bomb),
    from the archive's directory alone; ``SheetRejected`` with the reason."""
    try:
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError) as error:
        raise file_error(FILE_BAD_XLSX) from error
    if sum(part.file_size for part in parts) > XLSX_MAX_UNPACKED_BYTES:
        raise file_error(FILE_XLSX_UNPACKS_TOO_BIG % {"limit": filesizeformat(XLSX_MAX_UNPACKED_BYTES)})
    for part in parts:
        if part.file_size > XLSX_RATIO_FROM_BYTES and part.file_size > XLSX_MAX_RATIO * part.compress_size:
            raise file_error(FILE_XLSX_ODD_COMPRESSION)


def _row_number(row: tuple[Any, ...]) -> int | None:
    """Read-only worksheets yield ``EmptyCell`` (no row number) for gaps; all-empty rows give None."""
    return next((cell.row for cell in row if getattr(cell, "row", None)), None)


def non_blank(rows: Iterable[tuple[int, list[Cell]]]) -> Sheet:
    return [(number, cells) for number, cells in rows if any(cell_text(c) for c in cells)]


def cell_text(value: Cell) -> str:
    """A cell as trimmed text: 12.0 reads 12, a midnight datetime reads as its date."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, datetime.datetime) and value.time() == datetime.time():
        value = value.date()
    return str(value).replace("\u3000", " ").strip()


def header_text(value: Cell) -> str:
    """A header cell without spaces and the asterisk that marks required columns in templates."""
    return re.sub(r"\s+", "", cell_text(value)).rstrip("*＊")


def find_header(
    sheet: Sheet, headers: Sequence[str], required: Collection[str], *, missing: Any, no_rows: Any
) -> tuple[int, dict[str, int]]:
    """The header row (the first, among the top rows, with every required column) and each known
    header's index; ``SheetRejected`` naming the missing (``missing``) or repeated columns."""
    if not sheet:
        raise file_error(no_rows)
    candidates = sheet[:HEADER_SEARCH_ROWS]
    for line, cells in candidates:
        names = [header_text(c) for c in cells]
        if all(header in names for header in required):
            duplicates = [h for h in headers if names.count(h) > 1]
            if duplicates:
                raise SheetRejected([RowError(line, d, str(HEADER_DUPLICATE)) for d in duplicates], headers)
            return line, {name: index for index, name in enumerate(names) if name in headers}
    line, cells = candidates[0]
    names = [header_text(c) for c in cells]
    absent = [h for h in headers if h in required and h not in names]
    raise SheetRejected([RowError(line, h, str(missing)) for h in absent], headers)


_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*[-/.]\s*(\d{1,2})\s*[-/.]\s*(\d{1,2})"),
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日?"),
    re.compile(r"(\d{4})(\d{2})(\d{2})"),
)


def parse_date(value: str) -> datetime.date | None:
    """2021-07-01, 2021/7/1, 2021.7.1, 2021年7月1日, 20210701 (a time after the date is ignored)."""
    value = value.strip()
    if re.match(r"\d{4}[-/.]\d{1,2}[-/.]\d{1,2} ", value):
        value = value.split()[0]
    for pattern in _DATE_PATTERNS:
        match = pattern.fullmatch(value)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def cell_date(value: Cell) -> datetime.date | None:
    """A date cell (a real date, or text in a format :func:`parse_date` reads); None if unreadable."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return parse_date(cell_text(value))


# --- Writing -----------------------------------------------------------------------------------------

# What makes Excel read a cell as a formula when it is typed, pasted or edited (and a CSV when opened).
FORMULA_STARTS = ("=", "+", "-", "@")


def as_text(cell: Cell) -> Cell:
    """Text stays text. openpyxl stores a string starting with "=" as a formula, and Excel turns one starting
    with = + - @ into a formula as soon as the office edits the cell: a name, an item or a reason a member
    typed (``=HYPERLINK(…)``) is written as a string, with Excel's quote prefix (the leading apostrophe)."""
    if isinstance(cell.value, str):
        cell.data_type = "s"
        if cell.value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def write_cell(sheet: Any, *, row: int, column: int, value: Any) -> Cell:
    """``sheet.cell(row, column, value)`` for any value a user may have typed."""
    return as_text(sheet.cell(row=row, column=column, value=value))


def append_row(sheet: Any, values: Iterable[Any]) -> None:
    """``sheet.append(values)`` for any values a user may have typed."""
    sheet.append(list(values))
    for cell in sheet[sheet.max_row]:
        as_text(cell)
