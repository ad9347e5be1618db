"""Reads for the members' own pages (我的积分, 申报, 公示, 申诉) and the clerk's entry pages.

Every score shown comes from the scoring core, never from arithmetic here: what counts is the
``FrozenScore`` of the latest approval of each approved period (审定); what is approved but not yet
frozen (待审定) is computed by ``scoring.selectors.branch_scores`` from the ledger.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field, replace
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from accounts import access
from accounts.models import Member, Organization
from scoring.core.periods import MONTHS_IN, Period, PeriodKind
from scoring.core.ruleset import EvaluationMode, Item, fmt
from scoring.core.ruleset import Source as ItemSource
from scoring.models import LedgerEntry, RuleSetVersion
from scoring.selectors import branch_scores, item_names, ledger_net
from workflows.models import Appeal, Claim, FrozenScore, PeriodApproval, PeriodReview
from workflows.periods import cycle_rules, open_claims_of, period_containing, publicity_entries
from workflows.selectors import organizations_following, rules_on

# A period's frozen scores count once it is approved (and stay counted once archived). A returned
# filing reopens 审定: until it is approved again its scores are pending.
COUNTED_STATUSES = (PeriodReview.Status.APPROVED, PeriodReview.Status.ARCHIVED)


# ---------------------------------------------------------------- how a rank reads


@dataclass(frozen=True)
class RankShown:
    label: str  # 排名 / 参考排名
    value: int
    reference: bool = False  # 发展对象 and 入党积极分子: for reference only


def rankings_shown(branch: Organization) -> bool:
    """Whether members of ``branch`` are shown ranks at all (党员端显示排名).

    The nearest explicit setting on the branch or an organization above it wins, shown by default
    (``Organization.members_see_rankings_setting``). Read here and nowhere else: every rank on the
    members' pages and in the API passes through :func:`rank_shown`. Committees keep their rankings.
    """
    shown, _source = branch.members_see_rankings_setting()
    return shown


def rank_shown(
    branch: Organization, *, rank: int | None, reference_rank: int | None, shown: bool | None = None
) -> RankShown | None:
    """How a rank is shown on the members' pages — the one place that decides it.

    正式党员 and 预备党员 have a rank; 发展对象 and 入党积极分子 are ranked for reference only (002),
    so they see a 参考排名 and never a place in the members' ranking. ``shown`` is
    :func:`rankings_shown` of ``branch`` when the caller has already read it: a list of a branch's
    ranks reads the setting once, not once per rank (a query each, up the organization tree).
    """
    if not (rankings_shown(branch) if shown is None else shown):
        return None
    if rank is not None:
        return RankShown(str(_("排名")), rank)
    if reference_rank is not None:
        return RankShown(str(_("参考排名")), reference_rank, reference=True)
    return None


# ---------------------------------------------------------------- my points


@dataclass(frozen=True)
class FrozenLine:
    """One approved period of one member, as it counts."""

    review: PeriodReview
    period_total: Decimal
    period_rank: RankShown | None
    cycle_total: Decimal
    cycle_rank: RankShown | None
    grade: str
    veto: bool
    items: dict[str, Decimal]


@dataclass(frozen=True)
class PendingLine:
    """A period with approved entries not yet frozen: the core's figure, labelled 待审定."""

    period: Period
    total: Decimal
    review: PeriodReview | None
    items: dict[str, Decimal]

    @property
    def label(self) -> str:
        return self.period.label()


@dataclass(frozen=True)
class BreakdownRow:
    code: str
    name: str
    frozen: Decimal
    pending: Decimal


@dataclass
class MyPoints:
    member: Member
    cycle: int | None
    latest: FrozenLine | None = None  # 本期: the newest approved period
    frozen: list[FrozenLine] = field(default_factory=list)  # this cycle's approved periods, newest first
    pending: list[PendingLine] = field(default_factory=list)
    breakdown: list[BreakdownRow] = field(default_factory=list)
    # With a weighted 民主评议 the cycle total is points × (1 − w) + evaluation × w: (points %, evaluation %).
    weighting: tuple[str, str] | None = None

    @property
    def exempt(self) -> bool:
        return not self.member.is_scored

    @property
    def reference_only(self) -> bool:
        return self.member.kind in (Member.Kind.CANDIDATE, Member.Kind.ACTIVIST)


def frozen_scores_of(member: Member) -> QuerySet[FrozenScore]:
    """The member's scores that count: from the latest approval of each approved period, newest first."""
    latest_round = (
        PeriodApproval.objects.filter(review=OuterRef("approval__review"))
        .order_by("-round")
        .values("round")[:1]
    )
    return (
        FrozenScore.objects.filter(member=member, approval__review__status__in=COUNTED_STATUSES)
        .annotate(latest_round=Subquery(latest_round))
        .filter(approval__round=F("latest_round"))
        .select_related("approval__review__branch", "approval__ruleset_version")
        .order_by("-approval__review__ends_on", "-approval__review__pk")
    )


def frozen_line(score: FrozenScore, *, shown: bool | None = None) -> FrozenLine:
    """One frozen score as it counts; ``shown`` as in :func:`rank_shown` (read once for a list)."""
    review = score.approval.review
    breakdown = score.breakdown or {}
    if shown is None:
        shown = rankings_shown(review.branch)
    return FrozenLine(
        review=review,
        period_total=score.period_total,
        period_rank=rank_shown(
            review.branch, rank=score.period_rank, reference_rank=breakdown.get("reference_rank"), shown=shown
        ),
        cycle_total=score.cycle_total,
        cycle_rank=rank_shown(
            review.branch,
            rank=score.cycle_rank,
            reference_rank=breakdown.get("cycle_reference_rank"),
            shown=shown,
        ),
        grade=score.grade,
        veto=bool(breakdown.get("veto")),
        items={code: Decimal(value) for code, value in breakdown.get("items", {}).items()},
    )


def _pending_entries(member: Member) -> QuerySet[LedgerEntry]:
    """The member's entries that count in the ledger but lie in no approved period of their branch."""
    covered = PeriodReview.objects.filter(
        branch=OuterRef("branch"),
        status__in=COUNTED_STATUSES,
        starts_on__lte=OuterRef("occurred_on"),
        ends_on__gte=OuterRef("occurred_on"),
    )
    return ledger_net(LedgerEntry.objects.filter(member=member)).exclude(Exists(covered))


def pending_lines(member: Member) -> list[PendingLine]:
    """待审定: for each period holding such entries, the member's points as the core computes them."""
    periods: dict[tuple[int, Period], Organization] = {}
    seen_months: set[tuple[int, int, int]] = set()
    branches = {
        b.pk: b for b in Organization.objects.filter(pk__in=_pending_entries(member).values("branch"))
    }
    for branch_id, day in _pending_entries(member).values_list("branch", "occurred_on").distinct():
        if (branch_id, day.year, day.month) in seen_months:
            continue  # periods are made of whole months
        seen_months.add((branch_id, day.year, day.month))
        try:
            period = period_containing(branches[branch_id], day)
        except ValidationError:
            continue  # no rule set covers the day: nothing the core could score
        periods[(branch_id, period)] = branches[branch_id]
    lines = []
    for (_branch_id, period), branch in sorted(periods.items(), key=lambda kv: kv[0][1], reverse=True):
        try:
            result = branch_scores(branch, period.cycle, period)
            score = result[str(member.pk)]
        except (ValidationError, KeyError):
            continue
        review = PeriodReview.objects.filter(
            branch=branch, cycle=period.cycle, period_kind=period.kind.value, period_index=period.index
        ).first()
        lines.append(PendingLine(period, score.total, review, dict(score.item_subtotals)))
    return lines


def _breakdown(
    frozen: list[FrozenLine], pending: list[PendingLine], names: dict[str, str], order: list[str]
) -> list[BreakdownRow]:
    frozen_sum: dict[str, Decimal] = defaultdict(Decimal)
    pending_sum: dict[str, Decimal] = defaultdict(Decimal)
    for line in frozen:
        for code, value in line.items.items():
            frozen_sum[code] += value
    for line in pending:
        for code, value in line.items.items():
            pending_sum[code] += value
    codes = [c for c in order if c in frozen_sum or c in pending_sum]
    codes += sorted((set(frozen_sum) | set(pending_sum)) - set(codes))
    rows = [BreakdownRow(code, names.get(code, code), frozen_sum[code], pending_sum[code]) for code in codes]
    return [row for row in rows if row.frozen or row.pending]


def my_points(member: Member, today: datetime.date | None = None) -> MyPoints:
    """我的积分: the periods that count, the points still pending, and both by item, for this cycle."""
    today = today or timezone.localdate()
    try:
        version, rules = rules_on(member.branch, today)
        cycle: int | None = version.ruleset.cycle
    except ValidationError:
        version, rules, cycle = None, None, None
    points = MyPoints(member=member, cycle=cycle)
    if points.exempt:
        return points
    shown: dict[int, bool] = {}  # 党员端显示排名 of each branch the member's periods were in, read once
    all_frozen = []
    for score in frozen_scores_of(member):
        branch = score.approval.review.branch
        if branch.pk not in shown:
            shown[branch.pk] = rankings_shown(branch)
        all_frozen.append(frozen_line(score, shown=shown[branch.pk]))
    if cycle is None and all_frozen:
        cycle = points.cycle = all_frozen[0].review.cycle
    points.frozen = [line for line in all_frozen if line.review.cycle == cycle]
    points.latest = points.frozen[0] if points.frozen else (all_frozen[0] if all_frozen else None)
    points.pending = pending_lines(member)
    names: dict[str, str] = {}
    for score in frozen_scores_of(member).filter(approval__review__cycle=cycle):
        names.update(item_names(score.approval.ruleset_version))
    if version is not None:
        names.update(item_names(version))
    order = [item.code for item in rules.items] if rules else []
    evaluation = rules.evaluation if rules else None
    if evaluation is not None and evaluation.mode == EvaluationMode.WEIGHTED and evaluation.weight:
        points.weighting = (fmt((1 - evaluation.weight) * 100), fmt(evaluation.weight * 100))
    points.breakdown = _breakdown(
        points.frozen, [line for line in points.pending if line.period.cycle == cycle], names, order
    )
    return points


# ---------------------------------------------------------------- claims, appeals, publicity


def claims_of(user) -> QuerySet[Claim]:
    """The user's own claims (申报 and what the branch recorded for them), newest first."""
    if not user.is_authenticated:
        return Claim.objects.none()
    return Claim.objects.filter(member__user=user).select_related("member", "branch", "ruleset_version")


def appeals_of(user) -> QuerySet[Appeal]:
    if not user.is_authenticated:
        return Appeal.objects.none()
    return Appeal.objects.filter(appellant__user=user).select_related(
        "entry__member",
        "entry__ruleset_version",
        "subject",
        "window__branch",
        "window__review",
        "window__evaluation",
        "window__annual_review",
    )


def reviews_visible_to(user) -> QuerySet[PeriodReview]:
    """公示 a user may read: their own branch's, and those of branches they work in."""
    if not user.is_authenticated:
        return PeriodReview.objects.none()
    # The own branch as a one-row subquery, not a join through every member of every branch (which
    # needed DISTINCT over all the reviews a higher committee follows).
    own_branch = Member.objects.filter(user=user).values("branch_id")
    return PeriodReview.objects.filter(
        Q(branch_id__in=own_branch) | Q(branch__in=organizations_following(user))
    )


def reviews_open_to_appeal_by(user) -> QuerySet[PeriodReview]:
    """公示 a user may appeal against: only their own branch's (as a member of it)."""
    if not user.is_authenticated:
        return PeriodReview.objects.none()
    return PeriodReview.objects.filter(branch__members__user=user).select_related("window", "branch")


def current_review(branch: Organization) -> PeriodReview | None:
    """当前公示: the branch's newest period review (its window open, or the latest result)."""
    return PeriodReview.objects.filter(branch=branch).order_by("-ends_on", "-pk").first()


@dataclass(frozen=True)
class PublicityRow:
    entry: LedgerEntry
    item_name: str
    corrected: bool  # reversed by a later entry (申诉成立 or a correction)

    @property
    def is_reversal(self) -> bool:
        return self.entry.reverses_id is not None

    @property
    def appealable(self) -> bool:
        return not self.corrected and not self.is_reversal


def publicity_rows(review: PeriodReview) -> list[PublicityRow]:
    """公示清单 with item names: names, items, points, reasons — nothing private."""
    entries = list(
        publicity_entries(review).annotate(
            corrected=Exists(LedgerEntry.objects.filter(reverses=OuterRef("pk")))
        )
    )
    names: dict[int, dict[str, str]] = {}
    rows = []
    for entry in entries:
        version_names = names.get(entry.ruleset_version_id)
        if version_names is None:
            version_names = names[entry.ruleset_version_id] = item_names(entry.ruleset_version)
        rows.append(PublicityRow(entry, version_names.get(entry.item_code, entry.item_code), entry.corrected))
    return rows


@dataclass(frozen=True)
class ResultRow:
    name: str
    period_total: Decimal
    period_rank: RankShown | None
    cycle_total: Decimal
    cycle_rank: RankShown | None
    grade: str


def frozen_result(review: PeriodReview) -> list[ResultRow] | None:
    """审定结果 of a period, as frozen by its latest approval; None until it is approved.

    Ranked members come first in rank order, then those ranked for reference only, then the rest.
    """
    if review.status not in COUNTED_STATUSES:
        return None
    approval = review.approvals.order_by("-round").first()
    if approval is None:
        return None
    shown = rankings_shown(review.branch)
    rows = []
    for score in approval.scores.select_related("member"):
        line = frozen_line(score, shown=shown)
        rows.append(
            ResultRow(
                score.member.real_name,
                line.period_total,
                line.period_rank,
                line.cycle_total,
                line.cycle_rank,
                line.grade,
            )
        )

    def order(row: ResultRow) -> tuple:
        rank = row.period_rank
        group = 2 if rank is None else (1 if rank.reference else 0)
        return (group, rank.value if rank else 0, row.name)

    return sorted(rows, key=order)


# ---------------------------------------------------------------- items of the rules in force


def items_in_force(
    branch: Organization, day: datetime.date, source: ItemSource
) -> tuple[RuleSetVersion, list[Item]]:
    """The items of the rule set in force for ``branch`` on ``day`` that ``source`` enters."""
    version, rules = rules_on(branch, day)
    return version, [item for item in rules.items if item.source == source]


# ---------------------------------------------------------------- the clerk's pages


def branches_recorded_by(user) -> QuerySet[Organization]:
    """Branches where the user records claims (登记)."""
    return (
        access.organizations_where(user, "record_claims")
        .filter(kind=Organization.Kind.BRANCH)
        .order_by("path")
    )


def branches_followed_by(user) -> QuerySet[Organization]:
    """Branches whose workflow the user follows (clerk, committee, secretary, higher committee)."""
    return organizations_following(user).filter(kind=Organization.Kind.BRANCH).order_by("path")


def attendance_roster(branch: Organization) -> QuerySet[Member]:
    """Who a meeting's sign-in list covers: the branch's members, except those exempt from scoring."""
    return (
        Member.objects.filter(branch=branch).exclude(status=Member.Status.EXEMPT).order_by("real_name", "pk")
    )


@dataclass(frozen=True)
class PeriodRow:
    period: Period
    first: datetime.date
    last: datetime.date
    review: PeriodReview | None
    ended: bool
    open_claims: int

    @property
    def can_start(self) -> bool:
        return self.ended and self.review is None

    @property
    def label(self) -> str:
        return self.period.label()


def period_rows(branch: Organization, today: datetime.date | None = None) -> list[PeriodRow]:
    """The branch's periods of this cycle and the last one, newest first, up to the one under way."""
    today = today or timezone.localdate()
    try:
        current = period_containing(branch, today)
    except ValidationError:
        return []
    reviews = {
        (r.cycle, r.period_kind, r.period_index): r
        # Their window, branch and starter come along: each row shows them (the clerk's page, the API).
        for r in PeriodReview.objects.filter(branch=branch).select_related("window", "branch", "started_by")
    }
    rows = []
    for cycle in (current.cycle, current.cycle - 1):
        try:
            rules = cycle_rules(branch, cycle)
        except ValidationError:
            continue
        count = 12 // MONTHS_IN[current.kind]
        last_index = current.index if cycle == current.cycle else count
        for index in range(last_index, 0, -1):
            period = Period(cycle, PeriodKind(current.kind), index)
            first, last = period.bounds(rules)
            review = reviews.get((cycle, period.kind.value, index))
            rows.append(PeriodRow(period, first, last, review, last < today, 0))
    return _with_open_claims(branch, rows)


def _with_open_claims(branch: Organization, rows: list[PeriodRow]) -> list[PeriodRow]:
    """The open claims of each ended period not yet publicised (what keeps 发起公示 back), counted in one
    query for all of them rather than one per period."""
    waiting = [i for i, row in enumerate(rows) if row.ended and row.review is None]
    if not waiting:
        return rows
    counts = open_claims_of(branch, min(rows[i].first for i in waiting), max(rows[i].last for i in waiting))
    counted = counts.aggregate(
        **{f"p{i}": Count("pk", filter=Q(occurred_on__range=(rows[i].first, rows[i].last))) for i in waiting}
    )
    return [replace(row, open_claims=counted[f"p{i}"]) if i in waiting else row for i, row in enumerate(rows)]
