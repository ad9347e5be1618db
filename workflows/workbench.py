"""工作台: what waits for one person, whatever roles they hold — read from the same scoped queries as the
queues, so a count on the workbench is the number of rows the queue or the inbox shows.

- 待办 by step (待登记, 待审核, 申诉待处理, 待审定, 待备案, the year-end's steps, 细则审批, 台账更正,
  退回重新审定, and a member's own 补充材料): per flow node, the count and the oldest task, in one query
  for the queue (待认领) and one for the inbox (我已认领) — a window function ranks the tasks of each
  node, so the number of queries does not grow with the tasks (``steps_waiting``).
- 公示 closing soon in the user's branches (``windows_closing``).
- 超期: tasks waiting on the branch longer than its ``escalation_days`` (``workflows.escalation``), with
  whom the overdue reminder goes to (``overdue_items``).
- For a member: what they may still claim this cycle, item by item, with the cap and the frequency
  limit left, computed by the scoring core over their counted entries and claims under way
  (``claimable_items``).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts import access
from accounts.models import Member, Organization, RoleAssignment
from scoring.core.engine import Event, score_cycle
from scoring.core.periods import month_in_cycle
from scoring.core.ruleset import Item, LimitPer
from scoring.core.ruleset import Source as ItemSource
from scoring.models import LedgerEntry
from scoring.selectors import ledger_net, member_info
from workflows.correction_flows import CorrectionFlow, PeriodReopenFlow
from workflows.escalation import ESCALATED_PERMISSIONS
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Claim, PublicityWindow, ReviewSettings
from workflows.rule_flows import RuleProposalFlow
from workflows.selectors import (
    TASK_MEMBER_PATHS,
    inbox_of,
    organizations_following,
    queue_for,
    rules_on,
    tasks_of_places,
)
from yearend.flows import AnnualReviewFlow, EvaluationFlow

# The flows whose tasks people do (the same as the 积分流程 application's).
FLOWS = (
    ClaimFlow,
    PeriodReviewFlow,
    AppealFlow,
    EvaluationFlow,
    AnnualReviewFlow,
    RuleProposalFlow,
    CorrectionFlow,
    PeriodReopenFlow,
)

# Each step's name on the workbench, in the order of the regulation; a node not listed here is shown
# under its flow's and node's own titles, after these.
STEP_NAMES: tuple[tuple[Any, Any], ...] = (
    (ClaimFlow.revise, _("补充材料（退回的申报）")),
    (ClaimFlow.record, _("待登记")),
    (ClaimFlow.review, _("待审核")),
    (AppealFlow.decide, _("申诉待处理")),
    (PeriodReviewFlow.approve, _("待审定")),
    (PeriodReviewFlow.file, _("待备案")),
    (CorrectionFlow.decide, _("台账更正待决定")),
    (PeriodReopenFlow.consent, _("退回重新审定待同意")),
    (PeriodReopenFlow.approve, _("待重新审定")),
    (PeriodReopenFlow.file, _("重新审定待备案")),
    (EvaluationFlow.tally, _("民主评议待计票")),
    (EvaluationFlow.propose, _("民主评议待评定")),
    (EvaluationFlow.approve, _("民主评议待审定")),
    (AnnualReviewFlow.grade, _("年度等次待评定")),
    (AnnualReviewFlow.approve, _("年度等次待审定")),
    (AnnualReviewFlow.ratify, _("年度等次待党委审批")),
    (AnnualReviewFlow.file, _("年度总评待备案")),
    (RuleProposalFlow.decide, _("自主设定项目待审批")),
    (RuleProposalFlow.revise, _("自主设定项目待修改")),
)
STEP_ORDER = {node: n for n, (node, _name) in enumerate(STEP_NAMES)}
SOON = datetime.timedelta(days=3)  # a 公示 closing within this is marked 即将截止
WINDOWS_SHOWN = 10
OVERDUE_SCANNED = 200  # the oldest waiting tasks looked at for 超期: the most overdue are among them
OVERDUE_SHOWN = 10


def step_name(node) -> str:
    for known, name in STEP_NAMES:
        if known == node:
            return str(name)
    return f"{node.flow_class.process_title} · {node.task_title or node.name}"


def task_url(task_or_node, process_pk: int, task_pk: int) -> str:
    """The task's own page: viewflow's index sends the user on to 认领, 办理 or the detail as fits."""
    node = getattr(task_or_node, "flow_task", task_or_node)
    try:
        return node.reverse("index", args=[process_pk, task_pk])
    except (AttributeError, NoReverseMatch):
        return ""


# ---------------------------------------------------------------- 待办 by step


@dataclass(frozen=True)
class StepOldest:
    """One flow node's tasks in one list: how many, and the oldest of them."""

    node: Any
    count: int
    task_pk: int
    process_pk: int
    created: datetime.datetime


@dataclass(frozen=True)
class Step:
    """A step waiting for the user: in the queue (待认领, anyone entitled may take it) and in the inbox
    (taken by the user, or given to them by the flow: a returned claim)."""

    node: Any
    name: str
    queued: int
    mine: int
    oldest_created: datetime.datetime
    oldest_url: str

    @property
    def count(self) -> int:
        return self.queued + self.mine

    @property
    def list_url(self) -> str:
        return reverse("workflow:inbox" if self.mine and not self.queued else "workflow:queue")

    def waiting_days(self, now: datetime.datetime | None = None) -> int:
        return max(0, ((now or timezone.now()) - self.oldest_created).days)


def oldest_per_step(tasks: QuerySet[Task]) -> list[StepOldest]:
    """Per flow node: the number of tasks and the oldest one — one query, whatever the number of tasks
    (a window ranks each node's tasks by age; the outer query keeps each node's first)."""
    by_node = [F("flow_task")]
    ranked = (
        tasks.order_by()
        .annotate(
            step_count=Window(Count("pk"), partition_by=by_node),
            step_rank=Window(RowNumber(), partition_by=by_node, order_by=[F("created").asc(), F("pk").asc()]),
        )
        .filter(step_rank=1)
        .values_list("flow_task", "step_count", "pk", "process_id", "created")
    )
    return [StepOldest(*row) for row in ranked]


def lists_of(user) -> tuple[QuerySet[Task], QuerySet[Task]]:
    """The user's 待认领 and 待办 (built once: each build asks ``accounts.access`` for every permission)."""
    return queue_for(user, FLOWS), inbox_of(user, FLOWS)


def steps_waiting(user, lists: tuple[QuerySet[Task], QuerySet[Task]] | None = None) -> list[Step]:
    """待办 by step, in the regulation's order: the queue's and the inbox's tasks of each node."""
    queue, inbox = lists or lists_of(user)
    queued = {row.node: row for row in oldest_per_step(queue)}
    mine = {row.node: row for row in oldest_per_step(inbox)}
    steps = []
    for node in set(queued) | set(mine):
        rows = [row for row in (queued.get(node), mine.get(node)) if row is not None]
        oldest = min(rows, key=lambda row: (row.created, row.task_pk))
        steps.append(
            Step(
                node=node,
                name=step_name(node),
                queued=queued[node].count if node in queued else 0,
                mine=mine[node].count if node in mine else 0,
                oldest_created=oldest.created,
                oldest_url=task_url(node, oldest.process_pk, oldest.task_pk),
            )
        )
    return sorted(steps, key=lambda s: (STEP_ORDER.get(s.node, len(STEP_ORDER)), s.name))


# ---------------------------------------------------------------- 公示 closing soon


@dataclass(frozen=True)
class WindowRow:
    window: PublicityWindow
    open_appeals: int
    url: str
    own_branch: bool  # the user is a member of the window's branch: they may appeal

    @property
    def closes_soon(self) -> bool:
        return self.window.closes_at - timezone.now() <= SOON

    @property
    def days_left(self) -> int:
        return max(0, (self.window.closes_at - timezone.now()).days)


def open_windows(user) -> QuerySet[PublicityWindow]:
    """公示 open now in the user's own branch and the branches they work in, the first to close first."""
    if not user.is_authenticated:
        return PublicityWindow.objects.none()
    now = timezone.now()
    # The user's own branch as a subquery, not a join through its members: no row repeats, and the few
    # windows still open are read from their index on ``closes_at``.
    own_branch = Member.objects.filter(user=user).values("branch_id")
    branches = Q(branch__in=organizations_following(user)) | Q(branch__in=own_branch)
    return (
        PublicityWindow.objects.filter(branches, opens_at__lte=now, closes_at__gt=now)
        .select_related("branch", "review", "evaluation", "annual_review")
        .order_by("closes_at", "pk")
    )


def _window_url(window: PublicityWindow, own_branch: bool) -> str:
    if window.review_id is not None:
        return reverse("me:publicity_detail", args=[window.review_id])
    if own_branch and window.evaluation_id is not None:
        return reverse("me:evaluation", args=[window.evaluation_id])
    if own_branch and window.annual_review_id is not None:
        return reverse("me:annual", args=[window.annual_review_id])
    return reverse("yearend:branch_year", args=[window.branch_id, window.owner.cycle])


def windows_closing(user, member: Member | None) -> tuple[list[WindowRow], int]:
    """The open 公示 (at most ``WINDOWS_SHOWN``, the first to close first) and how many are open."""
    windows = open_windows(user)
    total = windows.count()
    rows = []
    shown = windows.annotate(open_appeals=Count("appeals", filter=Q(appeals__status="open"), distinct=True))[
        :WINDOWS_SHOWN
    ]
    for window in shown:
        own = member is not None and member.branch_id == window.branch_id
        rows.append(WindowRow(window, window.open_appeals, _window_url(window, own), own))
    return rows, total


# ---------------------------------------------------------------- 超期 and whom it is escalated to


@dataclass(frozen=True)
class OverdueRow:
    task: Task
    name: str
    organization: Organization
    days: int  # waiting for
    limit: int  # the branch's escalation_days
    chasers: list[str]  # who is reminded: the branch secretary, or the higher committee
    url: str


def escalated_to_me(user) -> Q:
    """Tasks of the organizations whose overdue tasks are chased by the user: a secretary's branch, and,
    for the higher committee (who chases when the secretary is concerned), every branch below — matched
    on the task's own organization (``owner_permission_obj``, as the queue does)."""
    grants = access.granted_paths(user, "approve_period", "review_filings")
    paths = [path for found in grants.values() for path in found]
    if not paths:
        return Q(pk__in=[])
    where = tasks_of_places(user, paths)
    return Q() if where is None else where


def overdue_candidates(
    user, now: datetime.datetime, lists: tuple[QuerySet[Task], QuerySet[Task]] | None = None
) -> QuerySet[Task]:
    """Waiting tasks on the branch's own roles, a day old or more, that the user could take or chases —
    the ``OVERDUE_SCANNED`` oldest.

    Asked as four queries, each ordered by age and cut at ``OVERDUE_SCANNED`` (the oldest of their union
    are among the oldest of each): one ``OR`` of the three made PostgreSQL scan every open task of a
    province (7.5 s for a committee member with 10 M tasks, measured with benchmarks/province.py)."""
    inbox = (lists or lists_of(user))[1]
    # Every task with one of these permissions is a branch process's and names its organization
    # (``.Permission(…, obj=_organization)``): no join to the process is needed to find or place it.
    waiting = Q(
        flow_task_type="HUMAN",
        status__in=(STATUS.NEW, STATUS.ASSIGNED),
        owner_permission__in=ESCALATED_PERMISSIONS,
        created__lte=now - datetime.timedelta(days=1),
    )
    chased = Task.objects.filter(waiting, escalated_to_me(user))
    # The queue's and the inbox's own conditions with these added, not ``pk IN (the queue)``: PostgreSQL
    # would read the whole queue first (16,500 tasks for the province's officer: 0.5 s). The chased
    # tasks waiting and taken apart, each in its own index's order (``workflows`` 0012 and 0016).
    sources = (
        chased.filter(status=STATUS.NEW),
        chased.filter(status=STATUS.ASSIGNED),
        # Only the queue's tasks of those permissions: a queue of none of them is no query at all.
        queue_for(user, FLOWS, permissions=ESCALATED_PERMISSIONS).filter(waiting),
        inbox.filter(waiting),
    )
    ids = {
        pk
        for source in sources
        for pk in source.order_by("created", "pk").values_list("pk", flat=True)[:OVERDUE_SCANNED]
    }
    return (
        Task.objects.filter(pk__in=ids)
        .select_related("process__branchprocess__organization")
        .order_by("created", "pk")
    )


def escalation_days_of(organizations: Iterable[Organization]) -> dict[int, int]:
    """Each organization's ``escalation_days``: its own settings or its nearest ancestor's (one query)."""
    organizations = list(organizations)
    step = Organization.steplen
    wanted = {o.path[:n] for o in organizations for n in range(step, len(o.path) + 1, step)}
    by_path = {
        s.organization.path: s.escalation_days
        for s in ReviewSettings.objects.filter(organization__path__in=wanted).select_related("organization")
    }
    default = ReviewSettings._meta.get_field("escalation_days").default
    days = {}
    for o in organizations:
        paths = [o.path[:n] for n in range(len(o.path), 0, -step)]
        days[o.pk] = next((by_path[p] for p in paths if p in by_path), default)
    return days


def _concerned_users(tasks: Sequence[Task]) -> dict[int, set[int]]:
    """Per task: the users whose points it is about (``TASK_MEMBER_PATHS``), in one query."""
    paths = [f"{path}__user_id" for path in TASK_MEMBER_PATHS]
    concerned: dict[int, set[int]] = defaultdict(set)
    for pk, *users in Task.objects.filter(pk__in=[t.pk for t in tasks]).values_list("pk", *paths):
        concerned[pk].update(u for u in users if u)
    return concerned


def _secretaries(organizations: Iterable[Organization]) -> dict[int, list[tuple[int, str]]]:
    """The branch secretaries in office today, by organization: (user pk, name), in one query."""
    day = timezone.localdate()
    rows = (
        RoleAssignment.objects.filter(
            organization__in=list(organizations),
            role=RoleAssignment.Role.SECRETARY,
            valid_from__lte=day,
            user__is_active=True,
        )
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .values_list("organization_id", "user_id", "user__member__real_name", "user__username")
        .order_by("user_id")
    )
    found: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for organization, user, name, username in rows:
        found[organization].append((user, name or username))
    return found


def overdue_items(
    user,
    now: datetime.datetime | None = None,
    lists: tuple[QuerySet[Task], QuerySet[Task]] | None = None,
) -> tuple[list[OverdueRow], int]:
    """超期: the oldest overdue tasks the user could take or chases, and how many of the scanned are.

    A task is overdue past its branch's ``escalation_days`` (``workflows.escalation.is_overdue``); its
    reminder goes to the branch secretary — or, when the task is about the secretary's own points or the
    branch has none, to the higher committee (``workflows.escalation``)."""
    from workflows.escalation import is_overdue

    now = now or timezone.now()
    tasks = list(overdue_candidates(user, now, lists)[:OVERDUE_SCANNED])
    organizations = {t.process.branchprocess.organization for t in tasks}
    limits = escalation_days_of(organizations)
    overdue = [t for t in tasks if is_overdue(t, limits[t.process.branchprocess.organization_id], now)]
    shown = overdue[:OVERDUE_SHOWN]
    concerned = _concerned_users(shown)
    secretaries = _secretaries({t.process.branchprocess.organization for t in shown})
    rows = []
    for task in shown:
        organization = task.process.branchprocess.organization
        chasers = [
            name for pk, name in secretaries.get(organization.pk, []) if pk not in concerned[task.pk]
        ] or [str(_("上级党委"))]
        rows.append(
            OverdueRow(
                task=task,
                name=step_name(task.flow_task),
                organization=organization,
                days=(now - task.created).days,
                limit=limits[organization.pk],
                chasers=chasers,
                url=task_url(task, task.process_id, task.pk),
            )
        )
    return rows, len(overdue)


# ---------------------------------------------------------------- a member: what is left to claim


@dataclass(frozen=True)
class ClaimableItem:
    """One item a member claims, and how much of it is left this cycle."""

    item: Item
    counted: Decimal  # the item's subtotal so far: counted entries and claims under way, after the cap
    pending: Decimal  # of which claims still under way (申报后待登记、待审核)
    times_used: int | None  # occurrences in the current limit window (this month / quarter / year)

    @property
    def cap_left(self) -> Decimal | None:
        if self.item.cap is None:
            return None
        return max(Decimal(0), self.item.cap - abs(self.counted))

    @property
    def times_left(self) -> int | None:
        if self.item.limit is None or self.times_used is None:
            return None
        return max(0, self.item.limit.times - self.times_used)

    @property
    def exhausted(self) -> bool:
        return self.cap_left == 0 or self.times_left == 0


def _member_events(member: Member, cycle: int) -> tuple[list[Event], set[str]]:
    """The member's counted entries of the cycle and their claims under way (refs of the latter)."""
    entries = ledger_net(
        LedgerEntry.objects.filter(member=member, ruleset_version__ruleset__cycle=cycle)
    ).values_list("pk", "occurred_on", "item_code", "points")
    events = [Event(str(member.pk), day, item, points, ref=f"e{pk}") for pk, day, item, points in entries]
    pending = Claim.objects.filter(
        member=member, status__in=Claim.OPEN, ruleset_version__ruleset__cycle=cycle
    ).values_list("pk", "occurred_on", "item_code", "points_requested")
    claims = [Event(str(member.pk), day, item, points, ref=f"c{pk}") for pk, day, item, points in pending]
    return events + claims, {event.ref for event in claims}


def claimable_items(member: Member, today: datetime.date | None = None) -> list[ClaimableItem]:
    """申报 left this cycle: each item members claim under the rules in force, with what is left of its
    cap and of its frequency limit — the scoring core's subtotals over the member's entries and claims."""
    today = today or timezone.localdate()
    if not member.is_scored:
        return []
    try:
        version, rules = rules_on(member.branch, today)
    except ValidationError:
        return []
    cycle = version.ruleset.cycle
    items = [item for item in rules.items if item.source == ItemSource.MEMBER]
    events, pending_refs = _member_events(member, cycle)
    known = [event for event in events if rules.item(event.item) is not None]
    info = replace(member_info(member), scored=True)
    with_pending = score_cycle(rules, [info], known, cycle=cycle)[info.member].item_subtotals
    counted_only = score_cycle(rules, [info], [e for e in known if e.ref not in pending_refs], cycle=cycle)[
        info.member
    ].item_subtotals
    month = month_in_cycle(today, rules)
    window = {LimitPer.MONTH: month, LimitPer.QUARTER: (month - 1) // 3, LimitPer.YEAR: 0}
    rows = []
    for item in items:
        times_used = None
        if item.limit is not None:
            now_window = window[item.limit.per]
            times_used = sum(
                1
                for e in known
                if e.item == item.code
                and {
                    LimitPer.MONTH: month_in_cycle(e.date, rules),
                    LimitPer.QUARTER: (month_in_cycle(e.date, rules) - 1) // 3,
                    LimitPer.YEAR: 0,
                }[item.limit.per]
                == now_window
            )
        total = with_pending.get(item.code, Decimal(0))
        rows.append(ClaimableItem(item, total, total - counted_only.get(item.code, Decimal(0)), times_used))
    return rows
