"""不得办理涉及本人积分的事项 over the API: a task about one's own points is not in one's queue, cannot be
taken or done (403, with the Chinese reason), and bulk approval reports it and leaves it."""

from __future__ import annotations

import datetime

import pytest

from accounts import messages as account_messages
from accounts.models import Member
from scoring.models import LedgerEntry
from tests.workflows.helpers import freeze, nothing_changes, open_task, perform, photo
from workflows.claims import claim_record, claim_submit
from workflows.flows import ClaimFlow
from workflows.models import Claim

OWN_REVIEW = account_messages.OWN_POINTS % {"action": "支委会审核"}


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def own_review(world, rules_2026):
    """刘洋 (the committee member) claimed an activity; the clerk recorded it: it waits for 审核."""
    member = Member.objects.get(user=world.committee_a)
    claim = claim_submit(
        member=member,
        item_code="innovative-activity",
        occurred_on=datetime.date(2026, 3, 10),
        evidence=[photo()],
        by=world.committee_a,
    )
    perform(
        open_task(claim.process, ClaimFlow.record),
        world.clerk_a,
        lambda **kw: claim_record(claim=claim, **kw),
    )
    return open_task(claim.process, ClaimFlow.review)


def test_ones_own_claim_is_not_in_the_api_queue(world, own_review, as_user):
    mine = as_user(world.committee_a).get("/api/v1/tasks/queue/").json()["results"]
    theirs = as_user(world.secretary_a).get("/api/v1/tasks/queue/").json()["results"]
    assert own_review.pk not in {task["id"] for task in mine}
    assert own_review.pk in {task["id"] for task in theirs}


def test_a_committee_member_cannot_approve_her_own_claim_over_the_api(world, own_review, as_user):
    client = as_user(world.committee_a)
    with nothing_changes():
        taken = client.post(f"/api/v1/tasks/{own_review.pk}/assign/")
        done = client.post(f"/api/v1/tasks/{own_review.pk}/act/", {"decision": "approve"}, format="json")
    for response in (taken, done):
        assert response.status_code == 403
        assert response.json()["code"] == "own_points"
        assert response.json()["message"] == OWN_REVIEW


def test_bulk_approve_over_the_api_reports_ones_own_claim_and_leaves_it(world, own_review, as_user):
    response = as_user(world.committee_a).post(
        "/api/v1/tasks/bulk-approve/", {"task_ids": [own_review.pk]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["results"] == [
        {"task_id": own_review.pk, "outcome": "forbidden", "message": OWN_REVIEW}
    ]
    own_review.refresh_from_db()
    assert own_review.status == "NEW" and own_review.owner is None
    assert Claim.objects.get(process__pk=own_review.process_id).status == Claim.Status.RECORDED
    assert not LedgerEntry.objects.exists()
