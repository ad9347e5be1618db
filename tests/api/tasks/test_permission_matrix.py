"""Who may reach the task and filing endpoints: every operation × every persona × own / other branch.

The scene (``conftest.Scene``) has a task of every kind in branch A and branch B. Outside a persona's
scope a task or filing is 404 — never listed, never 403 — and inside it, a task the persona may see but
not do is 403 with the Chinese reason; nothing is changed by a refused request.
"""

from __future__ import annotations

import pytest
from viewflow.workflow.status import STATUS

from tests.workflows.helpers import nothing_changes
from workflows import messages
from workflows.models import Filing

from .conftest import PERSONAS, user_of

ENDPOINTS_COVERED = {
    ("GET", "/api/v1/tasks/"),
    ("GET", "/api/v1/tasks/queue/"),
    ("GET", "/api/v1/tasks/archive/"),
    ("GET", "/api/v1/tasks/{id}/"),
    ("POST", "/api/v1/tasks/{id}/assign/"),
    ("POST", "/api/v1/tasks/{id}/unassign/"),
    ("POST", "/api/v1/tasks/{id}/act/"),
    ("POST", "/api/v1/tasks/bulk-approve/"),
    ("GET", "/api/v1/filings/"),
    ("GET", "/api/v1/filings/{id}/"),
    ("POST", "/api/v1/filings/{id}/archive/"),
    ("POST", "/api/v1/filings/{id}/return/"),
}

TASKS_A = {"record_a", "review_a", "revise_a", "decide_a", "file_a"}
TASKS_B = {"record_b", "review_b", "decide_b", "file_b"}
# The scene's open tasks each persona may open: those of the processes they may see.
VISIBLE = {
    "member_a": {"record_a", "revise_a"},  # 张伟's own claims; not 王芳's claim or appeal
    "other_member_a": {"review_a", "decide_a"},  # 王芳's claim and appeal
    "clerk_a": TASKS_A,
    "committee_a": TASKS_A,
    "secretary_a": TASKS_A,
    "clerk_b": TASKS_B,
    "outsider": {"record_b", "review_b"},  # 赵磊's own claims; not 周强's appeal
    "higher": TASKS_A | TASKS_B,
}
QUEUE = {
    "member_a": set(),
    "other_member_a": set(),
    "clerk_a": {"record_a"},
    "committee_a": {"review_a", "decide_a"},
    "secretary_a": {"review_a", "decide_a"},
    "clerk_b": {"record_b"},
    "outsider": set(),
    "higher": {"file_a", "file_b"},
}
INBOX = {persona: set() for persona in PERSONAS} | {"member_a": {"revise_a"}}
# Tasks each persona finished while the scene was built (the branch's earlier steps).
ARCHIVED = {"clerk_a": 4, "committee_a": 2, "secretary_a": 1, "clerk_b": 3}
OWN_BRANCH = {
    "clerk_a": "C01-G1-A",
    "committee_a": "C01-G1-A",
    "secretary_a": "C01-G1-A",
    "clerk_b": "C01-G1-B",
}


def names(scene, body) -> set[str]:
    by_pk = {task.pk: name for name, task in scene.tasks.items()}
    return {by_pk[row["id"]] for row in body["results"] if row["id"] in by_pk}


def assert_refused(response, status, message=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    if message is not None:
        assert body["message"] == str(message)


@pytest.mark.parametrize("persona", PERSONAS)
def test_task_lists_show_only_the_personas_own_tasks(scene, client_of, persona):
    client = client_of(persona)
    responses = {
        url: client.get(url) for url in ("/api/v1/tasks/", "/api/v1/tasks/queue/", "/api/v1/tasks/archive/")
    }
    if persona == "anonymous":
        assert {r.status_code for r in responses.values()} == {401}
        return
    assert names(scene, responses["/api/v1/tasks/"].json()) == INBOX[persona]
    assert names(scene, responses["/api/v1/tasks/queue/"].json()) == QUEUE[persona]
    assert responses["/api/v1/tasks/queue/"].json()["count"] == len(QUEUE[persona])
    archive = responses["/api/v1/tasks/archive/"].json()
    assert archive["count"] == ARCHIVED.get(persona, 0)
    assert {row["branch"]["code"] for row in archive["results"]} <= {OWN_BRANCH.get(persona)}
    assert all(row["status"] == STATUS.DONE and row["can_act"] is False for row in archive["results"])


@pytest.mark.parametrize("persona", PERSONAS)
def test_a_task_opens_only_for_those_who_may_see_its_process(scene, client_of, persona):
    client = client_of(persona)
    for name, task in scene.tasks.items():
        response = client.get(f"/api/v1/tasks/{task.pk}/")
        if persona == "anonymous":
            assert_refused(response, 401)
        elif name in VISIBLE[persona]:
            assert response.status_code == 200, (name, response.content)
            assert response.json()["id"] == task.pk
        else:
            assert_refused(response, 404)


ASSIGN = {  # review_a, review_b
    "member_a": (404, 404),
    "other_member_a": (403, 404),
    "clerk_a": (403, 404),
    "committee_a": (200, 404),
    "secretary_a": (200, 404),
    "clerk_b": (404, 403),
    "outsider": (404, 403),
    "higher": (403, 403),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_taking_a_review_is_for_its_branch_committee(world, scene, client_of, persona):
    client = client_of(persona)
    for name, expected in zip(("review_a", "review_b"), ASSIGN.get(persona, (401, 401)), strict=True):
        task = scene.task(name)
        if expected == 200:
            response = client.post(f"/api/v1/tasks/{task.pk}/assign/")
            assert response.status_code == 200, response.content
            assert response.json()["status"] == STATUS.ASSIGNED
            assert scene.task(name).owner == user_of(world, persona)
            continue
        with nothing_changes():
            response = client.post(f"/api/v1/tasks/{task.pk}/assign/")
        assert_refused(response, expected, messages.NOT_ALLOWED if expected == 403 else None)


UNASSIGN = {  # decide_a, decide_b: both still in the queue
    "member_a": (404, 404),
    "other_member_a": (403, 404),
    "clerk_a": (403, 404),
    "committee_a": (409, 404),
    "secretary_a": (409, 404),
    "clerk_b": (404, 403),
    "outsider": (404, 404),
    "higher": (403, 403),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_releasing_a_task_nobody_took_changes_nothing(scene, client_of, persona):
    client = client_of(persona)
    for name, expected in zip(("decide_a", "decide_b"), UNASSIGN.get(persona, (401, 401)), strict=True):
        with nothing_changes():
            response = client.post(f"/api/v1/tasks/{scene.task(name).pk}/unassign/")
        assert_refused(response, expected, messages.TASK_NOT_TAKEN if expected == 409 else None)


ACT = {  # record_a, record_b with decision "record"
    "member_a": (403, 404),
    "other_member_a": (404, 404),
    "clerk_a": (200, 404),
    "committee_a": (403, 404),
    "secretary_a": (403, 404),
    "clerk_b": (404, 200),
    "outsider": (404, 403),
    "higher": (403, 403),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_recording_a_claim_is_for_its_branch_clerk(scene, client_of, persona):
    client = client_of(persona)
    for name, claim, expected in zip(
        ("record_a", "record_b"), (scene.rec_a, scene.rec_b), ACT.get(persona, (401, 401)), strict=True
    ):
        url = f"/api/v1/tasks/{scene.task(name).pk}/act/"
        if expected == 200:
            response = client.post(url, {"decision": "record"}, format="json")
            assert response.status_code == 200, response.content
            assert response.json()["subject"]["claim"]["status"] == "recorded"
            continue
        with nothing_changes():
            response = client.post(url, {"decision": "record"}, format="json")
        assert_refused(response, expected, messages.NOT_ALLOWED if expected == 403 else None)
        claim.refresh_from_db()
        assert claim.status == "submitted"


BULK = {  # outcomes for [review_a, review_b]
    "member_a": ("not_found", "not_found"),
    "other_member_a": ("forbidden", "not_found"),
    "clerk_a": ("forbidden", "not_found"),
    "committee_a": ("approved", "not_found"),
    "secretary_a": ("approved", "not_found"),
    "clerk_b": ("not_found", "forbidden"),
    "outsider": ("not_found", "forbidden"),
    "higher": ("forbidden", "forbidden"),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_bulk_approval_reaches_only_the_personas_own_reviews(scene, client_of, persona):
    client = client_of(persona)
    ids = [scene.task("review_a").pk, scene.task("review_b").pk]
    response = client.post("/api/v1/tasks/bulk-approve/", {"task_ids": ids}, format="json")
    if persona == "anonymous":
        assert_refused(response, 401)
        return
    assert response.status_code == 200, response.content
    outcomes = tuple(row["outcome"] for row in response.json()["results"])
    assert outcomes == BULK[persona]
    scene.rev_a.refresh_from_db(), scene.rev_b.refresh_from_db()
    assert scene.rev_a.status == ("approved" if "approved" in outcomes else "recorded")
    assert scene.rev_b.status == "recorded"


@pytest.mark.parametrize("persona", PERSONAS)
def test_filings_are_the_higher_committees_alone(scene, client_of, persona):
    client = client_of(persona)
    listed = client.get("/api/v1/filings/")
    if persona == "anonymous":
        assert_refused(listed, 401)
    else:
        branches = {row["branch"]["code"] for row in listed.json()["results"]}
        assert branches == ({"C01-G1-A", "C01-G1-B"} if persona == "higher" else set())
    for filing in scene.filings.values():
        response = client.get(f"/api/v1/filings/{filing.pk}/")
        expected = 401 if persona == "anonymous" else 200 if persona == "higher" else 404
        assert response.status_code == expected, response.content


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("decision", ["archive", "return"])
def test_only_the_higher_committee_decides_a_filing(scene, client_of, persona, decision):
    client = client_of(persona)
    for filing in scene.filings.values():
        url = f"/api/v1/filings/{filing.pk}/{decision}/"
        if persona == "higher":
            response = client.post(url, {"reason": "材料不全"}, format="json")
            assert response.status_code == 200, response.content
            filing.refresh_from_db()
            assert filing.status == ("archived" if decision == "archive" else "returned")
            continue
        with nothing_changes():
            response = client.post(url, {"reason": "材料不全"}, format="json")
        assert_refused(response, 401 if persona == "anonymous" else 404)
    if persona != "higher":
        assert set(Filing.objects.values_list("status", flat=True)) == {"submitted"}
