"""Excel (.xlsx) exports of the ledgers, the ranking and the filing — the sheets offices keep.

Each has the columns of its printed form (``reports.documents``), the figures of ``reports.ledgers`` (the
scoring core's, frozen by 审定) and a totals row; a sheet with anything not approved says 草稿 in its title
rows. These functions trust their caller: who may download what is decided by the views.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from accounts.models import Member, Organization
from reports.documents.layout import weighting_note
from reports.documents.scores import approval_is_current, remark
from reports.exports.workbook import Column, Kind, Table, approval_text, workbook_bytes
from reports.ledgers import (
    BranchLedger,
    approval_info,
    branch_ledger,
    filing_sheet,
    member_ledger,
    quarter_detail,
)
from reports.rankings import RankingRow, organization_ranking_status
from scoring.core.periods import Period, PeriodKind
from scoring.selectors import effective_ruleset
from workflows.models import Filing
from workflows.periods import current_approval, cycle_rules

LEDGER_COLUMNS = ("基础分", "加分项", "扣分事项")


def period_text(period: Period, organization: Organization) -> str:
    """2026年度第1季度（2026-01-01 至 2026-03-31）."""
    first, last = period.bounds(cycle_rules(organization, period.cycle))
    return f"{period.label()}（{first.isoformat()} 至 {last.isoformat()}）"


def _organization_line(organization: Organization) -> str:
    parent = Organization.objects.filter(path=organization.path[: -Organization.steplen]).first()
    return f"{parent.name} {organization.name}" if parent else organization.name


# ---------------------------------------------------------------- 党员积分量化管理台账


def member_ledger_xlsx(member: Member, year: int) -> bytes:
    """党员积分量化管理台账: months 1–12 × 基础分 / 加分项 / 扣分事项 / 本月小计, the year's total."""
    ledger = member_ledger(member, year)
    columns = [
        Column("月份"),
        Column("基础分", Kind.POINTS),
        Column("加分项", Kind.POINTS),
        Column("扣分事项", Kind.POINTS),
        Column("本月小计", Kind.POINTS),
    ]
    rows = [[m.label, m.base, m.bonus, m.deductions, m.subtotal] for m in ledger.months]
    trailer = [[a.label, None, None, None, a.points] for a in ledger.adjustments]
    trailer.append(["年度积分", None, None, None, ledger.total])
    if ledger.grade:
        trailer.append([f"等次：{ledger.grade}"])
    period = Period(year, PeriodKind.CYCLE)
    table = Table(
        sheet_name="积分台账",
        title="党员积分量化管理台账",
        info=(
            f"姓名：{member.real_name}　类别：{member.get_kind_display()}　"
            f"支部：{_organization_line(ledger.branch)}　期间：{period_text(period, ledger.branch)}"
        ),
        approval=approval_text(ledger.approvals, draft=ledger.draft),
        draft=ledger.draft,
        columns=columns,
        rows=rows,
        totals=["合计", ledger.base, ledger.bonus, ledger.deductions, ledger.points],
        trailer=trailer,
        notes=_notes(ledger.branch, year),
        frozen_columns=1,
    )
    return workbook_bytes(table)


def _notes(branch: Organization, cycle: int) -> list[str]:
    notes = ["扣分事项栏为扣除的分数；本月小计 = 基础分 + 加分项 − 扣分事项。"]
    note = weighting_note(cycle_rules(branch, cycle))
    return notes + ([note] if note else [])


# ---------------------------------------------------------------- the branch ledger


def branch_ledger_xlsx(branch: Organization, period_code: str) -> bytes:
    """The branch ledger: every member × (基础分 / 加分项 / 扣分事项 / 小计) of each month of the period."""
    ledger = branch_ledger(branch, period_code)
    return workbook_bytes(_branch_table(ledger))


def _branch_table(ledger: BranchLedger) -> Table:
    columns = [Column("序号", Kind.INTEGER), Column("姓名"), Column("党员类别")]
    for label in ledger.month_labels:
        columns += [Column(name, Kind.POINTS, group=label) for name in (*LEDGER_COLUMNS, "小计")]
    columns += [Column(f"{name}合计", Kind.POINTS, group="本期合计") for name in LEDGER_COLUMNS]
    columns += [
        Column("本期积分", Kind.POINTS),
        Column("本期排名"),
        Column("年度累计积分", Kind.POINTS),
        Column("等次"),
        Column("备注"),
    ]
    rows = []
    for number, row in enumerate(ledger.rows, 1):
        values: list[Any] = [number, row.member.real_name, row.member.get_kind_display()]
        for month in row.months:
            values += [month.base, month.bonus, month.deductions, month.subtotal]
        values += [row.base, row.bonus, row.deductions, row.total, _rank(row.rank, row.reference_rank)]
        values += [row.cycle_total, row.grade, "一票否决" if row.veto else ""]
        rows.append(values)
    totals: list[Any] = ["", "合计", ""]
    for index in range(len(ledger.month_labels)):
        totals += [
            _sum(r.months[index].base for r in ledger.rows),
            _sum(r.months[index].bonus for r in ledger.rows),
        ]
        totals += [
            _sum(r.months[index].deductions for r in ledger.rows),
            _sum(r.months[index].subtotal for r in ledger.rows),
        ]
    totals += [ledger.base, ledger.bonus, ledger.deductions, ledger.total]
    notes = ["扣分事项栏为扣除的分数；小计 = 基础分 + 加分项 − 扣分事项。"]
    if ledger.exempt:
        notes.append("经批准免于积分：" + "、".join(m.real_name for m in ledger.exempt))
    return Table(
        sheet_name="支部积分台账",
        title=f"{ledger.branch.name}党员积分台账",
        info=f"支部：{_organization_line(ledger.branch)}　期间：{period_text(ledger.period, ledger.branch)}",
        approval=approval_text(ledger.approvals, draft=ledger.draft),
        draft=ledger.draft,
        columns=columns,
        rows=rows,
        totals=totals,
        notes=notes,
        frozen_columns=2,
    )


def _rank(rank: int | None, reference_rank: int | None) -> str | int:
    if rank is not None:
        return rank
    return f"参考{reference_rank}" if reference_rank is not None else ""


def _sum(values) -> Decimal:
    return sum(values, Decimal(0))


# ---------------------------------------------------------------- 党员季度积分明细登记表


def quarter_detail_xlsx(member: Member, period_code: str) -> bytes:
    """党员季度积分明细登记表: every entry with its item, category, points, reason and source."""
    detail = quarter_detail(member, period_code)
    columns = [
        Column("序号", Kind.INTEGER),
        Column("日期", Kind.DATE),
        Column("项目编码"),
        Column("积分项目", wrap=True),
        Column("类别"),
        Column("栏目"),
        Column("分值", Kind.POINTS),
        Column("事由", wrap=True),
        Column("来源"),
        Column("备注", wrap=True),
    ]
    rows = [
        [
            number,
            e.occurred_on,
            e.item_code,
            e.item_name,
            e.category,
            e.column.label,
            e.points,
            e.reason,
            e.source,
            e.note and f"不计分：{e.note}",
        ]
        for number, e in enumerate(detail.entries, 1)
    ]
    empty = [None] * 6
    trailer = [["", *empty[:5], a.points, a.label] for a in detail.adjustments]
    trailer.append(["", "本期积分", *empty[:4], detail.total])
    return workbook_bytes(
        Table(
            sheet_name="积分明细",
            title="党员季度积分明细登记表"
            if detail.period.kind is PeriodKind.QUARTER
            else "党员积分明细登记表",
            info=(
                f"姓名：{member.real_name}　支部：{_organization_line(detail.branch)}　"
                f"期间：{period_text(detail.period, detail.branch)}"
            ),
            approval=approval_text(detail.approvals, draft=detail.draft),
            draft=detail.draft,
            columns=columns,
            rows=rows,
            totals=["", "合计", None, None, None, None, detail.entries_total],
            trailer=trailer,
            frozen_columns=2,
        )
    )


# ---------------------------------------------------------------- the filing (备案表)

FILING_COLUMNS = [
    Column("序号", Kind.INTEGER),
    Column("姓名"),
    Column("党员类别"),
    Column("基础分", Kind.POINTS),
    Column("加分项", Kind.POINTS),
    Column("扣分事项", Kind.POINTS),
    Column("本期积分", Kind.POINTS),
    Column("本期排名"),
    Column("年度累计", Kind.POINTS),
    Column("累计排名", Kind.INTEGER),
]


def filing_xlsx(filing: Filing) -> bytes:
    """党员半年/全年积分备案表 (or the quarter's): the columns of the printed filing form."""
    sheet = filing_sheet(filing)
    grades = any(row.grade for row in sheet.rows)
    columns = [*FILING_COLUMNS, *([Column("等次")] if grades else []), Column("备注")]
    rows = []
    for number, row in enumerate(sheet.rows, 1):
        values: list[Any] = [number, row.member.real_name, row.kind, row.base, row.bonus, row.deductions]
        values += [
            row.period_total,
            _rank(row.period_rank, row.reference_rank),
            row.cycle_total,
            row.cycle_rank,
        ]
        values += [row.grade] if grades else []
        rows.append([*values, remark(row)])
    totals: list[Any] = [
        "",
        "合计",
        f"{len(sheet.rows)}人",
        _sum(r.base for r in sheet.rows),
        _sum(r.bonus for r in sheet.rows),
        _sum(r.deductions for r in sheet.rows),
        sheet.period_total,
    ]
    draft, reason = _filing_draft(filing)
    notes = [note for note in (weighting_note(effective_ruleset(filing.approval.ruleset_version)),) if note]
    if filing.status != Filing.Status.SUBMITTED:
        notes.append(
            f"上级党委备案意见：{filing.get_status_display()}"
            + (f"：{filing.reason}" if filing.reason else "")
        )
    return workbook_bytes(
        Table(
            sheet_name=sheet.title,
            title=sheet.title,
            info=f"支部：{_organization_line(sheet.branch)}　期间：{period_text(sheet.period, sheet.branch)}",
            approval=approval_text([sheet.approval], draft=draft, draft_reason=reason),
            draft=draft,
            columns=columns,
            rows=rows,
            totals=totals,
            notes=notes,
            frozen_columns=2,
        )
    )


def _filing_draft(filing: Filing) -> tuple[bool, str]:
    """A filing sent back, or an approval a later round replaced, no longer counts."""
    if filing.status == Filing.Status.RETURNED:
        return True, f"上级党委已退回本次备案（{filing.reason}），积分待重新审定"
    if not approval_is_current(filing.approval):
        latest = current_approval(filing.approval.review)
        if latest is not None and latest.pk != filing.approval_id:
            return True, f"本表为第{filing.approval.round}次审定结果，已被第{latest.round}次审定取代"
        return True, "本期积分尚未审定"
    return False, ""


# ---------------------------------------------------------------- rankings (排名)

RANKING_COLUMNS = [
    Column("名次", Kind.INTEGER),
    Column("姓名"),
    Column("所在支部"),
    Column("党员类别"),
    Column("积分", Kind.POINTS),
    Column("等次"),
    Column("备注"),
]


def ranking_xlsx(organization: Organization, period_code: str) -> bytes:
    """支部排名 (a branch) or 全委排名 (an organization above branches) of a period, from approved scores;
    发展对象 and 入党积极分子 on a sheet of their own (参考排名). Until every branch has approved the period
    the ranking is empty and the sheet says which branches are not there yet."""
    status = organization_ranking_status(organization, period_code)
    period = status.period
    title = "支部党员积分排名" if organization.is_branch else "党员积分全委排名"
    approvals = [approval_info(approval) for approval in status.approvals]
    draft = not status.complete
    reason = "；".join(f"{state.branch.name}：{state.reason}" for state in status.pending)
    info = f"组织：{_organization_line(organization)}　期间：{period_text(period, organization)}"
    tables = [
        Table(
            sheet_name="排名" if organization.is_branch else "全委排名",
            title=f"{organization.name}{title}",
            info=info,
            approval=approval_text(approvals, draft=draft, draft_reason=f"尚未全部审定（{reason}）"),
            draft=draft,
            columns=RANKING_COLUMNS,
            rows=_ranking_rows(status.rows),
            totals=["", "合计", f"{len(status.rows)}人", "", _sum(row.total for row in status.rows)],
            notes=["名次按竞争排名（并列者同名次，其后名次顺延）；仅正式党员、预备党员参加排名。"],
            frozen_columns=2,
        )
    ]
    if status.reference_rows:
        tables.append(
            Table(
                sheet_name="参考排名",
                title=f"{organization.name}发展对象、入党积极分子积分参考排名",
                info=info,
                approval=tables[0].approval,
                draft=draft,
                columns=RANKING_COLUMNS,
                rows=_ranking_rows(status.reference_rows),
                totals=[
                    "",
                    "合计",
                    f"{len(status.reference_rows)}人",
                    "",
                    _sum(r.total for r in status.reference_rows),
                ],
                frozen_columns=2,
            )
        )
    return workbook_bytes(*tables)


def _ranking_rows(rows: list[RankingRow]) -> list[list[Any]]:
    return [
        [
            row.rank,
            row.member.real_name,
            row.branch.name,
            row.member.get_kind_display(),
            row.total,
            row.grade,
            "一票否决" if row.veto else "",
        ]
        for row in rows
    ]
