"""Frozen scores (审定积分) as the forms print them, from the filing sheet of ``reports.ledgers``.

Ranks are always printed on the forms that go to the committees and the higher committee, who keep
rankings whatever the members' view shows; 发展对象 and 入党积极分子 get their 参考排名, marked as such.
"""

from __future__ import annotations

from accounts.models import Member
from reports.ledgers import FilingRow, filing_sheet
from workflows.member_selectors import COUNTED_STATUSES
from workflows.models import PeriodApproval
from workflows.periods import current_approval


def remark(row: FilingRow) -> str:
    """备注: a veto, a rank for reference only, a member working away."""
    parts = []
    if row.veto:
        parts.append("一票否决")
    if row.period_rank is None and row.reference_rank is not None:
        parts.append("参考排名")
    if row.member.status == Member.Status.MOBILE:
        parts.append("流动党员")
    return "；".join(parts)


def approval_rows(approval: PeriodApproval) -> list[FilingRow]:
    """The approval's frozen scores, ranked members first (every approval is filed: 审定 creates it)."""
    return filing_sheet(approval.filing).rows


def approval_is_current(approval: PeriodApproval) -> bool:
    """Whether the approval's scores count: the latest round of a period that stands approved.

    A filing sent back (备案退回) reopens 审定, and a later round replaces an earlier one.
    """
    review = approval.review
    if review.status not in COUNTED_STATUSES:
        return False
    latest = current_approval(review)
    return latest is not None and latest.pk == approval.pk
