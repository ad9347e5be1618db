"""Two people on one task: the one who loses is told so in Chinese, not shown a bare 403 or a 500.

viewflow takes the process's row lock (``select_for_update`` NOWAIT, a few retries) around every task
POST and raises ``FlowLockFailed`` when someone else still holds it. When the other person has already
finished, the loser's request reaches viewflow's own checks instead — the task has an owner, or is
done — which answer with ``PermissionDenied``. Both become a 409 page saying what happened.

A ``PermissionDenied`` is only explained to someone who could have done the task (the task's
permission in its organization, or its assigned member); everyone else keeps the plain 403.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch
from viewflow.workflow.exceptions import FlowLockFailed
from viewflow.workflow.models import Task

from workflows import messages
from workflows.execution import OPEN, holder_name, task_entitled

WORKFLOW_NAMESPACE = "workflow"
TASK_ACTIONS = frozenset({"assign", "execute"})
TEMPLATE = "workflows/conflict.html"


class TaskConflictMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, FlowLockFailed):
            return conflict(request, messages.TASK_LOCKED, _task_of(request))
        if isinstance(exception, PermissionDenied):
            task = _task_of(request)
            message = _why_not(request.user, task) if task is not None else None
            if message is not None:
                return conflict(request, message, task)
        return None


def conflict(request: HttpRequest, message: str, task: Task | None = None) -> HttpResponse:
    context = {"message": message, "task": task, "task_url": _detail_url(task)}
    return TemplateResponse(request, TEMPLATE, context, status=409).render()


def _task_of(request: HttpRequest) -> Task | None:
    """The task of a task action URL (``…/<process_pk>/<node>/<task_pk>/assign|execute/``)."""
    match = request.resolver_match
    if match is None or match.url_name not in TASK_ACTIONS or "task_pk" not in match.kwargs:
        return None
    return (
        Task.objects.filter(pk=match.kwargs["task_pk"], process_id=match.kwargs.get("process_pk"))
        .select_related("owner")
        .first()
    )


def _why_not(user: Any, task: Task) -> str | None:
    """The reason an entitled user cannot take or do the task now, or None for a plain 403."""
    if not user.is_authenticated or not task_entitled(user, task):
        return None
    if task.status not in OPEN:
        return messages.TASK_ALREADY_DONE
    if task.owner_id == user.pk:
        return messages.TASK_ALREADY_YOURS
    if task.owner_id is not None:
        return messages.TASK_TAKEN_BY % {"name": holder_name(task.owner)}
    return None


def _detail_url(task: Task | None) -> str:
    if task is None:
        return ""
    try:
        return task.flow_task.reverse("detail", args=[task.process_id, task.pk])
    except NoReverseMatch:  # a node without a detail page: the page still explains the conflict
        return ""


class WorkflowLoginMiddleware:
    """Anonymous visitors of the 积分流程 pages are sent to log in, as everywhere else on the site.

    viewflow's site middleware refuses them with a bare 403 before any view's ``login_required``
    runs (the application's view permission needs a signed-in user).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if response.status_code == 403 and not request.user.is_authenticated and _in_workflow(request):
            return redirect_to_login(request.get_full_path())
        return response


def _in_workflow(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is not None and WORKFLOW_NAMESPACE in match.namespaces[:1]
