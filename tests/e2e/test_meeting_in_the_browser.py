"""支委会研究 in a real browser, on a desktop and on a phone: the secretary records the committee's meeting
(date, place, who of the committee attended, chair, recorder, minutes) and, on the one page that follows,
decides five waiting claims in it — three approved, one adjusted within its range, one rejected with the
reason — with one submit; the meeting's page lists the five decisions, each naming the meeting."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from accounts.models import RoleAssignment
from tests.workflows.helpers import add_officer
from tests.workflows.test_committee_meetings import five_claims
from workflows.models import Claim, CommitteeMeeting

pytestmark = pytest.mark.e2e


def clock(monkeypatch, *args: int) -> None:
    now = timezone.make_aware(datetime.datetime(*args))
    monkeypatch.setattr(timezone, "now", lambda: now)


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_the_committee_records_a_meeting_and_decides_five_claims_in_it(
    page_for, world, rules_2026, monkeypatch, width
):
    clock(monkeypatch, 2026, 3, 20, 10)
    add_officer(world.branch_a, "郑华", "zhenghua", RoleAssignment.Role.COMMITTEE)
    claims = five_claims(world)

    page = page_for(world.secretary_a, "/meetings/")
    page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    page.goto("/meetings/")
    branch = page.locator(f"[data-branch='{world.branch_a.pk}']")
    assert branch.locator("[data-waiting]").get_attribute("data-waiting") == "5"
    branch.get_by_role("link", name="登记支委会会议").click()

    page.get_by_label("会议日期").fill("2026-03-18")
    page.get_by_label("会议地点").fill("党员活动室")
    for name in ("陈静", "刘洋"):  # 郑华 is away
        page.get_by_label(name, exact=True).check()
    page.get_by_label("主持人").select_option(label="陈静")
    page.get_by_label("记录人").select_option(label="李娜")
    page.get_by_label("会议纪要").fill("审核三月份党员积分申报。")
    page.get_by_role("button", name="登记会议并审核申报").click()

    page.wait_for_url("**/decide/")
    rows = page.locator("[data-section=queue] li[data-task]")
    assert rows.count() == 5
    assert page.locator("[data-absent]").inner_text() == "郑华"
    page.get_by_role("button", name="全部设为通过").click()
    rejected = page.locator(f"li[data-claim='{claims[2].pk}']")
    rejected.locator("label", has_text="不予通过").click()
    rejected.get_by_label("理由").fill("照片不能证明参加活动")
    adjusted = page.locator(f"li[data-claim='{claims[3].pk}']")
    adjusted.locator("label", has_text="调整分值").click()
    adjusted.get_by_label("核定分值").fill("1")
    adjusted.get_by_label("理由").fill("参赛未获名次")
    page.get_by_role("button", name="提交会议决定").click()

    held = CommitteeMeeting.objects.get()
    page.wait_for_url(f"**/meetings/{held.pk}/")
    assert page.locator("[data-section=decisions] tr[data-claim]").count() == 5
    assert page.get_by_text("照片不能证明参加活动").count() == 1
    decided = {c.pk: c for c in Claim.objects.filter(meeting=held)}
    assert set(decided) == {c.pk for c in claims}
    assert decided[claims[2].pk].status == Claim.Status.REJECTED
    assert decided[claims[3].pk].points_approved == Decimal("1")
    assert page.get_by_role("link", name="打印会议记录").count() == 1
