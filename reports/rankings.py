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

import contextlib
import datetime
import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum

from accounts.models import Member, Organization
from reports.models import StoredRanking, StoredRankingRow
from scoring.core.periods import MONTHS_IN, Period, PeriodKind, cycle_bounds, parse_period, period_of
from scoring.core.ranking import competition_ranks
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.models import RuleSet, RuleSetVersion
from scoring.selectors import effective_ruleset, members_scored_in, ruleset_in_force
from workflows.member_selectors import COUNTED_STATUSES
from workflows.models import FrozenScore, PeriodApproval, PeriodReview, ReviewSettings
from workflows.periods import cycle_rules

ZERO = Decimal(0)
ANALYZE_FROM = 10_000  # stored rows from which the table's statistics are taken again

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


# ---------------------------------------------------------------- what the branches below share, read once


def _paths_up(organization: Organization) -> list[str]:
    """The paths of the organization and those above it, the root's first."""
    step = Organization.steplen
    return [organization.path[:n] for n in range(step, len(organization.path) + 1, step)]


def _here_below_or_above(organization: Organization, prefix: str = "") -> Q:
    """The organizations whose rules or settings may reach a branch below ``organization``."""
    return Q(**{f"{prefix}path__startswith": organization.path}) | Q(
        **{f"{prefix}path__in": _paths_up(organization)}
    )


@dataclass
class _Surroundings:
    """The rule sets in force (with their current versions) and the review settings of an organization,
    those below and those above it — what ``cycle_rules``, ``rules_on`` and ``review_settings_for`` ask of
    each branch, read in three queries for all of them (unified rules: the branches share the versions)."""

    organization: Organization
    rulesets: dict[str, list[RuleSet]]  # organization path → its rule sets in force, cycles around
    versions: dict[int, RuleSetVersion]  # rule set → its current version
    _settings: dict[str, ReviewSettings] | None = None

    @classmethod
    def read(cls, organization: Organization, cycle: int) -> _Surroundings:
        # A day of the cycle, or the day after it, belongs to a cycle of its year or the next (rules_on).
        found = RuleSet.objects.filter(
            _here_below_or_above(organization, "organization__"),
            in_force=True,
            cycle__in=range(cycle - 1, cycle + 3),
        ).select_related("organization")
        rulesets: defaultdict[str, list[RuleSet]] = defaultdict(list)
        for ruleset in found:
            rulesets[ruleset.organization.path].append(ruleset)
        latest = (
            RuleSetVersion.objects.filter(ruleset=OuterRef("ruleset")).order_by("-number").values("number")
        )
        versions = RuleSetVersion.objects.filter(
            ruleset__in=[rs.pk for sets in rulesets.values() for rs in sets], number=Subquery(latest[:1])
        ).select_related("parent_version")
        return cls(organization, dict(rulesets), {version.ruleset_id: version for version in versions})

    def cycle_rules(self, branch: Organization, cycle: int) -> CoreRuleSet | None:
        """``workflows.periods.cycle_rules`` of the branch (None where it raises: no rules in force)."""
        for path in reversed(_paths_up(branch)):  # nearest first
            for ruleset in self.rulesets.get(path, ()):
                if ruleset.cycle == cycle:
                    version = self.versions.get(ruleset.pk)
                    return effective_ruleset(version) if version is not None else None
        return None

    def rules_on(self, branch: Organization, day: datetime.date) -> CoreRuleSet | None:
        """``scoring.selectors.version_in_force`` of the branch on ``day``, as effective rules."""
        candidates = [
            ruleset
            for path in _paths_up(branch)
            for ruleset in self.rulesets.get(path, ())
            if ruleset.cycle in (day.year, day.year + 1) and ruleset.pk in self.versions
        ]
        candidates.sort(key=lambda rs: (-len(rs.organization.path), -rs.cycle, rs.pk))
        for ruleset in candidates:
            rules = effective_ruleset(self.versions[ruleset.pk])
            first, last = cycle_bounds(rules, ruleset.cycle)
            if first <= day <= last:
                return rules
        return None

    def review_settings(self, branch: Organization) -> ReviewSettings:
        """``workflows.escalation.review_settings_for`` of the branch."""
        if self._settings is None:
            found = ReviewSettings.objects.filter(_here_below_or_above(self.organization, "organization__"))
            self._settings = {s.organization.path: s for s in found.select_related("organization")}
        for path in reversed(_paths_up(branch)):
            if path in self._settings:
                return self._settings[path]
        return ReviewSettings(organization=branch)

    def period_label(self, branch: Organization, day: datetime.date) -> str:
        """The label of the branch's review period containing ``day`` (``period_containing``); "" without
        rules in force."""
        rules = self.rules_on(branch, day)
        if rules is None:
            return ""
        return period_of(day, PeriodKind(self.review_settings(branch).period_kind), rules).label()


# ---------------------------------------------------------------- the branches' approved scores


def _covering(reviews: list[PeriodReview], first: datetime.date, last: datetime.date) -> list[PeriodReview]:
    """Of a branch's reviews (oldest first), those inside [first, last] if they tile it exactly; else []."""
    inside = [review for review in reviews if review.starts_on >= first and review.ends_on <= last]
    day = first
    for review in inside:
        if review.starts_on != day:
            return []
        day = review.ends_on + datetime.timedelta(days=1)
    return inside if day == last + datetime.timedelta(days=1) else []


def _reason(
    surroundings: _Surroundings,
    branch: Organization,
    bounds: tuple[datetime.date, datetime.date] | None,
    reviews: list[PeriodReview],
    period: Period,
) -> str:
    """Why the branch has not approved the period: the first part not approved, and its state."""
    if bounds is None:
        return NO_RULES.format(cycle=period.cycle)
    first, last = bounds
    overlapping = [review for review in reviews if review.starts_on <= last and review.ends_on >= first]
    if any(review.starts_on < first or review.ends_on > last for review in overlapping):
        return NOT_COVERED  # e.g. a quarter asked of a branch that reviews half-years
    day = first
    for review in overlapping:
        if review.starts_on != day:
            break  # a gap: the part from ``day`` was never posted
        if review.status not in COUNTED_STATUSES:
            return NOT_APPROVED.format(label=review.label, status=review.get_status_display())
        day = review.ends_on + datetime.timedelta(days=1)
    return NOT_STARTED.format(label=surroundings.period_label(branch, day))


def _branch_states(
    organization: Organization,
    branches: list[Organization],
    period: Period,
    *,
    reasons: bool = True,
    listed: bool = False,
    surroundings: _Surroundings | None = None,
) -> list[BranchState]:
    """Each branch's approved scores for ``period``, or why not — in a constant number of queries whatever
    the number of branches: the rules and settings around the organization, every review of the branches
    in the period's time, the approvals of the approved ones and their frozen scores, each read once.

    ``branches`` are all those below the organization, read by its subtree; with ``listed``, a few of them
    (a page of the 党委看板), read by their primary keys."""
    if not branches:
        return []
    surroundings = surroundings or _Surroundings.read(organization, period.cycle)
    bounds: dict[int, tuple[datetime.date, datetime.date] | None] = {}
    for branch in branches:
        rules = surroundings.cycle_rules(branch, period.cycle)
        bounds[branch.pk] = period.bounds(rules) if rules is not None else None
    spans = [span for span in bounds.values() if span is not None]
    reviews: defaultdict[int, list[PeriodReview]] = defaultdict(list)
    if spans:
        earliest, latest = min(first for first, _ in spans), max(last for _, last in spans)
        below = _below(organization, "branch__", branches, listed)
        found = PeriodReview.objects.filter(below, starts_on__lte=latest, ends_on__gte=earliest)
        for review in found.order_by("branch_id", "starts_on"):
            reviews[review.branch_id].append(review)
    covering: dict[int, list[PeriodReview]] = {}
    for branch in branches:
        span = bounds[branch.pk]
        if span is None:
            continue
        inside = _covering(reviews[branch.pk], *span)
        if inside and all(review.status in COUNTED_STATUSES for review in inside):
            covering[branch.pk] = inside
    approvals = _latest_approvals(organization, branches, covering, listed)
    scores = _frozen_scores(organization, branches, covering, approvals, listed)
    states = []
    for branch in branches:
        latest = [approvals.get(review.pk) for review in covering.get(branch.pk, ())]
        if latest and all(approval is not None for approval in latest):
            first, last = bounds[branch.pk]
            approved = ApprovedPeriod(branch, period, first, last, latest, scores.get(branch.pk, {}))
            states.append(BranchState(branch, approved))
        else:
            reason = (
                _reason(surroundings, branch, bounds[branch.pk], reviews[branch.pk], period)
                if reasons
                else ""
            )
            states.append(BranchState(branch, None, reason))
    return states


def _below(organization: Organization, prefix: str, branches: list[Organization], listed: bool = False) -> Q:
    """The rows of the branches: by the organization's subtree (one indexed range however many), or of
    the ``listed`` ones only."""
    if len(branches) == 1:
        return Q(**{f"{prefix}pk": branches[0].pk})
    if listed:
        return Q(**{f"{prefix}pk__in": [branch.pk for branch in branches]})
    return Q(**{f"{prefix}path__startswith": organization.path, f"{prefix}kind": Organization.Kind.BRANCH})


def _latest_approvals(
    organization: Organization,
    branches: list[Organization],
    covering: dict[int, list[PeriodReview]],
    listed: bool = False,
) -> dict[int, PeriodApproval]:
    """review → its latest approval, of the reviews covering an approved period."""
    wanted = {review.pk: review for inside in covering.values() for review in inside}
    if not wanted:
        return {}
    days = [review.starts_on for review in wanted.values()], [review.ends_on for review in wanted.values()]
    found = PeriodApproval.objects.filter(
        _below(organization, "review__branch__", branches, listed),
        review__starts_on__gte=min(days[0]),
        review__ends_on__lte=max(days[1]),
        review__status__in=COUNTED_STATUSES,
    ).select_related("approved_by__member")
    latest: dict[int, PeriodApproval] = {}
    for approval in found:
        if approval.review_id in wanted and approval.round > getattr(
            latest.get(approval.review_id), "round", 0
        ):
            approval.review = wanted[approval.review_id]
            latest[approval.review_id] = approval
    return latest


def _frozen_scores(
    organization: Organization,
    branches: list[Organization],
    covering: dict[int, list[PeriodReview]],
    approvals: dict[int, PeriodApproval],
    listed: bool = False,
) -> dict[int, dict[int, list[FrozenScore]]]:
    """branch → member → their frozen scores under the latest approvals, oldest first."""
    if not approvals:
        return {}
    by_pk = {approval.pk: approval for approval in approvals.values()}
    reviews = [approval.review for approval in approvals.values()]
    found = FrozenScore.objects.filter(
        _below(organization, "approval__review__branch__", branches, listed),
        approval__review__starts_on__gte=min(review.starts_on for review in reviews),
        approval__review__ends_on__lte=max(review.ends_on for review in reviews),
        approval__review__status__in=COUNTED_STATUSES,
    ).select_related("member")
    order = {review.pk: index for inside in covering.values() for index, review in enumerate(inside)}
    kept = []
    for score in found:
        approval = by_pk.get(score.approval_id)
        if approval is not None:
            score.approval = approval
            kept.append(score)
    scores: defaultdict[int, defaultdict[int, list[FrozenScore]]] = defaultdict(lambda: defaultdict(list))
    for score in sorted(kept, key=lambda s: (order[s.approval.review_id], s.pk)):
        scores[score.approval.review.branch_id][score.member_id].append(score)
    return {branch: dict(members) for branch, members in scores.items()}


def _not_approved_reason(branch: Organization, period: Period) -> str:
    """Why the branch has not approved the period: the first part not approved, and its state."""
    (state,) = _branch_states(branch, [branch], period)
    return state.reason


def listed_branch_states(
    organization: Organization,
    branches: list[Organization],
    period: Period,
    surroundings: _Surroundings | None = None,
) -> list[BranchState]:
    """Each of these branches below the organization (a page of them), approved for ``period`` with its
    scores, or why not: read for them only."""
    if not branches:
        return []
    return _branch_states(organization, branches, period, listed=True, surroundings=surroundings)


def approved_period(branch: Organization, period: Period) -> ApprovedPeriod | None:
    """The branch's approved scores for ``period``; None while any part of it is not approved (审定)."""
    (state,) = _branch_states(branch, [branch], period, reasons=False)
    return state.approved


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
    states = _branch_states(organization, list(branches_below(organization)), period)
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

    Their rhythm is the organization's ``ReviewSettings.ranking_kind`` (二七区: every half-year). Each is
    read from its stored ranking (:func:`stored_period_ranks`): the ranks of the members scored in the
    branch in the cycle, and of someone in the first and someone in the last place — which members are last
    is then the same as in the whole ranking — not the whole organization's."""
    from workflows.escalation import review_settings_for

    organization = unified_rules_organization(branch, cycle)
    if organization is None or organization.pk == branch.pk:
        return []  # a branch under rules of its own has no organization-wide ranking above it
    kind = PeriodKind(review_settings_for(organization).ranking_kind)
    rules = cycle_rules(branch, cycle)
    members = members_scored_in(branch, *cycle_bounds(rules, cycle)).values("pk")
    rankings = []
    for index in range(1, 12 // MONTHS_IN[kind] + 1):
        period = Period(cycle, kind, index)
        if period.bounds(rules)[1] > until:
            continue
        ranks = stored_period_ranks(organization, period, members)
        if ranks is not None:
            rankings.append(ranks)
    return rankings


# ---------------------------------------------------------------- the stored organization-wide ranking


@dataclass(frozen=True)
class _Inputs:
    """What an organization's ranking of a period is computed from, summed up (``fingerprint``), and
    whether it may be complete: False proves it is not, without ranking anyone."""

    fingerprint: str
    may_be_complete: bool
    # What the fingerprint was read from, for the page that goes on reading around the organization.
    surroundings: _Surroundings | None = field(default=None, compare=False, repr=False)


def _cycle_starts(surroundings: _Surroundings, period: Period) -> set[int]:
    """The first months of the cycle under the rule sets in force around the organization in the period's
    cycle: one under unified rules (统一细则); none without rules."""
    return {
        effective_ruleset(surroundings.versions[ruleset.pk]).cycle_start_month
        for sets in surroundings.rulesets.values()
        for ruleset in sets
        if ruleset.cycle == period.cycle and ruleset.pk in surroundings.versions
    }


def _ranking_inputs(organization: Organization, period: Period) -> _Inputs:
    """A handful of queries whatever the organization's size: the rule sets around it, one aggregate of
    its branches and one of the reviews and approvals in the period's time.

    Every change that can move the ranking changes the fingerprint: an approval (a new, higher primary
    key: approvals are append-only), a review leaving 审定 (reopened, 备案退回: fewer counted), a new review,
    a branch added or moved, a rule set or version in force. (A moved member is checked on the stored rows.)
    """
    surroundings = _Surroundings.read(organization, period.cycle)
    rules = [
        (ruleset.pk, getattr(surroundings.versions.get(ruleset.pk), "pk", None))
        for sets in surroundings.rulesets.values()
        for ruleset in sets
    ]
    starts = _cycle_starts(surroundings, period)
    branches = Organization.objects.filter(
        path__startswith=organization.path, kind=Organization.Kind.BRANCH
    ).aggregate(count=Count("pk"), total=Sum("pk"))
    if not starts:
        return _Inputs(_digest(sorted(rules), branches), False, surroundings)
    spans = [period.bounds(month) for month in starts]
    earliest, latest = min(first for first, _ in spans), max(last for _, last in spans)
    every_first, every_last = max(first for first, _ in spans), min(last for _, last in spans)
    counted = Q(status__in=COUNTED_STATUSES)
    reviews = PeriodReview.objects.filter(
        branch__path__startswith=organization.path,
        branch__kind=Organization.Kind.BRANCH,
        starts_on__lte=latest,
        ends_on__gte=earliest,
    ).aggregate(
        reviews=Count("pk", distinct=True),
        counted=Count("pk", distinct=True, filter=counted),
        approved_branches=Count("branch", distinct=True, filter=counted),
        # Branches whose approved reviews reach the period's first and last day (its bounds under every
        # rule set in force here, when they agree): the others have not approved all of it.
        started=Count("branch", distinct=True, filter=counted & Q(starts_on=earliest)),
        finished=Count("branch", distinct=True, filter=counted & Q(ends_on=latest)),
        # Inside every branch's bounds and not approved: that branch cannot have approved the period.
        waiting=Count(
            "pk", distinct=True, filter=~counted & Q(starts_on__gte=every_first, ends_on__lte=every_last)
        ),
        approval_count=Count("approvals", distinct=True),
        latest_approval=Max("approvals__id"),
    )
    may_be_complete = bool(branches["count"]) and (
        reviews["approved_branches"] == branches["count"] and not reviews["waiting"]
    )
    if len(set(spans)) == 1:
        may_be_complete = may_be_complete and reviews["started"] == reviews["finished"] == branches["count"]
    return _Inputs(_digest(sorted(rules), branches, sorted(starts), reviews), may_be_complete, surroundings)


# What a stored ranking holds changed (reports 0003 to 0005: 等次, 一票否决, 排名人数, 有等次, 序号): one
# stored before is computed again, as any other whose inputs changed.
_STORED_FORMAT = 4


def _digest(*parts: object) -> str:
    return hashlib.sha256(repr((_STORED_FORMAT, parts)).encode()).hexdigest()


def _stale_moves(stored: StoredRanking) -> bool:
    """A member ranked from two branches is in another branch now: whose figures describe them may change."""
    moved = stored.rows.filter(member_branch__isnull=False).exclude(member__branch=F("member_branch"))
    return moved.exists()


def ranking_store(organization: Organization, period: Period, inputs: _Inputs | None = None) -> StoredRanking:
    """Compute the organization's ranking of the period and store it (complete or not) with the fingerprint
    of its inputs taken before — so whatever changes meanwhile makes it stale, never silently included."""
    inputs = inputs or _ranking_inputs(organization, period)
    status = organization_ranking_status(organization, period) if inputs.may_be_complete else None
    complete = status is not None and status.complete
    # Each list's rows in their order, numbered from 1 (``StoredRankingRow.position``).
    rows = [*enumerate(status.rows, 1), *enumerate(status.reference_rows, 1)] if complete else []
    branches_of: Counter[int] = Counter()
    if complete:
        for state in status.branches:
            branches_of.update(state.approved.scores.keys())
    with transaction.atomic():
        StoredRanking.objects.filter(
            organization=organization,
            cycle=period.cycle,
            period_kind=period.kind.value,
            period_index=period.index,
        ).delete()
        stored = StoredRanking.objects.create(
            organization=organization,
            cycle=period.cycle,
            period_kind=period.kind.value,
            period_index=period.index,
            fingerprint=inputs.fingerprint,
            complete=complete,
            first_member=status.rows[0].member if complete and status.rows else None,
            last_member=status.rows[-1].member if complete and status.rows else None,
            member_count=len(status.rows) if complete else 0,
            graded=complete and any(row.grade for row in status.rows),
        )
        StoredRankingRow.objects.bulk_create(
            (
                StoredRankingRow(
                    ranking=stored,
                    member=row.member,
                    branch=row.branch,
                    rank=row.rank,
                    total=row.total,
                    reference=row.reference,
                    grade=row.grade or "",
                    veto=row.veto,
                    member_branch_id=row.member.branch_id if branches_of[row.member.pk] > 1 else None,
                    position=position,
                )
                for position, row in rows
            ),
            batch_size=5000,
        )
    if len(rows) > ANALYZE_FROM and connection.vendor == "postgresql":
        # Fresh statistics, or the planner takes a new ranking's rows for a few and sorts all of them.
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {StoredRankingRow._meta.db_table}")
    return stored


def _stored(organization: Organization, period: Period) -> StoredRanking | None:
    return StoredRanking.objects.filter(
        organization=organization,
        cycle=period.cycle,
        period_kind=period.kind.value,
        period_index=period.index,
    ).first()


def fresh_stored_ranking(
    organization: Organization, period: Period, inputs: _Inputs | None = None
) -> StoredRanking | None:
    """The stored 全委排名 of the period while it still describes its inputs (same fingerprint, nobody
    ranked from two branches has moved since); None when there is none or it is stale — never ranks."""
    inputs = inputs or _ranking_inputs(organization, period)
    stored = _stored(organization, period)
    if stored is None or stored.fingerprint != inputs.fingerprint or _stale_moves(stored):
        return None
    return stored


def stored_period_ranks(
    organization: Organization, period: Period, members: QuerySet[Member] | list[int]
) -> dict[str, int] | None:
    """The ranks of ``members`` (and of someone first and someone last) in the organization's complete
    ranking of the period, member → rank; None while it is not complete.

    Read from the stored ranking when its fingerprint still matches; otherwise computed again and stored —
    unless the inputs already prove it incomplete, which costs no ranking at all."""
    inputs = _ranking_inputs(organization, period)
    stored = fresh_stored_ranking(organization, period, inputs)
    if stored is None:
        if not inputs.may_be_complete:
            return None
        try:
            stored = ranking_store(organization, period, inputs)
        except IntegrityError:  # stored meanwhile by another process (the task): theirs is as good
            return stored_period_ranks(organization, period, members)
    if not stored.complete:
        return None
    ends = [pk for pk in (stored.first_member_id, stored.last_member_id) if pk is not None]
    rows = stored.rows.filter(Q(member__in=members) | Q(member__in=ends), reference=False)
    return {str(member): rank for member, rank in rows.values_list("member_id", "rank")}


def ranking_store_due(review: PeriodReview) -> None:
    """After an approval: store the organization-wide rankings the review's period belongs to, once it is
    complete in every branch (the Celery task's body; until then it stores nothing, cheaply)."""
    from workflows.escalation import review_settings_for

    branch = review.branch
    organization = unified_rules_organization(branch, review.cycle)
    if organization is None or organization.pk == branch.pk:
        return
    kind = PeriodKind(review_settings_for(organization).ranking_kind)
    rules = cycle_rules(branch, review.cycle)
    for index in range(1, 12 // MONTHS_IN[kind] + 1):
        period = Period(review.cycle, kind, index)
        first, last = period.bounds(rules)
        if review.starts_on > last or review.ends_on < first:
            continue
        ranking_store_fresh(organization, period)


def ranking_store_fresh(organization: Organization, period: Period) -> StoredRanking | None:
    """Store the organization's ranking of the period unless the stored one is fresh, or the inputs prove
    it incomplete (then nothing is ranked); the stored ranking, or None."""
    inputs = _ranking_inputs(organization, period)
    stored = fresh_stored_ranking(organization, period, inputs)
    if stored is None and inputs.may_be_complete:
        with contextlib.suppress(IntegrityError):  # a reader stored it meanwhile
            stored = ranking_store(organization, period, inputs)
    return stored


# ---------------------------------------------------------------- what the pages read: the stored rows

# How long a request waits before asking again for a ranking it asked to be stored (a province's takes
# minutes): pages that refresh themselves every few seconds queue it once, not once per refresh.
STORING_FOR = 15 * 60


def storing_key(organization: Organization, period: Period) -> str:
    """The cache key that says the organization's ranking of the period is being stored (the task
    removes it when done)."""
    return f"reports:ranking-store:{organization.pk}:{period.code}"


@dataclass(frozen=True)
class StoredState:
    """全委排名 as a page shows it without ranking anyone: the fresh stored ranking, or ``computing``
    (its inputs may be complete and the Celery task is storing it: the page says so and comes back)."""

    organization: Organization
    period: Period
    stored: StoredRanking | None
    computing: bool = False
    surroundings: _Surroundings | None = field(default=None, compare=False, repr=False)

    @property
    def complete(self) -> bool:
        return self.stored is not None and self.stored.complete

    @property
    def member_count(self) -> int:
        return self.stored.member_count if self.complete else 0


def stored_ranking_state(organization: Organization, period: Period) -> StoredState:
    """The organization's ranking of the period for a page or the API: read from the stored ranking while
    fresh; when there is none and it may be complete, the Celery task is queued (once while it runs) to
    store it — in-process when Celery is eager (the embedded default), so the page has it at once."""
    from django.core.cache import cache

    from reports.tasks import ranking_store_for

    inputs = _ranking_inputs(organization, period)
    stored = fresh_stored_ranking(organization, period, inputs)
    if stored is not None or not inputs.may_be_complete:
        return StoredState(organization, period, stored, surroundings=inputs.surroundings)
    if cache.add(storing_key(organization, period), True, timeout=STORING_FOR):
        # A GET writes nothing the task needs: queued now, not on commit.
        result = ranking_store_for.delay(organization.pk, period.code)
        if result.ready():  # eager: stored already
            stored = fresh_stored_ranking(organization, period, inputs)
    return StoredState(organization, period, stored, stored is None, inputs.surroundings)


class KnownCount:
    """A stored ranking's rows, whose number is known (``StoredRanking.member_count``): a paginator never
    counts a province's rows, and a page is a range of positions (an index range, not an OFFSET that
    reads every row before it)."""

    ordered = True

    def __init__(self, queryset: QuerySet, count: int):
        self.queryset, self._count = queryset, count

    def count(self) -> int:
        return self._count

    def __len__(self) -> int:
        return self._count

    def __getitem__(self, key):
        if isinstance(key, slice) and key.step is None:
            start, stop = key.start or 0, self._count if key.stop is None else key.stop
            return self.queryset.filter(position__gt=start, position__lte=stop)
        return self.queryset[key]


def ranking_rows(state: StoredState, *, reference: bool = False) -> KnownCount | QuerySet:
    """The rows of the complete ranking in its order (rank, then name and member as written), member and
    branch joined: to be paginated (an index range per page). None stored or not complete: no rows."""
    if not state.complete:
        return StoredRankingRow.objects.none()
    rows = (
        state.stored.rows.filter(reference=reference).select_related("member", "branch").order_by("position")
    )
    return rows if reference else KnownCount(rows, state.stored.member_count)


def ranking_edges(
    state: StoredState, size: int, most: int
) -> tuple[list[StoredRankingRow], list[StoredRankingRow]]:
    """前列 and 后列 of a complete ranking: the first and the last ``size`` places (at most half of the
    ranking each), ties at the edge included, the last first — a few index entries, not the whole ranking.

    At most ``most`` rows each: in a province thousands may tie for the last place (no points at all)."""
    count = state.member_count
    if count < 2:
        return [], []
    take = min(size, count // 2)
    rows = ranking_rows(state).queryset.order_by("rank", "id")
    top_edge = rows.values_list("rank", flat=True)[take - 1]
    bottom_edge = rows.order_by("-rank", "-id").values_list("rank", flat=True)[take - 1]
    top = list(rows.filter(rank__lte=top_edge)[:most])
    bottom = rows.filter(rank__gte=bottom_edge, rank__gt=top_edge).order_by("-rank", "-id")
    return top, list(bottom[:most])


def ranking_graded(state: StoredState) -> bool:
    """Whether the rules gave grades (等次) in the ranking: without, the column is left out."""
    return state.complete and state.stored.graded


@dataclass(frozen=True)
class PendingBranches:
    """The branches below an organization that have not approved a period: how many, and the first few
    (by path) with why not."""

    count: int
    listed: list[BranchState]

    @property
    def more(self) -> int:
        return self.count - len(self.listed)


def pending_branches(
    organization: Organization, period: Period, limit: int, surroundings: _Surroundings | None = None
) -> PendingBranches:
    """The branches not yet approved for the period — counted in SQL, the first ``limit`` named with their
    reason — whatever the number of branches below (a province's 330,000).

    A branch has approved the period when its approved (审定) reviews reach the period's first and last
    day and none inside it waits; one without is counted here. (A gap in the middle — a quarter never
    posted between two approved — is found only when the ranking is computed; the stored ranking then
    says it is not complete.) Under rule sets with different cycles below, every branch is read instead."""
    surroundings = surroundings or _Surroundings.read(organization, period.cycle)
    starts = _cycle_starts(surroundings, period)
    branches = branches_below(organization)
    if len(starts) > 1:
        every = _branch_states(organization, list(branches), period, surroundings=surroundings)
        states = [state for state in every if state.approved is None]
        return PendingBranches(len(states), states[:limit])
    if starts:
        first, last = period.bounds(starts.pop())
        reviews = PeriodReview.objects.filter(branch=OuterRef("pk"))
        counted = reviews.filter(status__in=COUNTED_STATUSES)
        branches = branches.exclude(
            Exists(counted.filter(starts_on=first))
            & Exists(counted.filter(ends_on=last))
            & ~Exists(
                reviews.exclude(status__in=COUNTED_STATUSES).filter(starts_on__gte=first, ends_on__lte=last)
            )
        )
    count = branches.count()
    listed = list(branches[:limit]) if count else []
    states = listed_branch_states(organization, listed, period, surroundings)
    return PendingBranches(count, [state for state in states if state.approved is None])
