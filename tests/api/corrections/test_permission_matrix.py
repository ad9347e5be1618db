"""Who reaches 台账更正 and 退回重新审定: every operation × every persona × a record of branch A and one of
branch B, with the expected status. (POST ledger/{id}/reverse/ — the correction request — is in the
scores matrix.)"""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient

from accounts.models import Member
from scoring.models import LedgerEntry
from workflows.corrections import correction_request
from workflows.models import PeriodReopening

ENDPOINTS_COVERED: set[tuple[str, str]] = {
    ("GET", "/api/v1/corrections/"),
    ("GET", "/api/v1/corrections/{id}/"),
    ("GET", "/api/v1/reopenings/"),
    ("GET", "/api/v1/reopenings/{id}/"),
    ("POST", "/api/v1/periods/reviews/{id}/reopen/"),
}

PERSONAS = [
    "anonymous",
    "member_a",
    "other_member_a",
    "clerk_a",
    "committee_a",
    "secretary_a",
    "clerk_b",
    "outsider",
    "higher",
]
# Reading (view_scores): (branch A, branch B).
VIEW = {
    "anonymous": (401, 401),
    "member_a": (404, 404),
    "other_member_a": (404, 404),
    "clerk_a": (200, 404),
    "committee_a": (200, 404),
    "secretary_a": (200, 404),
    "clerk_b": (404, 200),
    "outsider": (404, 404),
    "higher": (200, 200),
}
# 退回重新审定 of A's approved Q1 and of B's Q1 in publicity (409: not approved yet): the secretary only.
REOPEN = {
    "anonymous": (401, 401),
    "member_a": (404, 404),
    "other_member_a": (404, 404),
    "clerk_a": (403, 404),
    "committee_a": (403, 404),
    "secretary_a": (201, 404),
    "clerk_b": (404, 403),
    "outsider": (404, 404),
    "higher": (403, 403),
}


def client_for(world, as_user, persona):
    if persona == "anonymous":
        return APIClient()
    person = getattr(world, persona)
    return as_user(person.user if isinstance(person, Member) else person)


@pytest.fixture
def records(world, both):
    """A correction request in each branch, and a reopening request of each branch's period."""
    entry_a = LedgerEntry.objects.get(member=world.member_a, occurred_on=datetime.date(2026, 4, 8))
    corrections = (
        correction_request(entry=entry_a, by=world.clerk_a, reason="重复登记"),
        correction_request(entry=both["entry"][1], by=world.clerk_b, reason="重复登记"),
    )
    review_a, review_b = both["review"]
    reopening_a = PeriodReopening.objects.create(
        review=review_a,
        round=1,
        reason="有误",
        was_filed=False,
        status="refused",
        requested_by=world.secretary_a,
    )
    reopening_b = PeriodReopening.objects.create(
        review=review_b, round=1, reason="有误", was_filed=False, status="refused", requested_by=world.clerk_b
    )
    return {"correction": corrections, "reopening": (reopening_a, reopening_b), "review": both["review"]}


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_answers_each_persona_as_expected(world, records, as_user, persona):
    client = client_for(world, as_user, persona)
    got: dict[str, object] = {}
    expected: dict[str, object] = {}

    def check(name, response, status):
        got[name], expected[name] = response.status_code, status

    lists = {
        "corrections": client.get("/api/v1/corrections/"),
        "reopenings": client.get("/api/v1/reopenings/"),
    }
    for side in (0, 1):
        tag = "AB"[side]
        correction, reopening = records["correction"][side], records["reopening"][side]
        check(f"correction {tag}", client.get(f"/api/v1/corrections/{correction.pk}/"), VIEW[persona][side])
        check(f"reopening {tag}", client.get(f"/api/v1/reopenings/{reopening.pk}/"), VIEW[persona][side])
        for name, response in lists.items():
            record = records[name[:-1]][side]
            if persona == "anonymous":
                check(f"{name} list", response, 401)
            else:
                listed = {row["id"] for row in response.json()["results"]}
                got[f"{name} lists {tag}"] = record.pk in listed
                expected[f"{name} lists {tag}"] = VIEW[persona][side] == 200
    for side, review in enumerate(records["review"]):
        tag = "AB"[side]
        response = client.post(
            f"/api/v1/periods/reviews/{review.pk}/reopen/", {"reason": "有误"}, format="json"
        )
        check(f"reopen {tag}", response, REOPEN[persona][side])
    assert got == expected


def test_a_period_in_publicity_is_not_reopened_409(world, both, as_user):
    from tests.workflows.helpers import secretary_b

    review_b = both["review"][1]
    response = as_user(secretary_b(world)).post(
        f"/api/v1/periods/reviews/{review_b.pk}/reopen/", {"reason": "有误"}, format="json"
    )
    assert response.status_code == 409 and response.json()["code"] == "not_approved"


def test_the_secretary_reopens_over_the_api_and_corrections_follow(world, both, as_user):
    review_a = both["review"][0]
    client = as_user(world.secretary_a)
    missing = client.post(f"/api/v1/periods/reviews/{review_a.pk}/reopen/", {"reason": " "}, format="json")
    assert missing.status_code == 400
    response = client.post(
        f"/api/v1/periods/reviews/{review_a.pk}/reopen/", {"reason": "张伟的记录有误"}, format="json"
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["status"], body["review_status"], body["round"], body["was_filed"]) == (
        "reopened",
        "returned",
        1,
        False,
    )
    frozen = LedgerEntry.objects.filter(
        member=world.member_a, occurred_on__lt=datetime.date(2026, 4, 1)
    ).first()
    asked = as_user(world.clerk_a).post(
        f"/api/v1/ledger/{frozen.pk}/reverse/", {"reason": "有误"}, format="json"
    )
    assert asked.status_code == 201
    tasks = as_user(world.secretary_a).get("/api/v1/tasks/queue/?kind=period.approve").json()["results"]
    assert [t["subject"]["period_review"]["id"] for t in tasks] == [review_a.pk]
