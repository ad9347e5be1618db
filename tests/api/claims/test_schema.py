"""The schema tells the truth about the member-facing resources: every operation is there with its
request body and errors, drf-spectacular has nothing to warn about in them, and Schemathesis, sending
generated requests in-process as the people of both branches, finds no server error and no answer that
the schema does not describe."""

import itertools

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.drainage import GENERATOR_STATS
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from api.services import token_issue
from tests.api.claims.conftest import user_of
from tests.api.claims.test_permission_matrix import ENDPOINTS_COVERED

UPLOADS = {
    ("POST", "/api/v1/claims/"),
    ("POST", "/api/v1/claims/{id}/revise/"),
    ("POST", "/api/v1/appeals/"),
}


@pytest.fixture
def schema(db):
    GENERATOR_STATS.reset()
    generated = SchemaGenerator().get_schema(request=None, public=True)
    warnings = [w for w in GENERATOR_STATS._warn_cache if "api/claims" in w or "claims" in w.split(":")[0]]
    errors = [e for e in GENERATOR_STATS._error_cache if "api/claims" in e]
    return generated, warnings, errors


def test_every_operation_of_the_area_is_in_the_schema(schema):
    generated, _, _ = schema
    ours = {
        (method.upper(), path)
        for path, methods in generated["paths"].items()
        for method in methods
        if path.startswith(("/api/v1/rulesets", "/api/v1/claims", "/api/v1/publicity", "/api/v1/appeals"))
        or path.startswith("/api/v1/evidence")
    }
    assert ours == ENDPOINTS_COVERED


def test_uploads_are_multipart_with_binary_files_and_declare_their_errors(schema):
    generated, _, _ = schema
    for method, path in UPLOADS:
        operation = generated["paths"][path][method.lower()]
        assert list(operation["requestBody"]["content"]) == ["multipart/form-data"]
        component = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].split("/")[
            -1
        ]
        files = generated["components"]["schemas"][component]["properties"]["files"]
        assert files == {
            "type": "array",
            "items": {"type": "string", "format": "binary"},
            "description": files["description"],
        }
        assert {"400", "401", "403"} <= set(operation["responses"])
    appeal = generated["paths"]["/api/v1/appeals/"]["post"]["responses"]
    assert {"201", "404", "409"} <= set(appeal)
    assert "409" in generated["paths"]["/api/v1/claims/{id}/revise/"]["post"]["responses"]


def test_enums_are_named_components_of_their_own(schema):
    generated, _, _ = schema
    components = generated["components"]["schemas"]
    assert components["ClaimStatusEnum"]["enum"] == [
        "submitted",
        "returned",
        "recorded",
        "approved",
        "rejected",
    ]
    assert components["AppealStatusEnum"]["enum"] == ["open", "upheld", "dismissed"]
    assert components["PublicityStatusEnum"]["enum"] == ["publicity", "approved", "returned", "archived"]
    assert components["ItemSourceEnum"]["enum"] == ["member", "branch"]


def test_drf_spectacular_has_nothing_to_warn_about_in_the_area(schema):
    _, warnings, errors = schema
    assert warnings == [] and errors == []


# --- Schemathesis, in-process ----------------------------------------------------------------

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PERSONAS = ("member_a", "clerk_a", "committee_a", "outsider", "higher")


def _area(operation) -> bool:
    return (operation.method.upper(), operation.path) in ENDPOINTS_COVERED


@pytest.fixture
def in_process_app():
    """The site's WSGI application, called in the test's own transaction (as Django's test client does:
    without closing the connection at the end of each request)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield get_wsgi_application()
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(world, scene, in_process_app):
    tokens = itertools.cycle(token_issue(user=user_of(world, p))[1] for p in PERSONAS)
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", in_process_app)
    failures, examined = [], 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        if not _area(operation):
            continue
        examined += 1

        @given(case=operation.as_strategy())
        @settings(
            max_examples=6,
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


# Generated ids rarely hit a real object: the scene's own objects are asked for too, by everyone.
REAL = {
    "/api/v1/rulesets/{id}/": "ruleset",
    "/api/v1/claims/{id}/": "claim",
    "/api/v1/publicity/{id}/": "publicity",
    "/api/v1/appeals/{id}/": "appeal",
    "/api/v1/evidence/{id}/": "evidence",
}
EVERYONE = ("member_a", "other_member_a", "clerk_a", "committee_a", "clerk_b", "outsider", "higher")


def test_the_answers_about_real_objects_match_the_schema(world, scene, in_process_app):
    api_schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", in_process_app)
    statuses = set()
    for persona in EVERYONE:
        headers = {"Authorization": f"Token {token_issue(user=user_of(world, persona))[1]}"}
        for path, kind in REAL.items():
            operation = api_schema[path]["GET"]
            for obj in scene[kind].values():
                case = operation.Case(path_parameters={"id": obj.pk})
                statuses.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)
        for path in ("/api/v1/claims/", "/api/v1/publicity/", "/api/v1/appeals/", "/api/v1/rulesets/"):
            api_schema[path]["GET"].Case().call_and_validate(headers=headers, checks=CHECKS)
        for path in ("/api/v1/publicity/current/", "/api/v1/rulesets/claimable-items/"):
            api_schema[path]["GET"].Case().call_and_validate(headers=headers, checks=CHECKS)
        revise = api_schema["/api/v1/claims/{id}/revise/"]["POST"]
        claim = scene["claim"]["a"]
        body = {"description": "补充材料"}
        for _ in range(2):  # the claimant's second revision is a 409
            case = revise.Case(path_parameters={"id": claim.pk}, body=body, media_type="multipart/form-data")
            statuses.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)
        appeal = api_schema["/api/v1/appeals/"]["POST"]
        body = {"entry": scene["entry"]["a"].pk, "reason": "有异议"}
        case = appeal.Case(body=body, media_type="multipart/form-data")
        statuses.add(case.call_and_validate(headers=headers, checks=CHECKS).status_code)
    assert {200, 201, 403, 404, 409} <= statuses
