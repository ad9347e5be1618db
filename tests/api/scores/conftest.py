"""A quarter of branch A walked through the services, for the scores, ledger and periods resources.

Claims in March 2026 (张伟 an innovative activity, 王芳 two community services), 公示 on 2 April, the
window closed on 8 April, 审定 by the secretary; a claim of 张伟 in the second quarter stays pending.
"""

from __future__ import annotations

import datetime

import pytest

from scoring.models import LedgerEntry
from tests.workflows.helpers import (
    Q1,
    approved_claim,
    committee_b,
    freeze,
    open_task,
    perform,
    publicity_closed,
    publicity_opened,
)
from workflows.flows import PeriodReviewFlow
from workflows.models import PeriodReview
from workflows.periods import period_approve, period_start

D = datetime.date


def approve(world, review: PeriodReview, by=None) -> None:
    """审定 by the secretary, through the service, as the task page does."""
    task = open_task(review.process, PeriodReviewFlow.approve)
    perform(task, by or world.secretary_a, lambda **kw: period_approve(review=review, note="同意", **kw))
    review.refresh_from_db()


@pytest.fixture
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def claims_q1(world, rules_2026, march):
    """Approved claims of the first quarter: in the ledger, not yet counted."""
    approved_claim(world)  # 张伟 +2
    approved_claim(world, world.other_member_a, item="community-service")
    approved_claim(world, world.other_member_a, D(2026, 3, 11), item="community-service")


@pytest.fixture
def quarter(world, claims_q1, monkeypatch) -> PeriodReview:
    """Q1 of branch A publicised, closed and approved; 张伟's Q2 claim approved but pending."""
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    approve(world, review)
    approved_claim(world, day=D(2026, 4, 8))
    return review


@pytest.fixture(autouse=True)
def _flow_urls():
    """viewflow names its task URLs when the site's URLconf is built."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


@pytest.fixture
def both(world, quarter):
    """Branch B's first quarter: 赵磊's claim approved, its 公示 opened by 孙丽."""
    approved_claim(world, world.outsider, D(2026, 3, 12), clerk=world.clerk_b, reviewer=committee_b(world))
    review_b = period_start(branch=world.branch_b, period=Q1, by=world.clerk_b)
    return {
        "review": (quarter, review_b),
        "entry": (
            LedgerEntry.objects.get(member=world.member_a, occurred_on=D(2026, 4, 8)),
            LedgerEntry.objects.get(member=world.outsider),
        ),
        "branch": (world.branch_a, world.branch_b),
        "member": (world.member_a, world.outsider),
    }
