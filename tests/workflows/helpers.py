"""Shared helpers of the workflow tests: frozen time, evidence files, acting on viewflow tasks over
HTTP or through the services, the row counts that prove "nothing changed", and a few more personas."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import get_resolver
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.models import RoleAssignment
from audit.models import AuditRecord
from scoring.core.periods import Period, PeriodKind
from scoring.models import LedgerEntry
from tests.factories import make_member, make_role
from workflows.models import (
    Appeal,
    BranchProcess,
    Claim,
    Evidence,
    Filing,
    FrozenScore,
    Notification,
    PeriodApproval,
    PeriodReview,
)

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Q1 = Period(2026, PeriodKind.QUARTER, 1)
OPEN = (STATUS.NEW, STATUS.ASSIGNED)


def photo(name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PNG, content_type="image/png")


def aware(*args: int) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime(*args))


def freeze(monkeypatch, *args: int) -> datetime.datetime:
    """Stop the clock at the given local time (year, month, day, hour, …) for the rest of the test."""
    now = aware(*args)
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


# --- Tasks -----------------------------------------------------------------------------------


def open_task(process, flow_task) -> Task:
    return Task.objects.get(process=process, flow_task=flow_task, status__in=OPEN)


def task_url(task: Task, action: str = "execute") -> str:
    """A task's URL (``index``, ``detail``, ``assign``, ``unassign``, ``execute``)."""
    get_resolver().url_patterns  # noqa: B018 — viewflow names its task URLs when the URLconf is built
    return task.flow_task.reverse(action, args=[task.process_id, task.pk])


def flow_url(flow_class, name: str, *args: Any) -> str:
    """A flow viewset's URL: ``index``, ``process_list``, ``task_list``, ``chart``, ``process_chart``…"""
    get_resolver().url_patterns  # noqa: B018
    return flow_class.instance.reverse(name, args=list(args))


def assign(client, user, task: Task):
    client.force_login(user)
    return client.post(task_url(task, "assign"))


def act(client, user, task: Task, data: dict[str, Any]):
    """Take the task from the queue (if it is still there) and submit its form, as the user would."""
    client.force_login(user)
    task.refresh_from_db()
    if task.status == STATUS.NEW:
        response = client.post(task_url(task, "assign"))
        assert response.status_code == 302, response
    response = client.post(task_url(task, "execute"), data)
    assert response.status_code == 302, getattr(response, "context", None) and response.context["form"].errors
    return response


def perform(task: Task, user, service: Callable[..., Any], **kwargs: Any) -> Any:
    """Do a task through its service, the way the task view does: under the flow's lock, assigned to
    ``user`` and started, with the activation handed to the service."""
    flow_class = task.flow_task.flow_class
    with flow_class.lock(task.process_id), transaction.atomic():
        task.refresh_from_db()
        activation = task.flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            activation.assign(user)
        activation.start(None)
        return service(by=user, activation=activation, **kwargs)


@contextmanager
def started(task: Task, user) -> Iterator[Any]:
    """A started activation of ``task`` for ``user``, outside any lock: what one open task page holds.
    Each call works on its own copy of the task row, as two browser tabs (or two threads) would."""
    task = Task.objects.get(pk=task.pk)
    activation = task.flow_task.activation_class(task)
    if task.status == STATUS.NEW:
        activation.assign(user)
    activation.start(None)
    yield activation


# --- "Nothing changed" -----------------------------------------------------------------------

COUNTED = {
    "claims": Claim,
    "evidence": Evidence,
    "ledger": LedgerEntry,
    "appeals": Appeal,
    "processes": BranchProcess,
    "tasks": Task,
    "audit": AuditRecord,
    "reviews": PeriodReview,
    "approvals": PeriodApproval,
    "frozen": FrozenScore,
    "filings": Filing,
    "notifications": Notification,
}


def counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in COUNTED.items()}


def task_states() -> list[tuple[int, str, int | None]]:
    return list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id"))


@contextmanager
def nothing_changes() -> Iterator[None]:
    """The block must leave every workflow and ledger table as it found it, tasks included."""
    before, states = counts(), task_states()
    yield
    assert counts() == before
    assert task_states() == states


# --- More personas ---------------------------------------------------------------------------


def add_officer(branch, real_name: str, username: str, role: str):
    """Another member of ``branch`` holding ``role`` there (a second committee member, branch B's…)."""
    user = make_member(branch=branch, real_name=real_name, username=username).user
    make_role(user, branch, role)
    return user


def committee_b(world):
    return add_officer(world.branch_b, "周强", "zhouqiang", RoleAssignment.Role.COMMITTEE)


def secretary_b(world):
    return add_officer(world.branch_b, "吴敏", "wumin", RoleAssignment.Role.SECRETARY)


# --- Ready-made states -----------------------------------------------------------------------


def approved_claim(
    world,
    member=None,
    day=datetime.date(2026, 3, 10),
    *,
    item="innovative-activity",
    points=None,
    clerk=None,
    reviewer=None,
):
    """A member's claim taken through 申报 → 登记 → 审核 by the services: its points are in the ledger."""
    from workflows.claims import claim_approve, claim_record, claim_submit
    from workflows.flows import ClaimFlow

    member = member or world.member_a
    claim = claim_submit(
        member=member, item_code=item, occurred_on=day, points=points, evidence=[photo()], by=member.user
    )
    perform(open_task(claim.process, ClaimFlow.record), clerk or world.clerk_a, _bind(claim_record, claim))
    perform(
        open_task(claim.process, ClaimFlow.review), reviewer or world.committee_a, _bind(claim_approve, claim)
    )
    claim.refresh_from_db()
    return claim


def _bind(service, claim):
    return lambda **kw: service(claim=claim, **kw)


def publicity_opened(world, monkeypatch, branch=None, clerk=None):
    """2 April 2026, 09:00: the clerk opens 公示 of the first quarter; the window closes on 7 April, 09:00."""
    from workflows.periods import period_start

    freeze(monkeypatch, 2026, 4, 2, 9)
    return period_start(branch=branch or world.branch_a, period=Q1, by=clerk or world.clerk_a)


def publicity_closed(monkeypatch, *args: int) -> None:
    """Time moves past the window (8 April by default) and beat fires the timers and conditions."""
    from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

    from workflows.flows import PeriodReviewFlow

    freeze(monkeypatch, *(args or (2026, 4, 8, 9)))
    fire_due_timers()
    fire_due_conditions(flows=[PeriodReviewFlow])


def sheet_approved(world, sheet) -> None:
    """Every line of a sign-in sheet recorded and approved as the rules allow (不得办理涉及本人积分的事项):
    the secretary records the only clerk's own line and reviews the committee member's own; 刘洋 the rest."""
    from workflows.claims import claim_approve, claim_record
    from workflows.flows import ClaimFlow

    for claim in sheet.claims.select_related("member"):
        if claim.status == Claim.Status.SUBMITTED:
            perform(open_task(claim.process, ClaimFlow.record), world.secretary_a, _bind(claim_record, claim))
        reviewer = world.secretary_a if claim.member.user == world.committee_a else world.committee_a
        perform(open_task(claim.process, ClaimFlow.review), reviewer, _bind(claim_approve, claim))


def meeting_of_branch_a(world, day=None):
    """支委会会议 of branch A today: 陈静 chairs, 刘洋 attends (all the committee), 李娜 records."""
    from workflows.meetings import meeting_record

    return meeting_record(
        branch=world.branch_a,
        held_on=day or timezone.localdate(),
        place="党员活动室",
        attendees=[world.secretary_a, world.committee_a],
        chair=world.secretary_a,
        recorder=world.clerk_a,
        by=world.secretary_a,
    )
