"""Fake part functions for the batch export tests, and a way to install them.

The fakes stand in for the PDF forms and Excel exports (other sections' work) and for the ledger data:
they make small deterministic files, count every call, can crash on the N-th call, and say which
branches' ledgers are drafts — so the tests check the job machinery, not the documents.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from accounts.models import Member, Organization
from reports.jobs import parts


class WorkerKilled(BaseException):
    """What a killed worker looks like to the job: the run stops dead, nothing is cleaned up or recorded.

    A ``BaseException``, like ``SystemExit``: the run's ``except Exception`` never sees it."""


@dataclass
class FakeApproval:
    approved_by: str
    approved_at: datetime.datetime

    def __str__(self) -> str:
        return f"2026年度第3季度 第1次审定：{self.approved_by}"


@dataclass
class FakeRow:
    member: Member


@dataclass
class FakeLedger:
    rows: list[FakeRow]
    draft: bool
    approvals: list[FakeApproval]


@dataclass
class FakeParts:
    """The fake part functions and what happened to them."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)  # (kind, subject, period_code)
    crash_on: int | None = None  # the N-th render call (1-based, counted over the test) …
    crash: Callable[[], BaseException] = lambda: WorkerKilled()  # … raises this
    draft_branches: set[int] = field(default_factory=set)
    no_rules: set[int] = field(default_factory=set)  # branches whose ledger cannot be made
    on_call: Callable[[int], None] | None = None  # called with the call's number before rendering

    def render(self, kind: str) -> Callable[[Any, str], bytes]:
        def make(subject: Organization | Member, period_code: str) -> bytes:
            self.calls.append((kind, str(subject), period_code))
            number = len(self.calls)
            if self.on_call is not None:
                self.on_call(number)
            if self.crash_on == number:
                raise self.crash()
            body = f"{kind} {subject} {period_code}".encode()
            return (b"%PDF-1.7 fake\n" if kind.endswith("pdf") else b"PK fake xlsx\n") + body * 200

        return make

    def made(self, kind: str | None = None) -> list[tuple[str, str, str]]:
        return [call for call in self.calls if kind is None or call[0] == kind]

    def ledger(self, subject: Organization | Member, period_code: str) -> FakeLedger:
        from django.core.exceptions import ValidationError

        branch = subject if isinstance(subject, Organization) else subject.branch
        if branch.pk in self.no_rules:
            raise ValidationError(f"{branch.name} 2026 年度没有生效的积分细则。")
        members = (
            Member.objects.filter(branch=branch)
            .exclude(status=Member.Status.EXEMPT)
            .order_by("real_name", "pk")
        )
        draft = branch.pk in self.draft_branches
        approvals = (
            [] if draft else [FakeApproval("陈静", timezone.make_aware(datetime.datetime(2026, 10, 9, 10)))]
        )
        return FakeLedger([FakeRow(m) for m in members], draft, approvals)


def install(monkeypatch, settings, media_root) -> FakeParts:
    """Job files under ``media_root``; every part kind made by the fakes."""
    settings.MEDIA_ROOT = media_root
    fakes = FakeParts()
    for code, kind in list(parts.PART_KINDS.items()):
        monkeypatch.setitem(
            parts.PART_KINDS, code, dataclasses.replace(kind, render=fakes.render(code), ledger=fakes.ledger)
        )
    return fakes
