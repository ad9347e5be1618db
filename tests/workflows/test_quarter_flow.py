"""One quarter of branch A through every step, over HTTP with viewflow's own task pages:
申报 → 登记 → 审核 → 公示 → 申诉 → 审定 → 备案, and the points count only at 审定."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS
from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

from scoring.core.periods import Period, PeriodKind
from scoring.models import LedgerEntry
from workflows.appeals import appeal_file
from workflows.claims import attendance_record, claim_submit
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Appeal, Claim, FrozenScore, PeriodReview
from workflows.periods import period_start

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Q1 = Period(2026, PeriodKind.QUARTER, 1)


def photo(name="photo.png"):
    return SimpleUploadedFile(name, PNG, content_type="image/png")


@pytest.fixture(autouse=True)
def _flow_urls():
    """viewflow names its task URLs when the site's URLconf is built."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


def open_task(process, flow_task):
    return Task.objects.get(process=process, flow_task=flow_task, status__in=[STATUS.NEW, STATUS.ASSIGNED])


def act(client, user, task, data):
    """Take the task from the queue and submit its form, as the user would."""
    client.force_login(user)
    if task.status == STATUS.NEW:
        response = client.post(task.flow_task.reverse("assign", args=[task.process_id, task.pk]))
        assert response.status_code == 302, response
    response = client.post(task.flow_task.reverse("execute", args=[task.process_id, task.pk]), data)
    assert response.status_code == 302, getattr(response, "context", {}) and response.context["form"].errors
    return response


@pytest.fixture
def march(monkeypatch):
    """Claims are made in March 2026; the quarter ends on 31 March."""
    now = timezone.make_aware(datetime.datetime(2026, 3, 20, 10, 0))
    monkeypatch.setattr(timezone, "now", lambda: now)
    return now


def test_a_quarter_walks_every_step_and_points_count_only_after_approval(
    client, world, rules_2026, march, monkeypatch, django_capture_on_commit_callbacks
):
    # 申报: a member claims an innovative activity with a photo (2 points, evidence required).
    claim = claim_submit(
        member=world.member_a,
        item_code="innovative-activity",
        occurred_on=datetime.date(2026, 3, 10),
        place="社区广场",
        description="组织义务宣讲",
        evidence=[photo()],
        by=world.member_a.user,
    )
    claim_process = claim.process
    # 登记 by the clerk, 审核 by the committee.
    act(client, world.clerk_a, open_task(claim_process, ClaimFlow.record), {"action": "record", "reason": ""})
    act(client, world.committee_a, open_task(claim_process, ClaimFlow.review), {"decision": "approve"})
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.points_approved == Decimal(2)

    # The clerk records a branch meeting: two attend, one on leave, the rest absent without leave.
    sheet = attendance_record(
        branch=world.branch_a,
        title="3月支部党员大会",
        occurred_on=datetime.date(2026, 3, 5),
        item_present="branch-meeting",
        item_absent="absent-without-leave",
        item_leave="absent-on-leave",
        present=[world.member_a, world.other_member_a],
        on_leave=[world.member_a.branch.members.get(real_name="李娜")],
        by=world.clerk_a,
    )
    # The clerk's own leave is recorded (登记) by the secretary standing in for the branch's only clerk,
    # and the committee member's own absence is approved by the secretary, the other reviewer.
    own = sheet.claims.get(member__user=world.clerk_a)
    act(
        client,
        world.secretary_a,
        open_task(own.process, ClaimFlow.record),
        {"action": "record", "reason": ""},
    )
    for recorded in sheet.claims.select_related("member"):
        reviewer = world.secretary_a if recorded.member.user == world.committee_a else world.committee_a
        act(client, reviewer, open_task(recorded.process, ClaimFlow.review), {"decision": "approve"})
    assert not FrozenScore.objects.exists(), "approved claims are in the ledger, but nothing counts yet"

    # 公示: after the quarter ends the clerk opens the window (5 days).
    monkeypatch.setattr(timezone, "now", lambda: timezone.make_aware(datetime.datetime(2026, 4, 2, 9, 0)))
    review = period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
    assert review.window.closes_at == timezone.make_aware(datetime.datetime(2026, 4, 7, 9, 0))

    # 申诉: another member disputes 王芳's meeting point; the committee upholds it (she left early).
    entry = LedgerEntry.objects.get(member=world.other_member_a, item_code="branch-meeting")
    appeal = appeal_file(
        appellant=world.member_a, entry=entry, reason="王芳当天提前离会", by=world.member_a.user
    )
    act(
        client,
        world.committee_a,
        open_task(appeal.process, AppealFlow.decide),
        {"decision": "uphold", "points": "", "reason": "核实签到表，提前离会不计分"},
    )
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.UPHELD and appeal.correction.reverses == entry

    # The window closes (time moves on, beat fires the timers), every appeal settled → 审定 opens.
    monkeypatch.setattr(timezone, "now", lambda: timezone.make_aware(datetime.datetime(2026, 4, 8, 9, 0)))
    assert fire_due_timers() == 1
    fire_due_conditions(flows=[PeriodReviewFlow])
    act(client, world.secretary_a, open_task(review.process, PeriodReviewFlow.approve), {"note": "同意"})
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.APPROVED

    # The frozen scores are the core's: 张伟 2 (activity) + 1 (meeting) = 3, first; 王芳 0 after the appeal.
    scores = {s.member.real_name: s for s in FrozenScore.objects.select_related("member")}
    assert scores["张伟"].period_total == Decimal(3) and scores["张伟"].period_rank == 1
    assert scores["王芳"].period_total == Decimal(0)
    assert scores["李娜"].period_total == Decimal("-0.5")
    assert scores["刘洋"].period_total == Decimal(-1)

    # 备案: the higher committee archives the filing.
    act(
        client,
        world.higher,
        open_task(review.process, PeriodReviewFlow.file),
        {"decision": "archive", "reason": ""},
    )
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.ARCHIVED
    assert review.process.status == "DONE"
