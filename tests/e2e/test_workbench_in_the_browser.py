"""工作台 in a real browser, on a desktop and on a phone: the committee member logs in, lands on the
workbench, reads how many claims wait for 审核, taps that and reaches the claim that has waited longest."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from tests.workflows.helpers import open_task, perform, photo
from workflows.claims import claim_record, claim_submit
from workflows.flows import ClaimFlow

pytestmark = pytest.mark.e2e

VIEWPORTS = {"desktop": {"width": 1280, "height": 900}, "phone": {"width": 390, "height": 844}}


def recorded(world, member, item: str, day: datetime.date):
    claim = claim_submit(member=member, item_code=item, occurred_on=day, evidence=[photo()], by=member.user)
    perform(
        open_task(claim.process, ClaimFlow.record),
        world.clerk_a,
        lambda **kw: claim_record(claim=claim, **kw),
    )
    return claim


@pytest.mark.parametrize("device", sorted(VIEWPORTS))
def test_committee_member_taps_the_review_count_and_reaches_the_oldest_claim(
    page_for, world, rules_2026, monkeypatch, device
):
    now = timezone.make_aware(datetime.datetime(2026, 4, 10, 9))
    monkeypatch.setattr(timezone, "now", lambda: now)
    oldest = recorded(world, world.other_member_a, "community-service", datetime.date(2026, 4, 2))
    recorded(world, world.member_a, "innovative-activity", datetime.date(2026, 4, 6))

    page = page_for(world.committee_a, "/")
    page.set_viewport_size(VIEWPORTS[device])
    page.wait_for_url("**/accounts/home/")
    step = page.locator('a[data-step="review"]')
    assert step.locator(".wb-count").inner_text() == "2"
    assert "待审核" in step.inner_text()

    step.click()
    page.wait_for_url(f"**/{oldest.process.pk}/**/assign/")
    page.get_by_role("button", name="认领并继续").wait_for()
