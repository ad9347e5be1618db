"""等次分布 on the dashboards: how the latest approved year's 等次 fell — for a branch, and for every
branch below an organization — read from the approved annual results (``yearend.AnnualResult``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Max, OuterRef, Subquery

from accounts.models import Organization
from yearend.models import AnnualResult
from yearend.standings import COUNTED_REVIEW_STATUSES

GRADE_ORDER = ("优秀", "具有评优资格", "合格", "基本合格", "不合格", "谈话教育")


@dataclass(frozen=True)
class GradeShare:
    grade: str
    count: int


@dataclass(frozen=True)
class GradeDistribution:
    cycle: int | None
    shares: list[GradeShare]
    branches: int  # how many branches' results are in it

    @property
    def total(self) -> int:
        return sum(share.count for share in self.shares)


def _order(grade: str) -> tuple[int, str]:
    return (GRADE_ORDER.index(grade), grade) if grade in GRADE_ORDER else (len(GRADE_ORDER), grade)


def grade_distribution(organization: Organization) -> GradeDistribution:
    """The latest cycle with an approved year in the organization (or below it) and its 等次 counts,
    latest 审定 round of each review only. Two queries, whatever the number of branches."""
    results = AnnualResult.objects.filter(
        review__branch__path__startswith=organization.path,
        review__status__in=COUNTED_REVIEW_STATUSES,
        graded=True,
    )
    cycle = results.aggregate(cycle=Max("review__cycle"))["cycle"]
    if cycle is None:
        return GradeDistribution(None, [], 0)
    latest = (
        AnnualResult.objects.filter(review=OuterRef("review"))
        .order_by()
        .values("review")
        .annotate(m=Max("round"))
    )
    current = results.filter(review__cycle=cycle, round=Subquery(latest.values("m")))
    counts = current.values("grade").annotate(n=Count("id"))
    shares = sorted((GradeShare(row["grade"], row["n"]) for row in counts), key=lambda s: _order(s.grade))
    return GradeDistribution(cycle, shares, current.values("review").distinct().count())
