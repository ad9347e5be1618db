"""The answers of the scores, ledger, periods and clerk endpoints — successes and errors, on a walked
quarter — match the OpenAPI schema the service publishes (checked by Schemathesis' own validator)."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from rest_framework.test import APIClient
from schemathesis.core.failures import FailureGroup
from schemathesis.core.transport import Response

from accounts.models import Member


@pytest.fixture
def schema(world):
    body = APIClient().get("/api/v1/schema/?format=json").json()
    return schemathesis.openapi.from_dict(body)


def conforms(schema, method: str, template: str, response) -> None:
    """Schemathesis validates status code, content type and body against ``template``'s operation."""
    request = requests.Request(method, f"http://testserver{response.wsgi_request.get_full_path()}").prepare()
    answer = Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=request,
        elapsed=0.0,
        verify=True,
    )
    schema[template][method].validate_response(answer)


def user_of(world, persona):
    person = getattr(world, persona)
    return person.user if isinstance(person, Member) else person


@pytest.mark.parametrize("persona", ["member_a", "clerk_a", "secretary_a", "higher", "outsider"])
def test_reads_match_the_schema(schema, world, both, as_user, persona, monkeypatch):
    client = as_user(user_of(world, persona))
    a, b = world.branch_a.pk, world.branch_b.pk
    entry = both["entry"][0].pk
    reads = [
        ("/api/v1/scores/me/", "/api/v1/scores/me/"),
        ("/api/v1/scores/branches/{id}/", f"/api/v1/scores/branches/{a}/?period=2026-Q1"),
        ("/api/v1/scores/branches/{id}/", f"/api/v1/scores/branches/{a}/?period=2026-Q2"),
        ("/api/v1/scores/branches/{id}/", f"/api/v1/scores/branches/{b}/?period=2026-H1"),
        ("/api/v1/scores/branches/{id}/", f"/api/v1/scores/branches/{a}/?period=2026-X"),
        ("/api/v1/scores/branches/{id}/", f"/api/v1/scores/branches/{a}/?period=2031"),
        (
            "/api/v1/scores/organizations/{id}/",
            f"/api/v1/scores/organizations/{world.committee.pk}/?period=2026-Q1",
        ),
        ("/api/v1/scores/organizations/{id}/", f"/api/v1/scores/organizations/{a}/?period=2026"),
        (
            "/api/v1/scores/organizations/{id}/ranking/",
            f"/api/v1/scores/organizations/{a}/ranking/?period=2026-Q1",
        ),
        ("/api/v1/periods/", "/api/v1/periods/"),
        ("/api/v1/periods/reviews/{id}/preview/", f"/api/v1/periods/reviews/{both['review'][0].pk}/preview/"),
        ("/api/v1/periods/reviews/{id}/preview/", f"/api/v1/periods/reviews/{both['review'][1].pk}/preview/"),
        ("/api/v1/ledger/", "/api/v1/ledger/?ordering=-points"),
        ("/api/v1/ledger/", "/api/v1/ledger/?period=bad"),
        ("/api/v1/ledger/{id}/", f"/api/v1/ledger/{entry}/"),
    ]
    statuses = set()
    for template, url in reads:
        response = client.get(url)
        statuses.add(response.status_code)
        conforms(schema, "GET", template, response)
    assert 200 in statuses and 400 in statuses


def test_writes_match_the_schema(schema, world, both, as_user):
    clerk = as_user(world.clerk_a)
    a = world.branch_a.pk
    entry = both["entry"][0].pk
    writes = [
        ("/api/v1/periods/start/", {"branch": a, "period": "2026-Q1"}, 409),
        ("/api/v1/periods/start/", {"branch": a, "period": "2026-Q2"}, 400),
        ("/api/v1/periods/start/", {"branch": world.branch_b.pk, "period": "2026-Q2"}, 404),
        ("/api/v1/ledger/{id}/reverse/", {"reason": "核对有误"}, 201),
        ("/api/v1/ledger/{id}/reverse/", {"reason": "核对有误"}, 409),
        (
            "/api/v1/clerk/records/",
            {"member": world.member_a.pk, "item_code": "dues", "occurred_on": "2026-04-02"},
            201,
        ),
        (
            "/api/v1/clerk/records/",
            {"member": world.member_a.pk, "item_code": "dues", "occurred_on": "2026-04-03"},
            400,
        ),
        (
            "/api/v1/clerk/attendance/",
            {
                "branch": a,
                "title": "4月主题党日",
                "occurred_on": "2026-04-03",
                "item_present": "activity-day",
                "present": [world.member_a.pk],
            },
            201,
        ),
    ]
    for template, body, expected in writes:
        url = template.replace("{id}", str(entry))
        response = clerk.post(url, body, format="json")
        assert response.status_code == expected, (template, response.content)
        conforms(schema, "POST", template, response)
    forbidden = as_user(world.secretary_a).post(
        "/api/v1/periods/start/", {"branch": a, "period": "2026-Q1"}, format="json"
    )
    assert forbidden.status_code == 403
    conforms(schema, "POST", "/api/v1/periods/start/", forbidden)


def test_the_check_itself_catches_a_body_the_schema_does_not_describe(schema, world, as_user):
    response = as_user(world.member_a.user).get("/api/v1/scores/me/")
    response.content = b'{"member": "\xe5\xbc\xa0\xe4\xbc\x9f"}'
    with pytest.raises(FailureGroup) as caught:
        conforms(schema, "GET", "/api/v1/scores/me/", response)
    assert any("violates schema" in str(failure) for failure in caught.value.exceptions)
