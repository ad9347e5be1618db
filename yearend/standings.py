"""年度总评的计算: a branch's year as the scoring core sees it — the approved points of the cycle, the
carry-over from last year, the approved 民主评议, the year's rankings — computed, not stored. What counts is
frozen at 审定 in ``AnnualResult``; these are the figures the committee grades from and the 公示 shows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Max

from accounts.models import Member, Organization
from scoring.core.annual import AnnualResult as CoreAnnualResult
from scoring.core.annual import annual_result
from scoring.core.periods import Period, PeriodKind, cycle_bounds
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.models import RuleSetVersion
from scoring.selectors import (
    _check_items_known,
    effective_ruleset,
    events_for,
    member_info,
    members_scored_in,
    ruleset_in_force,
    ruleset_version_current,
)
from yearend.models import AnnualResult, AnnualReview, CarryOverFigure, EvaluationResult, EvaluationSession

COUNTED_REVIEW_STATUSES = (
    AnnualReview.Status.APPROVED,
    AnnualReview.Status.RATIFIED,
    AnnualReview.Status.ARCHIVED,
)


@dataclass(frozen=True)
class YearInputs:
    """Everything the core is given for a branch's year, kept to show where each figure came from."""

    version: RuleSetVersion
    rules: CoreRuleSet
    evaluations: Mapping[str, str | Decimal]
    last_totals: Mapping[str, Decimal]
    carry_over_sources: Mapping[str, str]  # member → "2025年度总评" / "导入：…"
    branch_quarterly_ranks: list[dict[str, int]]
    organization_ranks: list[dict[str, int]]


def evaluation_inputs(branch: Organization, cycle: int) -> dict[str, str | Decimal]:
    """member (pk as text) → the approved 评议等次 (levels) or 得分 (score) of the branch's session."""
    session = EvaluationSession.objects.filter(
        branch=branch, cycle=cycle, status=EvaluationSession.Status.APPROVED
    ).first()
    if session is None:
        return {}
    return {
        str(result.member_id): (result.level if result.level else result.score)
        for result in EvaluationResult.objects.filter(session=session)
    }


def last_year_totals(member_ids: list[int], cycle: int) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Last cycle's total of each member, for the carry-over: the approved annual result of that year
    (latest round, whichever branch the member was in), else a figure entered for the first year."""
    totals: dict[str, Decimal] = {}
    sources: dict[str, str] = {}
    previous = AnnualResult.objects.filter(
        member_id__in=member_ids, review__cycle=cycle - 1, review__status__in=COUNTED_REVIEW_STATUSES
    )
    latest = previous.values("review_id").annotate(round=Max("round"))
    rounds = {row["review_id"]: row["round"] for row in latest}
    for result in previous.select_related("review"):
        if result.round == rounds[result.review_id]:
            totals[str(result.member_id)] = result.total
            sources[str(result.member_id)] = f"{cycle - 1}年度总评"
    for figure in CarryOverFigure.objects.filter(member_id__in=member_ids, cycle=cycle - 1):
        key = str(figure.member_id)
        if key not in totals:
            totals[key] = figure.total
            sources[key] = f"导入：{figure.note}" if figure.note else "导入"
    return totals, sources


def quarterly_branch_ranks(branch: Organization, cycle: int) -> list[dict[str, int]]:
    """The branch's approved quarterly rankings of the cycle, oldest first (what 001's rules read)."""
    from reports.rankings import branch_ranking  # rankings read the workflow's approved scores

    rankings = []
    for index in (1, 2, 3, 4):
        rows = branch_ranking(branch, Period(cycle, PeriodKind.QUARTER, index))
        if rows:
            rankings.append({str(row.member.pk): row.rank for row in rows})
    return rankings


def year_inputs(branch: Organization, cycle: int, version: RuleSetVersion | None = None) -> YearInputs:
    from reports.rankings import organization_period_ranks

    version = version or ruleset_version_current(ruleset_in_force(branch, cycle))
    rules = effective_ruleset(version)
    _, last = cycle_bounds(rules, cycle)
    members = list(members_scored_in(branch, *cycle_bounds(rules, cycle)).values_list("pk", flat=True))
    totals, sources = last_year_totals(members, cycle) if rules.carry_over is not None else ({}, {})
    return YearInputs(
        version=version,
        rules=rules,
        evaluations=evaluation_inputs(branch, cycle) if rules.evaluation is not None else {},
        last_totals=totals,
        carry_over_sources=sources,
        branch_quarterly_ranks=quarterly_branch_ranks(branch, cycle),
        organization_ranks=organization_period_ranks(branch, last, cycle),
    )


def branch_year(branch: Organization, cycle: int, inputs: YearInputs | None = None) -> CoreAnnualResult:
    """The core's 年度总评 of the branch: every member's points, carry-over, evaluation, total, suggested
    等次, rank, flags and probation outcome."""
    inputs = inputs or year_inputs(branch, cycle)
    first, last = cycle_bounds(inputs.rules, cycle)
    members = [member_info(member) for member in members_scored_in(branch, first, last)]
    events = events_for(branch, cycle)
    _check_items_known(inputs.rules, events)
    return annual_result(
        inputs.rules,
        members,
        events,
        cycle=cycle,
        evaluations=inputs.evaluations,
        last_totals=inputs.last_totals,
        branch_quarterly_ranks=inputs.branch_quarterly_ranks,
        organization_ranks=inputs.organization_ranks,
    )


def members_by_pk(result: CoreAnnualResult) -> dict[str, Member]:
    pks = [int(standing.member) for standing in result.standings]
    return {str(member.pk): member for member in Member.objects.filter(pk__in=pks).select_related("user")}
