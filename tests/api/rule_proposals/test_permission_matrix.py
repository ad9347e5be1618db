"""Who may reach the rule-proposal endpoints: every operation × every persona × own / other branch.

A proposal is seen by its branch's officers (clerk, committee, secretary) and the higher committee above
it; a member without an office and anyone of another branch get 404 — never listed, never 403. Within
sight, a step that is not the persona's is 403 with the Chinese reason. A refused request changes nothing.
The decision itself is the 待办 task (``/api/v1/tasks/{id}/act/``, covered by the tasks' matrix); who may
take it is asserted here too, for the proposal's own task kind.
"""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from viewflow.workflow.models import Task

from api.rule_proposals.messages import NOT_THE_PROPOSER
from scoring import messages
from scoring.models import RuleProposal
from workflows import messages as workflow_messages

from .conftest import PERSONAS, SNOW_A, SNOW_B

ENDPOINTS_COVERED = {
    ("GET", "/api/v1/rule-proposals/"),
    ("POST", "/api/v1/rule-proposals/"),
    ("GET", "/api/v1/rule-proposals/{id}/"),
    ("POST", "/api/v1/rule-proposals/{id}/revise/"),
}

VISIBLE = {
    "member_a": set(),
    "other_member_a": set(),
    "clerk_a": {"a"},
    "committee_a": {"a"},
    "secretary_a": {"a"},
    "clerk_b": {"b"},
    "secretary_b": {"b"},
    "outsider": set(),
    "higher": {"a", "b"},
}


@contextmanager
def nothing_changes():
    def state():
        proposals = list(RuleProposal.objects.order_by("pk").values_list("pk", "status", "source"))
        tasks = list(Task.objects.order_by("pk").values_list("pk", "status", "owner_id"))
        return proposals, tasks

    before = state()
    yield
    assert state() == before


def assert_refused(response, status, message=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    if message is not None:
        assert body["message"] == str(message)


@pytest.mark.parametrize("persona", PERSONAS)
def test_proposals_are_listed_and_opened_only_within_the_personas_branches(scene, client_of, persona):
    client = client_of(persona)
    listed = client.get("/api/v1/rule-proposals/")
    if persona == "anonymous":
        assert_refused(listed, 401)
    else:
        by_pk = {scene.a.pk: "a", scene.b.pk: "b"}
        assert {by_pk[row["id"]] for row in listed.json()["results"]} == VISIBLE[persona]
    for key in ("a", "b"):
        response = client.get(f"/api/v1/rule-proposals/{getattr(scene, key).pk}/")
        if persona == "anonymous":
            assert_refused(response, 401)
        elif key in VISIBLE[persona]:
            assert response.status_code == 200, response.content
            assert response.json()["id"] == getattr(scene, key).pk
        else:
            assert_refused(response, 404)


PROPOSE = {  # branch A, branch B — on a world with no proposal yet
    "anonymous": (401, 401),
    "member_a": (404, 404),
    "other_member_a": (404, 404),
    "clerk_a": (403, 404),
    "committee_a": (403, 404),
    "secretary_a": (201, 404),
    "clerk_b": (404, 403),
    "secretary_b": (404, 201),
    "outsider": (404, 404),
    "higher": (403, 403),  # the committee approves the branches' rules, it does not propose them
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_a_branch_secretary_proposes_and_only_for_their_branch(
    officers_b, rules_2026, client_of, persona
):
    world, client = officers_b, client_of(persona)
    for branch, text, expected in zip(
        (world.branch_a, world.branch_b), (SNOW_A, SNOW_B), PROPOSE[persona], strict=True
    ):
        body = {"branch": branch.pk, "source": text, "effective_from": "2026-04-01"}
        if expected == 201:
            response = client.post("/api/v1/rule-proposals/", body, format="json")
            assert response.status_code == 201, response.content
            assert RuleProposal.objects.get(organization=branch).status == "submitted"
            continue
        with nothing_changes():
            response = client.post("/api/v1/rule-proposals/", body, format="json")
        assert_refused(response, expected, messages.PROPOSAL_NOT_ALLOWED if expected == 403 else None)


REVISE = {  # proposal A (waiting for approval), proposal B (returned to 吴敏)
    "anonymous": (401, 401),
    "member_a": (404, 404),
    "other_member_a": (404, 404),
    "clerk_a": (403, 404),
    "committee_a": (403, 404),
    "secretary_a": (409, 404),
    "clerk_b": (404, 403),
    "secretary_b": (404, 200),
    "outsider": (404, 404),
    "higher": (403, 403),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_proposer_revises_a_returned_proposal(scene, client_of, persona):
    client = client_of(persona)
    for key, expected in zip(("a", "b"), REVISE[persona], strict=True):
        proposal = getattr(scene, key)
        url = f"/api/v1/rule-proposals/{proposal.pk}/revise/"
        body = {"source": proposal.source.replace("cap: 5", "cap: 3"), "note": "已按意见修改"}
        if expected == 200:
            response = client.post(url, body, format="json")
            assert response.status_code == 200, response.content
            assert scene.proposal(key).status == "submitted"
            continue
        with nothing_changes():
            response = client.post(url, body, format="json")
        message = {403: NOT_THE_PROPOSER, 409: messages.PROPOSAL_NOT_OPEN % {"status": "待上级审批"}}
        assert_refused(response, expected, message.get(expected))


DECIDE = {  # the 上级党委审批 task of proposal A, approved through the 待办 API
    "anonymous": 401,
    "member_a": 404,
    "other_member_a": 404,
    "clerk_a": 403,
    "committee_a": 403,
    "secretary_a": 403,
    "clerk_b": 404,
    "secretary_b": 404,
    "outsider": 404,
    "higher": 200,
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_higher_committee_decides_a_proposal_through_its_task(scene, client_of, persona):
    client, task = client_of(persona), scene.task("decide_a")
    shown = client.get(f"/api/v1/tasks/{task.pk}/")
    assert shown.status_code == {401: 401, 404: 404}.get(DECIDE[persona], 200)
    queue = client.get("/api/v1/tasks/queue/", {"kind": "rule_proposal.decide"})
    if persona != "anonymous":
        queued = {row["id"] for row in queue.json()["results"]}
        assert queued == ({task.pk} if persona == "higher" else set())
    url = f"/api/v1/tasks/{task.pk}/act/"
    if DECIDE[persona] == 200:
        response = client.post(url, {"decision": "approve"}, format="json")
        assert response.status_code == 200, response.content
        assert scene.proposal("a").status == "approved"
        return
    with nothing_changes():
        response = client.post(url, {"decision": "approve"}, format="json")
    expected = DECIDE[persona]
    assert_refused(response, expected, workflow_messages.NOT_ALLOWED if expected == 403 else None)
