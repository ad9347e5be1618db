"""Excel (.xlsx) exports of the ledgers, the ranking and the filing — the sheets offices keep.

Each has the columns of its printed form (``reports.documents``), the figures of ``reports.ledgers`` (the
scoring core's, frozen by 审定) and a totals row; a sheet with anything not approved says 草稿 in its title
rows. These functions trust their caller: who may download what is decided by the views.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Member, Organization
from reports.documents.layout import weighting_note
from reports.documents.scores import approval_is_current, remark
from reports.documents.year_forms import evaluation_rule
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
from reports.year_end import (
    PENDING_ANNUAL,
    PENDING_EVALUATION,
    EvaluationRow,
    EvaluationSheet,
    YearEndFigures,
    YearLine,
    YearSheet,
    branch_session,
    evaluation_sheet,
    year_filing_sheet,
    year_sheet,
)
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
    trailer.append(
        ["年度积分" + (f"（等次：{ledger.grade}）" if ledger.grade else ""), None, None, None, ledger.total]
    )
    trailer += _year_end_lines(ledger.year_end)
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


def _year_end_lines(figures: YearEndFigures) -> list[list[Any]]:
    """上年积分结转, 民主评议积分 and 年度总分 from the approved 年度总评 — or what they wait for."""
    lines: list[list[Any]] = []
    if figures.carries_over:
        lines.append(["上年积分结转", None, None, None, _figure(figures.carry_over, PENDING_ANNUAL)])
    if figures.has_evaluation:
        label = f"民主评议积分（{figures.evaluation_label}）" if figures.evaluation_label else "民主评议积分"
        lines.append([label, None, None, None, _figure(figures.evaluation, PENDING_EVALUATION)])
    grade = f"（等次：{figures.grade}）" if figures.grade else ""
    lines.append([f"年度总分{grade}", None, None, None, _figure(figures.total, PENDING_ANNUAL)])
    if figures.approved_by:
        when = timezone.localtime(figures.approved_at).date().isoformat() if figures.approved_at else ""
        pending_note = "" if figures.ratified else "（待上级党委审批）"
        lines.append([f"年度总评审定：{figures.approved_by} {when}{pending_note}"])
    return lines


def _figure(value: Decimal | None, pending_text: str) -> Decimal | str:
    return pending_text if value is None else value


def _evaluation_cell(figures: YearEndFigures) -> Decimal | str:
    """The 民主评议积分 as a number, or 待民主评议 / — (not evaluated) as text."""
    if figures.evaluated and figures.evaluation is not None:
        return figures.evaluation
    return figures.evaluation_text


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
    ]
    year_end = ledger.year_end
    if year_end:  # the whole cycle: the year's 民主评议积分, 年度总分 and 等次 (002's ledger)
        if ledger.has_evaluation:
            columns.append(Column("民主评议积分", Kind.POINTS))
        columns += [Column("年度总分", Kind.POINTS), Column("年度等次")]
    else:
        columns.append(Column("等次"))
    columns.append(Column("备注"))
    rows = []
    for number, row in enumerate(ledger.rows, 1):
        values: list[Any] = [number, row.member.real_name, row.member.get_kind_display()]
        for month in row.months:
            values += [month.base, month.bonus, month.deductions, month.subtotal]
        values += [row.base, row.bonus, row.deductions, row.total, _rank(row.rank, row.reference_rank)]
        values.append(row.cycle_total)
        if year_end and row.year_end is not None:
            figures = row.year_end
            if ledger.has_evaluation:
                values.append(_evaluation_cell(figures))
            values += [_figure(figures.total, PENDING_ANNUAL), figures.grade]
        else:
            values.append(row.grade)
        values.append("一票否决" if row.veto else "")
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
    if filing.status == Filing.Status.WITHDRAWN:
        return True, f"支部已撤回本次审定，退回重新审定（{filing.reason}）"
    if not approval_is_current(filing.approval):
        latest = current_approval(filing.approval.review)
        if latest is not None and latest.pk != filing.approval_id:
            return True, f"本表为第{filing.approval.round}次审定结果，已被第{latest.round}次审定取代"
        if filing.approval.review.status == "returned":
            return True, "本期已退回重新审定，积分待重新审定"
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


# ---------------------------------------------------------------- the year's end (民主评议, 年度总评)


@dataclass(frozen=True)
class _Approved:
    """An approval as ``approval_text`` words it: what, which round, who, when."""

    period_label: str
    round: int
    approved_by: str
    approved_at: datetime.datetime


def _year_info(branch: Organization, cycle: int) -> str:
    period = Period(cycle, PeriodKind.CYCLE)
    return f"支部：{_organization_line(branch)}　年度：{period_text(period, branch)}"


def evaluation_tallies_xlsx(branch: Organization, cycle: int) -> bytes:
    """民主评议 of a branch: per member the 自评, the count (votes per level or the mean score, the number of
    ballots — never who voted what), the committee's proposal and reason, an appeal's correction and the
    approved result. 草稿 until the 民主评议 is approved."""
    session = branch_session(branch, cycle)
    if session is None:
        raise ValidationError(f"{branch.name}{cycle}年度没有在系统中进行民主评议。")
    sheet = evaluation_sheet(session)
    approvals = (
        [_Approved(session.label, 1, sheet.approved_by, sheet.approved_at)] if sheet.approved_at else []
    )
    return workbook_bytes(
        Table(
            sheet_name="民主评议",
            title=f"{branch.name}{session.label}统计表",
            info=(
                f"{_year_info(branch, cycle)}　评议大会：{session.meeting_on.isoformat()}"
                f"　{session.get_mode_display()}　有表决权的党员 {sheet.voters} 人"
            ),
            approval=approval_text(approvals, draft=sheet.draft, draft_reason=sheet.draft_reason),
            draft=sheet.draft,
            columns=_tally_columns(sheet),
            rows=[_tally_row(number, row, sheet) for number, row in enumerate(sheet.rows, 1)],
            totals=["", "合计", f"{len(sheet.rows)}人", sum(row.ballots for row in sheet.rows)],
            notes=[
                "互评为无记名投票：本表只列票数，不列投票人。",
                *[note for note in (evaluation_rule(effective_ruleset(session.ruleset_version)),) if note],
            ],
            frozen_columns=2,
        )
    )


def _tally_columns(sheet: EvaluationSheet) -> list[Column]:
    columns = [
        Column("序号", Kind.INTEGER),
        Column("姓名"),
        Column("党员类别"),
        Column("有效票数", Kind.INTEGER, group="互评"),
        Column("网上", Kind.INTEGER, group="互评"),
        Column("纸质", Kind.INTEGER, group="互评"),
    ]
    if sheet.score_kind:
        columns.append(Column("平均得分", Kind.POINTS, group="互评"))
    else:
        columns += [Column(f"{level}票", Kind.INTEGER, group="互评") for level in sheet.levels]
        columns.append(Column("按票数", group="互评"))
    return [
        *columns,
        Column("自评等次", group="自评"),
        Column("自评", wrap=True, group="自评"),
        Column("评议结果", group="支委会评定"),
        Column("理由", wrap=True, group="支委会评定"),
        Column("评定人", group="支委会评定"),
        Column("申诉更正", wrap=True),
        Column("审定结果"),
        Column("评议积分", Kind.POINTS),
        Column("审定人"),
        Column("审定日期", Kind.DATE),
        Column("备注", wrap=True),
    ]


def _tally_row(number: int, row: EvaluationRow, sheet: EvaluationSheet) -> list[Any]:
    values: list[Any] = [number, row.member.real_name, row.member.get_kind_display()]
    values += [row.ballots, row.online_ballots, row.paper_ballots]
    if sheet.score_kind:
        values.append(row.mean_score)
    else:
        values += [votes for _, votes in row.counts]
        values.append(row.suggestion)
    committee, result = row.committee, row.result
    corrections = "；".join(f"{c.text}（{c.reason}，{c.by}）" for c in row.corrections)
    values += [row.self_level, row.self_text]
    values += [committee.text if committee else "", committee.reason if committee else ""]
    values += [committee.by if committee else "", corrections]
    values += [result.text if result else "", result.value if result else None]
    values += [result.by if result else "", result.at if result else None, row.note]
    return values


YEAR_COLUMNS = [
    Column("序号", Kind.INTEGER),
    Column("姓名"),
    Column("党员类别"),
    Column("项目积分", Kind.POINTS),
    Column("基础分", Kind.POINTS),
    Column("上年结转", Kind.POINTS),
    Column("年度积分", Kind.POINTS),
    Column("民主评议"),
    Column("评议积分", Kind.POINTS),
    Column("总评得分", Kind.POINTS),
    Column("排名"),
]


def _year_values(number: int, line: YearLine) -> list[Any]:
    return [
        number,
        line.member.real_name,
        line.member_type,
        line.items_total,
        line.base,
        line.carry_over,
        line.points,
        line.evaluation_text,
        line.evaluation if line.evaluated and line.evaluation is not None else None,
        line.total,
        line.rank if line.rank is not None else line.rank_text,
    ]


def _year_approvals(year: YearSheet) -> list[_Approved]:
    if year.approved_at is None:
        return []
    return [_Approved(f"{year.cycle}年度总评", year.round, year.approved_by, year.approved_at)]


def _year_decisions(year: YearSheet) -> list[str]:
    lines = [f"退回重新评定：{d.reason}（{d.by} {_date(d.at)}）" for d in year.returns]
    if year.ratification is not None:
        reason = f"：{year.ratification.reason}" if year.ratification.reason else ""
        lines.append(f"党委审批：同意{reason}（{year.ratification.by} {_date(year.ratification.at)}）")
    if year.archive is not None:
        lines.append(f"备案：{year.archive.by} {_date(year.archive.at)}")
    return lines


def _date(moment: datetime.datetime | None) -> str:
    return timezone.localtime(moment).date().isoformat() if moment else ""


def annual_review_xlsx(branch: Organization, cycle: int) -> bytes:
    """年度总评 of a branch (the 等次评定审批表 in Excel): each member's year, the suggested and the decided
    等次 with the committee's reason and who decided, 审定, 党委审批 and 备案 per row (so that a filter keeps
    them). Before 审定 the core's live figures, 草稿 saying why; 草稿 until 党委审批."""
    year = year_sheet(branch, cycle)
    ratified, archived = year.ratification, year.archive
    columns = [
        *YEAR_COLUMNS,
        Column("参加等次评定"),
        Column("建议等次"),
        Column("评定等次"),
        Column("评定理由", wrap=True),
        Column("评定人"),
        Column("可评先评优"),
        Column("需整改"),
        Column("转正建议"),
        Column("需关注", wrap=True),
        Column("审定人"),
        Column("审定日期", Kind.DATE),
        Column("党委审批"),
        Column("审批人"),
        Column("审批日期", Kind.DATE),
        Column("备案人"),
        Column("备案日期", Kind.DATE),
    ]
    rows = []
    for number, line in enumerate(year.lines, 1):
        values = _year_values(number, line)
        values += [
            "是" if line.graded else "否",
            line.suggested_grade,
            line.grade,
            line.grade_reason,
            line.decided_by,
            ("是" if line.honours_eligible else "否") if year.approved and line.graded else "",
            ("是" if line.follow_up else "否") if year.approved and line.graded else "",
            line.probation_outcome,
            "；".join(["一票否决"] * line.veto + line.flags),
            year.approved_by,
            year.approved_at,
            ratified.text if ratified else "",
            ratified.by if ratified else "",
            ratified.at if ratified else None,
            archived.by if archived else "",
            archived.at if archived else None,
        ]
        rows.append(values)
    notes = [note for note in (evaluation_rule(year.rules),) if note]
    return workbook_bytes(
        Table(
            sheet_name="年度总评",
            title=f"{branch.name}{cycle}年度党员年终等次评定审批表",
            info=_year_info(branch, cycle),
            approval=approval_text(_year_approvals(year), draft=year.draft, draft_reason=year.draft_reason),
            draft=year.draft,
            columns=columns,
            rows=rows,
            totals=_year_totals(year),
            notes=notes + _year_decisions(year),
            frozen_columns=2,
        )
    )


def _year_totals(year: YearSheet) -> list[Any]:
    return [
        "",
        "合计",
        f"{len(year.lines)}人",
        _sum(line.items_total for line in year.lines),
        _sum(line.base for line in year.lines),
        _sum(line.carry_over for line in year.lines),
        _sum(line.points for line in year.lines),
    ]


def year_filing_xlsx(branch: Organization, cycle: int) -> bytes:
    """党员全年积分备案表 of the approved 年度总评: every member's year, ranked; 草稿 until 党委审批."""
    year = year_filing_sheet(branch, cycle)
    columns = [*YEAR_COLUMNS, Column("等次"), Column("备注", wrap=True)]
    rows = [
        [*_year_values(number, line), line.grade if line.graded else "不评等次", line.remark]
        for number, line in enumerate(year.lines, 1)
    ]
    return workbook_bytes(
        Table(
            sheet_name="全年积分备案表",
            title="党员全年积分备案表",
            info=_year_info(branch, cycle),
            approval=approval_text(_year_approvals(year), draft=year.draft, draft_reason=year.draft_reason),
            draft=year.draft,
            columns=columns,
            rows=rows,
            totals=_year_totals(year),
            notes=[note for note in (evaluation_rule(year.rules),) if note] + _year_decisions(year),
            frozen_columns=2,
        )
    )
