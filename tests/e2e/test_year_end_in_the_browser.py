"""A branch's year-end in a real browser, each step by its own person on the real pages: the clerk opens
the 民主评议, members write their 自评 and vote on their phones, the clerk enters the meeting's paper count
for one member, the committee proposes the 评议等次, 公示, 审定; then the 年度总评 — the committee grades,
a member appeals against a posted 等次 on the phone, the committee decides, 审定, 党委审批, 备案 — and the
printed 党员年终等次评定审批表 shows the grades.

The quarters of the year are approved by the services beforehand (``tests/e2e/test_quarter_in_the_browser``
walks a quarter in the browser); the rules are 星级党员 (日常行为 80 + 年度评议 20; ≥ 90 优秀, 70–89 合格).
"""

from __future__ import annotations

import datetime
import subprocess

import pytest
from django.utils import timezone
from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

from tests.yearend.conftest import rules
from tests.yearend.helpers import approve_year, record
from yearend.models import AnnualResult, AnnualReview, EvaluationSession

pytestmark = pytest.mark.e2e

QUEUE = "/workflow/queue/"
PHONE = {"width": 390, "height": 844}


def clock(monkeypatch, *args: int) -> None:
    now = timezone.make_aware(datetime.datetime(*args))
    monkeypatch.setattr(timezone, "now", lambda: now)


def later(monkeypatch, *args: int) -> None:
    """Time moves on and beat fires the timers that became due (公示 windows closing)."""
    clock(monkeypatch, *args)
    fire_due_timers()
    fire_due_conditions()


def take(page, task: str) -> None:
    page.goto(QUEUE)
    row = page.get_by_role("row").filter(has=page.get_by_role("cell", name=task, exact=True))
    row.get_by_role("link").first.click()
    page.get_by_role("button", name="认领并继续").click()
    page.wait_for_url("**/execute/")


def on_phone(page):
    page.set_viewport_size(PHONE)
    return page


def test_a_year_end_in_the_browser(page_for, world, monkeypatch, tmp_path):
    rules(world, "xingji-dangyuan")
    record(world.member_a, "absent-without-consent", datetime.date(2026, 3, 3), world.clerk_a)
    approve_year(world, monkeypatch)  # the four quarters approved and filed by 7 January 2027
    branch = world.branch_a.pk
    pk = {"张伟": world.member_a.pk, "王芳": world.other_member_a.pk}
    pk["陈静"] = world.secretary_a.member.pk

    # 8 January 2027: the clerk opens the 民主评议 from the branch's year page.
    clock(monkeypatch, 2027, 1, 8, 9)
    clerk = page_for(world.clerk_a, f"/yearend/branch/{branch}/2026/")
    clerk.get_by_label("评议大会日期").fill("2027-01-10")
    clerk.get_by_label("投票开始").fill("2027-01-10T09:00")
    clerk.get_by_label("投票截止").fill("2027-01-10T12:00")
    clerk.get_by_label("投票方式").select_option("mixed")
    clerk.get_by_role("button", name="发起民主评议").click()
    clerk.get_by_text("民主评议已发起").wait_for()
    session = EvaluationSession.objects.get(branch=world.branch_a, cycle=2026)

    # 10 January, at the meeting: 张伟 and 王芳 write their 自评 and vote on their phones.
    clock(monkeypatch, 2027, 1, 10, 10)
    for voter, votes in (
        (world.member_a, {"王芳": "优秀", "刘洋": "合格"}),
        (world.other_member_a, {"张伟": "合格"}),
    ):
        phone = on_phone(page_for(voter.user, "/me/"))
        phone.get_by_role("link", name="自评和投票").click()
        phone.get_by_role("textbox", name="自评").fill("全年按时参加组织生活，完成支部交办的任务。")
        phone.get_by_role("button", name="提交自评").click()
        phone.get_by_text("自评已保存").wait_for()
        for name, level in votes.items():
            phone.get_by_role("radiogroup", name=name).get_by_role("radio", name=level, exact=True).check()
        phone.get_by_role("button", name="提交投票").click()
        phone.get_by_text("投票已提交").wait_for()
        phone.locator("[data-section=my-ballots]").get_by_text(f"{next(iter(votes))}：").wait_for()

    # Noon: the clerk counts — 陈静's paper ballots (2: both 合格; never her own, 李娜's) — and hands over.
    clock(monkeypatch, 2027, 1, 10, 12)
    clerk = page_for(world.clerk_a)
    take(clerk, "计票")
    clerk.locator(f"input[name=ballots_{pk['陈静']}]").fill("2")
    clerk.locator(f"input[name=count1_{pk['陈静']}]").fill("2")  # 合格, the second level
    clerk.get_by_role("button", name="完成计票，提交支委会").click()
    clerk.get_by_text("计票已完成").wait_for()

    # The committee proposes each member's 评议等次: the count's suggestion where there are votes.
    committee = page_for(world.committee_a)
    take(committee, "支委会评定")
    for participant in session.participants.filter(evaluated=True):
        select = committee.locator(f"select[name=result_{participant.member_id}]")
        if not select.input_value():
            select.select_option("合格")
    assert committee.locator(f"select[name=result_{pk['王芳']}]").input_value() == "优秀"
    committee.get_by_role("button", name="确定评议结果并公示").click()
    committee.get_by_text("已完成：支委会评定").wait_for()

    # 15 January, the 公示 over: the secretary approves the 评议 results.
    later(monkeypatch, 2027, 1, 15, 12)
    secretary = page_for(world.secretary_a)
    take(secretary, "审定评议结果")
    secretary.get_by_role("button", name="审定评议结果").click()
    secretary.get_by_text("已完成：审定评议结果").wait_for()

    # 16 January: the 年度总评. The clerk starts it; the committee keeps the suggested 等次.
    clock(monkeypatch, 2027, 1, 16, 9)
    clerk = page_for(world.clerk_a, f"/yearend/branch/{branch}/2026/")
    clerk.get_by_role("button", name="发起年度总评").click()
    clerk.get_by_text("年度总评已发起").wait_for()
    committee = page_for(world.committee_a)
    take(committee, "评定等次")
    committee.get_by_text("建议等次").wait_for()
    committee.get_by_role("button", name="确定等次并公示").click()
    committee.get_by_text("已完成：评定等次").wait_for()
    review = AnnualReview.objects.get(branch=world.branch_a, cycle=2026)

    # 张伟 (79 + 合格 15 = 94 → 优秀) — 王芳 appeals on her phone: he missed a meeting without consent.
    phone = on_phone(page_for(world.other_member_a.user, f"/me/annual/{review.pk}/"))
    phone.locator(f"[data-member='{pk['张伟']}']").get_by_role("link", name="申诉").click()
    phone.get_by_label("申诉理由").fill("张伟同志3月无故缺席一次，评为优秀不妥")
    phone.get_by_role("button", name="提交申诉").click()
    phone.get_by_text("申诉已提交").wait_for()

    committee = page_for(world.committee_a)
    take(committee, "处理申诉")
    committee.get_by_label("申诉不成立").check()
    committee.get_by_label("处理意见").fill("缺席已按细则扣分，总评得分达到优秀标准，维持原等次")
    committee.get_by_role("button", name="提交").click()
    committee.get_by_text("已完成：处理申诉").wait_for()

    # 21 January: 审定 by the secretary, then 党委审批 and 备案 by the higher committee.
    later(monkeypatch, 2027, 1, 21, 9)
    secretary = page_for(world.secretary_a)
    take(secretary, "审定年度等次")
    secretary.get_by_label("审定，报党委审批").check()
    secretary.get_by_role("button", name="提交", exact=True).click()
    secretary.get_by_text("已完成：审定年度等次").wait_for()
    higher = page_for(world.higher)
    for task in ("党委审批", "备案"):
        take(higher, task)
        higher.get_by_role("button", name="提交").click()
        higher.get_by_text(f"已完成：{task}").wait_for()

    review.refresh_from_db()
    assert review.status == AnnualReview.Status.ARCHIVED
    zhang = AnnualResult.objects.get(review=review, member=world.member_a)
    assert (zhang.total, zhang.grade) == (94, "优秀")

    # The printed 党员年终等次评定审批表 shows the grades and who approved them.
    response = higher.request.get(f"/reports/documents/branches/{branch}/grades/2026/pdf/")
    assert response.ok and response.headers["content-type"] == "application/pdf"
    pdf = tmp_path / "审批表.pdf"
    pdf.write_bytes(response.body())
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "党员年终等次评定审批表" in text and "草稿" not in text
    zhang_line = next(line for line in text.splitlines() if "张伟" in line)
    assert "优秀" in zhang_line and "94" in zhang_line
