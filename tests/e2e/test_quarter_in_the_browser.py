"""One quarter of branch A in a real browser, each step by its own person on the real pages:
申报 with a photo → 登记 → 签到登记 → 支委会审核 → 公示 → 申诉 → 处理申诉 → 审定 → 备案, after which the
member's 我的积分 shows the frozen score and rank the scoring core computes for those events.

The same quarter as ``tests/workflows/test_quarter_flow.py``, which walks it over the test client.
"""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image
from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

from accounts.models import RoleAssignment
from scoring.core.periods import Period, PeriodKind
from scoring.core.ruleset import fmt
from scoring.models import LedgerEntry
from scoring.selectors import branch_scores
from tests.factories import make_role
from workflows.flows import PeriodReviewFlow
from workflows.meetings import meeting_record
from workflows.models import PeriodReview

pytestmark = pytest.mark.e2e

Q1 = Period(2026, PeriodKind.QUARTER, 1)
QUEUE, INBOX = "/workflow/queue/", "/workflow/inbox/"


def clock(monkeypatch, *args: int) -> None:
    """Stop the clock at a local time; the live server runs in this process and sees it too."""
    now = timezone.make_aware(datetime.datetime(*args))
    monkeypatch.setattr(timezone, "now", lambda: now)


def photo(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "red").save(buffer, "PNG")
    path = tmp_path / "宣讲现场.png"
    path.write_bytes(buffer.getvalue())
    return path


def take(page, task: str) -> None:
    """On 待认领: open the task and take it with 认领并继续, which leads to its form."""
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=task, exact=True))
    row.get_by_role("link").first.click()
    page.get_by_role("button", name="认领并继续").click()
    page.wait_for_url("**/execute/")


def finish(page, task: str, button: str = "提交") -> None:
    page.get_by_role("button", name=button, exact=True).click()
    page.get_by_text(f"已完成：{task}").wait_for()


def bulk(page, action: str, in_meeting: bool = False) -> None:
    """On a task list: select every task, run one of the list's bulk actions and confirm it — for
    批量审核通过, naming the 支委会会议 that decided it."""
    url = page.url
    page.locator("thead input[type=checkbox]").check()
    page.locator(".mdc-select__anchor", has_text="选择操作").click()
    page.get_by_role("option", name=action).click()
    page.get_by_role("button", name="执行").click()
    if in_meeting:  # the latest meeting the reviewer attended
        page.get_by_label("支委会会议").select_option(index=1)
    page.get_by_role("button", name="确认").click()
    page.wait_for_url(url)  # back on the list: the action is done


def test_one_quarter_of_a_branch_in_the_browser(page_for, world, rules_2026, monkeypatch, tmp_path):
    branch = world.branch_a.pk

    # 20 March 2026. 申报: 张伟 claims an innovative activity (2 points, evidence required) with a photo.
    clock(monkeypatch, 2026, 3, 20, 10)
    member = page_for(world.member_a.user, "/me/claims/new/")
    member.get_by_label("积分项目").select_option("innovative-activity")
    member.get_by_label("发生日期").fill("2026-03-10")
    member.get_by_label("地点").fill("社区广场")
    member.get_by_label("事项说明").fill("组织义务宣讲")
    member.get_by_label("证明材料").set_input_files(photo(tmp_path))
    member.get_by_role("button", name="提交申报").click()
    member.get_by_text("申报已提交，等待组织委员登记。").wait_for()
    member.get_by_role("link", name="宣讲现场.png").wait_for()

    # 登记: the clerk takes the claim from 待认领 and records it. Then the branch meeting's sign-in
    # list: 张伟 and 王芳 present, 李娜 on leave, 刘洋 and 陈静 absent without leave.
    clerk = page_for(world.clerk_a, QUEUE)
    take(clerk, "登记")
    clerk.get_by_label("登记，提交支委会审核").check()
    finish(clerk, "登记")

    clerk.goto(f"/clerk/{branch}/attendance/new/")
    clerk.get_by_label("活动名称").fill("3月支部党员大会")
    clerk.get_by_label("活动日期").fill("2026-03-05")
    clerk.get_by_label("出席记分项目").select_option("branch-meeting")
    clerk.get_by_label("无故缺席扣分项目").select_option("absent-without-leave")
    clerk.get_by_label("请假扣分项目").select_option("absent-on-leave")
    for name, mark in (("张伟", "出席"), ("王芳", "出席"), ("李娜", "请假")):
        clerk.get_by_role("radiogroup", name=name).get_by_role("radio", name=mark).check()
    clerk.get_by_role("button", name="登记签到表").click()
    clerk.get_by_text("已登记“3月支部党员大会”，共 5 条，待支委会审核。").wait_for()

    # 支委会审核: 刘洋 takes the reviews at once in 待认领 and approves them at once in 待办 — four: his own
    # absence is not his to review, and 李娜's own leave waits for 登记 by someone other than her.
    # 支委会研究: the committee — 陈静 (书记), 刘洋 and 王芳 (支委委员) — met on the 20th (recording a
    # meeting on its page is test_meeting_in_the_browser's). Any of the three may be decided on with the
    # other two present.
    make_role(world.other_member_a.user, world.branch_a, RoleAssignment.Role.COMMITTEE)
    meeting_record(
        branch=world.branch_a,
        held_on=datetime.date(2026, 3, 20),
        place="党员活动室",
        attendees=[world.secretary_a, world.committee_a, world.other_member_a.user],
        chair=world.secretary_a,
        recorder=world.clerk_a,
        by=world.secretary_a,
    )
    committee = page_for(world.committee_a, QUEUE)
    bulk(committee, "领取所选任务")
    committee.goto(INBOX)
    bulk(committee, "批量审核通过", in_meeting=True)
    committee.get_by_text("已批量审核通过 4 条。").wait_for()

    # 代办 (不得办理涉及本人积分的事项): the secretary records the clerk's own leave, the branch's only clerk
    # being the one concerned, then reviews it and 刘洋's own absence.
    secretary = page_for(world.secretary_a, QUEUE)
    take(secretary, "登记")
    secretary.get_by_label("登记，提交支委会审核").check()
    finish(secretary, "登记")
    secretary.goto(QUEUE)
    bulk(secretary, "领取所选任务")
    secretary.goto(INBOX)
    bulk(secretary, "批量审核通过", in_meeting=True)
    secretary.get_by_text("已批量审核通过 2 条。").wait_for()

    # 2 April, after the quarter's end: the clerk opens 公示 from 期间与公示; the window lasts 5 days.
    # Sessions last 8 hours, so after each jump in time everyone logs in again.
    clock(monkeypatch, 2026, 4, 2, 9)
    clerk = page_for(world.clerk_a, f"/clerk/{branch}/periods/")
    clerk.locator("[data-period='2026-1']").get_by_role("button", name="发起公示").click()
    clerk.get_by_text("公示期至 2026年4月7日 09:00").wait_for()

    # 申诉: 王芳 appeals, from the 公示 list, against 陈静's absence: she was away on official business.
    absence = LedgerEntry.objects.get(member__user=world.secretary_a, item_code="absent-without-leave")
    other = page_for(world.other_member_a.user, "/me/publicity/")
    other.locator(f"[data-entry='{absence.pk}']").get_by_role("link", name="申诉").click()
    other.get_by_label("申诉理由").fill("陈静当天因公出差，不属无故缺席")
    other.get_by_role("button", name="提交申诉").click()
    other.get_by_text("申诉已提交，支委会核实后会通知您结果。").wait_for()

    # 处理申诉: the committee upholds it with its reason, which cancels the deduction (a fixed item
    # has no other value to correct it to).
    committee = page_for(world.committee_a, QUEUE)
    take(committee, "处理申诉")
    committee.get_by_label("申诉成立，更正积分").check()
    committee.get_by_label("处理意见").fill("经核实系因公出差，不计缺席")
    finish(committee, "处理申诉")

    # 8 April: the window has closed. Beat fires the window's timer, then the "appeals settled" catch.
    clock(monkeypatch, 2026, 4, 8, 9)
    assert fire_due_timers() == 1
    fire_due_conditions(flows=[PeriodReviewFlow])

    # 审定 by the secretary from her queue: the quarter's scores are computed, frozen and ranked.
    secretary = page_for(world.secretary_a, QUEUE)
    take(secretary, "审定")
    secretary.get_by_label("审定意见").fill("同意")
    finish(secretary, "审定", button="审定")

    # 备案 by the higher committee from its queue.
    higher = page_for(world.higher, QUEUE)
    take(higher, "备案")
    higher.get_by_label("予以备案").check()
    finish(higher, "备案")
    assert PeriodReview.objects.get(branch=world.branch_a).status == PeriodReview.Status.ARCHIVED

    # What the scoring core computes from the ledger: 张伟 2 (创新型特色党员活动) + 1 (支部党员大会) = 3,
    # first; 王芳 1; 陈静 0 (her −1 cancelled on appeal); 李娜 −0.5 (leave); 刘洋 −1 (absent).
    # The year to date is the points until the year-end 民主评议 (not 70 % of them): 3, also first.
    core = branch_scores(world.branch_a, 2026, Q1)
    mine = core[str(world.member_a.pk)]
    assert (mine.total, mine.rank) == (Decimal(3), 1)
    assert (mine.to_date.total, mine.to_date.rank) == (Decimal(3), 1)

    # 我的积分 shows exactly those, frozen.
    member = page_for(world.member_a.user, "/me/")
    score = member.locator("[data-section=score]")
    score.get_by_text("2026年度第1季度 · 已审定").wait_for()
    assert score.locator("[data-value=period_total]").inner_text() == fmt(mine.total)
    assert score.locator("[data-value=period_rank]").inner_text() == f"第 {mine.rank} 名"
    assert score.locator("[data-value=cycle_total]").inner_text() == fmt(mine.to_date.total)
    assert score.locator("[data-value=cycle_rank]").inner_text() == f"第 {mine.to_date.rank} 名"
