"""The schema tells the truth about the rule-proposal resource: drf-spectacular has nothing to warn about;
every answer it gives about the scene's real proposals — successes and refusals — has a documented status
and a body its schema accepts; and Schemathesis, sending generated requests in-process as the people of
both branches and the higher committee, finds no server error and no answer outside the schema."""

from __future__ import annotations

import itertools

import pytest
import schemathesis
from django.core.management import call_command
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import token_issue
from tests.api.claims.test_schema import in_process_app  # noqa: F401 — the fixture
from tests.api.tasks.test_schema import Recorder

from .conftest import LOOSER, SNOW_A, user_of
from .test_permission_matrix import ENDPOINTS_COVERED

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PERSONAS = ("member_a", "clerk_a", "secretary_a", "secretary_b", "outsider", "higher")
PROPOSAL = "/api/v1/rule-proposals/{id}/"
ACT = "/api/v1/tasks/{id}/act/"


@pytest.fixture
def api_schema(db):
    from rest_framework.test import APIClient

    return schemathesis.openapi.from_dict(APIClient().get("/api/v1/schema/?format=json").json())


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    for method, path in ENDPOINTS_COVERED:
        assert f"  {path}:" in text, (method, path)


def test_every_answer_about_real_proposals_matches_the_schema(officers_b, scene, client_of, api_schema):
    world, call = officers_b, Recorder(api_schema)
    names = ("anonymous", "member_a", "clerk_a", "secretary_a", "secretary_b", "clerk_b", "higher")
    anonymous, member, clerk, secretary, secretary_b, clerk_b, higher = (client_of(p) for p in names)
    a, b = {"id": scene.a.pk}, {"id": scene.b.pk}

    call(anonymous, "GET", "/api/v1/rule-proposals/")
    call(higher, "GET", "/api/v1/rule-proposals/", status="submitted", branch="C01-G1-A", ordering="-cycle")
    call(clerk, "GET", "/api/v1/rule-proposals/", status="nonsense")
    call(member, "GET", "/api/v1/rule-proposals/", cycle=0)
    for client in (clerk, higher, clerk_b, member, anonymous):
        call(client, "GET", PROPOSAL, a)
    body = {"branch": world.branch_a.pk, "source": SNOW_A, "effective_from": "2026-04-01"}
    call(secretary, "POST", "/api/v1/rule-proposals/", data=body)  # one is pending: 409
    call(clerk, "POST", "/api/v1/rule-proposals/", data=body)
    call(clerk_b, "POST", "/api/v1/rule-proposals/", data=body)
    call(secretary_b, "POST", "/api/v1/rule-proposals/", data={**body, "branch": world.branch_b.pk})
    call(secretary, "POST", "/api/v1/rule-proposals/", data={"branch": world.branch_a.pk})

    task = {"id": scene.task("decide_a").pk}
    call(higher, "GET", "/api/v1/tasks/{id}/", task)
    call(higher, "POST", ACT, task, {"decision": "return"})
    call(higher, "POST", ACT, task, {"decision": "approve"})
    call(higher, "POST", ACT, task, {"decision": "approve"})
    call(higher, "GET", PROPOSAL, a)
    # Approved, branch A has nothing pending: the next proposal is checked against the rules above.
    call(secretary, "POST", "/api/v1/rule-proposals/", data={**body, "source": LOOSER})
    call(secretary, "POST", "/api/v1/rule-proposals/", data={**body, "effective_from": "2026-03-01"})
    call(secretary, "POST", "/api/v1/rule-proposals/", data={**body, "effective_from": "2026-05-01"})

    revise = f"{PROPOSAL}revise/"
    call(secretary, "POST", revise, a, {"note": "补充"})
    call(clerk_b, "POST", revise, b, {"note": "补充"})
    call(secretary_b, "POST", revise, b, {"source": LOOSER})
    call(secretary_b, "POST", revise, b, {"source": scene.b.source.replace("cap: 5", "cap: 3")})
    call(secretary_b, "GET", PROPOSAL, b)

    assert {200, 201, 400, 401, 403, 404, 409} <= set().union(*call.statuses.values())


def _area(operation) -> bool:
    return (operation.method.upper(), operation.path) in ENDPOINTS_COVERED


def test_schemathesis_finds_no_server_error_in_the_rule_proposals(
    officers_b,
    scene,
    in_process_app,  # noqa: F811
):
    tokens = itertools.cycle(token_issue(user=user_of(officers_b, p))[1] for p in PERSONAS)
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", in_process_app)
    failures, examined = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if not _area(operation):
            continue
        examined += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=8,
            deadline=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
            database=None,
        )
        def examine(case):
            case.call_and_validate(headers={"Authorization": f"Token {next(tokens)}"}, checks=CHECKS)

        try:
            examine()
        except Exception as failure:  # every operation's failure is reported together
            failures.append(f"{operation.label}:\n{failure}")
    assert examined == len(ENDPOINTS_COVERED)
    assert not failures, "\n\n".join(failures)
