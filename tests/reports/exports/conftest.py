"""A quarter of branch A walked through the services — claims, sign-in sheets, an appeal upheld, 审定 —
so that every ledger, sheet and filing is read from data the workflow really produced."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import pytest

from scoring.models import LedgerEntry
from tests.workflows.helpers import (
    approved_claim,
    freeze,
    open_task,
    perform,
    publicity_closed,
    publicity_opened,
)
from workflows.appeals import appeal_decide, appeal_file
from workflows.claims import attendance_record, claim_approve, claim_record
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Claim, PeriodApproval, PeriodReview
from workflows.periods import period_approve


@pytest.fixture(autouse=True)
def _flow_urls():
    """viewflow names its task URLs when the site's URLconf is built."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


@dataclass
class Quarter:
    review: PeriodReview
    approval: PeriodApproval


def sign_in(world, day: datetime.date, item: str, present, on_leave=()):
    """A sign-in sheet recorded by the clerk and every line of it approved by the committee."""
    sheet = attendance_record(
        branch=world.branch_a,
        title=f"{day:%m}月{item}",
        occurred_on=day,
        item_present=item,
        item_absent="absent-without-leave",
        item_leave="absent-on-leave",
        present=present,
        on_leave=on_leave,
        by=world.clerk_a,
    )
    # Nobody acts on their own points: the secretary records the clerk's own line and reviews the committee
    # member's own (accounts.duties).
    for claim in sheet.claims.select_related("member"):
        if claim.status == Claim.Status.SUBMITTED:
            perform(
                open_task(claim.process, ClaimFlow.record),
                world.secretary_a,
                lambda claim=claim, **kw: claim_record(claim=claim, **kw),
            )
        reviewer = world.secretary_a if claim.member.user == world.committee_a else world.committee_a
        perform(
            open_task(claim.process, ClaimFlow.review),
            reviewer,
            lambda claim=claim, **kw: claim_approve(claim=claim, **kw),
        )
    return sheet


def quarter_entries(world) -> None:
    """Q1 2026 of branch A: 张伟 1 + 1 + 2; 王芳 2 − 1 + (1 cancelled on appeal); the officers' absences."""
    lina = world.branch_a.members.get(real_name="李娜")
    sign_in(world, datetime.date(2026, 2, 5), "activity-day", present=[world.member_a], on_leave=[lina])
    sign_in(
        world, datetime.date(2026, 3, 5), "branch-meeting", present=[world.member_a, world.other_member_a]
    )
    approved_claim(world, world.member_a, datetime.date(2026, 3, 10))
    approved_claim(world, world.other_member_a, datetime.date(2026, 2, 12), item="community-service")


def approve(world, review: PeriodReview) -> PeriodApproval:
    task = open_task(review.process, PeriodReviewFlow.approve)
    return perform(task, world.secretary_a, lambda **kw: period_approve(review=review, note="同意", **kw))


@pytest.fixture
def quarter(world, rules_2026, monkeypatch) -> Quarter:
    """The quarter approved (审定) on 8 April 2026, after an appeal cancelled 王芳's meeting point."""
    freeze(monkeypatch, 2026, 3, 20, 10)
    quarter_entries(world)
    review = publicity_opened(world, monkeypatch)
    entry = LedgerEntry.objects.get(member=world.other_member_a, item_code="branch-meeting")
    appeal = appeal_file(appellant=world.member_a, entry=entry, reason="王芳提前离会", by=world.member_a.user)
    perform(
        open_task(appeal.process, AppealFlow.decide),
        world.committee_a,
        lambda **kw: appeal_decide(appeal=appeal, uphold=True, reason="核实签到表，提前离会不计分", **kw),
    )
    publicity_closed(monkeypatch)
    approval = approve(world, review)
    review.refresh_from_db()
    return Quarter(review=review, approval=approval)


# -------------------------------------------------------- a year walked to its end (民主评议, 年度总评)

from tests.reports.documents.year import (  # noqa: E402, F401 — fixtures, found by name
    evaluation_done,
    evaluation_posted,
    evaluation_voted,
    xingji_year,
    year_approved,
    year_archived,
    year_posted,
    year_ratified,
)
