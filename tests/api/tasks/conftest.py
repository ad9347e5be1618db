"""The scene of the task and filing tests, on 3 July 2026, with a task of every kind in both branches.

Q1 of both branches is approved and waits for the higher committee's 备案 (file_a, file_b). Q2 is in
公示, each branch with an open appeal (decide_a: 王芳 against 张伟's entry; decide_b: 周强 against
赵磊's). Q3 has begun: in A a claim to record (张伟), one to review (王芳) and one returned to 张伟; in B
one to record and one to review (赵磊). Branch A's steps are done by 李娜 (clerk) and 刘洋 (committee),
branch B's by 孙丽 (clerk), 周强 (committee) and 吴敏 (secretary).
"""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from accounts.models import Member
from scoring.core.periods import Period, PeriodKind
from tests.workflows.helpers import (
    Q1,
    approved_claim,
    committee_b,
    freeze,
    open_task,
    perform,
    photo,
    publicity_closed,
    secretary_b,
)
from workflows.appeals import appeal_file
from workflows.claims import claim_record, claim_return, claim_submit
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Filing
from workflows.periods import period_approve, period_start

D = datetime.date
Q2 = Period(2026, PeriodKind.QUARTER, 2)
PERSONAS = [
    "anonymous",
    "member_a",
    "other_member_a",
    "clerk_a",
    "committee_a",
    "secretary_a",
    "clerk_b",
    "outsider",
    "higher",
]


def user_of(world, persona):
    person = getattr(world, persona)
    return person.user if isinstance(person, Member) else person


class Scene:
    def __init__(self, world, monkeypatch):
        self.world = world
        freeze(monkeypatch, 2026, 3, 20, 10)
        self.committee_b, self.secretary_b = committee_b(world), secretary_b(world)
        approved_claim(world, world.member_a)
        approved_claim(world, world.outsider, clerk=world.clerk_b, reviewer=self.committee_b)
        freeze(monkeypatch, 2026, 4, 2, 9)
        review_a1 = period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
        review_b1 = period_start(branch=world.branch_b, period=Q1, by=world.clerk_b)
        publicity_closed(monkeypatch)
        for review, secretary in ((review_a1, world.secretary_a), (review_b1, self.secretary_b)):
            perform(
                open_task(review.process, PeriodReviewFlow.approve),
                secretary,
                lambda review=review, **kw: period_approve(review=review, **kw),
            )
        self.reviews = {"a": review_a1, "b": review_b1}
        self.filings = {
            key: Filing.objects.get(approval__review=review) for key, review in self.reviews.items()
        }

        freeze(monkeypatch, 2026, 5, 10, 9)
        a2 = approved_claim(world, world.member_a, D(2026, 5, 6))
        b2 = approved_claim(
            world, world.outsider, D(2026, 5, 6), clerk=world.clerk_b, reviewer=self.committee_b
        )
        freeze(monkeypatch, 2026, 7, 2, 9)
        review_a2 = period_start(branch=world.branch_a, period=Q2, by=world.clerk_a)
        review_b2 = period_start(branch=world.branch_b, period=Q2, by=world.clerk_b)
        self.now = freeze(monkeypatch, 2026, 7, 3, 10)
        self.appeal_a = appeal_file(
            appellant=world.other_member_a,
            entry=a2.ledger_entry,
            reason="未见其参加",
            by=world.other_member_a.user,
        )
        member_b2 = Member.objects.get(user=self.committee_b)
        self.appeal_b = appeal_file(
            appellant=member_b2, entry=b2.ledger_entry, reason="存疑", by=self.committee_b
        )
        self.q2 = {"a": review_a2, "b": review_b2}

        self.rec_a = self._claim(world.member_a, "innovative-activity")
        self.rev_a = self._claim(world.other_member_a, "community-service")
        self._record(self.rev_a, world.clerk_a)
        self.ret_a = self._claim(world.member_a, "community-service", D(2026, 7, 2))
        perform(
            open_task(self.ret_a.process, ClaimFlow.record),
            world.clerk_a,
            lambda **kw: claim_return(claim=self.ret_a, reason="请补充签到表", **kw),
        )
        self.rec_b = self._claim(world.outsider, "innovative-activity")
        self.rev_b = self._claim(world.outsider, "community-service")
        self._record(self.rev_b, world.clerk_b)

        self.tasks = {
            "record_a": open_task(self.rec_a.process, ClaimFlow.record),
            "review_a": open_task(self.rev_a.process, ClaimFlow.review),
            "revise_a": open_task(self.ret_a.process, ClaimFlow.revise),
            "decide_a": open_task(self.appeal_a.process, AppealFlow.decide),
            "file_a": open_task(review_a1.process, PeriodReviewFlow.file),
            "record_b": open_task(self.rec_b.process, ClaimFlow.record),
            "review_b": open_task(self.rev_b.process, ClaimFlow.review),
            "decide_b": open_task(self.appeal_b.process, AppealFlow.decide),
            "file_b": open_task(review_b1.process, PeriodReviewFlow.file),
        }

    @staticmethod
    def _claim(member, item, day=D(2026, 7, 1)):  # noqa: B008
        return claim_submit(
            member=member, item_code=item, occurred_on=day, evidence=[photo()], by=member.user
        )

    @staticmethod
    def _record(claim, clerk):
        perform(
            open_task(claim.process, ClaimFlow.record), clerk, lambda **kw: claim_record(claim=claim, **kw)
        )

    def task(self, name) -> Task:
        return Task.objects.get(pk=self.tasks[name].pk)


@pytest.fixture
def scene(world, rules_2026, monkeypatch):
    return Scene(world, monkeypatch)


@pytest.fixture
def client_of(world, as_user):
    """``client_of(persona)``: an API client with a fresh token for the persona (none for anonymous)."""

    def _client(persona):
        return APIClient() if persona == "anonymous" else as_user(user_of(world, persona))

    return _client
