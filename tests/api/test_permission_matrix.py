"""Who may reach the foundation's endpoints: every operation × every persona × own / other branch.

Each area of the API keeps a matrix like this one (``tests/api/<area>/test_permission_matrix.py``)
and declares the operations it covers in ``ENDPOINTS_COVERED``; ``test_matrix_covers_schema`` fails
when an operation of the schema is in no matrix.
"""

import pytest
from rest_framework.test import APIClient

from accounts.models import Member
from tests.api.conftest import PASSWORD

ENDPOINTS_COVERED = {
    ("POST", "/api/v1/auth/token/"),
    ("DELETE", "/api/v1/auth/token/"),
    ("GET", "/api/v1/me/"),
    ("GET", "/api/v1/organizations/"),
    ("GET", "/api/v1/organizations/{code}/"),
    ("GET", "/api/v1/members/"),
    ("GET", "/api/v1/members/{id}/"),
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


def _user(world, persona):
    person = getattr(world, persona)
    return person.user if isinstance(person, Member) else person


@pytest.fixture
def client_of(world, as_user):
    def _client(persona):
        return APIClient() if persona == "anonymous" else as_user(_user(world, persona))

    return _client


@pytest.mark.parametrize("persona", PERSONAS)
def test_me_answers_everyone_signed_in_and_nobody_else(client_of, persona):
    assert client_of(persona).get("/api/v1/me/").status_code == (401 if persona == "anonymous" else 200)


# Branch A = C01-G1-A, branch B = C01-G1-B; what each persona may open.
ORGANIZATION_DETAIL = {
    "anonymous": {"C01-G1-A": 401, "C01-G1-B": 401, "C01": 401},
    "member_a": {"C01-G1-A": 200, "C01-G1-B": 404, "C01": 404},
    "other_member_a": {"C01-G1-A": 200, "C01-G1-B": 404, "C01": 404},
    "clerk_a": {"C01-G1-A": 200, "C01-G1-B": 404, "C01": 404},
    "committee_a": {"C01-G1-A": 200, "C01-G1-B": 404, "C01": 404},
    "secretary_a": {"C01-G1-A": 200, "C01-G1-B": 404, "C01": 404},
    "clerk_b": {"C01-G1-A": 404, "C01-G1-B": 200, "C01": 404},
    "outsider": {"C01-G1-A": 404, "C01-G1-B": 200, "C01": 404},
    "higher": {"C01-G1-A": 200, "C01-G1-B": 200, "C01": 200},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_organizations_open_only_inside_the_callers_tree(client_of, persona):
    client = client_of(persona)
    listed = client.get("/api/v1/organizations/?page_size=100")
    if persona == "anonymous":
        assert listed.status_code == 401
    else:
        codes = {o["code"] for o in listed.json()["results"]}
        allowed = {code for code, status in ORGANIZATION_DETAIL[persona].items() if status == 200}
        assert allowed <= codes
        assert not (codes & {code for code, s in ORGANIZATION_DETAIL[persona].items() if s == 404})
    for code, status in ORGANIZATION_DETAIL[persona].items():
        response = client.get(f"/api/v1/organizations/{code}/")
        assert response.status_code == status, (persona, code, response.content)


# Whose profile each persona may open: themselves always; the branch's members with view_members.
MEMBER_DETAIL = {
    "anonymous": {"member_a": 401, "outsider": 401},
    "member_a": {"member_a": 200, "other_member_a": 404, "outsider": 404},
    "other_member_a": {"member_a": 404, "other_member_a": 200, "outsider": 404},
    "clerk_a": {"member_a": 200, "other_member_a": 200, "outsider": 404},
    "committee_a": {"member_a": 200, "outsider": 404},
    "secretary_a": {"member_a": 200, "outsider": 404},
    "clerk_b": {"member_a": 404, "outsider": 200},
    "outsider": {"member_a": 404, "outsider": 200},
    "higher": {"member_a": 200, "outsider": 200},
}


@pytest.mark.parametrize("persona", PERSONAS)
def test_member_profiles_open_only_inside_the_callers_scope(world, client_of, persona):
    client = client_of(persona)
    listed = client.get("/api/v1/members/?page_size=100")
    if persona == "anonymous":
        assert listed.status_code == 401
    else:
        names = {m["real_name"] for m in listed.json()["results"]}
        for whom, status in MEMBER_DETAIL[persona].items():
            assert (getattr(world, whom).real_name in names) == (status == 200), (persona, whom)
    for whom, status in MEMBER_DETAIL[persona].items():
        response = client.get(f"/api/v1/members/{getattr(world, whom).pk}/")
        assert response.status_code == status, (persona, whom, response.content)


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "anonymous"])
def test_anyone_with_an_account_gets_a_token_and_may_revoke_only_their_own(world, persona):
    client = APIClient()
    user = _user(world, persona)
    issued = client.post(
        "/api/v1/auth/token/", {"username": user.username, "password": PASSWORD}, format="json"
    )
    assert issued.status_code == 201, issued.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    assert client.get("/api/v1/me/").status_code == 200
    assert client.delete("/api/v1/auth/token/").status_code == 204
    assert client.get("/api/v1/me/").status_code == 401


def test_nobody_revokes_a_token_without_presenting_one(world):
    assert APIClient().delete("/api/v1/auth/token/").status_code == 401
    session = APIClient()
    session.force_login(world.clerk_a)
    assert session.delete("/api/v1/auth/token/").status_code == 400
