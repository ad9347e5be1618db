"""看板 data: plain functions from approved scores (审定, ``reports.rankings``), the rules' grades and the
open workflow tasks — no rendering here, every number a ``Decimal``.

A branch (支部看板): the score distribution of a period, the quarterly trend of the cycle, participation
by item, members below the 合格 threshold, the tasks waiting and for how long. A higher committee
(党委看板): its branches compared, the organization-wide ranking (半年全委排名) with top and bottom lists.
Figures of a period count only once it is approved; what is not is said, never guessed.
"""

from __future__ import annotations

import datetime
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

from django.core.exceptions import ValidationError
from django.core.paginator import Page, Paginator
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.access import granted_paths
from accounts.models import Member, Organization
from reports.rankings import (
    ApprovedPeriod,
    PendingBranches,
    RankingRow,
    Standing,
    StoredState,
    approved_period,
    branch_ranking,
    branches_below,
    listed_branch_states,
    pending_branches,
    period_standings,
    ranking_edges,
    ranking_graded,
    ranking_rows,
    stored_ranking_state,
)
from scoring.core.periods import MONTHS_IN, Period, PeriodKind, period_of
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.selectors import effective_ruleset, ruleset_for
from workflows.escalation import is_overdue
from workflows.member_selectors import COUNTED_STATUSES
from workflows.models import PeriodReview, PublicityWindow
from workflows.selectors import processes_visible_to
from workflows.workbench import escalation_days_of

ZERO = Decimal(0)
CENT = Decimal("0.01")
PASSING_GRADE = "合格"  # the grade whose threshold the dashboards watch (星级党员 70, 质检 40 …)
BIN_WIDTHS = (Decimal(1), Decimal(2), Decimal(5), Decimal(10), Decimal(20), Decimal(50), Decimal(100))
MAX_BINS = 8
AGE_BUCKETS = ((0, 3, "3天以内"), (3, 7, "3至7天"), (7, None, "7天以上"))
TOP_AND_BOTTOM = 5
EDGE_MOST = 50  # 前列/后列 rows at most: ties at the edge of a province's ranking may be thousands
RANKING_PER_PAGE = 50
BRANCHES_PER_PAGE = 50
PENDING_LISTED = 50
PERIOD_NOT_APPROVED = "{branch}{period}尚未审定，看板只显示审定后的积分"


def cents(value: Decimal) -> Decimal:
    return value.quantize(CENT)


# ---------------------------------------------------------------- plain statistics


@dataclass(frozen=True)
class Summary:
    """人数, 平均分, 中位数, 最高分, 最低分, 标准差 of a list of totals (all None when it is empty)."""

    count: int
    average: Decimal | None
    median: Decimal | None
    highest: Decimal | None
    lowest: Decimal | None
    spread: Decimal | None  # population standard deviation (标准差)

    @property
    def range(self) -> Decimal | None:
        return None if self.highest is None else self.highest - self.lowest


def summarize(totals: Sequence[Decimal]) -> Summary:
    if not totals:
        return Summary(0, None, None, None, None, None)
    return Summary(
        count=len(totals),
        average=cents(sum(totals, ZERO) / len(totals)),
        median=cents(statistics.median(totals)),
        highest=max(totals),
        lowest=min(totals),
        spread=cents(statistics.pstdev(totals)),
    )


@dataclass(frozen=True)
class Bin:
    """A histogram bar: how many totals lie in [low, high)."""

    low: Decimal
    high: Decimal
    count: int

    @property
    def label(self) -> str:
        return f"{self.low:f}–{self.high:f}"


def histogram(totals: Sequence[Decimal]) -> list[Bin]:
    """Totals counted in equal bins of a round width (1, 2, 5, 10 …) aligned on its multiples, at most
    ``MAX_BINS`` of them; a total on a boundary goes to the bin above it."""
    if not totals:
        return []
    lowest, highest = min(totals), max(totals)
    for width in BIN_WIDTHS:
        start = (lowest / width).to_integral_value(rounding=ROUND_FLOOR) * width
        count = int(((highest - start) / width).to_integral_value(rounding=ROUND_FLOOR)) + 1
        if count <= MAX_BINS:
            break
    bins = Counter(int(((total - start) / width).to_integral_value(rounding=ROUND_FLOOR)) for total in totals)
    return [Bin(start + i * width, start + (i + 1) * width, bins.get(i, 0)) for i in range(count)]


# ---------------------------------------------------------------- the periods a page can show


def approved_reviews(branch: Organization) -> list[PeriodReview]:
    return list(
        PeriodReview.objects.filter(branch=branch, status__in=COUNTED_STATUSES).order_by("-ends_on", "-pk")
    )


def review_period(review: PeriodReview) -> Period:
    return Period(review.cycle, PeriodKind(review.period_kind), review.period_index)


def branch_periods(branch: Organization) -> list[Period]:
    """The periods the branch has approved, newest first: its review periods, and the half-years and
    cycles its approved reviews cover completely."""
    reviews = approved_reviews(branch)
    periods = [review_period(review) for review in reviews]
    for cycle in sorted({review.cycle for review in reviews}, reverse=True):
        longer = [
            Period(cycle, PeriodKind.CYCLE),
            Period(cycle, PeriodKind.HALF, 2),
            Period(cycle, PeriodKind.HALF, 1),
        ]
        periods += [p for p in longer if p not in periods and approved_period(branch, p) is not None]
    return sorted(set(periods), key=_newest_first)


def _newest_first(period: Period) -> tuple:
    """Later periods first; of periods ending together, the longer one first (the cycle, then H2, …)."""
    return (-period.cycle, -period.last_month, -MONTHS_IN[period.kind])


# ---------------------------------------------------------------- 支部看板


@dataclass(frozen=True)
class TrendPoint:
    """A quarter of the cycle: approved (with its summary) or not yet."""

    period: Period
    summary: Summary | None

    @property
    def approved(self) -> bool:
        return self.summary is not None


@dataclass(frozen=True)
class Participation:
    """参与情况: how many of the period's scored members earned (or, for a deduction, lost) the item."""

    code: str
    name: str
    category: str
    members: int
    deduction: bool


@dataclass(frozen=True)
class BelowRow:
    member: Member
    cycle_total: Decimal
    grade: str


@dataclass(frozen=True)
class TaskKind:
    """待办: the open tasks of one kind (登记, 支委会审核, 审定 …), how long they have waited (days)."""

    title: str
    count: int
    oldest_days: int
    average_days: Decimal
    overdue: int
    buckets: tuple[int, ...]  # counts per AGE_BUCKETS


@dataclass
class BranchDashboard:
    branch: Organization
    periods: list[Period]
    period: Period | None = None
    approved: ApprovedPeriod | None = None
    summary: Summary | None = None
    distribution: list[Bin] = field(default_factory=list)
    trend: list[TrendPoint] = field(default_factory=list)
    participation: list[Participation] = field(default_factory=list)
    passing: Decimal | None = None  # the 合格 threshold of the rules, None when they have no such grade
    below: list[BelowRow] = field(default_factory=list)
    ranking: list[RankingRow] = field(default_factory=list)
    tasks: list[TaskKind] = field(default_factory=list)

    @property
    def graded(self) -> bool:
        """Whether the rules give grades (等次) at all: without, the column is left out."""
        return any(row.grade for row in self.ranking)


def period_rules(approved: ApprovedPeriod) -> CoreRuleSet:
    """The effective rules the period was approved under (its last approval's version)."""
    return effective_ruleset(approved.approvals[-1].ruleset_version)


def quarterly_trend(branch: Organization, cycle: int) -> list[TrendPoint]:
    """平均分 and 中位数 of each quarter of the cycle, from its approved scores (None until approved)."""
    points = []
    for index in range(1, 5):
        quarter = Period(cycle, PeriodKind.QUARTER, index)
        approved = approved_period(branch, quarter)
        totals = [s.total for s in period_standings(approved)] if approved else None
        points.append(TrendPoint(quarter, summarize(totals) if approved else None))
    return points


def participation(approved: ApprovedPeriod, rules: CoreRuleSet) -> list[Participation]:
    """Every item of the rules, in their order, with the number of members whose frozen subtotal of it is
    not zero in the period — items nobody earned show as 0."""
    earned: defaultdict[str, set[int]] = defaultdict(set)
    for member_pk, scores in approved.scores.items():
        for score in scores:
            for code, value in (score.breakdown or {}).get("items", {}).items():
                if Decimal(value) != ZERO:
                    earned[code].add(member_pk)
    categories = {category.code: category.name for category in rules.categories}
    rows = []
    for item in rules.items:
        deduction = item.veto or item.highest < ZERO
        category = categories.get(item.category or "", "")
        rows.append(Participation(item.code, item.name, category, len(earned[item.code]), deduction))
    return rows


def passing_threshold(rules: CoreRuleSet) -> Decimal | None:
    return next((grade.min for grade in rules.grades if grade.name == PASSING_GRADE), None)


def below_passing(standings: Iterable[Standing], threshold: Decimal | None) -> list[BelowRow]:
    """Members whose cycle-to-date total at the period's end is under the 合格 threshold, lowest first."""
    if threshold is None:
        return []
    rows = [
        BelowRow(s.member, s.last.cycle_total, s.last.grade)
        for s in standings
        if s.last.cycle_total < threshold
    ]
    return sorted(rows, key=lambda row: (row.cycle_total, row.member.real_name, row.member.pk))


def open_tasks(user, organizations) -> list[Task]:
    """Open human tasks (待办 and 待认领) of the processes of these organizations that the user may see."""
    return list(
        Task.objects.filter(
            flow_task_type="HUMAN",
            status__in=(STATUS.NEW, STATUS.ASSIGNED),
            process__in=processes_visible_to(user).filter(organization__in=organizations).values("pk"),
        )
        .select_related("process__branchprocess__organization")
        .order_by("created", "pk")
    )


def _age_days(task: Task, now: datetime.datetime) -> int:
    return (now - task.created).days


def _bucket(days: int) -> int:
    for index, (low, high, _label) in enumerate(AGE_BUCKETS):
        if days >= low and (high is None or days < high):
            return index
    return len(AGE_BUCKETS) - 1


def tasks_by_kind(
    tasks: Sequence[Task], now: datetime.datetime, escalation_days: dict[int, int] | None = None
) -> list[TaskKind]:
    """The open tasks grouped by kind, the longest waiting first; overdue as the reminders count it.

    ``escalation_days``: each branch's, when the caller read them for more tasks than these (one query
    for a committee's dashboard, not one per branch below it)."""
    settings = escalation_days
    if settings is None:
        settings = escalation_days_of({task.process.branchprocess.organization for task in tasks})
    groups: defaultdict[str, list[Task]] = defaultdict(list)
    for task in tasks:
        groups[str(task.title)].append(task)
    kinds = []
    for title, group in groups.items():
        ages = [_age_days(task, now) for task in group]
        overdue = 0
        for task in group:
            overdue += is_overdue(task, settings[task.process.branchprocess.organization_id], now)
        buckets = Counter(_bucket(age) for age in ages)
        kinds.append(
            TaskKind(
                title=title,
                count=len(group),
                oldest_days=max(ages),
                average_days=cents(Decimal(sum(ages)) / len(ages)),
                overdue=overdue,
                buckets=tuple(buckets.get(i, 0) for i in range(len(AGE_BUCKETS))),
            )
        )
    return sorted(kinds, key=lambda kind: (-kind.oldest_days, kind.title))


def branch_dashboard(user, branch: Organization, period: Period | None = None) -> BranchDashboard:
    """支部看板 of ``period`` (default: the branch's latest approved period). Raises ``ValidationError``
    (Chinese) for a period the branch has not approved. The caller has checked ``view_scores``."""
    now = timezone.now()
    board = BranchDashboard(branch=branch, periods=branch_periods(branch))
    board.tasks = tasks_by_kind(open_tasks(user, [branch]), now)
    if period is None and board.periods:
        period = board.periods[0]
    if period is None:
        return board
    approved = approved_period(branch, period)
    if approved is None:
        raise ValidationError(PERIOD_NOT_APPROVED.format(branch=branch.name, period=period.label()))
    standings = period_standings(approved)
    rules = period_rules(approved)
    totals = [s.total for s in standings]
    board.period, board.approved = period, approved
    board.summary = summarize(totals)
    board.distribution = histogram(totals)
    board.trend = quarterly_trend(branch, period.cycle)
    board.participation = participation(approved, rules)
    board.passing = passing_threshold(rules)
    board.below = below_passing(standings, board.passing)
    board.ranking = branch_ranking(branch, period)
    return board


# ---------------------------------------------------------------- 党委看板


@dataclass(frozen=True)
class BranchComparison:
    """A branch of the organization side by side with the others: its period's summary once approved,
    and what is waiting now (overdue tasks, publicity windows open)."""

    branch: Organization
    approved: bool
    reason: str
    summary: Summary
    open_tasks: int
    overdue_tasks: int
    windows_open: int


@dataclass
class OrganizationDashboard:
    """党委看板 of a period, bounded whatever the organization's size (a province: 330,000 branches).

    - ``ranking``: the stored 全委排名 (``reports.rankings.stored_ranking_state``), never ranked on the
      request; ``top`` and ``bottom`` from its first and last rows, ``rows`` one page of it.
    - ``pending``: while not complete, how many branches have not approved the period and the first
      ``PENDING_LISTED`` of them with why.
    - ``branches``: 各支部对比, one page of ``BRANCHES_PER_PAGE`` branches below in path order
      (``branch_page``): a committee of a few dozen branches sees them all on one page; a province's
      officer pages through them in the order of its tree (a 市/县委's branches together) — every figure
      of a page is read for its branches only, so a page costs the same in a branch of 3 or of 330,000.
    """

    organization: Organization
    periods: list[Period]
    period: Period
    ranking: StoredState
    branches: list[BranchComparison]
    branch_count: int = 0
    branch_page: Page | None = None
    pending: PendingBranches | None = None
    top: list = field(default_factory=list)
    bottom: list = field(default_factory=list)
    rows: Page | None = None
    graded: bool = False


def start_month_of(organization: Organization, today: datetime.date) -> int:
    """The first month of the cycle under the rules in force for the organization today (1 without)."""
    ruleset = ruleset_for(organization, today)
    if ruleset is None or ruleset.current_version is None:
        return 1
    return effective_ruleset(ruleset.current_version).cycle_start_month


def organization_periods(start_month: int, today: datetime.date) -> list[Period]:
    """The cycles, half-years and quarters that have ended, newest first, over this cycle and the last."""
    current = period_of(today, PeriodKind.CYCLE, start_month).cycle
    ended = []
    for cycle in (current, current - 1):
        candidates = [Period(cycle, PeriodKind.CYCLE)]
        candidates += [Period(cycle, PeriodKind.HALF, i) for i in (2, 1)]
        candidates += [Period(cycle, PeriodKind.QUARTER, i) for i in (4, 3, 2, 1)]
        ended += [p for p in candidates if p.bounds(start_month)[1] < today]
    return sorted(ended, key=_newest_first)


def default_period(organization: Organization, periods: Sequence[Period], start_month: int) -> Period | None:
    """The half-year ranking is the one the regulations publish: the latest ended half-year, unless
    no branch below has approved any of it yet — then the latest ended period some branch has."""
    halves = [p for p in periods if p.kind is PeriodKind.HALF]
    for period in [*halves[:1], *periods]:
        first, last = period.bounds(start_month)
        approved_inside = PeriodReview.objects.filter(
            branch__path__startswith=organization.path,
            status__in=COUNTED_STATUSES,
            starts_on__gte=first,
            ends_on__lte=last,
        )
        if approved_inside.exists():
            return period
    return halves[0] if halves else (periods[0] if periods else None)


def _windows_open(branches: Sequence[Organization], now: datetime.datetime) -> Counter:
    # Every 公示 counts: a period's, a 民主评议's and a year's.
    windows = PublicityWindow.objects.filter(
        branch__in=branches, opens_at__lte=now, closes_at__gt=now
    ).values_list("branch_id", flat=True)
    return Counter(windows)


def branch_comparisons(
    user,
    organization: Organization,
    branches: list[Organization],
    period: Period,
    now: datetime.datetime,
    ranking: StoredState | None = None,
) -> list[BranchComparison]:
    """各支部对比 of these branches (a page of them): each one's period summary once approved, or why
    not, and what waits there now — read for these branches only (around the organization as
    ``ranking`` read it, when given)."""
    states = listed_branch_states(organization, branches, period, ranking and ranking.surroundings)
    tasks = open_tasks(user, branches) if branches else []
    by_branch: defaultdict[int, list[Task]] = defaultdict(list)
    for task in tasks:
        by_branch[task.process.branchprocess.organization_id].append(task)
    windows = _windows_open(branches, now) if branches else Counter()
    escalation_days = escalation_days_of({task.process.branchprocess.organization for task in tasks})
    comparisons = []
    for state in states:
        totals = [s.total for s in period_standings(state.approved)] if state.approved else []
        waiting = tasks_by_kind(by_branch[state.branch.pk], now, escalation_days)
        comparisons.append(
            BranchComparison(
                branch=state.branch,
                approved=state.approved is not None,
                reason=state.reason,
                summary=summarize(totals),
                open_tasks=sum(kind.count for kind in waiting),
                overdue_tasks=sum(kind.overdue for kind in waiting),
                windows_open=windows.get(state.branch.pk, 0),
            )
        )
    return comparisons


def organization_dashboard(
    user,
    organization: Organization,
    period: Period | None = None,
    *,
    page: int | str | None = None,
    branch_page: int | str | None = None,
) -> OrganizationDashboard:
    """党委看板 of ``period`` (default: :func:`default_period`), the ``page`` of its ranking and the
    ``branch_page`` of its branches (see :class:`OrganizationDashboard`). The caller has checked
    ``view_scores`` on the organization."""
    now = timezone.now()
    today = timezone.localdate()
    start_month = start_month_of(organization, today)
    periods = organization_periods(start_month, today)
    period = period or default_period(organization, periods, start_month) or period_of(today, PeriodKind.HALF)
    ranking = stored_ranking_state(organization, period)
    branches = Paginator(branches_below(organization), BRANCHES_PER_PAGE).get_page(branch_page)
    board = OrganizationDashboard(
        organization,
        periods,
        period,
        ranking,
        branch_comparisons(user, organization, list(branches), period, now, ranking),
        branch_count=branches.paginator.count,
        branch_page=branches,
    )
    if ranking.complete:
        board.top, board.bottom = ranking_edges(ranking, TOP_AND_BOTTOM, EDGE_MOST)
        board.rows = Paginator(ranking_rows(ranking), RANKING_PER_PAGE).get_page(page)
        board.graded = ranking_graded(ranking)
    elif not ranking.computing:
        board.pending = pending_branches(organization, period, PENDING_LISTED, ranking.surroundings)
    return board


# ---------------------------------------------------------------- where a user has dashboards


def dashboard_organizations(user) -> tuple[list[Organization], list[Organization]]:
    """(higher organizations, branches) whose dashboards the user may open: wherever they view scores,
    the tops of their scope first — a committee officer reaches its branches from the committee's page."""
    # The tops of the scope are the outermost places the role is granted: read from the grants (two small
    # queries), not by comparing every organization of the scope with every other (a province's 100,000).
    if user.is_superuser:
        tops = list(Organization.objects.filter(depth=1).order_by("path"))
    else:
        paths = granted_paths(user, "view_scores").get("view_scores", [])
        tops = list(Organization.objects.filter(path__in=paths).order_by("path"))
    higher = [org for org in tops if not org.is_branch]
    branches = [org for org in tops if org.is_branch]
    return higher, branches
