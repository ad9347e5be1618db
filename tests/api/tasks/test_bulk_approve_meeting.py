"""批量审核通过 over the API names the 支委会会议 that decided it (``meeting_id``): recorded on each claim;
a meeting the caller did not attend is refused in Chinese, nothing approved."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from tests.workflows.helpers import freeze, meeting_of_branch_a, nothing_changes, open_task, perform, photo
from workflows.claims import claim_record, claim_submit
from workflows.flows import ClaimFlow
from workflows.models import Claim

URL = "/api/v1/tasks/bulk-approve/"


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


def review_task(world):
    claim = claim_submit(
        member=world.member_a,
        item_code="innovative-activity",
        occurred_on=datetime.date(2026, 3, 10),
        evidence=[photo()],
        by=world.member_a.user,
    )
    perform(
        open_task(claim.process, ClaimFlow.record),
        world.clerk_a,
        lambda **kw: claim_record(claim=claim, **kw),
    )
    return claim, open_task(claim.process, ClaimFlow.review)


def client_of(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_a_bulk_approval_over_the_api_records_its_meeting(world, rules_2026):
    claim, task = review_task(world)
    held = meeting_of_branch_a(world)
    response = client_of(world.committee_a).post(
        URL, {"task_ids": [task.pk], "meeting_id": held.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["approved"] == 1
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED and claim.meeting == held


def test_a_meeting_the_caller_did_not_attend_is_refused(world, rules_2026):
    _claim, task = review_task(world)
    held = meeting_of_branch_a(world)
    with nothing_changes():
        response = client_of(world.higher).post(
            URL, {"task_ids": [task.pk], "meeting_id": held.pk}, format="json"
        )
    assert response.status_code == 400
    assert "支委会会议不存在，或您没有出席该会议。" in response.content.decode()
