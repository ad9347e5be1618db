"""批量审核通过 over the API: each review approved on its own, through the web UI's path; every task
answered — approved, taken or done by someone else, not the caller's, not approvable as stated, unknown."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from scoring.models import LedgerEntry
from tests.workflows.helpers import add_officer, assign, freeze, open_task, perform, photo
from workflows import messages
from workflows.claims import claim_approve, claim_record, claim_submit
from workflows.flows import ClaimFlow
from workflows.models import Claim

D = datetime.date
URL = "/api/v1/tasks/bulk-approve/"


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


def claim(member, item, day=D(2026, 3, 10), points=None):  # noqa: B008
    return claim_submit(
        member=member, item_code=item, occurred_on=day, points=points, evidence=[photo()], by=member.user
    )


def recorded(member, item, clerk, **kwargs) -> Claim:
    submitted = claim(member, item, **kwargs)
    perform(
        open_task(submitted.process, ClaimFlow.record),
        clerk,
        lambda **kw: claim_record(claim=submitted, **kw),
    )
    return submitted


def review_of(submitted: Claim):
    return open_task(submitted.process, ClaimFlow.review)


@pytest.fixture
def reviews(world, rules_2026, client):
    """Reviews waiting in branch A (and one in B), each in a different state."""
    a = world.member_a
    huanglei = add_officer(world.branch_a, "黄磊", "huanglei", "committee")
    queued = recorded(a, "innovative-activity", world.clerk_a)
    mine = recorded(a, "community-service", world.clerk_a)
    assign(client, world.committee_a, review_of(mine))
    theirs = recorded(a, "adopted-proposal", world.clerk_a)
    assign(client, huanglei, review_of(theirs))
    no_points = recorded(a, "competition", world.clerk_a)  # a range item claimed without points
    done = recorded(world.other_member_a, "innovative-activity", world.clerk_a)
    done_task = review_of(done)
    perform(done_task, world.secretary_a, lambda **kw: claim_approve(claim=done, **kw))
    to_record = claim(world.other_member_a, "community-service")
    other_branch = recorded(world.outsider, "innovative-activity", world.clerk_b)
    return {
        "queued": review_of(queued).pk,
        "mine": review_of(mine).pk,
        "theirs": review_of(theirs).pk,
        "no_points": review_of(no_points).pk,
        "done": done_task.pk,
        "record": open_task(to_record.process, ClaimFlow.record).pk,
        "other_branch": review_of(other_branch).pk,
        "unknown": 999_999,
    }


def test_a_mix_is_answered_task_by_task_and_only_the_approvable_are_approved(world, reviews, client_of):
    order = ["queued", "mine", "theirs", "no_points", "done", "record", "other_branch", "unknown"]
    response = client_of("committee_a").post(URL, {"task_ids": [reviews[n] for n in order]}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["approved"] == 2
    assert body["results"] == [
        {"task_id": reviews["queued"], "outcome": "approved", "message": ""},
        {"task_id": reviews["mine"], "outcome": "approved", "message": ""},
        {
            "task_id": reviews["theirs"],
            "outcome": "conflict",
            "message": str(messages.TASK_TAKEN_BY % {"name": "黄磊"}),
        },
        {
            "task_id": reviews["no_points"],
            "outcome": "invalid",
            "message": str(messages.POINTS_REQUIRED % {"low": "1", "high": "2"}),
        },
        {"task_id": reviews["done"], "outcome": "conflict", "message": str(messages.TASK_ALREADY_DONE)},
        {"task_id": reviews["record"], "outcome": "invalid", "message": str(messages.TASK_NOT_A_REVIEW)},
        {
            "task_id": reviews["other_branch"],
            "outcome": "not_found",
            "message": "任务不存在或不在您的权限范围内。",
        },
        {
            "task_id": reviews["unknown"],
            "outcome": "not_found",
            "message": "任务不存在或不在您的权限范围内。",
        },
    ]
    approved = Claim.objects.filter(status=Claim.Status.APPROVED).order_by("pk")
    assert [(c.item_code, c.member.real_name) for c in approved] == [
        ("innovative-activity", "张伟"),
        ("community-service", "张伟"),
        ("innovative-activity", "王芳"),  # approved before, by 陈静
    ]
    assert LedgerEntry.objects.filter(points=Decimal(2)).count() == 3


def test_a_task_listed_twice_is_approved_once(world, reviews, client_of):
    ids = [reviews["queued"], reviews["queued"]]
    body = client_of("committee_a").post(URL, {"task_ids": ids}, format="json").json()
    assert body == {
        "approved": 1,
        "results": [{"task_id": reviews["queued"], "outcome": "approved", "message": ""}],
    }


def test_the_clerk_who_sees_the_reviews_may_not_approve_them(world, reviews, client_of):
    body = client_of("clerk_a").post(URL, {"task_ids": [reviews["queued"]]}, format="json").json()
    assert body["results"] == [
        {"task_id": reviews["queued"], "outcome": "forbidden", "message": str(messages.NOT_ALLOWED)}
    ]
    assert not Claim.objects.filter(status=Claim.Status.APPROVED, member=world.member_a).exists()


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"task_ids": []},
        {"task_ids": ["x"]},
        {"task_ids": list(range(1, 102))},
        {"task_ids": 5},
        {"task_ids": [2**64]},
    ],
)
def test_a_malformed_request_is_400_and_approves_nothing(world, reviews, client_of, payload):
    response = client_of("committee_a").post(URL, payload, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "task_ids" in response.json()["fields"]
    assert Claim.objects.filter(status=Claim.Status.APPROVED).count() == 1
