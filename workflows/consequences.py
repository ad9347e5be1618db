"""需关注: what the regulations attach to a branch's ranks, shown to the committee at 审定 and to the
higher committee at 备案 — computed by the scoring core, never applied to anyone silently.

- 001: last in the branch's quarterly ranking 4 times in a row → 不合格 candidate; a 预备党员 last twice,
  or once in an organization-wide half-year ranking (``reports.rankings``) → not admitted on time (the
  figures are the rule set's ``rank_rules``);
- 002 (质检): a 预备党员's cycle total decides the outcome (the rule set's ``probation`` thresholds);
- 002: a member new to the organization during the cycle: the months before scored at the branch's
  average (a proposal for the committee to record).
"""

from __future__ import annotations

from dataclasses import dataclass

from accounts.models import BranchMembership, Member
from scoring.core.consequences import new_member_backfill, probation_outcomes, rank_flags
from scoring.core.engine import PeriodResult
from scoring.core.periods import Period, PeriodKind
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.core.ruleset import fmt
from scoring.selectors import branch_scores, events_for, member_info, members_scored_in
from workflows.models import FrozenScore, PeriodApproval, PeriodReview


@dataclass(frozen=True)
class Attention:
    name: str
    what: str
    why: str


def _frozen_quarter_ranks(review: PeriodReview) -> list[dict[str, int]]:
    """The branch's approved quarterly rankings before ``review``, oldest first (latest round of each)."""
    earlier = PeriodReview.objects.filter(
        branch=review.branch, period_kind=PeriodKind.QUARTER.value, ends_on__lt=review.starts_on
    ).order_by("ends_on")
    rankings = []
    for earlier_review in earlier:
        approval = PeriodApproval.objects.filter(review=earlier_review).order_by("-round").first()
        if approval is None:
            continue  # a quarter never approved breaks no run: it simply has no ranking
        scores = FrozenScore.objects.filter(approval=approval, period_rank__isnull=False)
        rankings.append({str(s.member_id): s.period_rank for s in scores})
    return rankings


def _organization_ranks(review: PeriodReview) -> list[dict[str, int]]:
    """The organization-wide half-year rankings (全委排名) of the cycle complete by the period's end."""
    from reports.rankings import organization_period_ranks  # the rankings read the workflow's models

    return organization_period_ranks(review.branch, review.ends_on, review.cycle)


def period_attention(review: PeriodReview, rules: CoreRuleSet, result: PeriodResult) -> list[Attention]:
    """The flags for the period being approved, with the members' names."""
    members = {str(m.pk): m for m in Member.objects.filter(branch=review.branch)}
    attention: list[Attention] = []
    if review.period_kind == PeriodKind.QUARTER.value:
        rankings = [*_frozen_quarter_ranks(review), result.ranks()]
        probationary = {pk for pk, m in members.items() if m.kind == Member.Kind.PROBATIONARY}
        for flag in rank_flags(
            rules,
            branch_quarterly_ranks=rankings,
            organization_ranks=_organization_ranks(review),
            probationary=probationary,
            full_members={pk for pk, m in members.items() if m.kind == Member.Kind.FULL},
        ):
            attention.append(Attention(_name(members, flag.member), str(flag.kind), flag.reason))
    period = Period(review.cycle, PeriodKind(review.period_kind), review.period_index)
    if period.last_month == 12 and rules.probation:
        attention += _probation(review, rules, members)
    attention += _new_members(review, rules)
    return attention


def _probation(review: PeriodReview, rules: CoreRuleSet, members: dict[str, Member]) -> list[Attention]:
    """预备党员's outcome on the year's total — which holds the 民主评议 where the rules have one, so until
    it is approved the outcome waits for the 年度总评 rather than being guessed from the points alone."""
    from yearend.standings import evaluation_inputs  # the year-end reads the workflow's models

    evaluations = evaluation_inputs(review.branch, review.cycle) if rules.evaluation is not None else {}
    if rules.evaluation is not None and not evaluations:
        return [
            Attention(
                member.real_name, "转正建议待年度总评", "预备党员按含民主评议的年度总分确定，民主评议尚未审定"
            )
            for member in members.values()
            if member.kind == Member.Kind.PROBATIONARY
        ]
    cycle_result = branch_scores(review.branch, review.cycle, evaluations=evaluations or None)
    return [
        Attention(_name(members, pk), outcome, f"预备党员年度积分 {fmt(cycle_result[pk].total)} 分")
        for pk, outcome in probation_outcomes(rules, cycle_result).items()
    ]


def _newcomers(review: PeriodReview, first) -> list[tuple[Member, object]]:
    """Members whose first spell in any branch began in this branch during the cycle: new to the
    organization, so nothing scored them before (a transfer keeps the old branch's record instead)."""
    spells = BranchMembership.objects.filter(
        branch=review.branch, start__gt=first, start__lte=review.ends_on
    ).select_related("member")
    newcomers = []
    for spell in spells:
        if not BranchMembership.objects.filter(member=spell.member, start__lt=spell.start).exists():
            newcomers.append((spell.member, spell.start))
    return newcomers


def _new_members(review: PeriodReview, rules: CoreRuleSet) -> list[Attention]:
    first, last = Period(review.cycle, PeriodKind.CYCLE).bounds(rules)
    newcomers = _newcomers(review, first)
    if not newcomers:
        return []
    infos = [member_info(m) for m in members_scored_in(review.branch, first, last)]
    events = events_for(review.branch, review.cycle)
    attention = []
    for member, joined in newcomers:
        backfill = new_member_backfill(
            rules, infos, events, member=str(member.pk), joined=joined, cycle=review.cycle
        )
        if backfill.months:
            months = len(backfill.months)
            attention.append(
                Attention(
                    member.real_name,
                    "新党员补记积分（建议）",
                    f"入党前 {months} 个月按支部同期平均计 {fmt(backfill.total)} 分，经支委会同意后登记",
                )
            )
    return attention


def _name(members: dict[str, Member], pk: str) -> str:
    member = members.get(pk)
    return member.real_name if member else pk
