"""备案 over the API: the higher committee's queue, a filing's approval and frozen scores, and its decision
through the period's 备案 task — once, by one person, never on a filing already decided."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db.models import Sum
from viewflow.workflow.status import STATUS

from accounts.models import RoleAssignment
from tests.factories import UserFactory, make_role
from tests.workflows.helpers import (
    Q1,
    approved_claim,
    committee_b,
    freeze,
    nothing_changes,
    open_task,
    perform,
    publicity_closed,
    secretary_b,
)
from workflows import messages
from workflows.flows import PeriodReviewFlow
from workflows.models import Filing, FrozenScore, PeriodReview
from workflows.periods import period_approve, period_start


@pytest.fixture
def filings(world, rules_2026, monkeypatch):
    """Q1 of branch A and branch B, approved on 8 April 2026 and sent up for 备案."""
    freeze(monkeypatch, 2026, 3, 20, 10)
    committee, secretary = committee_b(world), secretary_b(world)
    approved_claim(world, world.member_a)
    approved_claim(world, world.outsider, clerk=world.clerk_b, reviewer=committee)
    freeze(monkeypatch, 2026, 4, 2, 9)
    reviews = {
        "a": period_start(branch=world.branch_a, period=Q1, by=world.clerk_a),
        "b": period_start(branch=world.branch_b, period=Q1, by=world.clerk_b),
    }
    publicity_closed(monkeypatch)
    for key, by in (("a", world.secretary_a), ("b", secretary)):
        review = reviews[key]
        perform(
            open_task(review.process, PeriodReviewFlow.approve),
            by,
            lambda review=review, **kw: period_approve(review=review, **kw),
        )
    return {key: Filing.objects.get(approval__review=review) for key, review in reviews.items()}


@pytest.fixture
def higher(client_of):
    return client_of("higher")


def listed(client, **params):
    response = client.get("/api/v1/filings/", params)
    assert response.status_code == 200, response.content
    return [row["id"] for row in response.json()["results"]]


def test_the_queue_filters_by_status_branch_and_period_and_orders(filings, higher):
    a, b = filings["a"].pk, filings["b"].pk
    assert listed(higher) == [b, a]  # newest approval first: B was approved after A
    assert listed(higher, ordering="branch") == [a, b]
    assert listed(higher, branch="C01-G1-B") == [b]
    assert listed(higher, period="2026-Q1", ordering="id") == [a, b]
    assert listed(higher, period="2026", ordering="id") == [a, b]
    assert listed(higher, period="2026-Q2") == []
    assert listed(higher, status="archived") == []
    assert sorted(listed(higher, status="submitted")) == [a, b]


def test_a_bad_period_code_is_400_in_chinese(filings, higher):
    response = higher.get("/api/v1/filings/", {"period": "2026-Q5"})
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "period": [
            "周期代码“2026-Q5”无效，应为 2026（年度）、2026-H1（半年）、2026-Q3（季度）或 2026-M07（月）"
        ]
    }


def test_a_filing_shows_its_period_approval_totals_and_frozen_scores(world, filings, higher):
    filing = filings["a"]
    body = higher.get(f"/api/v1/filings/{filing.pk}/").json()
    assert body["status"] == "submitted" and body["status_display"] == "待备案"
    assert body["branch"]["code"] == "C01-G1-A"
    assert body["period"]["period"] == "2026-Q1" and body["period"]["status"] == "approved"
    assert body["approval"]["approved_by"] == "陈静" and body["approval"]["round"] == 1
    assert body["task_id"] == open_task(filing.approval.review.process, PeriodReviewFlow.file).pk
    frozen = FrozenScore.objects.filter(approval=filing.approval)
    assert body["totals"]["members"] == frozen.count() == 5
    assert Decimal(body["totals"]["period_total_sum"]) == frozen.aggregate(s=Sum("period_total"))["s"] == 2
    assert body["totals"]["period_total_max"] == "2.00"
    first = body["scores"][0]
    assert (first["member"]["real_name"], first["period_total"], first["period_rank"]) == ("张伟", "2.00", 1)
    rows = {row["member"]["id"]: row for row in body["scores"]}
    for score in frozen:
        assert rows[score.member_id]["period_total"] == f"{score.period_total:.2f}"
        assert rows[score.member_id]["cycle_total"] == f"{score.cycle_total:.2f}"
        assert rows[score.member_id]["period_rank"] == score.period_rank


def test_archiving_files_the_period_and_ends_its_process(filings, higher):
    filing = filings["a"]
    response = higher.post(f"/api/v1/filings/{filing.pk}/archive/", {"note": "同意备案"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["status"], body["reason"], body["decided_by"], body["task_id"]) == (
        "archived",
        "同意备案",
        "higher",
        None,
    )
    review = PeriodReview.objects.get(pk=filing.approval.review_id)
    assert review.status == PeriodReview.Status.ARCHIVED and review.process.status == "DONE"
    with nothing_changes():
        again = higher.post(f"/api/v1/filings/{filing.pk}/archive/", {}, format="json")
    assert again.status_code == 409 and again.json()["message"] == str(messages.FILING_ALREADY_DECIDED)


def test_returning_needs_a_reason_and_reopens_approval(world, filings, higher):
    filing = filings["a"]
    with nothing_changes():
        for payload in ({}, {"reason": ""}):
            refused = higher.post(f"/api/v1/filings/{filing.pk}/return/", payload, format="json")
            assert refused.status_code == 400
            assert refused.json()["fields"] == {"reason": [str(messages.FILING_REASON_REQUIRED)]}
    response = higher.post(f"/api/v1/filings/{filing.pk}/return/", {"reason": "排名有误"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "returned" and response.json()["reason"] == "排名有误"
    review = filing.approval.review
    assert open_task(review.process, PeriodReviewFlow.approve).status == STATUS.NEW


def test_a_returned_filing_stays_decided_when_the_period_is_approved_again(world, filings, higher):
    old = filings["a"]
    higher.post(f"/api/v1/filings/{old.pk}/return/", {"reason": "排名有误"}, format="json")
    review = old.approval.review
    perform(
        open_task(review.process, PeriodReviewFlow.approve),
        world.secretary_a,
        lambda **kw: period_approve(review=review, note="已更正", **kw),
    )
    new = Filing.objects.get(approval__review=review, approval__round=2)
    with nothing_changes():
        stale = higher.post(f"/api/v1/filings/{old.pk}/archive/", {}, format="json")
    assert stale.status_code == 409 and stale.json()["message"] == str(messages.FILING_ALREADY_DECIDED)
    assert higher.post(f"/api/v1/filings/{new.pk}/archive/", {}, format="json").status_code == 200
    old.refresh_from_db(), new.refresh_from_db()
    assert (old.status, new.status) == (Filing.Status.RETURNED, Filing.Status.ARCHIVED)


def test_a_filing_another_officer_took_is_409_naming_them(world, filings, higher, as_user):
    colleague = UserFactory(username="higher2", first_name="")
    make_role(colleague, world.committee, RoleAssignment.Role.HIGHER)
    filing = filings["b"]
    taken = as_user(colleague).post(f"/api/v1/tasks/{higher_task(filing).pk}/assign/")
    assert taken.status_code == 200, taken.content
    with nothing_changes():
        response = higher.post(f"/api/v1/filings/{filing.pk}/archive/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["message"] == str(messages.TASK_TAKEN_BY % {"name": "higher2"})


def higher_task(filing):
    return open_task(filing.approval.review.process, PeriodReviewFlow.file)
