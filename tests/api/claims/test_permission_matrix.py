"""Who may reach the member-facing resources: every operation × every persona × branch A's object and
branch B's object → the expected status; lists hold exactly what the details open.

Branch A: member_a 张伟, other_member_a 王芳, clerk_a, committee_a, secretary_a (all members of A).
Branch B: outsider 赵磊, clerk_b. The higher committee sits above both and is no member of either.
"""

import pytest
from rest_framework.test import APIClient

from tests.api.claims.conftest import png, user_of

ENDPOINTS_COVERED = {
    ("GET", "/api/v1/rulesets/"),
    ("GET", "/api/v1/rulesets/{id}/"),
    ("GET", "/api/v1/rulesets/claimable-items/"),
    ("GET", "/api/v1/claims/"),
    ("POST", "/api/v1/claims/"),
    ("GET", "/api/v1/claims/{id}/"),
    ("POST", "/api/v1/claims/{id}/revise/"),
    ("GET", "/api/v1/publicity/"),
    ("GET", "/api/v1/publicity/{id}/"),
    ("GET", "/api/v1/publicity/current/"),
    ("GET", "/api/v1/appeals/"),
    ("POST", "/api/v1/appeals/"),
    ("GET", "/api/v1/appeals/{id}/"),
    ("GET", "/api/v1/evidence/{id}/"),
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
OWN_BRANCH = {"member_a": "a", "other_member_a": "a", "clerk_a": "a", "committee_a": "a", "secretary_a": "a"}
OWN_BRANCH |= {"clerk_b": "b", "outsider": "b"}


@pytest.fixture
def client_of(world, as_user):
    def _client(persona):
        return APIClient() if persona == "anonymous" else as_user(user_of(world, persona))

    return _client


def _row(a: int, b: int) -> dict[str, int]:
    return {"a": a, "b": b}


BRANCH_A_SIGHT = {
    "anonymous": _row(401, 401),
    **{p: _row(200, 404) for p in ("member_a", "other_member_a", "clerk_a", "committee_a", "secretary_a")},
    "clerk_b": _row(404, 200),
    "outsider": _row(404, 200),
    "higher": _row(200, 200),
}
# Claims and appeals: the member's own, and those of the branches where the caller works.
WORKFLOW_SIGHT = {**BRANCH_A_SIGHT, "other_member_a": _row(404, 404)}
# Evidence: its member, and those who record, review or decide in its branch — not the higher committee.
EVIDENCE_SIGHT = {**WORKFLOW_SIGHT, "higher": _row(404, 404)}

DETAILS = {
    "/api/v1/rulesets/{id}/": ("ruleset", BRANCH_A_SIGHT),
    "/api/v1/claims/{id}/": ("claim", WORKFLOW_SIGHT),
    "/api/v1/publicity/{id}/": ("publicity", BRANCH_A_SIGHT),
    "/api/v1/appeals/{id}/": ("appeal", WORKFLOW_SIGHT),
    "/api/v1/evidence/{id}/": ("evidence", EVIDENCE_SIGHT),
}
LISTS = {
    "/api/v1/rulesets/": "/api/v1/rulesets/{id}/",
    "/api/v1/claims/": "/api/v1/claims/{id}/",
    "/api/v1/publicity/": "/api/v1/publicity/{id}/",
    "/api/v1/appeals/": "/api/v1/appeals/{id}/",
}


# One scene per persona (building it is the slow part); every detail and list is checked in it.


@pytest.mark.parametrize("persona", PERSONAS)
def test_details_open_in_the_callers_sight_and_are_404_outside(client_of, scene, persona):
    client = client_of(persona)
    for path, (kind, sight) in DETAILS.items():
        for side in ("a", "b"):
            response = client.get(path.format(id=scene[kind][side].pk))
            assert response.status_code == sight[persona][side], (path, side, response.content[:200])


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_hold_exactly_what_the_caller_may_open(client_of, scene, persona):
    client = client_of(persona)
    for path, detail in LISTS.items():
        kind, sight = DETAILS[detail]
        response = client.get(f"{path}?page_size=100")
        if persona == "anonymous":
            assert response.status_code == 401, path
            continue
        assert response.status_code == 200, path
        listed = {row["id"] for row in response.json()["results"]}
        for side in ("a", "b"):
            assert (scene[kind][side].pk in listed) == (sight[persona][side] == 200), (path, side)


@pytest.mark.parametrize("persona", PERSONAS)
def test_my_current_publicity_and_claimable_items_are_my_branchs(client_of, scene, persona):
    client = client_of(persona)
    current = client.get("/api/v1/publicity/current/")
    items = client.get("/api/v1/rulesets/claimable-items/")
    side = OWN_BRANCH.get(persona)
    if persona == "anonymous":
        assert (current.status_code, items.status_code) == (401, 401)
    elif side is None:  # the higher committee is no member of any branch
        assert (current.status_code, items.status_code) == (404, 403)
    else:
        assert current.status_code == 200 and current.json()["id"] == scene["publicity"][side].pk
        codes = {item["code"] for item in items.json()["items"]}
        assert f"{side}-volunteer" in codes and f"{'b' if side == 'a' else 'a'}-volunteer" not in codes


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_member_claims_for_their_own_branch_and_nobody_else_can_claim(client_of, world, scene, persona):
    form = {"item_code": "innovative-activity", "occurred_on": "2026-04-02", "files": [png()]}
    response = client_of(persona).post("/api/v1/claims/", form, format="multipart")
    side = OWN_BRANCH.get(persona)
    expected = 401 if persona == "anonymous" else (403 if side is None else 201)
    assert response.status_code == expected, response.content[:200]
    if expected == 201:
        assert response.json()["branch"]["code"] == {"a": "C01-G1-A", "b": "C01-G1-B"}[side]


REVISE = {
    "anonymous": _row(401, 401),
    "member_a": _row(200, 404),
    "other_member_a": _row(404, 404),
    **{p: _row(403, 404) for p in ("clerk_a", "committee_a", "secretary_a")},
    "clerk_b": _row(404, 403),
    "outsider": _row(404, 200),
    "higher": _row(403, 403),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_claimant_revises_a_returned_claim(client_of, scene, persona):
    client = client_of(persona)
    for side in ("a", "b"):
        url = f"/api/v1/claims/{scene['claim'][side].pk}/revise/"
        response = client.post(url, {"description": "补充"}, format="multipart")
        assert response.status_code == REVISE[persona][side], (side, response.content[:200])


# 张伟 (member_a) and 赵磊 (outsider) already have an open appeal on their side's entry (the scene's): the
# same appeal again is 400 — one open appeal per entry and appellant.
APPEAL = {
    "anonymous": _row(401, 401),
    **{p: _row(201, 404) for p in ("other_member_a", "clerk_a", "committee_a", "secretary_a")},
    "member_a": _row(400, 404),
    "clerk_b": _row(404, 201),
    "outsider": _row(404, 400),
    "higher": _row(403, 403),
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_members_appeal_in_their_own_branchs_publicity_only(client_of, scene, persona):
    client = client_of(persona)
    for side in ("a", "b"):
        form = {"entry": scene["entry"][side].pk, "reason": "有异议"}
        response = client.post("/api/v1/appeals/", form, format="multipart")
        assert response.status_code == APPEAL[persona][side], (side, response.content[:200])
