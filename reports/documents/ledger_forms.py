"""The ledger forms: 党员积分量化管理台账 (one member, one year), the branch ledger (all members × the
months of a period, A4 landscape) and 党员季度积分明细登记表 (one member, one period, every entry).

The figures are ``reports.ledgers``' (the scoring core's, month by month, frozen where approved); this
module only frames them: titles, the period's words, the 审定 lines and the 草稿 mark.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from accounts.models import Member, Organization
from reports.documents.layout import Sheet, approval_lines, weighting_note
from reports.ledgers import BranchLedger, MonthRow, branch_ledger, member_ledger, quarter_detail
from scoring.core.periods import Period, PeriodKind
from workflows.periods import cycle_rules

# Up to a quarter the branch ledger prints every month's four columns, as the paper's monthly sheet does;
# beyond that each month's 本月小计 only, or the page would need 48 number columns.
FULL_MONTHS_UP_TO = 3
DRAFT_REASON = "所列期间尚有积分未经支部审定，数字可能变动"


def month_labels(rows: Sequence[MonthRow]) -> list[str]:
    """``1月`` … ``12月`` within one calendar year; ``2025年12月`` when the cycle spans two."""
    years = {row.year for row in rows}
    return [f"{row.month}月" if len(years) == 1 else row.label for row in rows]


def member_ledger_form(member: Member, year: int) -> tuple[Sheet, dict[str, Any]]:
    """党员积分量化管理台账 (002): months 1–12 × 基础分 / 加分项 / 扣分事项 / 本月小计, the year's total."""
    ledger = member_ledger(member, year)
    sheet = Sheet(
        title="党员积分量化管理台账",
        organization=ledger.branch.name,
        period=f"{year}年度",
        approvals=approval_lines(ledger.approvals),
        draft=ledger.draft,
        draft_reason=DRAFT_REASON if ledger.draft else "",
        notes=[note for note in (weighting_note(cycle_rules(ledger.branch, year)),) if note],
        signers=["党员本人", "党支部书记"],
    )
    return sheet, {
        "ledger": ledger,
        "member": member,
        "months": list(zip(month_labels(ledger.months), ledger.months, strict=True)),
    }


def branch_ledger_form(branch: Organization, period_code: str) -> tuple[Sheet, dict[str, Any]]:
    """The branch ledger (支部党员积分量化管理台账): every member × the months of the period."""
    ledger = branch_ledger(branch, period_code)
    full = len(ledger.month_labels) <= FULL_MONTHS_UP_TO
    sheet = Sheet(
        title="党员积分量化管理台账（支部汇总）",
        organization=branch.name,
        period=ledger.period.label(),
        approvals=approval_lines(ledger.approvals),
        draft=ledger.draft,
        draft_reason=DRAFT_REASON if ledger.draft else "",
        landscape=True,
        notes=[note for note in (weighting_note(cycle_rules(branch, ledger.period.cycle)),) if note],
        signers=["党支部书记"],
    )
    short_labels = [label.split("年")[-1] for label in ledger.month_labels]
    return sheet, {
        "ledger": ledger,
        "full": full,
        "month_labels": short_labels,
        "month_columns": len(short_labels) * (4 if full else 1),
        "trailing_columns": 3 + _year_end_columns(ledger),
        "whole_cycle": ledger.period.kind is PeriodKind.CYCLE,
    }


def _year_end_columns(ledger: BranchLedger) -> int:
    """民主评议积分 (under rules with one) and 年度总分: the whole cycle's ledger only."""
    if not ledger.year_end:
        return 0
    return 2 if ledger.has_evaluation else 1


def detail_title(period: Period) -> str:
    """党员季度积分明细登记表 for a quarter (002), 党员积分明细登记表 for any other period."""
    return "党员季度积分明细登记表" if period.kind is PeriodKind.QUARTER else "党员积分明细登记表"


def quarter_detail_form(member: Member, period_code: str) -> tuple[Sheet, dict[str, Any]]:
    """党员季度积分明细登记表 (002: 姓名 · 年 第 季度): every entry of the period with its item and reason."""
    detail = quarter_detail(member, period_code)
    sheet = Sheet(
        title=detail_title(detail.period),
        organization=detail.branch.name,
        period=detail.period.label(),
        approvals=approval_lines(detail.approvals),
        draft=detail.draft,
        draft_reason=DRAFT_REASON if detail.draft else "",
        signers=["党员本人", "组织委员", "支部书记"],
    )
    return sheet, {"detail": detail, "member": member}
