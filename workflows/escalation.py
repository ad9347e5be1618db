"""Periodic nudges: the monthly reminder to claim, and review tasks left waiting too long.

Both run from Celery beat and may run twice: every notification carries a dedupe key, so a second
run in the same month (or for the same task) sends nothing.
"""

from __future__ import annotations

import datetime
import logging
from typing import Any

from django.db.models import QuerySet
from django.urls import NoReverseMatch
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.access import role_holders
from accounts.duties import HIGHER_STANDS_IN, holders_of
from accounts.models import Member, Organization, RoleAssignment
from config.formats import moment_text
from workflows.models import BranchProcess, ReviewSettings
from workflows.notifications import notify
from workflows.selectors import members_concerned

logger = logging.getLogger(__name__)

# Tasks waiting on the branch's own roles. The member's own revision and the higher committee's
# filing review are not the branch secretary's to chase.
ESCALATED_PERMISSIONS = (
    "accounts.record_claims",
    "accounts.review_claims",
    "accounts.decide_appeals",
    "accounts.open_publicity",
    "accounts.approve_period",
)
OPEN_STATUSES = (STATUS.NEW, STATUS.ASSIGNED)
CLAIM_URL = "/me/claims/"

REMINDER_TITLE = _("请及时申报 %(month)s 的积分")
REMINDER_BODY = _(
    "%(name)s同志：请在本月党员活动日前后登录系统，申报上月参加的活动和完成的事项，"
    "并上传签到表、活动照片等证明材料。"
)
ESCALATION_TITLE = _("%(branch)s有待办已超过 %(days)s 天未处理：%(task)s")
ESCALATION_BODY = _("“%(task)s”（%(subject)s）自 %(created)s 起等待处理，已超过 %(days)s 天，请督促办理。")


def review_settings_for(organization: Organization) -> ReviewSettings:
    """The settings of the organization or its nearest ancestor; an unsaved default if none has any."""
    step = Organization.steplen
    paths = [organization.path[:n] for n in range(step, len(organization.path) + 1, step)]
    found = (
        ReviewSettings.objects.filter(organization__path__in=paths)
        .select_related("organization")
        .order_by("-organization__depth")
        .first()
    )
    return found or ReviewSettings(organization=organization)


# --- Monthly reminder ------------------------------------------------------------------------


def members_to_remind() -> QuerySet[Member]:
    """Every scored member (exempted members are not asked to claim) with an active login."""
    return (
        Member.objects.exclude(status=Member.Status.EXEMPT)
        .filter(user__is_active=True)
        .select_related("user", "branch")
        .order_by("pk")
    )


def claim_reminders_send(*, on: datetime.date | None = None) -> int:
    """提醒申报: one reminder per member per month, or per quarter where the branch tallies quarterly."""
    on = on or timezone.localdate()
    month = f"{on:%Y-%m}"
    sent = 0
    tally_kinds: dict[int, str] = {}  # per branch: its 统计周期, inherited from above
    for member in members_to_remind().iterator():
        if member.branch_id not in tally_kinds:
            tally_kinds[member.branch_id] = review_settings_for(member.branch).tally_kind
        if tally_kinds[member.branch_id] == ReviewSettings.TallyKind.QUARTER and (on.month - 1) % 3:
            continue  # a quarterly tally is reminded in the quarter's first month only
        notification = notify(
            recipient=member.user,
            kind="claim_reminder",
            title=REMINDER_TITLE % {"month": f"{on.year}年{on.month}月"},
            body=REMINDER_BODY % {"name": member.real_name},
            url=CLAIM_URL,
            dedupe_key=f"reminder:{member.user_id}:{month}",
        )
        sent += notification is not None
    return sent


# --- Escalation of waiting review tasks ------------------------------------------------------


def secretaries_of(organization: Organization, *, on: datetime.date | None = None) -> list[Any]:
    """Users holding the 支部书记 role in this very organization today."""
    return role_holders(organization, RoleAssignment.Role.SECRETARY, on=on)


def waiting_review_tasks(*, now: datetime.datetime | None = None) -> QuerySet[Task]:
    """Human tasks of the branch processes still waiting on the branch, at least a day old."""
    now = now or timezone.now()
    return (
        Task.objects.filter(
            flow_task_type="HUMAN",
            status__in=OPEN_STATUSES,
            owner_permission__in=ESCALATED_PERMISSIONS,
            process__branchprocess__isnull=False,
            created__lte=now - datetime.timedelta(days=1),
        )
        .select_related("process__branchprocess__organization")
        .order_by("created", "pk")
    )


def _task_title(task: Task) -> str:
    try:
        return str(task.title or task.flow_task_type)
    except Exception:  # a renamed node or a flow that no longer imports
        return str(task.flow_task_type)


def _task_url(task: Task) -> str:
    try:
        return task.flow_task.reverse("index", args=[task.process_id, task.pk])
    except (AttributeError, NoReverseMatch):
        return ""


def _subject(process: BranchProcess) -> str:
    for record in (process.claim, process.appeal, process.period_review):
        if record is not None:
            return str(record)
    return f"#{process.pk}"


def is_overdue(task: Task, escalation_days: int, now: datetime.datetime) -> bool:
    """超期: a task waiting on the branch's own roles longer than the branch's ``escalation_days``
    (0 turns escalation off for the branch)."""
    return (
        bool(escalation_days)
        and task.owner_permission in ESCALATED_PERMISSIONS
        and task.created <= now - datetime.timedelta(days=escalation_days)
    )


def reviews_escalate(*, now: datetime.datetime | None = None) -> int:
    """超期提醒: tasks older than the branch's ``escalation_days`` go to its secretary, once."""
    now = now or timezone.now()
    settings_cache: dict[int, ReviewSettings] = {}
    sent = 0
    for task in waiting_review_tasks(now=now):
        process = task.process.branchprocess
        organization = process.organization
        if organization.pk not in settings_cache:
            settings_cache[organization.pk] = review_settings_for(organization)
        days = settings_cache[organization.pk].escalation_days
        if not is_overdue(task, days, now):
            continue
        sent += _escalate(task, process, organization, days)
    return sent


def _escalate(task: Task, process: BranchProcess, organization: Organization, days: int) -> int:
    secretaries = secretaries_of(organization, on=timezone.localdate())
    if not secretaries:
        logger.warning("Task %s is overdue but %s has no secretary to notify", task.pk, organization)
        return 0
    return _notify_overdue(task, process, organization, days, _chasers(process, organization, secretaries))


def _chasers(process: BranchProcess, organization: Organization, secretaries: list[Any]) -> list[Any]:
    """The secretaries — but never about their own points: then the higher committee chases the task."""
    concerned = {member.user_id for member in members_concerned(process) if member.user_id}
    chasers = [user for user in secretaries if user.pk not in concerned]
    if chasers:
        return chasers
    return list(holders_of(HIGHER_STANDS_IN, organization).exclude(pk__in=concerned).order_by("pk"))


def _notify_overdue(
    task: Task, process: BranchProcess, organization: Organization, days: int, recipients: list[Any]
) -> int:
    title = _task_title(task)
    values = {
        "branch": organization.name,
        "days": days,
        "task": title,
        "subject": _subject(process),
        "created": moment_text(task.created),
    }
    sent = 0
    for user in recipients:
        notification = notify(
            recipient=user,
            kind="review_overdue",
            title=ESCALATION_TITLE % values,
            body=ESCALATION_BODY % values,
            url=_task_url(task),
            dedupe_key=f"escalate:{task.pk}:{user.pk}",
        )
        sent += notification is not None
    return sent
