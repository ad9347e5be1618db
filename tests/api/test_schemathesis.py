"""The OpenAPI schema is a contract: Schemathesis sends generated requests to a live, seeded service and
every answer must be no server error, carry a documented status code and content type, and match the
schema's description of its body.

Bounded so that it stays under two minutes: a few examples per operation, rotated over the personas
that use the API (a member, a branch clerk, a committee member, the higher committee), so each
operation is tried with the permissions of more than one of them.
"""

from __future__ import annotations

import itertools
import json
import urllib.request

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.live.service import live_service

pytestmark = pytest.mark.contract

PERSONAS = ("member", "clerk", "committee", "higher")
DEMO_PASSWORD = "Jifen@2026"
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


def _token(base_url: str, username: str) -> str:
    request = urllib.request.Request(
        f"{base_url}/api/v1/auth/token/",
        data=json.dumps({"username": username, "password": DEMO_PASSWORD}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["token"]


@pytest.fixture(scope="module")
def service():
    # Throttling has tests of its own; here it would only turn the examples into 429s.
    rates = {"API_THROTTLE_USER": "100000/min", "API_THROTTLE_WRITES": "100000/min"}
    rates |= {"API_THROTTLE_ANON": "100000/min", "API_THROTTLE_LOGIN": "100000/min"}
    with live_service(**rates) as base_url:
        tokens = {name: _token(base_url, name) for name in PERSONAS}
        yield base_url, itertools.cycle(tokens.values())


@pytest.fixture(scope="module")
def api_schema(service):
    base_url, _ = service
    schema = schemathesis.openapi.from_url(f"{base_url}/api/v1/schema/?format=json")
    # Revoking the token in use would turn every later example into a 401.
    return schema.exclude(path="/api/v1/auth/token/", method="DELETE")


def _examine(operation, base_url: str, tokens) -> None:
    @given(case=operation.as_strategy())
    @settings(
        max_examples=4,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def examine(case):
        case.call_and_validate(
            base_url=base_url, headers={"Authorization": f"Token {next(tokens)}"}, checks=CHECKS
        )

    examine()


def test_every_answer_matches_the_schema_and_none_is_a_server_error(service, api_schema):
    # One test over all operations (rather than schemathesis' pytest plugin, which needs pytest < 9);
    # every operation is examined and the failures are reported together.
    base_url, tokens = service
    failures = []
    examined = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        examined += 1
        try:
            _examine(operation, base_url, tokens)
        except Exception as failure:  # each operation's failure is collected and reported together
            failures.append(f"{operation.label}:\n{failure}")
    assert examined >= 6  # the schema lists the API's operations (an empty one would pass vacuously)
    assert not failures, "\n\n".join(failures)
