"""公示清单 of the year-end: who and what is posted in a 民主评议's or a 年度总评's window — the list members
see on their phones and may appeal against."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.models import Member
from workflows.models import PublicityWindow
from yearend.annual import latest_grades
from yearend.evaluation import latest_proposals


@dataclass(frozen=True)
class PostedRow:
    """One member on a year-end 公示: the proposed result and, for the year, the figures behind it."""

    member: Member
    result: str  # 评议等次 / 得分, or 年度等次
    reason: str = ""
    points: Decimal | None = None
    evaluation: Decimal | None = None
    total: Decimal | None = None
    rank: int | None = None


def posted_members(window: PublicityWindow) -> set[int]:
    if window.evaluation_id is not None:
        return set(latest_proposals(window.evaluation))
    if window.annual_review_id is not None:
        return set(latest_grades(window.annual_review))
    return set()


def posted_rows(window: PublicityWindow) -> list[PostedRow]:
    """The posted list in name order; the year's rows carry the figures the grades rest on."""
    from scoring.core.ruleset import fmt
    from yearend.standings import branch_year

    if window.evaluation_id is not None:
        proposals = latest_proposals(window.evaluation)
        members = Member.objects.in_bulk(list(proposals))
        rows = [
            PostedRow(
                member=members[pk],
                result=p.level or f"{fmt(p.score)} 分",
                reason=p.reason,
                evaluation=p.value,
            )
            for pk, p in proposals.items()
        ]
    else:
        review = window.annual_review
        grades = latest_grades(review)
        members = Member.objects.in_bulk(list(grades))
        year = branch_year(review.branch, review.cycle)
        rows = []
        for pk, proposal in grades.items():
            standing = year[str(pk)]
            rows.append(
                PostedRow(
                    member=members[pk],
                    result=proposal.grade,
                    reason=proposal.reason,
                    points=standing.points,
                    evaluation=standing.evaluation,
                    total=standing.total,
                    rank=standing.rank,
                )
            )
    return sorted(rows, key=lambda row: (row.rank or 0, row.member.real_name))
