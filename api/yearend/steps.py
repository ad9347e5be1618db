"""The year-end's steps over the API: the open task a per-member step is done through, and which of the
services' refusals are about a state that changed (409) rather than bad input (400)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task

from api.errors import Conflict, is_field_error, service_errors
from workflows.execution import OPEN, task_carry_out


def matches(template, message: str) -> bool:
    """Whether ``message`` is ``template`` (a message constant with ``%(name)s`` placeholders) filled in."""
    parts = re.split(r"%\(\w+\)s", str(template))
    return re.fullmatch(".*".join(re.escape(part) for part in parts), message, flags=re.DOTALL) is not None


def refusal_is(*templates) -> Callable[[ValidationError], bool]:
    """For ``service_errors(conflict_when=...)``: a refusal (not a field's) saying one of ``templates``."""

    def check(error: ValidationError) -> bool:
        if is_field_error(error):
            return False
        return any(matches(template, message) for template in templates for message in error.messages)

    return check


@contextmanager
def conflicts(*rules: tuple[Callable[[ValidationError], bool], str]) -> Iterator[None]:
    """Inside ``service_errors()``: a refusal a rule recognises is a 409 with the rule's code and the
    service's Chinese message; any other passes on (a 400)."""
    try:
        yield
    except ValidationError as error:
        for check, code in rules:
            if check(error):
                raise Conflict(error.messages[0], code=code) from error
        raise


def open_task_of(record, node) -> Task | None:
    """The open task of ``node`` in the record's process (a 民主评议's or a 年度总评's), if it is there."""
    process = getattr(record, "process", None)
    if process is None:
        return None
    return Task.objects.filter(process=process, flow_task=node, status__in=OPEN).first()


def carry_out_step(record, node, not_now: str, user: Any, service, **kwargs: Any) -> Any:
    """Do the record's open ``node`` task with ``service`` as the task page would (``task_carry_out``):
    no such task open → 409 with ``not_now``; taken or done by someone else meanwhile → 409; a refusal of
    the service → 400 on its fields."""
    task = open_task_of(record, node)
    if task is None:
        raise Conflict(not_now)
    with service_errors():
        return task_carry_out(task, user, service, **kwargs)
