"""党员名册 (member roster) files: reading, validating and the downloadable template.

Nothing here writes to the database. ``read_sheet`` turns an uploaded .xlsx or .csv into rows of
cells, ``parse_rows`` validates every cell on its own, ``check_references`` validates the rows
against what the database holds (branches, permissions, existing members and logins), given to it
as a ``Directory`` the import service builds. ``accounts.roster_services.roster_import`` applies them.

Row numbers are the ones the user sees in Excel: the header is row 1, the first member row 2.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import io
import re
from collections.abc import Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.id_numbers import birth_date_valid, id_check_character
from accounts.models import Member, Organization
from accounts.spreadsheets import (  # noqa: F401  (XLSX_CONTENT_TYPE, RowError, parse_date: the roster's API)
    FILE_XLS,
    XLSX_CONTENT_TYPE,
    Cell,
    RowError,
    Sheet,
    SheetRejected,
    append_row,
    cell_text,
    check_size,
    extension_of,
    find_header,
    non_blank,
    parse_date,
    xlsx_rows,
)
from config.formats import day_text

# --- The column contract -------------------------------------------------------------------


@dataclass(frozen=True)
class Column:
    key: str
    header: str
    required: bool  # the header must be present and the cell filled
    width: int  # in the template, in Excel character units


COLUMNS: tuple[Column, ...] = (
    Column("real_name", "姓名", True, 12),
    Column("id_number", "身份证号", True, 22),
    Column("phone", "手机号", False, 15),
    Column("branch_code", "支部编码", True, 14),
    Column("kind", "党员类别", True, 14),
    Column("status", "状态", False, 16),
    Column("joined_party_on", "入党日期", False, 13),
    Column("probation_start", "预备期开始", False, 13),
    Column("probation_end", "预备期结束", False, 13),
    Column("username", "登录名", False, 16),
)
HEADER = {c.key: c.header for c in COLUMNS}

# The file is in Chinese whatever the interface language: these are literals, not translations.
KINDS: dict[str, str] = {
    "正式党员": Member.Kind.FULL,
    "预备党员": Member.Kind.PROBATIONARY,
    "发展对象": Member.Kind.CANDIDATE,
    "入党积极分子": Member.Kind.ACTIVIST,
}
STATUSES: dict[str, str] = {
    "在岗": Member.Status.ACTIVE,
    "流动党员": Member.Status.MOBILE,
    "经批准免于积分": Member.Status.EXEMPT,
}
DEFAULT_STATUS = "在岗"

# The member fields a roster row sets (besides branch and user); compared to skip unchanged members.
MEMBER_FIELDS = (
    "real_name",
    "kind",
    "status",
    "joined_party_on",
    "probation_start",
    "probation_end",
    "phone",
)


# --- Messages --------------------------------------------------------------------------------

FILE_TYPE = _("仅支持 Excel（.xlsx）或 CSV（.csv）文件。")
FILE_BAD_ENCODING = _("无法识别 CSV 文件的编码，请另存为 UTF-8 或 GBK 编码后上传。")
FILE_BAD_CSV = _("无法读取该 CSV 文件：%(error)s")
FILE_NO_ROWS = _("文件中没有党员数据（第 1 行应为表头，从第 2 行起每行一名党员）。")
HEADER_MISSING = _("表头缺少此必填列，请使用名册模板")

REQUIRED = _("不能为空")
TOO_LONG = _("不能超过 %(limit)s 个字")
ID_LEGACY = _("不支持 15 位旧身份证号，请填写 18 位身份证号")
ID_FORMAT = _("应为 18 位：前 17 位为数字，末位为数字或 X")
ID_BIRTH_DATE = _("其中的出生日期不正确")
ID_CHECKSUM = _("校验位不正确")
ID_NUMERIC_CELL = _("单元格为数字格式，末几位已丢失；请将该列设为文本格式后重新填写")
ID_DUPLICATE = _("与第 %(line)s 行的身份证号重复")
PHONE_FORMAT = _("应为以 1 开头的 11 位数字")
KIND_UNKNOWN = _("「%(value)s」不是有效的党员类别，可选：正式党员、预备党员、发展对象、入党积极分子")
STATUS_UNKNOWN = _("「%(value)s」不是有效的状态，可选：在岗、流动党员、经批准免于积分")
DATE_FORMAT = _("「%(value)s」不是有效日期，可写作 2021-07-01、2021/7/1 或 2021年7月1日")
PROBATION_REQUIRED = _("预备党员须填写预备期开始和结束日期")
PROBATION_END_BEFORE_START = _("预备期结束不能早于预备期开始")
USERNAME_FORMAT = _("只能包含字母、数字、汉字和 @ . + - _，且不超过 150 个字符")
BRANCH_UNKNOWN = _("支部编码「%(code)s」不存在")
BRANCH_NOT_A_BRANCH = _("「%(name)s」不是党支部，党员只能导入到党支部")
BRANCH_FORBIDDEN = _("您无权管理「%(name)s」的党员")
MEMBER_FORBIDDEN = _("该身份证号的党员所在组织不在您的管理范围内")
TRANSFER_TOO_EARLY = _("该党员自 %(start)s 起在现支部，转接生效日期须晚于该日期")
LOGIN_DUPLICATE = _("登录名「%(login)s」与第 %(line)s 行重复，请在「登录名」列另行填写")
LOGIN_TAKEN = _("登录名「%(login)s」已被其他用户使用，请在「登录名」列另行填写")


# --- Results of validation -------------------------------------------------------------------


class RosterRejected(SheetRejected):
    """The roster cannot be imported; ``errors`` says why, row by row, left to right."""

    def __init__(self, errors: Sequence[RowError]):
        super().__init__(errors, [c.header for c in COLUMNS])


@dataclass(frozen=True)
class RosterRow:
    """One validated member row. Choice values are the model's (``Member.Kind`` / ``Member.Status``)."""

    line: int
    real_name: str
    id_number: str
    phone: str
    branch_code: str
    kind: str
    status: str
    joined_party_on: datetime.date | None
    probation_start: datetime.date | None
    probation_end: datetime.date | None
    username: str  # as written in the file; may be blank

    @property
    def login(self) -> str:
        """A new member's login name: 登录名, else the phone number, else derived from the ID number."""
        return self.username or self.phone or generated_login(self.id_number)

    def member_fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in MEMBER_FIELDS}


def generated_login(id_number: str) -> str:
    """Deterministic (re-imports give the same name) without disclosing the ID number."""
    return "dy" + hashlib.sha256(id_number.encode()).hexdigest()[:8]


# --- Reading the file ------------------------------------------------------------------------


def check_upload(*, name: str, size: int) -> None:
    """File-level checks that need only the name and the size (the upload form runs them too)."""
    extension = extension_of(name)
    if extension == "xls":
        raise ValidationError(FILE_XLS, code="xls")
    if extension not in ("xlsx", "csv"):
        raise ValidationError(FILE_TYPE, code="type")
    check_size(size=size, limit=settings.ROSTER_MAX_BYTES)


def read_sheet(*, name: str, content: bytes) -> Sheet:
    """The non-blank rows of the first worksheet (or of the CSV), numbered as in Excel."""
    try:
        check_upload(name=name, size=len(content))
    except ValidationError as error:
        raise RosterRejected([RowError(0, "", error.messages[0])]) from error
    try:
        rows = xlsx_rows(content) if name.lower().endswith(".xlsx") else _csv_rows(content)
    except SheetRejected as rejected:
        raise RosterRejected(rejected.errors) from rejected
    return non_blank(rows)


def _csv_rows(content: bytes) -> Iterable[tuple[int, list[Cell]]]:
    text = decode_csv(content)
    try:
        return [(number, row) for number, row in enumerate(csv.reader(io.StringIO(text, newline="")), 1)]
    except csv.Error as error:
        raise _file_error(FILE_BAD_CSV % {"error": error}) from error


def decode_csv(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030 — a superset of GBK, what Excel in China saves."""
    if content.startswith(codecs.BOM_UTF8):
        content = content[len(codecs.BOM_UTF8) :]
    for encoding in ("utf-8", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise _file_error(FILE_BAD_ENCODING)


def _file_error(message: Any) -> RosterRejected:
    return RosterRejected([RowError(0, "", str(message))])


# --- Validating rows on their own ------------------------------------------------------------


@dataclass
class _RowCheck:
    line: int
    cells: Mapping[str, Cell]
    errors: list[RowError] = field(default_factory=list)

    def fail(self, key: str, message: Any) -> None:
        self.errors.append(RowError(self.line, HEADER[key], str(message)))

    def text(self, key: str) -> str:
        return cell_text(self.cells.get(key))


def parse_rows(sheet: Sheet) -> list[RosterRow]:
    """Validate every cell of every row; raise ``RosterRejected`` listing all problems at once."""
    header_at, columns = _find_header(sheet)
    rows: list[RosterRow] = []
    errors: list[RowError] = []
    for line, cells in sheet:
        if line <= header_at:
            continue
        check = _RowCheck(line, {key: cells[i] if i < len(cells) else None for key, i in columns.items()})
        row = _parse_row(check)
        errors += check.errors
        if row is not None:
            rows.append(row)
    if not rows and not errors:
        raise _file_error(FILE_NO_ROWS)
    errors += _duplicate_ids(rows)
    if errors:
        raise RosterRejected(errors)
    return rows


def _find_header(sheet: Sheet) -> tuple[int, dict[str, int]]:
    """The header row (the first with every required column) and each known column's index."""
    by_header = {c.header: c.key for c in COLUMNS}
    try:
        line, found = find_header(
            sheet,
            list(by_header),
            [c.header for c in COLUMNS if c.required],
            missing=HEADER_MISSING,
            no_rows=FILE_NO_ROWS,
        )
    except SheetRejected as rejected:
        raise RosterRejected(rejected.errors) from rejected
    return line, {by_header[name]: index for name, index in found.items()}


def _parse_row(c: _RowCheck) -> RosterRow | None:
    real_name = c.text("real_name")
    if not real_name:
        c.fail("real_name", REQUIRED)
    elif len(real_name) > 50:
        c.fail("real_name", TOO_LONG % {"limit": 50})
    id_number = _id_number(c)
    phone = _phone(c)
    branch_code = c.text("branch_code")
    if not branch_code:
        c.fail("branch_code", REQUIRED)
    kind = _choice(c, "kind", KINDS, KIND_UNKNOWN, default="")
    status = _choice(c, "status", STATUSES, STATUS_UNKNOWN, default=DEFAULT_STATUS)
    joined_party_on = _date(c, "joined_party_on")
    probation_start = _date(c, "probation_start")
    probation_end = _date(c, "probation_end")
    if kind == Member.Kind.PROBATIONARY:
        for key in ("probation_start", "probation_end"):
            if not c.text(key):
                c.fail(key, PROBATION_REQUIRED)
    if probation_start and probation_end and probation_end < probation_start:
        c.fail("probation_end", PROBATION_END_BEFORE_START)
    username = c.text("username")
    if username and (len(username) > 150 or not _username_ok(username)):
        c.fail("username", USERNAME_FORMAT)
    if c.errors:
        return None
    return RosterRow(
        line=c.line,
        real_name=real_name,
        id_number=id_number,
        phone=phone,
        branch_code=branch_code,
        kind=kind,
        status=status,
        joined_party_on=joined_party_on,
        probation_start=probation_start,
        probation_end=probation_end,
        username=username,
    )


def _id_number(c: _RowCheck) -> str:
    raw = c.cells.get("id_number")
    if isinstance(raw, float) or (
        isinstance(raw, str) and re.fullmatch(r"\d+(\.\d+)?[eE]\+?\d+", raw.strip())
    ):
        c.fail("id_number", ID_NUMERIC_CELL)
        return ""
    value = c.text("id_number").upper()
    problem = id_number_problem(value)
    if problem is not None:
        c.fail("id_number", problem)
    return value


def id_number_problem(value: str) -> Any | None:
    """Why ``value`` is not a valid 18-digit resident ID number (GB 11643-1999), or None."""
    if not value:
        return REQUIRED
    if re.fullmatch(r"\d{15}", value):
        return ID_LEGACY
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return ID_FORMAT
    if not birth_date_valid(value):
        return ID_BIRTH_DATE
    if value[17] != id_check_character(value[:17]):
        return ID_CHECKSUM
    return None


def _phone(c: _RowCheck) -> str:
    value = re.sub(r"[\s-]", "", c.text("phone"))
    if value and not re.fullmatch(r"1\d{10}", value):
        c.fail("phone", PHONE_FORMAT)
    return value


def _choice(c: _RowCheck, key: str, choices: Mapping[str, str], unknown: Any, *, default: str) -> str:
    value = c.text(key) or default
    if not value:
        c.fail(key, REQUIRED)
        return ""
    if value not in choices:
        c.fail(key, unknown % {"value": value})
        return ""
    return choices[value]


def _date(c: _RowCheck, key: str) -> datetime.date | None:
    raw = c.cells.get(key)
    if isinstance(raw, datetime.datetime):
        return raw.date()
    if isinstance(raw, datetime.date):
        return raw
    value = c.text(key)
    if not value:
        return None
    day = parse_date(value)
    if day is None:
        c.fail(key, DATE_FORMAT % {"value": value})
    return day


def _username_ok(value: str) -> bool:
    try:
        UnicodeUsernameValidator()(value)
    except ValidationError:
        return False
    return True


def _duplicate_ids(rows: Sequence[RosterRow]) -> list[RowError]:
    first_seen: dict[str, int] = {}
    errors = []
    for row in rows:
        if row.id_number in first_seen:
            line = first_seen[row.id_number]
            errors.append(RowError(row.line, HEADER["id_number"], str(ID_DUPLICATE % {"line": line})))
        else:
            first_seen[row.id_number] = row.line
    return errors


# --- Validating rows against the database ----------------------------------------------------


@dataclass(frozen=True)
class Directory:
    """What the database holds about the rows of one file, looked up once by the import service."""

    on: datetime.date  # the import's effective date (new spells start on it)
    branches: Mapping[str, Organization]  # by code, the organizations the file names
    manageable: Set[int]  # pks of organizations the uploader may manage members in
    members: Mapping[str, Member]  # existing members by ID number, with their branch
    spell_starts: Mapping[int, datetime.date]  # member pk → start of their current branch spell
    taken_logins: Set[str]  # usernames in use, among the login names new members would get


def check_references(rows: Sequence[RosterRow], directory: Directory) -> list[RowError]:
    errors: list[RowError] = []
    logins_seen: dict[str, int] = {}
    for row in rows:
        errors += _check_branch(row, directory)
        member = directory.members.get(row.id_number)
        if member is None:
            errors += _check_login(row, directory, logins_seen)
        else:
            errors += _check_existing(row, member, directory)
    return errors


def _check_branch(row: RosterRow, directory: Directory) -> list[RowError]:
    column = HEADER["branch_code"]
    branch = directory.branches.get(row.branch_code)
    if branch is None:
        return [RowError(row.line, column, str(BRANCH_UNKNOWN % {"code": row.branch_code}))]
    if not branch.is_branch:
        return [RowError(row.line, column, str(BRANCH_NOT_A_BRANCH % {"name": branch.name}))]
    if branch.pk not in directory.manageable:
        return [RowError(row.line, column, str(BRANCH_FORBIDDEN % {"name": branch.name}))]
    return []


def _check_existing(row: RosterRow, member: Member, directory: Directory) -> list[RowError]:
    if member.branch_id not in directory.manageable:
        return [RowError(row.line, HEADER["id_number"], str(MEMBER_FORBIDDEN))]
    branch = directory.branches.get(row.branch_code)
    start = directory.spell_starts.get(member.pk)
    if branch is not None and branch.pk != member.branch_id and start is not None and directory.on <= start:
        return [
            RowError(row.line, HEADER["branch_code"], str(TRANSFER_TOO_EARLY % {"start": day_text(start)}))
        ]
    return []


def _check_login(row: RosterRow, directory: Directory, seen: dict[str, int]) -> list[RowError]:
    login = row.login
    column = HEADER["username"]
    if login in seen:
        return [RowError(row.line, column, str(LOGIN_DUPLICATE % {"login": login, "line": seen[login]}))]
    seen[login] = row.line
    if login in directory.taken_logins:
        return [RowError(row.line, column, str(LOGIN_TAKEN % {"login": login}))]
    return []


# --- The template ----------------------------------------------------------------------------

_EXAMPLE_ID_FIRST17 = "11010119900307123"
EXAMPLE_ID_NUMBER = _EXAMPLE_ID_FIRST17 + id_check_character(_EXAMPLE_ID_FIRST17)


def roster_template(*, example_branch_code: str) -> bytes:
    """The .xlsx to fill in: header, one valid example row, drop-down lists, widths, frozen header."""
    import openpyxl
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "党员名册"
    append_row(sheet, [c.header for c in COLUMNS])
    append_row(sheet, _example_row(example_branch_code))  # the branch code is the organization's own text
    sheet.freeze_panes = "A2"
    last_row = 2000
    for index, column in enumerate(COLUMNS, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = column.width
        header = sheet.cell(row=1, column=index)
        header.font = Font(bold=True, color="C00000" if column.required else "000000")
        header.fill = PatternFill("solid", fgColor="FDE9D9")
        header.alignment = Alignment(horizontal="center")
        number_format = "yyyy-mm-dd" if column.key.endswith(("_on", "_start", "_end")) else "@"
        for row in range(2, last_row + 1):
            sheet.cell(row=row, column=index).number_format = number_format
    for key, choices in (("kind", KINDS), ("status", STATUSES)):
        letter = get_column_letter([c.key for c in COLUMNS].index(key) + 1)
        validation = DataValidation(
            type="list",
            formula1='"{}"'.format(",".join(choices)),
            allow_blank=key == "status",
            showErrorMessage=True,
            errorTitle="无效的值",
            error="请从下拉列表中选择：" + "、".join(choices),
        )
        validation.add(f"{letter}2:{letter}{last_row}")
        sheet.add_data_validation(validation)
    _instructions(workbook.create_sheet("填写说明"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _example_row(branch_code: str) -> list[Any]:
    values = {
        "real_name": "示例党员",
        "id_number": EXAMPLE_ID_NUMBER,
        "phone": "13800138000",
        "branch_code": branch_code,
        "kind": "预备党员",
        "status": DEFAULT_STATUS,
        "joined_party_on": datetime.date(2025, 7, 1),
        "probation_start": datetime.date(2025, 7, 1),
        "probation_end": datetime.date(2026, 7, 1),
        "username": "",
    }
    return [values[c.key] for c in COLUMNS]


INSTRUCTIONS = (
    ("列", "说明"),
    ("姓名", "必填，不超过 50 个字。"),
    (
        "身份证号",
        "必填，18 位居民身份证号（末位可为 X），系统会核对校验位；请保持文本格式。以身份证号识别党员。",
    ),
    ("手机号", "选填，以 1 开头的 11 位数字。"),
    ("支部编码", "必填，党员所在党支部的组织编码。与系统中不同时，按“生效日期”转接组织关系。"),
    ("党员类别", "必填：正式党员、预备党员、发展对象、入党积极分子。"),
    ("状态", "选填：在岗、流动党员、经批准免于积分；不填按“在岗”。"),
    ("入党日期", "选填，日期格式，如 2021-07-01、2021/7/1、2021年7月1日。"),
    ("预备期开始", "预备党员必填，日期格式。"),
    ("预备期结束", "预备党员必填，不能早于预备期开始。"),
    ("登录名", "选填，仅用于新建账号；不填时用手机号，无手机号时由系统生成。已有党员的登录名不会被修改。"),
    ("", ""),
    ("导入规则", "第 1 行为表头，从第 2 行起每行一名党员；第 2 行为示例，请替换或删除。"),
    ("", "所有行都通过检查才会导入，任何一行有问题则整份名册都不导入，并列出每个问题所在的行和列。"),
    ("", "名册中的信息会覆盖系统中的信息（留空的选填项会被清空）；重复导入同一份名册不会产生任何变化。"),
    ("", "新建的账号没有密码，需另行设置密码后才能登录。"),
)


def _instructions(sheet: Any) -> None:
    from openpyxl.styles import Alignment, Font

    for row in INSTRUCTIONS:
        append_row(sheet, row)
    sheet.column_dimensions["A"].width = 14
    sheet.column_dimensions["B"].width = 100
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in sheet.iter_rows():
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
