"""How every exported sheet looks: a title row, an information row (organization, period, 审定 or 草稿),
a frozen header, points as numbers with a points format, widths that fit Chinese text, a totals row — and
text as text, never a formula (every cell through ``accounts.spreadsheets.write_cell``).

Sheets are described as data (:class:`Table`) and written by :func:`workbook_bytes`; the ledgers and
rankings in ``reports.exports.excel`` only say which columns and rows they have.
"""

from __future__ import annotations

import datetime
import io
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from accounts.spreadsheets import append_row, write_cell

# Points keep up to two decimals: a 0.5-point item weighted at 70 % is 0.35, which "0.0" would print as
# 0.4 and make the column not add up on paper. Whole and half points still read 1.0 and 0.5.
POINTS_FORMAT = "0.0#"
DATE_FORMAT = "yyyy-mm-dd"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DRAFT = "草稿"

_THIN = Side(style="thin", color="999999")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="FDE9D9")
_TOTAL_FILL = PatternFill("solid", fgColor="F2F2F2")
_DRAFT_FONT = Font(bold=True, color="C00000", size=12)


class Kind(StrEnum):
    TEXT = "text"
    POINTS = "points"
    INTEGER = "integer"
    DATE = "date"


@dataclass(frozen=True)
class Column:
    header: str
    kind: Kind = Kind.TEXT
    group: str = ""  # a second header row above: the month a column belongs to
    wrap: bool = False  # long free text (事由): wrapped in a bounded width


@dataclass
class Table:
    """One worksheet: title, information line, header, rows, and lines under the rows."""

    sheet_name: str
    title: str
    info: str  # organization and period
    approval: str  # 审定：… or 草稿：…
    draft: bool
    columns: list[Column]
    rows: list[list[Any]]
    totals: list[Any] | None = None  # the 合计 row, aligned with the columns
    trailer: list[list[Any]] = field(default_factory=list)  # adjustments and the final total
    notes: list[str] = field(default_factory=list)
    frozen_columns: int = 0  # columns kept in view when scrolling right (序号, 姓名)


def approval_text(approvals: Sequence[Any], *, draft: bool, draft_reason: str = "") -> str:
    """审定：2026年度第1季度 陈静 2026-04-08 — or 草稿：<why>, naming what is approved already."""
    done = "；".join(_approval_part(a) for a in approvals)
    if not draft:
        return f"审定：{done}" if done else "审定："
    reason = draft_reason or "尚未（全部）审定，数字可能变动"
    return f"{DRAFT}：{reason}" + (f"（已审定：{done}）" if done else "")


def _approval_part(info: Any) -> str:
    when = timezone.localtime(info.approved_at).date().isoformat()
    round_text = f"第{info.round}次审定 " if info.round > 1 else ""
    return f"{info.period_label} {round_text}{info.approved_by} {when}"


def workbook_bytes(*tables: Table) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    for table in tables:
        _write(workbook.create_sheet(table.sheet_name[:31]), table)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write(sheet: Worksheet, table: Table) -> None:
    width = len(table.columns)
    _append_text(sheet, f"{table.title}（{DRAFT}）" if table.draft else table.title)
    _append_text(sheet, table.info)
    _append_text(sheet, table.approval)
    for row in (1, 2, 3):
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=max(width, 1))
    sheet["A1"].font = Font(bold=True, size=14)
    sheet["A1"].alignment = Alignment(horizontal="center")
    sheet["A3"].font = _DRAFT_FONT if table.draft else Font(bold=True)
    header_rows = _write_header(sheet, table.columns, first_row=4)
    # Rows 1–3 and the header stay in view, and 序号/姓名 when scrolling right (no cell is created here).
    sheet.freeze_panes = f"{get_column_letter(table.frozen_columns + 1)}{4 + header_rows}"
    for values in table.rows:
        _append(sheet, table.columns, values)
    if table.totals is not None:
        _append(sheet, table.columns, table.totals, fill=_TOTAL_FILL, bold=True)
    for values in table.trailer:
        _append(sheet, table.columns, values, bold=True)
    for note in table.notes:
        _append_text(sheet, note)
    _fit_widths(sheet, table)
    sheet.print_title_rows = f"{4}:{3 + header_rows}"
    sheet.page_setup.orientation = "landscape" if width > 8 else "portrait"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True


def _write_header(sheet: Worksheet, columns: Sequence[Column], *, first_row: int) -> int:
    grouped = any(column.group for column in columns)
    rows = 2 if grouped else 1
    for index, column in enumerate(columns, 1):
        if not grouped:
            _header_cell(sheet, first_row, index, column.header)
        elif not column.group:
            _header_cell(sheet, first_row, index, column.header)
            _header_cell(sheet, first_row + 1, index, "")
            sheet.merge_cells(
                start_row=first_row, start_column=index, end_row=first_row + 1, end_column=index
            )
        else:
            _header_cell(sheet, first_row + 1, index, column.header)
            if index == 1 or columns[index - 2].group != column.group:
                span = sum(1 for _ in _same_group(columns, index - 1))
                _header_cell(sheet, first_row, index, column.group)
                if span > 1:
                    sheet.merge_cells(
                        start_row=first_row,
                        start_column=index,
                        end_row=first_row,
                        end_column=index + span - 1,
                    )
            else:
                _header_cell(sheet, first_row, index, "")
    return rows


def _same_group(columns: Sequence[Column], start: int):
    for column in columns[start:]:
        if column.group != columns[start].group:
            return
        yield column


def _header_cell(sheet: Worksheet, row: int, column: int, value: str) -> None:
    cell = write_cell(sheet, row=row, column=column, value=value or None)
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.border = _BORDER
    cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)


def _append(
    sheet: Worksheet, columns: Sequence[Column], values: Sequence[Any], *, fill=None, bold=False
) -> None:
    row = sheet.max_row + 1
    for index, column in enumerate(columns, 1):
        value = values[index - 1] if index - 1 < len(values) else None
        cell = write_cell(sheet, row=row, column=index, value=_cell_value(value, column.kind))
        cell.border = _BORDER
        if column.kind is Kind.POINTS:
            cell.number_format = POINTS_FORMAT
        elif column.kind is Kind.INTEGER:
            cell.number_format = "0"
        elif column.kind is Kind.DATE:
            cell.number_format = DATE_FORMAT
        if column.wrap:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        if fill is not None:
            cell.fill = fill
        if bold:
            cell.font = Font(bold=True)


def _append_text(sheet: Worksheet, text: str) -> None:
    append_row(sheet, [text])


def _cell_value(value: Any, kind: Kind) -> Any:
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def display_width(text: str) -> int:
    """Columns a text takes in Excel's units: a Chinese character is about two Latin ones."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _fit_widths(sheet: Worksheet, table: Table) -> None:
    for index, column in enumerate(table.columns, 1):
        texts = [column.header]
        for values in [*table.rows, *([table.totals] if table.totals else []), *table.trailer]:
            if index - 1 < len(values) and values[index - 1] not in (None, ""):
                texts.append(_shown(values[index - 1], column.kind))
        width = max(display_width(text) for text in texts) + 2
        if column.kind is Kind.DATE:
            width = max(width, 12)
        limit = 40 if column.wrap else 60
        sheet.column_dimensions[get_column_letter(index)].width = max(6, min(width, limit))
    # The first column also carries the merged title lines; they need not fit in it.


def _shown(value: Any, kind: Kind) -> str:
    if kind is Kind.POINTS and isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)
