"""Doing a human task outside its page — from the API or the demo — exactly as its page does it.

viewflow's task pages take the process's lock, check that the user may take and execute the task, start
its activation and hand it to the service that changes the domain's state. ``task_carry_out`` does the
same for callers without a page. Someone else's task, a finished task or a held lock is a
``TaskConflict`` whose message (Chinese) says which; a user who may not do the task at all gets
``PermissionDenied``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.access import may
from accounts.duties import OwnPointsDenied, concerns, own_points_message
from accounts.models import Member, Organization
from accounts.step_memo import one_step, remembered
from workflows import messages

OPEN = (STATUS.NEW, STATUS.ASSIGNED, STATUS.STARTED)
# What one step reads of its task's process: its organization and, for a claim, whose points it is.
STEP_RELATED = (
    "process__branchprocess__organization",
    "process__branchprocess__claim__member",
)


class TaskConflict(Exception):
    """The task cannot be done now because of someone else (or it is already done)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def task_conflict_reason(user: Any, task: Task) -> str | None:
    """Why ``user``, entitled to ``task``, cannot take it now; None when nothing stands in the way."""
    if task.status not in OPEN:
        return str(messages.TASK_ALREADY_DONE)
    if task.owner_id is not None and task.owner_id != user.pk:
        return str(messages.TASK_TAKEN_BY % {"name": holder_name(task.owner)})
    return None


def task_entitled(user: Any, task: Task) -> bool:
    """Whether ``user`` could do ``task`` at all: its permission in the branch, or it is assigned to them."""
    if not user.is_authenticated:
        return False
    if not task.owner_permission:
        return task.owner_id == user.pk  # a task assigned by the flow (the member's own revision)
    organization = process_organization(task.process_id, task.process)
    return organization is not None and may(user, task.owner_permission, organization)


def process_organization(process_id: int, process: Any = None) -> Organization | None:
    """The organization of a process: asked by the task's checks and by the flow's permission of one
    step, read once per step (``accounts.step_memo``) — or not at all when ``process`` was read with it."""
    from workflows.models import BranchProcess

    if isinstance(process, BranchProcess):
        descriptor = BranchProcess.organization
        if not descriptor.is_cached(process) and process.pk is not None:
            organization = remembered(("process_organization", process.pk), lambda: process.organization)
            descriptor.field.set_cached_value(process, organization)
        return process.organization
    return remembered(
        ("process_organization", process_id),
        lambda: Organization.objects.filter(processes__pk=process_id).first(),
    )


# What each step about a member's points is called in the refusal (``accounts.messages.OWN_POINTS``).
OWN_POINTS_ACTIONS = {"record": "登记", "review": "支委会审核", "decide": "处理申诉"}


def refuse_own_task(user: Any, task: Task) -> None:
    """不得办理涉及本人积分的事项: a task about the user's own points is refused before it is taken —
    ``OwnPointsDenied`` (403 with the Chinese reason over the API)."""
    from workflows.selectors import members_concerned

    if not task.owner_permission:
        return  # the member's own revision is theirs by design
    if any(concerns(user, member) for member in members_concerned(task.process)):
        action = OWN_POINTS_ACTIONS.get(task.flow_task.name, str(task.flow_task))
        raise OwnPointsDenied(own_points_message(action))


def holder_name(user: Any) -> str:
    member = Member.objects.filter(user=user).only("real_name").first()
    return member.real_name if member else (user.get_full_name() or user.get_username())


def holder_names(users: Iterable[Any]) -> dict[int, str]:
    """:func:`holder_name` of many users at once, by user id: one query for a page of names, not one a row."""
    by_pk = {user.pk: user for user in users if user is not None}
    names: dict[int, str] = {}
    # In Member's ordering, the first record of each user wins, as holder_name's .first() picks it.
    for user_id, real_name in Member.objects.filter(user__in=list(by_pk)).values_list("user_id", "real_name"):
        names.setdefault(user_id, real_name)
    return {
        pk: names[pk] if pk in names else (user.get_full_name() or user.get_username())
        for pk, user in by_pk.items()
    }


def task_carry_out(task: Task, user: Any, service: Callable[..., Any], **kwargs: Any) -> Any:
    """Take ``task`` if it is still in the queue, then execute it with
    ``service(by=user, activation=..., **kwargs)`` — under the process's lock, in one transaction."""
    flow_task = task.flow_task
    with one_step(), _locked(task) as task:
        if not task_entitled(user, task):
            raise PermissionDenied("not entitled to this task")
        refuse_own_task(user, task)
        reason = task_conflict_reason(user, task)
        if reason is not None:
            raise TaskConflict(reason)
        activation = flow_task.activation_class(task)
        if task.status == STATUS.NEW:
            if not flow_task.can_assign(user, task):
                raise PermissionDenied("may not take this task")
            # Taken and done in one transaction under the process's lock: no one can see it taken in
            # between, so the task's row is written once, when it is done.
            with _unsaved(task):
                activation.assign(user)
        if not flow_task.can_execute(user, task):
            raise PermissionDenied("may not execute this task")
        activation.start(SimpleNamespace(user=user))
        return service(by=user, activation=activation, **kwargs)


def task_take(task: Task, user: Any) -> Task:
    """领取: move ``task`` from the queue to ``user``'s inbox through its activation, under the lock."""
    with one_step(), _locked(task) as task:
        if not task_entitled(user, task):
            raise PermissionDenied("not entitled to this task")
        refuse_own_task(user, task)
        if task.owner_id == user.pk and task.status in OPEN:
            raise TaskConflict(str(messages.TASK_ALREADY_YOURS))
        reason = task_conflict_reason(user, task)
        if reason is not None:
            raise TaskConflict(reason)
        if not task.flow_task.can_assign(user, task):
            raise PermissionDenied("may not take this task")
        task.flow_task.activation_class(task).assign(user)
        return task


def task_release(task: Task, user: Any) -> Task:
    """退回待认领: put ``user``'s own task back in the queue through its activation, under the lock.
    A task the flow gives to one person (the member's own revision) has no queue to go back to."""
    with _locked(task) as task:
        if not task_entitled(user, task):
            raise PermissionDenied("not entitled to this task")
        reason = task_conflict_reason(user, task)
        if reason is not None:
            raise TaskConflict(reason)
        if task.owner_id is None:
            raise TaskConflict(str(messages.TASK_NOT_TAKEN))
        if not task.owner_permission or not task.flow_task.can_unassign(user, task):
            raise PermissionDenied(str(messages.TASK_NOT_RELEASABLE))
        task.flow_task.activation_class(task).unassign()
        return task


@contextmanager
def _unsaved(task: Task) -> Iterator[None]:
    """``task.save()`` does nothing inside the block (an instance attribute hides the method)."""
    task.save = lambda *args, **kwargs: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        del task.save


@contextmanager
def _locked(task: Task) -> Iterator[Task]:
    """The task re-read under its process's lock, in one transaction; a lock someone holds is a conflict."""
    try:
        # The lock opens the transaction; no savepoint inside it: a failure rolls the whole step back.
        with task.flow_task.flow_class.lock(task.process_id), transaction.atomic(savepoint=False):
            locked = Task.objects.select_related("owner", *STEP_RELATED).get(pk=task.pk)
            # The flow's own process class, read in the same query: viewflow's activation, the duty
            # checks and the next task's organization all ask for it again otherwise.
            locked.process = locked.process.coerced
            yield locked
    except FlowLockFailed as error:
        raise TaskConflict(str(messages.TASK_LOCKED)) from error


@dataclass(frozen=True)
class BulkOutcome:
    """What became of one task of a bulk action: ``approved``, ``conflict``, ``forbidden`` or ``invalid``."""

    task: Task
    outcome: str
    message: str = ""


def review_tasks_approve(tasks: Iterable[Task], user: Any, meeting: Any = None) -> list[BulkOutcome]:
    """批量审核通过, the web UI's bulk action and the API's: each 支委会审核 approved at its stated points,
    as decided in ``meeting`` (支委会会议; the web page asks for it, ``workflows.meetings``).

    Each claim is its own transaction under its own lock (``task_carry_out``): one that cannot be
    approved as stated (a range item without points, one taken or done meanwhile) is reported, the
    others go through.
    """
    from workflows.claims import claim_approve
    from workflows.flows import ClaimFlow

    def approve(*, by: Any, activation: Any) -> Any:
        return claim_approve(claim=activation.process.claim, by=by, activation=activation, meeting=meeting)

    outcomes = []
    for task in tasks:
        if task.flow_task is not ClaimFlow.review:
            outcomes.append(BulkOutcome(task, "invalid", str(messages.TASK_NOT_A_REVIEW)))
            continue
        try:
            task_carry_out(task, user, approve)
        except TaskConflict as error:
            outcomes.append(BulkOutcome(task, "conflict", error.message))
        except OwnPointsDenied as denied:
            outcomes.append(BulkOutcome(task, "forbidden", str(denied)))
        except PermissionDenied:
            outcomes.append(BulkOutcome(task, "forbidden", str(messages.NOT_ALLOWED)))
        except ValidationError as error:
            outcomes.append(BulkOutcome(task, "invalid", "；".join(error.messages)))
        else:
            outcomes.append(BulkOutcome(task, "approved"))
    return outcomes


def open_task(process: Any, flow_task: Any) -> Task:
    """The open (new or assigned) task of ``flow_task`` in ``process``."""
    return Task.objects.get(process=process, flow_task=flow_task, status__in=[STATUS.NEW, STATUS.ASSIGNED])
