"""Reads of approved (审定) scores over any period: one branch's, and an organization's ranking.

A branch approves its periods one at a time (quarterly by default), and each approval freezes the core's
figures in ``FrozenScore``. A longer period (a half-year, the cycle) counts as approved for a branch once
the branch's approved periods cover it exactly; its figures are then put together from those frozen rows,
never recomputed from the ledger — a later ledger change cannot move an approved score.

Candidates for ``workflows/member_selectors.py`` once the API settles; kept here meanwhile.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import Member, Organization
from reports.rankings import RankingRow  # noqa: F401 — the ranking's home; present.py types with it
from scoring.core.engine import PeriodScore
from scoring.core.periods import Period, PeriodKind
from scoring.core.ranking import competition_ranks
from scoring.models import RuleSetVersion
from scoring.selectors import (
    MEMBER_TYPES,
    branch_scores,
    effective_ruleset,
    ruleset_in_force,
    ruleset_version_current,
)
from workflows.member_selectors import COUNTED_STATUSES
from workflows.models import FrozenScore, PeriodApproval, PeriodReview
from workflows.periods import cycle_rules

ZERO = Decimal(0)


@dataclass(frozen=True)
class ScoreRow:
    """One member's figures for the period (本期积分、累计积分、排名、等次、分项), approved or computed."""

    member: Member
    period_total: Decimal
    period_rank: int | None
    reference_rank: int | None
    cycle_total: Decimal
    cycle_rank: int | None
    cycle_reference_rank: int | None
    grade: str
    veto: bool
    items: dict[str, Decimal]
    categories: dict[str, Decimal]


@dataclass(frozen=True)
class FrozenPeriod:
    branch: Organization
    period: Period
    approvals: list[PeriodApproval]  # the latest approval of each period it is made of, oldest first
    rows: list[ScoreRow]


def period_bounds(branch: Organization, period: Period) -> tuple[datetime.date, datetime.date]:
    """The period's first and last day under the branch's rules (their cycle start month)."""
    return period.bounds(cycle_rules(branch, period.cycle))


def _covering_reviews(branch: Organization, first: datetime.date, last: datetime.date) -> list[PeriodReview]:
    """The branch's reviews that tile [first, last] exactly, all approved; [] when they do not."""
    reviews = list(
        PeriodReview.objects.filter(branch=branch, starts_on__gte=first, ends_on__lte=last).order_by(
            "starts_on"
        )
    )
    if not reviews or any(review.status not in COUNTED_STATUSES for review in reviews):
        return []
    day = first
    for review in reviews:
        if review.starts_on != day:
            return []
        day = review.ends_on + datetime.timedelta(days=1)
    return reviews if day == last + datetime.timedelta(days=1) else []


def frozen_period(branch: Organization, period: Period) -> FrozenPeriod | None:
    """The branch's approved scores for ``period``; None while any part of it is not approved.

    Raises ``ValidationError`` (Chinese) when no rule set is in force for the cycle.
    """
    first, last = period_bounds(branch, period)
    reviews = _covering_reviews(branch, first, last)
    if not reviews:
        return None
    approvals = [
        review.approvals.select_related("review", "approved_by__member", "ruleset_version")
        .order_by("-round")
        .first()
        for review in reviews
    ]
    if any(approval is None for approval in approvals):
        return None
    approvals = [a for a in approvals if a is not None]
    order = {approval.pk: index for index, approval in enumerate(approvals)}
    by_member: defaultdict[int, list[FrozenScore]] = defaultdict(list)
    scores = FrozenScore.objects.filter(approval__in=approvals).select_related("member")
    for score in sorted(scores, key=lambda s: order[s.approval_id]):
        by_member[score.member_id].append(score)
    if len(approvals) == 1:
        rows = sorted((_row_as_frozen(scores[0]) for scores in by_member.values()), key=row_order)
    else:
        rows = _ranked(_row_put_together(scores) for scores in by_member.values())
    return FrozenPeriod(branch, period, approvals, rows)


def _breakdown(score: FrozenScore, key: str) -> dict[str, Decimal]:
    return {code: Decimal(value) for code, value in (score.breakdown or {}).get(key, {}).items()}


def _row_as_frozen(score: FrozenScore) -> ScoreRow:
    breakdown = score.breakdown or {}
    return ScoreRow(
        member=score.member,
        period_total=score.period_total,
        period_rank=score.period_rank,
        reference_rank=breakdown.get("reference_rank"),
        cycle_total=score.cycle_total,
        cycle_rank=score.cycle_rank,
        cycle_reference_rank=breakdown.get("cycle_reference_rank"),
        grade=score.grade,
        veto=bool(breakdown.get("veto")),
        items=_breakdown(score, "items"),
        categories=_breakdown(score, "categories"),
    )


def _row_put_together(scores: list[FrozenScore]) -> ScoreRow:
    """A member's figures over consecutive approved periods (oldest first).

    The core's period points add up to the cycle's, and a veto zeroes everything from the cycle's start
    to the period's end: so the sum of the periods' totals, or 0 when the last of them is vetoed. The
    cycle-to-date figures are those frozen at the end, by the last period.
    """
    last = _row_as_frozen(scores[-1])
    items: defaultdict[str, Decimal] = defaultdict(Decimal)
    categories: defaultdict[str, Decimal] = defaultdict(Decimal)
    for score in scores:
        for code, value in _breakdown(score, "items").items():
            items[code] += value
        for code, value in _breakdown(score, "categories").items():
            categories[code] += value
    total = ZERO if last.veto else sum((s.period_total for s in scores), ZERO)
    return ScoreRow(
        member=last.member,
        period_total=total,
        period_rank=None,
        reference_rank=None,
        cycle_total=last.cycle_total,
        cycle_rank=last.cycle_rank,
        cycle_reference_rank=last.cycle_reference_rank,
        grade=last.grade,
        veto=last.veto,
        items=dict(items),
        categories=dict(categories),
    )


def _is_ranked(member: Member) -> bool:
    """正式党员 and 预备党员 are ranked; 发展对象 and 入党积极分子 only for reference (002)."""
    return MEMBER_TYPES[member.kind].is_ranked


def _ranked(rows: Iterable[ScoreRow]) -> list[ScoreRow]:
    """Competition ranks over the put-together totals, as the core ranks a period's."""
    by_pk = {str(row.member.pk): row for row in rows}
    ranks = competition_ranks({pk: r.period_total for pk, r in by_pk.items() if _is_ranked(r.member)})
    reference = competition_ranks({pk: r.period_total for pk, r in by_pk.items() if not _is_ranked(r.member)})
    ranked = [
        replace(row, period_rank=ranks.get(pk), reference_rank=reference.get(pk)) for pk, row in by_pk.items()
    ]
    return sorted(ranked, key=row_order)


def row_order(row: ScoreRow) -> tuple:
    """Ranked members first in rank order, then those ranked for reference, then by name."""
    if row.period_rank is not None:
        return (0, row.period_rank, row.member.real_name, row.member.pk)
    return (1, row.reference_rank or 0, row.member.real_name, row.member.pk)


# ---------------------------------------------------------------- one branch: approved, else provisional

FROZEN, PROVISIONAL, PENDING, NO_RULES = "frozen", "provisional", "pending", "no_rules"


@dataclass(frozen=True)
class BranchScores:
    """A branch's scores for a period: frozen when approved, else computed now by the core (待审定)."""

    branch: Organization
    period: Period
    first: datetime.date
    last: datetime.date
    state: str
    approvals: list[PeriodApproval]
    rows: list[ScoreRow]
    versions: list[RuleSetVersion]  # the rule versions the figures were computed under
    computed_at: datetime.datetime | None = None


def branch_period_scores(branch: Organization, period: Period) -> BranchScores:
    """Raises ``ValidationError`` (Chinese) when the core cannot score the branch's period."""
    first, last = period_bounds(branch, period)
    frozen = frozen_period(branch, period)
    if frozen is not None:
        versions = [approval.ruleset_version for approval in frozen.approvals]
        return BranchScores(branch, period, first, last, FROZEN, frozen.approvals, frozen.rows, versions)
    result = branch_scores(branch, period.cycle, period)
    members = Member.objects.in_bulk([int(score.member) for score in result.scores])
    rows = sorted(
        (_row_computed(score, members[int(score.member)]) for score in result.scores), key=row_order
    )
    version = ruleset_version_current(ruleset_in_force(branch, period.cycle))
    return BranchScores(branch, period, first, last, PROVISIONAL, [], rows, [version], timezone.now())


def _row_computed(score: PeriodScore, member: Member) -> ScoreRow:
    return ScoreRow(
        member=member,
        period_total=score.total,
        period_rank=score.rank,
        reference_rank=score.reference_rank,
        cycle_total=score.to_date.total,
        cycle_rank=score.to_date.rank,
        cycle_reference_rank=score.to_date.reference_rank,
        grade=score.to_date.grade or "",
        veto=score.veto,
        items=dict(score.item_subtotals),
        categories=dict(score.category_subtotals),
    )


def names_under(versions: Iterable[RuleSetVersion]) -> tuple[dict[str, str], dict[str, str]]:
    """Item and category names (code → name) under the versions' effective rules, later ones winning."""
    items: dict[str, str] = {}
    categories: dict[str, str] = {}
    for version in versions:
        rules = effective_ruleset(version)
        items.update({item.code: item.name for item in rules.items})
        categories.update({category.code: category.name for category in rules.categories})
    return items, categories


# ---------------------------------------------------------------- organization-wide


@dataclass(frozen=True)
class BranchSummary:
    """One branch of the organization for the period: approved (frozen), not yet (pending), or no rules."""

    branch: Organization
    state: str
    frozen: FrozenPeriod | None = None


@dataclass
class OrganizationScores:
    organization: Organization
    period: Period
    branches: list[BranchSummary] = field(default_factory=list)

    @property
    def ranked_by(self) -> str:
        """The cycle is ranked by its total (base, carry-over and 民主评议 included); shorter periods by
        their own points."""
        return "cycle_total" if self.period.kind is PeriodKind.CYCLE else "period_total"


def branches_below(organization: Organization) -> QuerySet[Organization]:
    return Organization.objects.filter(
        path__startswith=organization.path, kind=Organization.Kind.BRANCH
    ).order_by("path")


def organization_scores(organization: Organization, period: Period) -> OrganizationScores:
    result = OrganizationScores(organization, period)
    for branch in branches_below(organization):
        try:
            frozen = frozen_period(branch, period)
        except ValidationError:
            result.branches.append(BranchSummary(branch, NO_RULES))
            continue
        result.branches.append(BranchSummary(branch, FROZEN if frozen else PENDING, frozen))
    return result
