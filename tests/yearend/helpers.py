"""Shared helpers of the year-end tests: a branch's year of approved quarters, an opened and tallied
民主评议, and the counts that prove "nothing changed"."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from viewflow.workflow.models import Task
from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

from audit.models import AuditRecord
from scoring.core.periods import Period, PeriodKind
from scoring.models import LedgerEntry
from scoring.services import ledger_record
from tests.workflows.helpers import aware, freeze, open_task, perform
from workflows.flows import PeriodReviewFlow
from workflows.models import Appeal, PublicityWindow
from workflows.periods import filing_archive, period_approve, period_start
from yearend.models import (
    AnnualDecision,
    AnnualResult,
    Ballot,
    EvaluationProposal,
    EvaluationResult,
    GradeProposal,
    PaperTally,
    SelfAssessment,
)

CYCLE = 2026

COUNTED = {
    "ballots": Ballot,
    "tallies": PaperTally,
    "assessments": SelfAssessment,
    "proposals": EvaluationProposal,
    "eval_results": EvaluationResult,
    "grades": GradeProposal,
    "annual_results": AnnualResult,
    "decisions": AnnualDecision,
    "appeals": Appeal,
    "windows": PublicityWindow,
    "tasks": Task,
    "audit": AuditRecord,
    "ledger": LedgerEntry,
}


def counts() -> dict[str, int]:
    return {name: model.objects.count() for name, model in COUNTED.items()}


@contextmanager
def nothing_changes() -> Iterator[None]:
    before = counts()
    yield
    assert counts() == before


def refused(call, field: str | None = None) -> list[str]:
    """The Chinese messages of a refusal that left every table as it was."""
    with nothing_changes(), pytest.raises(ValidationError) as caught:
        call()
    if field is None:
        return [str(m) for m in caught.value.messages]
    return [str(m) for m in caught.value.message_dict[field]]


def record(member, item: str, day: datetime.date, by, points=None):
    return ledger_record(
        member=member, item_code=item, occurred_on=day, points=points, source=LedgerEntry.Source.RECORD, by=by
    )


def fire(monkeypatch, *moment: int) -> None:
    freeze(monkeypatch, *moment)
    fire_due_timers()
    fire_due_conditions()


def approve_quarter(world, monkeypatch, index: int, *, branch=None, clerk=None, secretary=None, archive=True):
    """One quarter of the cycle through 公示 → 审定 (→ 备案), by the services, time moving as it goes."""
    branch = branch or world.branch_a
    period = Period(CYCLE, PeriodKind.QUARTER, index)
    _, last = period.bounds(1)
    day = last + datetime.timedelta(days=1)
    freeze(monkeypatch, day.year, day.month, day.day, 9)
    review = period_start(branch=branch, period=period, by=clerk or world.clerk_a)
    later = day + datetime.timedelta(days=6)
    fire(monkeypatch, later.year, later.month, later.day, 9)
    perform(
        open_task(review.process, PeriodReviewFlow.approve),
        secretary or world.secretary_a,
        lambda **kw: period_approve(review=review, **kw),
    )
    if archive:
        perform(
            open_task(review.process, PeriodReviewFlow.file),
            world.higher,
            lambda **kw: filing_archive(review=review, **kw),
        )
    return review


def approve_year(world, monkeypatch, **kwargs) -> None:
    for index in (1, 2, 3, 4):
        approve_quarter(world, monkeypatch, index, **kwargs)


def at(*moment: int) -> datetime.datetime:
    return aware(*moment)
