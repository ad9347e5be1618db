"""Every decision of every task kind over HTTP with a token: the same services as the task pages, the
same refusals in Chinese, nothing changed by a refused request, and no task done twice."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from viewflow.workflow.status import STATUS

from api.tasks.kinds import ADJUST_FIXED_ITEM, ADJUST_NEEDS_POINTS
from scoring.models import LedgerEntry
from tests.workflows.helpers import (
    approved_claim,
    assign,
    freeze,
    nothing_changes,
    open_task,
    photo,
    publicity_closed,
    publicity_opened,
)
from workflows import messages
from workflows.appeals import appeal_file
from workflows.claims import claim_submit
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Appeal, Claim, Filing, FrozenScore, PeriodReview

D = datetime.date


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def clerk(world, client_of):
    return client_of("clerk_a")


@pytest.fixture
def committee(world, client_of):
    return client_of("committee_a")


def submitted(world, item="innovative-activity", points=None, day=D(2026, 3, 10)):  # noqa: B008
    return claim_submit(
        member=world.member_a,
        item_code=item,
        occurred_on=day,
        points=points,
        evidence=[photo()],
        by=world.member_a.user,
    )


def act(client, task, **data):
    return client.post(f"/api/v1/tasks/{task.pk}/act/", data, format="json")


def recorded(world, clerk, **kwargs) -> Claim:
    claim = submitted(world, **kwargs)
    assert act(clerk, open_task(claim.process, ClaimFlow.record), decision="record").status_code == 200
    return claim


# --- 登记 ----------------------------------------------------------------------------------------


def test_the_clerk_records_a_claim_and_it_waits_for_the_committee(world, rules_2026, clerk):
    claim = submitted(world)
    task = open_task(claim.process, ClaimFlow.record)
    response = act(clerk, task, decision="record", note="材料齐全")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["task"]["id"] == task.pk and body["task"]["kind"] == "claim.record"
    assert body["task"]["status"] == STATUS.DONE and body["task"]["owner"]["name"] == "李娜"
    assert body["task"]["can_act"] is False and body["task"]["choices"] == []
    assert body["task"]["blocked_reason"] == str(messages.TASK_ALREADY_DONE)
    assert body["subject"]["type"] == "claim" and body["subject"]["claim"]["status"] == "recorded"
    assert open_task(claim.process, ClaimFlow.review).status == STATUS.NEW


def test_returning_a_claim_needs_a_reason_and_sends_it_back_to_the_member(
    world, rules_2026, clerk, client_of
):
    claim = submitted(world)
    task = open_task(claim.process, ClaimFlow.record)
    with nothing_changes():
        refused = act(clerk, task, decision="return", reason="  ")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"reason": [str(messages.REASON_REQUIRED)]}

    response = act(clerk, task, decision="return", reason="请补充签到表")
    assert response.status_code == 200, response.content
    assert response.json()["subject"]["claim"]["status"] == "returned"
    assert response.json()["subject"]["claim"]["decision_reason"] == "请补充签到表"
    inbox = client_of("member_a").get("/api/v1/tasks/").json()["results"]
    assert [(row["kind"], row["subject"]["id"]) for row in inbox] == [("claim.revise", claim.pk)]
    assert inbox[0]["choices"] == [
        {
            "decision": "resubmit",
            "label": "补充材料后重新提交",
            "needs": [],
            "action_url": f"http://testserver/api/v1/claims/{claim.pk}/revise/",
        }
    ]


def test_the_members_revision_is_sent_through_the_claims_resource_not_act(
    world, rules_2026, clerk, client_of
):
    claim = submitted(world)
    act(clerk, open_task(claim.process, ClaimFlow.record), decision="return", reason="请补充签到表")
    revise = open_task(claim.process, ClaimFlow.revise)
    member = client_of("member_a")
    with nothing_changes():
        response = act(member, revise, decision="resubmit")
    assert response.status_code == 400
    assert f"/api/v1/claims/{claim.pk}/revise/" in response.json()["fields"]["decision"][0]
    revised = member.post(f"/api/v1/claims/{claim.pk}/revise/", {"description": "补充了签到表"})
    assert revised.status_code == 200, revised.content
    revise.refresh_from_db()
    assert revise.status == STATUS.DONE
    assert open_task(claim.process, ClaimFlow.record).status == STATUS.NEW


# --- 支委会审核 -----------------------------------------------------------------------------------


def test_the_committee_approves_a_claim_at_the_items_points(world, rules_2026, clerk, committee):
    claim = recorded(world, clerk)
    task = open_task(claim.process, ClaimFlow.review)
    listed = committee.get(f"/api/v1/tasks/{task.pk}/").json()
    assert [c["decision"] for c in listed["choices"]] == ["approve", "reject"]  # fixed points: no 调整
    response = act(committee, task, decision="approve")
    assert response.status_code == 200, response.content
    assert response.json()["subject"]["claim"]["points_approved"] == "2.00"
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.ledger_entry.points == Decimal(2)


def test_the_committee_adjusts_a_range_item_within_its_range_with_a_reason(
    world, rules_2026, clerk, committee
):
    claim = recorded(world, clerk, item="competition", points=Decimal(2))
    task = open_task(claim.process, ClaimFlow.review)
    shown = committee.get(f"/api/v1/tasks/{task.pk}/").json()
    assert [c["decision"] for c in shown["choices"]] == ["approve", "adjust", "reject"]
    assert shown["points_range"] == {"low": "1.00", "high": "2.00"}
    with nothing_changes():
        no_reason = act(committee, task, decision="adjust", points="1")
        no_points = act(committee, task, decision="adjust", reason="只参加未获奖")
        too_high = act(committee, task, decision="adjust", points="5", reason="表现突出")
    assert no_reason.status_code == 400 and no_reason.json()["fields"] == {
        "reason": [str(messages.REASON_REQUIRED)]
    }
    assert no_points.status_code == 400 and no_points.json()["fields"] == {
        "points": [str(ADJUST_NEEDS_POINTS)]
    }
    assert too_high.status_code == 400 and "points" in too_high.json()["fields"]
    response = act(committee, task, decision="adjust", points="1", reason="只参加未获奖")
    assert response.status_code == 200, response.content
    claim.refresh_from_db()
    assert claim.points_approved == Decimal(1) and claim.decision_reason == "只参加未获奖"


def test_a_fixed_item_cannot_be_adjusted(world, rules_2026, clerk, committee):
    claim = recorded(world, clerk)
    with nothing_changes():
        response = act(
            committee, open_task(claim.process, ClaimFlow.review), decision="adjust", points="1", reason="x"
        )
    assert response.status_code == 400 and response.json()["fields"] == {"points": [str(ADJUST_FIXED_ITEM)]}


def test_a_range_item_claimed_without_points_cannot_be_approved_as_stated(
    world, rules_2026, clerk, committee
):
    claim = recorded(world, clerk, item="competition")
    with nothing_changes():
        response = act(committee, open_task(claim.process, ClaimFlow.review), decision="approve")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "points": [str(messages.POINTS_REQUIRED % {"low": "1", "high": "2"})]
    }


def test_rejecting_a_claim_needs_a_reason(world, rules_2026, clerk, committee):
    claim = recorded(world, clerk)
    task = open_task(claim.process, ClaimFlow.review)
    with nothing_changes():
        refused = act(committee, task, decision="reject")
    assert refused.status_code == 400 and refused.json()["fields"] == {
        "reason": [str(messages.REASON_REQUIRED)]
    }
    response = act(committee, task, decision="reject", reason="活动与党建无关")
    assert response.status_code == 200
    claim.refresh_from_db()
    assert claim.status == Claim.Status.REJECTED and not LedgerEntry.objects.exists()


def test_a_decision_the_task_does_not_offer_is_refused_naming_those_it_does(
    world, rules_2026, clerk, committee
):
    claim = recorded(world, clerk)
    with nothing_changes():
        response = act(committee, open_task(claim.process, ClaimFlow.review), decision="archive")
    assert response.status_code == 400
    assert response.json()["fields"]["decision"] == [
        "该任务可选的处理为：approve（审核通过）、adjust（在分值区间内调整后通过）、reject（不予通过）。"
    ]


def test_a_queued_task_is_taken_by_whoever_acts_on_it(world, rules_2026, clerk, committee):
    claim = recorded(world, clerk)
    task = open_task(claim.process, ClaimFlow.review)
    assert task.status == STATUS.NEW
    assert act(committee, task, decision="approve").status_code == 200
    task.refresh_from_db()
    assert task.owner == world.committee_a and task.status == STATUS.DONE


def test_acting_twice_is_409_already_done_and_records_the_points_once(world, rules_2026, clerk, committee):
    claim = recorded(world, clerk)
    task = open_task(claim.process, ClaimFlow.review)
    assert act(committee, task, decision="approve").status_code == 200
    with nothing_changes():
        again = act(committee, task, decision="approve")
    assert again.status_code == 409
    assert again.json() == {"code": "conflict", "message": str(messages.TASK_ALREADY_DONE), "fields": {}}
    assert LedgerEntry.objects.count() == 1


def test_a_task_another_committee_member_took_is_409_naming_them(world, rules_2026, clerk, client_of, client):
    claim = recorded(world, clerk)
    task = open_task(claim.process, ClaimFlow.review)
    assign(client, world.committee_a, task)  # 刘洋 takes it on the web
    secretary = client_of("secretary_a")
    with nothing_changes():
        response = act(secretary, task, decision="approve")
    assert response.status_code == 409
    assert response.json()["message"] == str(messages.TASK_TAKEN_BY % {"name": "刘洋"})


# --- 申诉, 审定, 备案 -------------------------------------------------------------------------------


@pytest.fixture
def in_publicity(world, rules_2026, monkeypatch):
    """张伟's activity approved in Q1, 公示 open since 2 April; 王芳 disputes it."""
    claim = approved_claim(world)
    review = publicity_opened(world, monkeypatch)
    appeal = appeal_file(
        appellant=world.other_member_a,
        entry=claim.ledger_entry,
        reason="未见其参加",
        by=world.other_member_a.user,
    )
    return review, appeal


def test_an_appeal_upheld_with_points_corrects_the_entry(world, rules_2026, committee, monkeypatch):
    claim = approved_claim(world, item="competition", points=Decimal(2))
    publicity_opened(world, monkeypatch)
    appeal = appeal_file(
        appellant=world.other_member_a,
        entry=claim.ledger_entry,
        reason="并未获奖",
        by=world.other_member_a.user,
    )
    task = open_task(appeal.process, AppealFlow.decide)
    with nothing_changes():
        refused = act(committee, task, decision="uphold", points="1")
    assert refused.status_code == 400 and refused.json()["fields"] == {
        "reason": [str(messages.REASON_REQUIRED)]
    }
    response = act(committee, task, decision="uphold", points="1", reason="只参加了一半")
    assert response.status_code == 200, response.content
    assert response.json()["subject"]["appeal"]["status"] == "upheld"
    assert response.json()["subject"]["appeal"]["corrected_points"] == "1.00"
    appeal.refresh_from_db()
    assert appeal.correction.points == Decimal(1)


def test_an_appeal_upheld_without_points_cancels_the_entry(world, in_publicity, committee):
    _, appeal = in_publicity
    response = act(
        committee, open_task(appeal.process, AppealFlow.decide), decision="uphold", reason="未参加"
    )
    assert response.status_code == 200
    appeal.refresh_from_db()
    assert appeal.corrected_points == Decimal(0) and appeal.correction.reverses == appeal.entry


def test_an_appeal_dismissed_keeps_the_entry_and_tells_the_reason(world, in_publicity, committee):
    _, appeal = in_publicity
    response = act(
        committee, open_task(appeal.process, AppealFlow.decide), decision="dismiss", reason="签到表有其签名"
    )
    assert response.status_code == 200
    appeal.refresh_from_db()
    assert appeal.status == Appeal.Status.DISMISSED and appeal.correction is None
    assert appeal.decision_reason == "签到表有其签名"


@pytest.fixture
def approve_task(world, in_publicity, committee, monkeypatch):
    """The appeal dismissed and the window closed: 审定 waits for the secretary."""
    review, appeal = in_publicity
    act(committee, open_task(appeal.process, AppealFlow.decide), decision="dismiss", reason="签到表有其签名")
    publicity_closed(monkeypatch)
    return open_task(review.process, PeriodReviewFlow.approve)


def test_the_secretary_approves_the_period_and_its_scores_are_frozen(world, approve_task, client_of):
    secretary = client_of("secretary_a")
    shown = secretary.get(f"/api/v1/tasks/{approve_task.pk}/").json()
    assert shown["kind"] == "period.approve" and shown["title"] == "审定"
    assert [c["decision"] for c in shown["choices"]] == ["approve"]
    assert shown["subject"]["period_review"]["period"] == "2026-Q1"
    response = act(secretary, approve_task, decision="approve", note="同意")
    assert response.status_code == 200, response.content
    assert response.json()["subject"]["period_review"]["status"] == "approved"
    review = PeriodReview.objects.get(pk=approve_task.process.branchprocess.period_review_id)
    assert review.approvals.get().note == "同意"
    assert FrozenScore.objects.get(member=world.member_a).period_total == Decimal(2)


@pytest.fixture
def file_task(world, approve_task, client_of):
    act(client_of("secretary_a"), approve_task, decision="approve")
    return open_task(approve_task.process, PeriodReviewFlow.file)


def test_the_higher_committee_archives_the_filing_as_a_task(world, file_task, client_of):
    response = act(client_of("higher"), file_task, decision="archive", reason="同意备案")
    assert response.status_code == 200, response.content
    assert response.json()["subject"]["period_review"]["status"] == "archived"
    filing = Filing.objects.get()
    assert filing.status == Filing.Status.ARCHIVED and filing.reason == "同意备案"


def test_returning_a_filing_needs_a_reason_and_reopens_approval(world, file_task, client_of):
    higher = client_of("higher")
    with nothing_changes():
        refused = act(higher, file_task, decision="return")
    assert refused.status_code == 400
    assert refused.json()["fields"] == {"reason": [str(messages.FILING_REASON_REQUIRED)]}
    assert act(higher, file_task, decision="return", reason="排名有误").status_code == 200
    assert Filing.objects.get().status == Filing.Status.RETURNED
    assert open_task(file_task.process, PeriodReviewFlow.approve).status == STATUS.NEW
