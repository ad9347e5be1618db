"""A branch's scores of a period as the API shows them, and an organization's branches for a period.

Approved (审定) figures come from ``reports.rankings`` — the one home of "which frozen rows make up a
period, what its total is, how it ranks" (a half-year of approved quarters, the cycle…). A period not
approved yet is computed now by the scoring core from the ledger (``scoring.selectors.branch_scores``)
and marked provisional. For the cycle itself the period's total is the cycle total (base, carry-over and
民主评议 included), as the core and the rankings rank a cycle.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.utils import timezone

from accounts.models import Member, Organization
from reports.rankings import (
    ApprovedPeriod,
    BranchState,
    OrganizationRanking,
    Standing,
    approved_period,
    branch_ranking,
    organization_ranking_status,
    period_standings,
)
from scoring.core.engine import MemberScore, PeriodScore
from scoring.core.periods import Period, PeriodKind
from scoring.models import RuleSetVersion
from scoring.selectors import branch_scores, effective_ruleset, ruleset_in_force, ruleset_version_current
from workflows.models import FrozenScore, PeriodApproval
from workflows.periods import cycle_rules

FROZEN, PROVISIONAL = "frozen", "provisional"


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
    first, last = period.bounds(cycle_rules(branch, period.cycle))
    approved = approved_period(branch, period)
    if approved is not None:
        versions = [approval.ruleset_version for approval in approved.approvals]
        rows = _approved_rows(approved)
        return BranchScores(branch, period, first, last, FROZEN, approved.approvals, rows, versions)
    version = ruleset_version_current(ruleset_in_force(branch, period.cycle))
    if period.kind is PeriodKind.CYCLE:
        scores = branch_scores(branch, period.cycle).scores
    else:
        scores = branch_scores(branch, period.cycle, period).scores
    members = Member.objects.in_bulk([int(score.member) for score in scores])
    rows = [_row_computed(score, members[int(score.member)]) for score in scores]
    return BranchScores(branch, period, first, last, PROVISIONAL, [], rows, [version], timezone.now())


def _approved_rows(approved: ApprovedPeriod) -> list[ScoreRow]:
    """Each member's approved figures: the total and ranks of ``reports.rankings``, the cycle-to-date
    figures frozen at the period's end, and the items and categories of the periods added up (the core's
    period subtotals are increments of the cycle-to-date ones)."""
    ranks = {row.member.pk: row.rank for row in branch_ranking(approved.branch, approved.period)}
    reference = {
        row.member.pk: row.rank for row in branch_ranking(approved.branch, approved.period, reference=True)
    }
    rows = []
    for standing in period_standings(approved):
        scores = approved.scores[standing.member.pk]
        rows.append(
            _row_approved(standing, scores, ranks.get(standing.member.pk), reference.get(standing.member.pk))
        )
    return rows


def _row_approved(
    standing: Standing, scores: list[FrozenScore], rank: int | None, reference_rank: int | None
) -> ScoreRow:
    last = standing.last
    breakdown = last.breakdown or {}
    return ScoreRow(
        member=standing.member,
        period_total=standing.total,
        period_rank=rank,
        reference_rank=reference_rank,
        cycle_total=last.cycle_total,
        cycle_rank=last.cycle_rank,
        cycle_reference_rank=breakdown.get("cycle_reference_rank"),
        grade=last.grade,
        veto=bool(breakdown.get("veto")),
        items=_added(scores, "items"),
        categories=_added(scores, "categories"),
    )


def _added(scores: list[FrozenScore], key: str) -> dict[str, Decimal]:
    total: defaultdict[str, Decimal] = defaultdict(Decimal)
    for score in scores:
        for code, value in (score.breakdown or {}).get(key, {}).items():
            total[code] += Decimal(value)
    return dict(total)


def _row_computed(score: PeriodScore | MemberScore, member: Member) -> ScoreRow:
    to_date = score.to_date if isinstance(score, PeriodScore) else score
    return ScoreRow(
        member=member,
        period_total=score.total,
        period_rank=score.rank,
        reference_rank=score.reference_rank,
        cycle_total=to_date.total,
        cycle_rank=to_date.rank,
        cycle_reference_rank=to_date.reference_rank,
        grade=to_date.grade or "",
        veto=score.veto,
        items=dict(score.item_subtotals),
        categories=dict(score.category_subtotals),
    )


def row_order(row: ScoreRow) -> tuple:
    """Ranked members first in rank order, then those ranked for reference, then by name."""
    if row.period_rank is not None:
        return (0, row.period_rank, row.member.real_name, row.member.pk)
    return (1, row.reference_rank or 0, row.member.real_name, row.member.pk)


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


def ranked_by(period: Period) -> str:
    """Which figure a period's totals and rankings use: the cycle total for the cycle, else the period's."""
    return "cycle_total" if period.kind is PeriodKind.CYCLE else "period_total"


def branch_totals(state: BranchState) -> list[Decimal]:
    """The approved totals of a branch for the period (as ranked); [] while not approved."""
    return [standing.total for standing in period_standings(state.approved)] if state.approved else []


def organization_scores(organization: Organization, period: Period) -> OrganizationRanking:
    """The organization's branches for the period: each approved (with its approvals) or why not."""
    return organization_ranking_status(organization, period)
