"""Reads of the workflow, already scoped: what rules apply, which period covers a day, what a user may see."""

from __future__ import annotations

import datetime

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts import access
from accounts.models import Organization
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.models import RuleSetVersion
from scoring.selectors import effective_ruleset, ruleset_for, ruleset_version_current
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
    ruleset = ruleset_for(branch, day)
    if ruleset is None:
        raise ValidationError(
            {"occurred_on": [messages.NO_RULESET % {"branch": branch.name, "date": day.isoformat()}]}
        )
    version = ruleset_version_current(ruleset)
    return version, effective_ruleset(version)


def review_covering(branch: Organization, day: datetime.date) -> PeriodReview | None:
    return PeriodReview.objects.filter(branch=branch, starts_on__lte=day, ends_on__gte=day).first()


def organizations_following(user) -> QuerySet[Organization]:
    """Organizations whose processes ``user`` may follow: any workflow role there or above."""
    q = Q()
    for perm in PROCESS_VIEW_PERMISSIONS:
        q |= Q(pk__in=access.organizations_where(user, perm).values("pk"))
    return Organization.objects.filter(q)


def processes_visible_to(user) -> QuerySet[BranchProcess]:
    """The processes a user may see: those of organizations they work in, and their own claims/appeals."""
    if not user.is_authenticated:
        return BranchProcess.objects.none()
    if user.is_superuser:
        return BranchProcess.objects.all()
    return BranchProcess.objects.filter(
        Q(organization__in=organizations_following(user))
        | Q(claim__member__user=user)
        | Q(appeal__appellant__user=user)
    )


def claims_visible_to(user) -> QuerySet[Claim]:
    if not user.is_authenticated:
        return Claim.objects.none()
    return Claim.objects.filter(
        Q(branch__in=organizations_following(user)) | Q(member__user=user)
    ).select_related("member", "branch")


def appeals_visible_to(user) -> QuerySet[Appeal]:
    if not user.is_authenticated:
        return Appeal.objects.none()
    return Appeal.objects.filter(
        Q(window__branch__in=organizations_following(user)) | Q(appellant__user=user)
    )


# ---------------------------------------------------------------- tasks (待办 / 待认领 / 已办)
# viewflow matches a task's permission object exactly; our roles hold through the organization tree,
# so the web UI's lists and the API compute them here from ``accounts.access``.


def task_permissions(flow_classes) -> set[str]:
    return {
        node._owner_permission
        for flow_class in flow_classes
        for node in flow_class.instance.nodes()
        if isinstance(getattr(node, "_owner_permission", None), str)
    }


def tasks_of(flow_classes) -> QuerySet[Task]:
    return Task.objects.filter(process__flow_class__in=list(flow_classes)).select_related("process")


def queue_for(user, flow_classes) -> QuerySet[Task]:
    """待认领: unassigned human tasks the user may take — the task's permission, held in the process's
    organization or above it."""
    tasks = tasks_of(flow_classes).filter(flow_task_type="HUMAN", status=STATUS.NEW)
    if user.is_superuser:
        return tasks
    allowed = Q(pk__in=[])
    for perm in task_permissions(flow_classes):
        organizations = access.organizations_where(user, perm)
        allowed |= Q(owner_permission=perm, process__branchprocess__organization__in=organizations)
    return tasks.filter(allowed)


def inbox_of(user, flow_classes) -> QuerySet[Task]:
    """待办: the open tasks assigned to the user."""
    return tasks_of(flow_classes).filter(owner=user, status=STATUS.ASSIGNED)


def archive_of(user, flow_classes) -> QuerySet[Task]:
    """已办: the tasks the user has finished."""
    return tasks_of(flow_classes).filter(owner=user, finished__isnull=False)


def tasks_visible_to(user, flow_classes) -> QuerySet[Task]:
    """Every task of the processes the user may see."""
    return tasks_of(flow_classes).filter(process__in=processes_visible_to(user).values("pk"))
