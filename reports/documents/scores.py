"""Frozen scores (审定积分) as the forms print them: one row per member of an approval, ranked first.

The figures are the ``FrozenScore`` rows exactly as 审定 fixed them. Ranks are always printed here: these
forms go to the committees and the higher committee, who keep rankings whatever the members' view shows;
发展对象 and 入党积极分子 get their 参考排名, marked as such.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Member
from workflows.member_selectors import COUNTED_STATUSES
from workflows.models import FrozenScore, PeriodApproval
from workflows.periods import current_approval


@dataclass(frozen=True)
class ScoreRow:
    """One member's line of a period's approved result."""

    member: Member
    period_total: Decimal
    period_rank: int | None
    period_reference: bool  # the rank is a 参考排名 (发展对象 / 入党积极分子)
    cycle_total: Decimal
    cycle_rank: int | None
    cycle_reference: bool
    grade: str
    veto: bool

    @property
    def remark(self) -> str:
        parts = []
        if self.veto:
            parts.append("一票否决，积分清零")
        if self.period_reference or self.cycle_reference:
            parts.append("参考排名，不参与党员排名")
        if self.member.status == Member.Status.MOBILE:
            parts.append("流动党员")
        return "；".join(parts)


def score_row(score: FrozenScore) -> ScoreRow:
    breakdown = score.breakdown or {}
    period_reference = score.period_rank is None and breakdown.get("reference_rank") is not None
    cycle_reference = score.cycle_rank is None and breakdown.get("cycle_reference_rank") is not None
    return ScoreRow(
        member=score.member,
        period_total=score.period_total,
        period_rank=score.period_rank if not period_reference else breakdown["reference_rank"],
        period_reference=period_reference,
        cycle_total=score.cycle_total,
        cycle_rank=score.cycle_rank if not cycle_reference else breakdown["cycle_reference_rank"],
        cycle_reference=cycle_reference,
        grade=score.grade,
        veto=bool(breakdown.get("veto")),
    )


def _order(row: ScoreRow) -> tuple:
    """Ranked members by rank, then those ranked for reference, then anyone unranked; by name within."""
    group = 2 if row.period_rank is None else (1 if row.period_reference else 0)
    return (group, row.period_rank or 0, row.member.real_name, row.member.pk)


def approval_rows(approval: PeriodApproval) -> list[ScoreRow]:
    scores = approval.scores.select_related("member")
    return sorted((score_row(score) for score in scores), key=_order)


def approval_is_current(approval: PeriodApproval) -> bool:
    """Whether the approval's scores count: the latest round of a period that stands approved.

    A filing sent back (备案退回) reopens 审定, and a later round replaces an earlier one.
    """
    review = approval.review
    if review.status not in COUNTED_STATUSES:
        return False
    latest = current_approval(review)
    return latest is not None and latest.pk == approval.pk
