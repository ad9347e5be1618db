"""签到表导入: branch-observed events (attendance, dues, absences) from an .xlsx sheet, all rows or none.

Each row names a member of the branch (党员姓名, with 身份证后四位 or 手机 when two share a name), a date, an
item (its code or its name) and optionally points (for an item whose points are chosen at review) and a
说明. Reading and checking the cells is :func:`read_rows`; :func:`attendance_import` then enters every row
through ``workflows.claims.branch_record`` — the clerk's own service, with all its rules (item recorded by
the branch, the cycle, frequency limits, a period already posted, exempt members) — inside one
transaction that is rolled back on any error, and always for a preview. A row whose claim already stands
(``workflows.claims.live_claims``: the 同一事项不得重复申报 rule) is skipped, so importing the same sheet
twice adds nothing. Errors name the Excel row and column, in Chinese, like the roster import's.
"""

from __future__ import annotations

import datetime
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.access import may
from accounts.models import Member, Organization
from accounts.spreadsheets import (
    FILE_XLS,
    XLSX_CONTENT_TYPE,
    Cell,
    RowError,
    Sheet,
    SheetRejected,
    cell_date,
    cell_text,
    check_size,
    extension_of,
    find_header,
    non_blank,
    xlsx_rows,
)
from audit.services import audit_record
from scoring.core.ruleset import Item, fmt
from scoring.core.ruleset import RuleSet as CoreRuleSet
from workflows.claims import branch_record, live_claims
from workflows.member_selectors import attendance_roster
from workflows.selectors import rules_on

__all__ = ["XLSX_CONTENT_TYPE", "AttendanceImport", "attendance_import"]

NAME, ID_TAIL, PHONE, DATE, ITEM, POINTS, NOTE = (
    "党员姓名",
    "身份证后四位",
    "手机",
    "日期",
    "项目",
    "分值",
    "说明",
)
HEADERS = (NAME, ID_TAIL, PHONE, DATE, ITEM, POINTS, NOTE)
REQUIRED = (NAME, DATE, ITEM)
# Where the service's field errors go in the sheet.
FIELD_COLUMNS = {"occurred_on": DATE, "item_code": ITEM, "points": POINTS}

FILE_TYPE = "仅支持 Excel（.xlsx）文件，请使用签到表模板。"
FILE_NO_ROWS = "文件中没有登记数据（表头为党员姓名、日期、项目等，其下每行一条）。"
HEADER_MISSING = "表头缺少此必填列，请使用签到表模板"
NOT_ALLOWED = "您不是「%(branch)s」的组织委员，不能为该支部导入登记。"
CELL_REQUIRED = "不能为空"
DATE_FORMAT = "「%(value)s」不是有效日期，可写作 2026-03-05、2026/3/5 或 2026年3月5日"
POINTS_FORMAT = "「%(value)s」不是有效的分值"
ID_TAIL_FORMAT = "应为身份证号的最后 4 位（数字或 X）"
PHONE_FORMAT = "应为以 1 开头的 11 位数字"
MEMBER_UNKNOWN = "本支部没有名为「%(name)s」的党员（免于积分的党员不能登记）"
MEMBER_AMBIGUOUS = "本支部有 %(count)s 名党员名为「%(name)s」，请填写身份证后四位或手机以区分"
MEMBER_MISMATCH = "与「%(name)s」的身份证后四位或手机不符"
ITEM_UNKNOWN = "「%(value)s」不是 %(date)s 现行积分细则中的项目（可填项目编码或名称）"
ROW_DUPLICATE = "与第 %(line)s 行重复（同一党员、同一日期、同一项目）"


@dataclass(frozen=True)
class SheetRow:
    """One row as read from the sheet, cells checked on their own."""

    line: int
    name: str
    id_tail: str
    phone: str
    occurred_on: datetime.date
    item: str
    points: Decimal | None
    note: str


@dataclass(frozen=True)
class PlannedRow:
    """A row matched to a member and an item: entered as a claim for review, or already there."""

    line: int
    member: Member
    item: Item
    occurred_on: datetime.date
    points: Decimal | None
    note: str
    existing: bool  # its claim already stands: skipped

    @property
    def points_text(self) -> str:
        value = self.points if self.points is not None else self.item.points
        return fmt(value) if value is not None else "一票否决"


@dataclass
class AttendanceImport:
    """What an import did, or would do (preview): rows entered, rows skipped, or why nothing was."""

    branch: Organization
    file_name: str
    sha256: str
    errors: list[RowError] = field(default_factory=list)
    rows: list[PlannedRow] = field(default_factory=list)
    committed: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def new_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if not row.existing]

    @property
    def existing_rows(self) -> list[PlannedRow]:
        return [row for row in self.rows if row.existing]


class _Preview(Exception):
    """Raised to roll back a preview's dry run."""


# ---------------------------------------------------------------- reading the cells


def check_upload(*, name: str, size: int) -> None:
    """File-level checks that need only the name and the size (the upload form runs them too)."""
    extension = extension_of(name)
    if extension == "xls":
        raise ValidationError(FILE_XLS, code="xls")
    if extension != "xlsx":
        raise ValidationError(FILE_TYPE, code="type")
    # A sign-in sheet is typed by the office like the roster, and bounded the same way.
    check_size(size=size, limit=settings.ROSTER_MAX_BYTES)


def read_rows(*, name: str, content: bytes) -> tuple[list[SheetRow], list[RowError]]:
    """The rows whose cells are all right, and the problems of the others; ``SheetRejected`` when the
    file itself cannot be read (type, size, not a workbook, no header, no rows)."""
    try:
        check_upload(name=name, size=len(content))
    except ValidationError as error:
        raise SheetRejected([RowError(0, "", error.messages[0])]) from error
    sheet = non_blank(xlsx_rows(content))
    header_at, columns = find_header(sheet, HEADERS, REQUIRED, missing=HEADER_MISSING, no_rows=FILE_NO_ROWS)
    rows, errors = _parse(sheet, header_at, columns)
    if not rows and not errors:
        raise SheetRejected([RowError(0, "", FILE_NO_ROWS)])
    return rows, errors


def _parse(sheet: Sheet, header_at: int, columns: Mapping[str, int]) -> tuple[list[SheetRow], list[RowError]]:
    rows: list[SheetRow] = []
    errors: list[RowError] = []
    for line, cells in sheet:
        if line <= header_at:
            continue
        cell = {header: cells[i] if i < len(cells) else None for header, i in columns.items()}
        row_errors: list[RowError] = []
        row = _parse_row(line, cell, row_errors)
        errors += row_errors
        if row is not None:
            rows.append(row)
    return rows, errors


def _parse_row(line: int, cell: Mapping[str, Cell], errors: list[RowError]) -> SheetRow | None:
    def fail(column: str, message: str) -> None:
        errors.append(RowError(line, column, message))

    for column in REQUIRED:
        if not cell_text(cell.get(column)):
            fail(column, CELL_REQUIRED)
    day = cell_date(cell.get(DATE)) if cell_text(cell.get(DATE)) else None
    if cell_text(cell.get(DATE)) and day is None:
        fail(DATE, DATE_FORMAT % {"value": cell_text(cell.get(DATE))})
    id_tail = cell_text(cell.get(ID_TAIL)).upper()
    if id_tail and not _is_id_tail(id_tail):
        fail(ID_TAIL, ID_TAIL_FORMAT)
    phone = cell_text(cell.get(PHONE)).replace(" ", "").replace("-", "")
    if phone and not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
        fail(PHONE, PHONE_FORMAT)
    points = _points(cell.get(POINTS), fail)
    if errors:
        return None
    return SheetRow(
        line=line,
        name=cell_text(cell.get(NAME)),
        id_tail=id_tail,
        phone=phone,
        occurred_on=day,  # type: ignore[arg-type]  # checked above
        item=cell_text(cell.get(ITEM)),
        points=points,
        note=cell_text(cell.get(NOTE)),
    )


def _is_id_tail(text: str) -> bool:
    return len(text) == 4 and text[:3].isdigit() and (text[3].isdigit() or text[3] == "X")


def _points(value: Cell, fail) -> Decimal | None:
    text = cell_text(value)
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        fail(POINTS, POINTS_FORMAT % {"value": text})
        return None


# ---------------------------------------------------------------- matching members and items


def _match_member(row: SheetRow, members: Sequence[Member]) -> tuple[Member | None, RowError | None]:
    named = [m for m in members if m.real_name == row.name]
    if not named:
        return None, RowError(row.line, NAME, MEMBER_UNKNOWN % {"name": row.name})
    chosen = [
        m
        for m in named
        if (not row.id_tail or m.id_number.upper().endswith(row.id_tail))
        and (not row.phone or m.phone.replace(" ", "") == row.phone)
    ]
    if not chosen:
        column = ID_TAIL if row.id_tail else PHONE
        return None, RowError(row.line, column, MEMBER_MISMATCH % {"name": row.name})
    if len(chosen) > 1:
        return None, RowError(row.line, NAME, MEMBER_AMBIGUOUS % {"count": len(chosen), "name": row.name})
    return chosen[0], None


def _match_item(row: SheetRow, branch: Organization) -> tuple[Item | None, RowError | None]:
    try:
        _, rules = rules_on(branch, row.occurred_on)
    except ValidationError as error:
        return None, RowError(row.line, DATE, "；".join(error.messages))
    item = _item_named(rules, row.item)
    if item is None:
        message = ITEM_UNKNOWN % {"value": row.item, "date": row.occurred_on.isoformat()}
        return None, RowError(row.line, ITEM, message)
    return item, None


def _item_named(rules: CoreRuleSet, text: str) -> Item | None:
    return rules.item(text) or next((item for item in rules.items if item.name == text), None)


def _plan(rows: Sequence[SheetRow], branch: Organization) -> tuple[list[PlannedRow], list[RowError]]:
    members = list(attendance_roster(branch))
    planned: list[PlannedRow] = []
    errors: list[RowError] = []
    seen: dict[tuple[int, str, datetime.date], int] = {}
    for row in rows:
        member, member_error = _match_member(row, members)
        item, item_error = _match_item(row, branch)
        errors += [e for e in (member_error, item_error) if e is not None]
        if member is None or item is None:
            continue
        key = (member.pk, item.code, row.occurred_on)
        if key in seen:
            errors.append(RowError(row.line, NAME, ROW_DUPLICATE % {"line": seen[key]}))
            continue
        seen[key] = row.line
        existing = live_claims(member, item.code, row.occurred_on).exists()
        planned.append(PlannedRow(row.line, member, item, row.occurred_on, row.points, row.note, existing))
    return planned, errors


# ---------------------------------------------------------------- the import


def attendance_import(
    *, branch: Organization, name: str, content: bytes, by: Any, commit: bool
) -> AttendanceImport:
    """Check every row and enter them all through ``branch_record`` — or none, and say why.

    With ``commit`` False (the preview) everything is rolled back whatever happens, so the preview runs
    exactly the checks the import will, and changes nothing.
    """
    result = AttendanceImport(branch=branch, file_name=name, sha256=hashlib.sha256(content).hexdigest())
    if not may(by, "record_claims", branch):
        result.errors = [RowError(0, "", NOT_ALLOWED % {"branch": branch.name})]
        return result
    try:
        with transaction.atomic():
            _enter(result, content=content, by=by)
            if not commit:
                raise _Preview
    except SheetRejected as rejected:
        result.errors, result.rows = rejected.errors, []
    except _Preview:
        pass
    else:
        result.committed = True
    return result


def _enter(result: AttendanceImport, *, content: bytes, by: Any) -> None:
    """Every row through the service; every problem of the sheet is collected before giving up, so the
    clerk sees them all at once."""
    rows, errors = read_rows(name=result.file_name, content=content)
    planned, match_errors = _plan(rows, result.branch)
    errors += match_errors
    for row in planned:
        if row.existing:
            continue
        try:
            branch_record(
                member=row.member,
                item_code=row.item.code,
                occurred_on=row.occurred_on,
                points=row.points,
                description=row.note,
                by=by,
            )
        except ValidationError as error:
            errors += _row_errors(row.line, error)
    if errors:
        raise SheetRejected(errors, HEADERS)
    result.rows = planned
    if result.new_rows:
        audit_record(
            actor=by,
            action="attendance.import",
            summary=(
                f"{result.branch.name} 导入签到表 {result.file_name}："
                f"登记 {len(result.new_rows)} 条，已登记跳过 {len(result.existing_rows)} 条"
            ),
            organization=result.branch,
            data={"file_name": result.file_name, "sha256": result.sha256, "rows": len(planned)},
        )


def _row_errors(line: int, error: ValidationError) -> list[RowError]:
    if hasattr(error, "error_dict"):
        return [
            RowError(line, FIELD_COLUMNS.get(name, ""), message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [RowError(line, "", message) for message in error.messages]
