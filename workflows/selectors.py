"""Reads of the workflow, already scoped: what rules apply, which period covers a day, what a user may see."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db.models import CharField, Max, Min, Q, QuerySet
from django.db.models.functions import Cast
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts import access
from accounts.duties import STAND_INS
from accounts.models import Member, Organization
from accounts.step_memo import remembered
from config.formats import day_text
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.models import RuleSetVersion
from scoring.selectors import effective_ruleset, version_in_force
from workflows import messages
from workflows.models import Appeal, BranchProcess, Claim, PeriodReview

# Which organization permission lets a user follow a process of each kind (besides its own member).
PROCESS_VIEW_PERMISSIONS = (
    "record_claims",
    "review_claims",
    "decide_appeals",
    "approve_period",
    "review_filings",
)


def rules_on(branch: Organization, day: datetime.date) -> tuple[RuleSetVersion, CoreRuleSet]:
    version = version_in_force(branch, day)
    if version is None:
        raise ValidationError(
            {"occurred_on": [messages.NO_RULESET % {"branch": branch.name, "date": day_text(day)}]}
        )
    return version, effective_ruleset(version)


def review_covering(branch: Organization, day: datetime.date) -> PeriodReview | None:
    return PeriodReview.objects.filter(branch=branch, starts_on__lte=day, ends_on__gte=day).first()


def _following_paths(user) -> list[str]:
    """The outermost organization paths where ``user`` holds any of ``PROCESS_VIEW_PERMISSIONS``."""
    grants = access.granted_paths(user, *PROCESS_VIEW_PERMISSIONS)
    return [path for paths in grants.values() for path in paths]


def organizations_following(user) -> QuerySet[Organization]:
    """Organizations whose processes ``user`` may follow: any workflow role there or above — one
    ``path LIKE 'prefix%'`` per place the user works, no subquery."""
    if not user.is_authenticated or not user.is_active:
        return Organization.objects.none()
    if user.is_superuser:
        return Organization.objects.all()
    return Organization.objects.filter(access.below_any(_following_paths(user)))


# Up to this many organizations a list ordered by its own rows' dates (processes, claims, filings) starts
# from them (a branch, a 党总支's hundred).
LIST_PLACES_NAMED = 200


def rows_of_places(user, paths: list[str], field: str) -> Q | None:
    """Rows whose organization (``field``) lies at or below ``paths``; None for every row (the top of the
    only tree). A branch's or a 党总支's organizations are named, so PostgreSQL reads their few rows by
    index instead of walking a province's newest to find them (an ordinary branch's 积分申报 list: 4.7 s →
    40–60 ms at 1.6 M processes). A committee's thousands hold a good share of all rows: the list walks
    them newest first until it has a page (a 市/县委's 积分申报 list: 0.2–0.35 s; naming its 3,334
    organizations sorts their 16,000 processes instead, no faster)."""
    if not paths:
        return Q(pk__in=[])
    places = places_of(user, paths)
    if places is EVERYWHERE:
        return None
    if isinstance(places, list) and len(places) <= LIST_PLACES_NAMED:
        return Q(**{f"{field}_id__in": places})
    return access.below_any(paths, f"{field}__path")


def process_visibility(user, prefix: str = "") -> Q:
    """The condition "a process ``user`` may see" on ``BranchProcess`` rows, or on rows reaching one through
    ``prefix`` (``"process__branchprocess__"`` from a task, ``"branchprocess__"`` from viewflow's process):
    its organization lies below a place the user works, or it is their own claim or appeal.

    The places' organizations and the user's own processes are read first (answered once per request)
    and named in the condition when few (``rows_of_places``)."""
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    condition = _branch_visibility(user, f"{prefix}organization")
    if condition is None:
        return Q()
    own = _per_request(user, ("own_visible",), lambda: _own_visible(user))
    if own:
        condition |= Q(**{f"{prefix}pk__in": own})
    return condition


def _own_visible(user) -> list[int]:
    """The processes of one's own claims and appeals (as appellant): one query, two indexed lookups."""
    member = Member.objects.filter(user=user).values("pk")
    claims = BranchProcess.objects.filter(claim__member__in=member).order_by().values_list("pk", flat=True)
    appeals = (
        BranchProcess.objects.filter(appeal__appellant__in=member).order_by().values_list("pk", flat=True)
    )
    return sorted(set(claims.union(appeals)))


def remember_visible(user, process_pks) -> None:
    """A list that has just selected these processes with ``process_visibility`` tells the per-row checks
    viewflow's templates make (``has_view_permission`` for each row's link) that they are visible, so a
    page does not ask again row by row. Held on this request's user object only."""
    known = user.__dict__.setdefault("_jifen_visible_processes", set())
    known.update(process_pks)


def known_visible(user, process_pk) -> bool:
    return process_pk in user.__dict__.get("_jifen_visible_processes", ())


def processes_visible_to(user) -> QuerySet[BranchProcess]:
    """The processes a user may see: those of organizations they work in, and their own claims/appeals."""
    if not user.is_authenticated:
        return BranchProcess.objects.none()
    return BranchProcess.objects.filter(process_visibility(user))


def claims_visible_to(user) -> QuerySet[Claim]:
    if not user.is_authenticated:
        return Claim.objects.none()
    claims = Claim.objects.select_related("member", "branch")
    scope = _branch_visibility(user, "branch")
    if scope is None:  # everywhere
        return claims.all()
    return claims.filter(scope | Q(member_id__in=_own_members(user)))


def appeals_visible_to(user) -> QuerySet[Appeal]:
    if not user.is_authenticated:
        return Appeal.objects.none()
    scope = _branch_visibility(user, "window__branch")
    if scope is None:
        return Appeal.objects.all()
    return Appeal.objects.filter(scope | Q(appellant_id__in=_own_members(user)))


def _own_members(user) -> list[int]:
    return _per_request(
        user, ("own_members",), lambda: list(Member.objects.filter(user=user).values_list("pk", flat=True))
    )


def _branch_visibility(user, field: str) -> Q | None:
    """Rows of the branches whose processes ``user`` may follow, on ``field`` (an organization); None for
    every branch (``rows_of_places``: a committee member's API claims/ 1.15 s → 23 ms at 620 k claims)."""
    if user.is_superuser:
        return None
    if not user.is_active:
        return Q(pk__in=[])
    return rows_of_places(user, _following_paths(user), field)


# ---------------------------------------------------------------- tasks (待办 / 待认领 / 已办)
# viewflow matches a task's permission object exactly; our roles hold through the organization tree,
# so the web UI's lists and the API compute them here from ``accounts.access``.


# The members a task is about, from the task row: a claim's member, an appeal's appellant and the member
# whose entry or year-end result it disputes, the member whose entry a 台账更正 cancels. Nobody is offered
# a task about themselves.
TASK_MEMBER_PATHS = (
    "process__branchprocess__claim__member",
    "process__branchprocess__appeal__appellant",
    "process__branchprocess__appeal__entry__member",
    "process__branchprocess__appeal__subject",
    "process__branchprocess__correction__entry__member",
)


def members_concerned(process) -> list[Member]:
    """Whose points a process is about (``TASK_MEMBER_PATHS`` for one process). Asked by the flow, the
    task's checks and the service of one step: answered once per step (``accounts.step_memo``)."""
    if process.pk is None:
        return _members_concerned(process)
    return remembered(("members_concerned", process.pk), lambda: _members_concerned(process))


def _members_concerned(process) -> list[Member]:
    if not isinstance(process, BranchProcess):
        process = BranchProcess.objects.select_related("claim__member").get(pk=process.pk)
    if process.claim_id is not None:
        return [process.claim.member]
    if process.appeal_id is not None:
        return appeal_members(process.appeal)
    if process.correction_id is not None:  # 台账更正: the member whose entry it cancels
        return [process.correction.entry.member]
    return []


def appeal_members(appeal: Appeal) -> list[Member]:
    """Whom an appeal is about: its appellant and the member whose entry or year-end result it disputes."""
    disputed = appeal.entry.member if appeal.entry_id is not None else appeal.subject
    return [appeal.appellant, disputed]


def without_own_tasks(tasks: QuerySet[Task], user) -> QuerySet[Task]:
    """不得办理涉及本人积分的事项: the tasks about the user's own points left out, in the query.

    The processes about the user are read first (one small query, :func:`own_processes`) and left out
    by their ids: the list's query keeps no subquery whose size PostgreSQL would have to guess, so it
    estimates the user's tasks well enough to start from their organizations."""
    if not getattr(user, "is_authenticated", False):
        return tasks
    own = own_processes(user)
    return tasks.exclude(process_id__in=own) if own else tasks


def own_processes(user) -> list[int]:
    """The processes about the user's own points (``TASK_MEMBER_PATHS``): one query, a union of one
    indexed lookup per way a process concerns a member (answered once per request)."""
    return _per_request(user, ("own_processes",), lambda: _own_processes(user))


def _per_request(user, key: tuple, compute):
    """Answered once per request: kept on this request's user object (a page asks for its queue twice,
    for the list and for the menu's count), or once per step inside a step."""
    known = user.__dict__.setdefault("_jifen_queue_reads", {})
    if key not in known:
        known[key] = remembered((*key, user.pk), compute)
    return known[key]


def _own_processes(user) -> list[int]:
    member = Member.objects.filter(user=user).values("pk")
    lookups = [
        BranchProcess.objects.filter(**{f"{path.removeprefix(_BP)}__in": member})
        .order_by()
        .values_list("pk", flat=True)
        for path in TASK_MEMBER_PATHS
    ]
    return sorted(set(lookups[0].union(*lookups[1:])))


_BP = "process__branchprocess__"


def task_permissions(flow_classes) -> set[str]:
    """The permissions the flows' tasks may carry: their nodes' own and, where a node routes a task about
    an officer to the one standing in (``accounts.duties.duty_permission``), the stand-ins'."""
    perms: set[str] = set()
    for flow_class in flow_classes:
        for node in flow_class.instance.nodes():
            perm = getattr(node, "_owner_permission", None)
            if isinstance(perm, str):
                perms.add(perm)
                if getattr(node, "routes_own_points", False):
                    perms.update(f"accounts.{stand_in}" for stand_in in STAND_INS)
    return perms


# What a list row shows of its process (viewflow's ``brief`` and ``process_brief`` columns render the
# process's summary: the claim's member, the period's branch, the appeal's appellant), read with the
# page's own query instead of one query per row.
TASK_ROW_RELATED = (
    "process__branchprocess__organization",
    "process__branchprocess__claim__member",
    "process__branchprocess__period_review__branch",
    "process__branchprocess__appeal__appellant",
)


PROCESS_ROW_RELATED = tuple(path.removeprefix("process__branchprocess__") for path in TASK_ROW_RELATED)


def tasks_of(flow_classes) -> QuerySet[Task]:
    """The tasks of these flows, matched by their node (``flow_task``) on the task row itself: no join to
    the process just to read its flow, so a list's query can start from an index on the task table."""
    return Task.objects.filter(flow_task__in=flow_nodes(flow_classes)).select_related(
        "process", *TASK_ROW_RELATED
    )


def flow_nodes(flow_classes) -> list:
    return [node for flow_class in flow_classes for node in flow_class.instance.nodes()]


# Oldest first: the claim waiting longest is at the top. ``workflows/migrations/0010_scale_indexes.py``
# indexes open human tasks by (created, id), so the first page is read in index order.
QUEUE_ORDER = ("created", "id")
TASK_ORGANIZATION_PATH = "process__branchprocess__organization__path"


def queue_for(user, flow_classes, permissions: Iterable[str] | None = None) -> QuerySet[Task]:
    """待认领: unassigned human tasks the user may take — the task's permission, held in the process's
    organization or above it — except those about the user's own points.

    One query: each permission's grants become ``owner_permission IN (…) AND owner_permission_obj_pk IN
    (the organizations with path LIKE 'prefix%')`` (permissions granted in the same places share one)."""
    tasks = tasks_of(flow_classes).filter(flow_task_type="HUMAN", status=STATUS.NEW)
    if permissions is not None:  # only the tasks of these permissions (the 工作台's overdue ones)
        permissions = set(permissions)
        tasks = tasks.filter(owner_permission__in=permissions)
    if user.is_superuser:
        return without_own_tasks(tasks, user)
    every = tuple(sorted(task_permissions(flow_classes)))
    grants = _per_request(user, ("grants", every), lambda: access.granted_paths(user, *every))
    perms = [perm for perm in every if permissions is None or perm in permissions]
    groups: dict[tuple[str, ...], list[str]] = {}
    for perm in perms:
        paths = grants.get(perm.rpartition(".")[2])
        if paths:
            groups.setdefault(tuple(paths), []).append(perm)
    if not groups:
        return tasks.none()
    allowed = Q(pk__in=[])
    for paths, group in groups.items():
        # Every task with a permission names its organization as the permission's object (the flows'
        # ``.Permission(…, obj=_organization)``), so the places' organizations are matched on the task
        # row itself: an index probe per (permission, organization) into the open human tasks, already
        # oldest first (``workflows`` migration 0012), instead of walking every open task of the
        # province that holds the permission and checking its process's organization.
        held = Q(owner_permission__in=group)
        where = tasks_of_places(user, list(paths))
        allowed |= held if where is None else held & where
    return without_own_tasks(tasks.filter(allowed), user)


def tasks_of_places(user, paths: list[str]) -> Q | None:
    """Tasks whose organization — the one their permission holds in (``owner_permission_obj``) — lies at
    or below ``paths``; None for every task (the top of the only tree)."""
    places = places_of(user, paths)
    if places is EVERYWHERE:
        return None
    if isinstance(places, list):
        pks = [str(pk) for pk in places]  # guardian and viewflow keep object ids as text
    else:
        pks = places.values(text_pk=Cast("pk", CharField()))
    return Q(owner_permission_content_type=_organization_type(), owner_permission_obj_pk__in=pks)


# Up to this many organizations are named in the queue's query as values, above it as a subquery.
PLACES_NAMED = 5000


EVERYWHERE = object()


def places_of(user, paths) -> list[int] | QuerySet[Organization] | object:
    """The organizations at or below ``paths``: their ids up to ``PLACES_NAMED`` (a branch, a 党总支, a
    市/县委's few thousand: named in the query, PostgreSQL probes an index once per organization), else a
    queryset of them; ``EVERYWHERE`` for the top of the only tree (the province's officer: no condition
    at all, so lists read their oldest or newest rows in index order instead of checking 330,000
    organizations). Answered once per request."""
    key = tuple(sorted(set(paths)))
    return _per_request(user, ("places", key), lambda: _places(list(key)))


def _places(paths: list[str]) -> list[int] | QuerySet[Organization] | object:
    if any(len(path) == Organization.steplen for path in paths) and _one_tree():
        return EVERYWHERE
    organizations = Organization.objects.filter(access.below_any(paths))
    named = list(organizations.values_list("pk", flat=True)[: PLACES_NAMED + 1])
    if len(named) <= PLACES_NAMED:
        return named
    return organizations


def _one_tree() -> bool:
    """Whether the organizations form one tree (one province): then its root's places are all of them."""
    ends = Organization.objects.aggregate(first=Min("path"), last=Max("path"))  # two index reads
    step = Organization.steplen
    return ends["first"] is not None and ends["first"][:step] == ends["last"][:step]


def _organization_type() -> ContentType:
    return ContentType.objects.get_for_model(Organization)  # cached by Django after the first call


def inbox_of(user, flow_classes) -> QuerySet[Task]:
    """待办: the open tasks assigned to the user."""
    return tasks_of(flow_classes).filter(owner=user, status=STATUS.ASSIGNED)


def archive_of(user, flow_classes) -> QuerySet[Task]:
    """已办: the tasks the user has finished."""
    return tasks_of(flow_classes).filter(owner=user, finished__isnull=False)


def tasks_visible_to(user, flow_classes) -> QuerySet[Task]:
    """Every task of the processes the user may see (their conditions on the task's own joins)."""
    return tasks_of(flow_classes).filter(process_visibility(user, "process__branchprocess__"))
