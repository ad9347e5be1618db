"""The attendance import's template (签到表模板): the columns of ``reports.exports.imports``, an example
row, and the branch's items recorded by the branch to choose from, with instructions."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal

from django.core.exceptions import ValidationError

from accounts.models import Organization
from accounts.spreadsheets import append_row
from reports.exports.imports import DATE, HEADERS, ID_TAIL, ITEM, NAME, NOTE, PHONE, POINTS, REQUIRED
from scoring.core.ruleset import Item, fmt
from scoring.core.ruleset import Source as ItemSource
from workflows.selectors import rules_on


def attendance_template(*, branch: Organization, today: datetime.date) -> bytes:
    """The .xlsx to fill in: the header, an example row, the branch's items to choose from, instructions."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    try:
        _, rules = rules_on(branch, today)
        items = [item for item in rules.items if item.source == ItemSource.BRANCH]
    except ValidationError:
        items = []
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "签到登记"
    append_row(sheet, HEADERS)
    example_item = items[0].name if items else ""
    append_row(sheet, ["示例党员", "", "", today, example_item, "", "示例：请替换或删除本行"])
    widths = {NAME: 12, ID_TAIL: 14, PHONE: 15, DATE: 13, ITEM: 36, POINTS: 8, NOTE: 30}
    for index, header in enumerate(HEADERS, 1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = widths[header]
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="C00000" if header in REQUIRED else "000000")
        cell.fill = PatternFill("solid", fgColor="FDE9D9")
        cell.alignment = Alignment(horizontal="center")
        number_format = "yyyy-mm-dd" if header == DATE else "@"
        for row in range(2, 1001):
            sheet.cell(row=row, column=index).number_format = number_format
    sheet.freeze_panes = "A2"
    guide = workbook.create_sheet("项目与说明")
    append_row(guide, ["项目编码", "项目名称", "分值", "说明"])
    for item in items:  # names and descriptions are the branch's own text
        append_row(guide, [item.code, item.name, _points_label(item), item.description])
    if items:
        validation = DataValidation(
            type="list", formula1=f"='项目与说明'!$B$2:$B${len(items) + 1}", allow_blank=False
        )
        validation.showErrorMessage = False  # a code typed in is accepted too
        validation.add("E2:E1000")
        sheet.add_data_validation(validation)
    guide.append([])
    for line in INSTRUCTIONS:
        append_row(guide, ["", line])
    for letter, width in zip("ABCD", (24, 36, 10, 60), strict=True):
        guide.column_dimensions[letter].width = width
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _points_label(item: Item) -> str:
    if item.points_range is not None:
        low, high = item.points_range
        return f"{fmt(low)} 至 {fmt(high)}（审核时确定，请填“分值”列）"
    return "一票否决" if item.veto else fmt(item.points or Decimal(0))


INSTRUCTIONS = (
    "每行一条支部登记事项：党员姓名、日期、项目必填；项目可填编码或名称（见上表，仅支部登记的项目）。",
    "支部中有同名党员时，请填写身份证后四位或手机以区分。",
    "分值仅用于审核时确定分值的项目；固定分值的项目请留空。",
    "所有行都通过检查才会导入，任何一行有问题则整份表格都不导入，并列出问题所在的行和列。",
    "导入的登记进入支委会审核；已登记过的同一党员、同一日期、同一项目会被跳过，重复导入同一份表格不会重复登记。",
)
