"""排名: a branch's ranking and the organization-wide ranking (全委排名) of a period, from approved scores.

The one home of rankings outside the scoring core. Every figure comes from ``FrozenScore`` rows of the
latest approval round of each approved period (审定) — never recomputed from the ledger, so a later ledger
change cannot move an approved rank. Ranks are the core's competition ranks (1, 2, 2, 4).

- 正式党员 and 预备党员 are ranked; 发展对象 and 入党积极分子 only among themselves, for reference (002):
  ``reference=True`` asks for that ranking instead.
- A period longer than the branch's review period (a half-year of quarters, the cycle) is approved for a
  branch once its approved reviews cover it exactly; the member's total is then the sum of the periods'
  totals, or 0 when the last of them is vetoed (the core's period points add up to the longer period's,
  and a veto zeroes everything from the cycle's start). The cycle itself ranks by the cycle total (base,
  carry-over and 民主评议 included), as the core ranks a cycle.
- The organization-wide ranking takes every branch below the organization and exists only once the
  period is approved in all of them; until then ``organization_ranking_status`` says which are not.
  Whoever calls these checks the caller's scope first (``accounts.access.may(user, "view_scores", org)``).

Period codes follow ``scoring.core.periods``: ``2026``, ``2026-H1``, ``2026-Q3``, ``2026-M07``.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from accounts.models import Member, Organization
from scoring.core.periods import MONTHS_IN, Period, PeriodKind, parse_period
from scoring.core.ranking import competition_ranks
from scoring.selectors import ruleset_in_force
from workflows.member_selectors import COUNTED_STATUSES
from workflows.models import FrozenScore, PeriodApproval, PeriodReview
from workflows.periods import cycle_rules, period_containing

ZERO = Decimal(0)

NO_RULES = "未施行{cycle}年度积分细则"
NOT_STARTED = "{label}尚未发起公示"
NOT_APPROVED = "{label}{status}"
NOT_COVERED = "审定周期与所选期间不一致"


@dataclass(frozen=True)
class RankingRow:
    """One place in a ranking (排名): member, their branch, the period's total, rank and grade (等次).

    ``reference`` marks a row of the reference ranking of 发展对象 and 入党积极分子 (参考排名).
    """

    member: Member
    branch: Organization
    total: Decimal
    rank: int
    grade: str
    reference: bool = False
    veto: bool = False


@dataclass(frozen=True)
class ApprovedPeriod:
    """One branch's approved scores over a period: the latest approval of each review that covers it,
    oldest first, and each member's frozen scores under them, oldest first."""

    branch: Organization
    period: Period
    first: datetime.date
    last: datetime.date
    approvals: list[PeriodApproval]
    scores: dict[int, list[FrozenScore]]


@dataclass(frozen=True)
class BranchState:
    """A branch of an organization-wide ranking: approved for the period, or why not (Chinese)."""

    branch: Organization
    approved: ApprovedPeriod | None
    reason: str = ""


@dataclass(frozen=True)
class OrganizationRanking:
    """全委排名 of a period: the branches below the organization and, once all are approved, the rows."""

    organization: Organization
    period: Period
    branches: list[BranchState]
    rows: list[RankingRow]
    reference_rows: list[RankingRow]

    @property
    def complete(self) -> bool:
        return bool(self.branches) and all(state.approved for state in self.branches)

    @property
    def pending(self) -> list[BranchState]:
        return [state for state in self.branches if state.approved is None]

    @property
    def approvals(self) -> list[PeriodApproval]:
        return [a for state in self.branches if state.approved for a in state.approved.approvals]


# ---------------------------------------------------------------- reading a period code


def period_from(code: str | Period) -> Period:
    """The period a code names; a ``ValidationError`` with the core's Chinese message otherwise."""
    if isinstance(code, Period):
        return code
    try:
        return parse_period(code)
    except ValueError as error:
        raise ValidationError(str(error)) from None


# ---------------------------------------------------------------- one branch's approved scores


def _covering(branch: Organization, first: datetime.date, last: datetime.date) -> list[PeriodReview]:
    """The branch's reviews inside [first, last], oldest first, if they tile it exactly; else []."""
    reviews = list(
        PeriodReview.objects.filter(branch=branch, starts_on__gte=first, ends_on__lte=last).order_by(
            "starts_on"
        )
    )
    day = first
    for review in reviews:
        if review.starts_on != day:
            return []
        day = review.ends_on + datetime.timedelta(days=1)
    return reviews if day == last + datetime.timedelta(days=1) else []


def _not_approved_reason(branch: Organization, period: Period) -> str:
    """Why the branch has not approved the period: the first part not approved, and its state."""
    try:
        first, last = period.bounds(cycle_rules(branch, period.cycle))
    except ValidationError:
        return NO_RULES.format(cycle=period.cycle)
    overlapping = PeriodReview.objects.filter(branch=branch, starts_on__lte=last, ends_on__gte=first)
    if overlapping.filter(Q(starts_on__lt=first) | Q(ends_on__gt=last)).exists():
        return NOT_COVERED  # e.g. a quarter asked of a branch that reviews half-years
    day = first
    for review in overlapping.order_by("starts_on"):
        if review.starts_on != day:
            break  # a gap: the part from ``day`` was never posted
        if review.status not in COUNTED_STATUSES:
            return NOT_APPROVED.format(label=review.label, status=review.get_status_display())
        day = review.ends_on + datetime.timedelta(days=1)
    try:
        label = period_containing(branch, day).label()
    except ValidationError:
        label = ""
    return NOT_STARTED.format(label=label)


def approved_period(branch: Organization, period: Period) -> ApprovedPeriod | None:
    """The branch's approved scores for ``period``; None while any part of it is not approved (审定)."""
    try:
        first, last = period.bounds(cycle_rules(branch, period.cycle))
    except ValidationError:
        return None  # no rule set in force: nothing was ever approved under it
    reviews = _covering(branch, first, last)
    if not reviews or any(review.status not in COUNTED_STATUSES for review in reviews):
        return None
    approvals = []
    for review in reviews:
        approval = review.approvals.select_related("approved_by").order_by("-round").first()
        if approval is None:
            return None
        approvals.append(approval)
    order = {approval.pk: index for index, approval in enumerate(approvals)}
    scores: defaultdict[int, list[FrozenScore]] = defaultdict(list)
    frozen = FrozenScore.objects.filter(approval__in=approvals).select_related("member", "approval__review")
    for score in sorted(frozen, key=lambda s: (order[s.approval_id], s.pk)):
        scores[score.member_id].append(score)
    return ApprovedPeriod(branch, period, first, last, approvals, dict(scores))


# ---------------------------------------------------------------- rankings


@dataclass(frozen=True)
class Standing:
    """A member's figures in one branch over the period, before ranking: the period's total and their
    last frozen score in it (grade, cycle-to-date total, veto)."""

    member: Member
    branch: Organization
    total: Decimal
    last: FrozenScore

    @property
    def ranked(self) -> bool:
        """Ranked as 正式党员 / 预备党员 at the period's last approval (the core ranked every such member)."""
        return self.last.period_rank is not None


def _standing(approved: ApprovedPeriod, scores: list[FrozenScore]) -> Standing:
    last = scores[-1]
    if approved.period.kind is PeriodKind.CYCLE:
        total = last.cycle_total
    elif (last.breakdown or {}).get("veto"):
        total = ZERO
    else:
        total = sum((score.period_total for score in scores), ZERO)
    return Standing(last.member, approved.branch, total, last)


def period_standings(approved: ApprovedPeriod) -> list[Standing]:
    """Every member scored in the branch's approved period, with the period's total."""
    return [_standing(approved, scores) for scores in approved.scores.values()]


def _later(a: Standing, b: Standing) -> Standing:
    """Of one member's standings in two branches, the one that describes them at the period's end."""
    key_a = (a.last.approval.review.ends_on, a.member.branch_id == a.branch.pk)
    key_b = (b.last.approval.review.ends_on, b.member.branch_id == b.branch.pk)
    return a if key_a >= key_b else b


def _combined(standings: list[Standing], period: Period) -> list[Standing]:
    """One standing per member across branches: a member who moved in the period has one in each.

    The period's points add up; the cycle total is the one of the branch they ended the period in
    (each branch's cycle total holds the base points, so adding them would count those twice).
    """
    by_member: dict[int, Standing] = {}
    for standing in standings:
        seen = by_member.get(standing.member.pk)
        if seen is None:
            by_member[standing.member.pk] = standing
            continue
        later = _later(seen, standing)
        total = later.total if period.kind is PeriodKind.CYCLE else seen.total + standing.total
        by_member[standing.member.pk] = Standing(later.member, later.branch, total, later.last)
    return list(by_member.values())


def _ranked(standings: list[Standing], *, reference: bool) -> list[RankingRow]:
    chosen = {str(s.member.pk): s for s in standings if s.ranked != reference}
    ranks = competition_ranks({pk: s.total for pk, s in chosen.items()})
    rows = [
        RankingRow(
            member=s.member,
            branch=s.branch,
            total=s.total,
            rank=ranks[pk],
            grade=s.last.grade,
            reference=reference,
            veto=bool((s.last.breakdown or {}).get("veto")),
        )
        for pk, s in chosen.items()
    ]
    return sorted(rows, key=lambda row: (row.rank, row.member.real_name, row.member.pk))


def branch_ranking(
    branch: Organization, period_code: str | Period, *, reference: bool = False
) -> list[RankingRow]:
    """支部排名 of the period from its approved scores; [] until the period is approved in the branch."""
    approved = approved_period(branch, period_from(period_code))
    if approved is None:
        return []
    return _ranked(period_standings(approved), reference=reference)


def branches_below(organization: Organization) -> QuerySet[Organization]:
    """The branches (党支部) of the organization's subtree, the organization itself if it is one."""
    return Organization.objects.filter(
        path__startswith=organization.path, kind=Organization.Kind.BRANCH
    ).order_by("path")


def organization_ranking_status(organization: Organization, period_code: str | Period) -> OrganizationRanking:
    """全委排名 with its branches: the rows once every branch below has approved the period, and
    for each branch not yet there, why (未施行细则 / 尚未发起公示 / 公示中 / 备案退回 …)."""
    period = period_from(period_code)
    states = []
    for branch in branches_below(organization):
        approved = approved_period(branch, period)
        reason = "" if approved else _not_approved_reason(branch, period)
        states.append(BranchState(branch, approved, reason))
    if not states or any(state.approved is None for state in states):
        return OrganizationRanking(organization, period, states, [], [])
    standings = _combined([s for state in states for s in period_standings(state.approved)], period)
    return OrganizationRanking(
        organization,
        period,
        states,
        _ranked(standings, reference=False),
        _ranked(standings, reference=True),
    )


def organization_ranking(
    organization: Organization, period_code: str | Period, *, reference: bool = False
) -> list[RankingRow]:
    """全委排名: 正式党员 and 预备党员 of every branch below, competition-ranked across the organization;
    [] until the period is approved in all of them (see :func:`organization_ranking_status`)."""
    status = organization_ranking_status(organization, period_code)
    return status.reference_rows if reference else status.rows


# ---------------------------------------------------------------- for what the rules attach to ranks


def unified_rules_organization(branch: Organization, cycle: int) -> Organization | None:
    """The organization whose unified rules (统一细则) the branch follows in the cycle: the owner of the
    rule set at the top of its ``extends`` chain. "Organization-wide" means everyone under those rules."""
    ruleset = ruleset_in_force(branch, cycle)
    if ruleset is None:
        return None
    while ruleset.parent_id is not None:
        ruleset = ruleset.parent
    return ruleset.organization


def organization_period_ranks(branch: Organization, until: datetime.date, cycle: int) -> list[dict[str, int]]:
    """The complete organization-wide rankings (全委排名) of the cycle ended by ``until``, oldest first, as
    member (primary key as text) → rank — what ``scoring.core.consequences.rank_flags`` reads.

    Their rhythm is the organization's ``ReviewSettings.ranking_kind`` (二七区: every half-year)."""
    from workflows.escalation import review_settings_for

    organization = unified_rules_organization(branch, cycle)
    if organization is None or organization.pk == branch.pk:
        return []  # a branch under rules of its own has no organization-wide ranking above it
    kind = PeriodKind(review_settings_for(organization).ranking_kind)
    rankings = []
    for index in range(1, 12 // MONTHS_IN[kind] + 1):
        period = Period(cycle, kind, index)
        if period.bounds(cycle_rules(branch, cycle))[1] > until:
            continue
        status = organization_ranking_status(organization, period)
        if status.complete:
            rankings.append({str(row.member.pk): row.rank for row in status.rows})
    return rankings
