"""The schema tells the truth about the task and filing endpoints: every answer they give in the scene —
success and each refusal — carries a status the schema documents and a body its schema accepts."""

from __future__ import annotations

import pytest
import requests
import schemathesis
from django.core.management import call_command
from rest_framework.test import APIClient
from schemathesis.core.transport import Response

ACT = "/api/v1/tasks/{id}/act/"


@pytest.fixture
def api_schema(db):
    return schemathesis.openapi.from_dict(APIClient().get("/api/v1/schema/?format=json").json())


class Recorder:
    """Calls the API and validates each answer against the schema of the operation it belongs to."""

    def __init__(self, api_schema):
        self.schema = api_schema
        self.statuses: dict[str, set[int]] = {}

    def __call__(self, client, method: str, template: str, ids: dict | None = None, data=None, **params):
        path = template.format(**(ids or {}))
        call = getattr(client, method.lower())
        response = call(path, data, format="json") if method == "POST" else call(path, params)
        operation = self.schema[template][method]
        assert operation.responses.find_by_status_code(response.status_code) is not None, (
            f"{method} {template} answered {response.status_code}, which the schema does not document"
        )
        operation.validate_response(_as_schemathesis(method, path, response))
        self.statuses.setdefault(f"{method} {template}", set()).add(response.status_code)
        return response


def _as_schemathesis(method: str, path: str, response) -> Response:
    return Response(
        status_code=response.status_code,
        headers={name.lower(): [value] for name, value in response.headers.items()},
        content=response.content,
        request=requests.Request(method, f"http://testserver{path}").prepare(),
        elapsed=0.0,
        verify=True,
    )


def test_every_answer_of_the_task_endpoints_matches_the_schema(scene, client_of, api_schema):
    call = Recorder(api_schema)
    anonymous, member, clerk = client_of("anonymous"), client_of("member_a"), client_of("clerk_a")
    committee, secretary, higher, outsider = (
        client_of(p) for p in ("committee_a", "secretary_a", "higher", "outsider")
    )
    t = {name: {"id": scene.task(name).pk} for name in scene.tasks}

    call(anonymous, "GET", "/api/v1/tasks/")
    call(member, "GET", "/api/v1/tasks/")
    call(committee, "GET", "/api/v1/tasks/queue/")
    call(higher, "GET", "/api/v1/tasks/queue/", kind="period.file", ordering="-created")
    call(committee, "GET", "/api/v1/tasks/queue/", kind="nothing")
    call(clerk, "GET", "/api/v1/tasks/archive/", page_size=2)
    for name in ("record_a", "review_a", "revise_a", "decide_a", "file_a"):
        call(higher, "GET", "/api/v1/tasks/{id}/", t[name])
    call(outsider, "GET", "/api/v1/tasks/{id}/", t["review_a"])

    call(committee, "POST", "/api/v1/tasks/{id}/assign/", t["review_a"])
    call(secretary, "POST", "/api/v1/tasks/{id}/assign/", t["review_a"])
    call(clerk, "POST", "/api/v1/tasks/{id}/assign/", t["review_a"])
    call(outsider, "POST", "/api/v1/tasks/{id}/assign/", t["review_a"])
    call(secretary, "POST", "/api/v1/tasks/{id}/unassign/", t["review_a"])
    call(member, "POST", "/api/v1/tasks/{id}/unassign/", t["revise_a"])
    call(committee, "POST", "/api/v1/tasks/{id}/unassign/", t["review_a"])

    call(clerk, "POST", ACT, t["record_a"], {"decision": "return"})
    call(clerk, "POST", ACT, t["record_a"], {"decision": "record", "note": "齐全"})
    call(clerk, "POST", ACT, t["record_a"], {"decision": "record"})
    call(member, "POST", ACT, t["revise_a"], {"decision": "resubmit"})
    call(committee, "POST", ACT, t["review_a"], {"decision": "archive"})
    call(higher, "POST", ACT, t["review_a"], {"decision": "approve"})
    call(committee, "POST", ACT, t["review_a"], {"decision": "approve"})
    call(committee, "POST", ACT, t["decide_a"], {"decision": "dismiss", "reason": "签到表有其签名"})
    call(higher, "POST", ACT, t["file_a"], {"decision": "archive"})
    call(anonymous, "POST", ACT, t["file_a"], {"decision": "archive"})

    ids = [t["review_b"]["id"], t["review_a"]["id"], 999_999]
    call(client_of("clerk_b"), "POST", "/api/v1/tasks/bulk-approve/", data={"task_ids": ids})
    call(committee, "POST", "/api/v1/tasks/bulk-approve/", data={"task_ids": []})

    f = {key: {"id": filing.pk} for key, filing in scene.filings.items()}
    call(higher, "GET", "/api/v1/filings/", ordering="ends_on")
    call(higher, "GET", "/api/v1/filings/", period="Q1")
    call(higher, "GET", "/api/v1/filings/{id}/", f["b"])
    call(clerk, "GET", "/api/v1/filings/{id}/", f["b"])
    call(higher, "POST", "/api/v1/filings/{id}/return/", f["b"], {})
    call(higher, "POST", "/api/v1/filings/{id}/return/", f["b"], {"reason": "排名有误"})
    call(higher, "POST", "/api/v1/filings/{id}/archive/", f["b"], {})
    call(secretary, "POST", "/api/v1/filings/{id}/archive/", f["a"], {})

    # The scene reached every status each operation is documented to answer with in practice.
    assert call.statuses == {
        "GET /api/v1/tasks/": {200, 401},
        "GET /api/v1/tasks/queue/": {200, 400},
        "GET /api/v1/tasks/archive/": {200},
        "GET /api/v1/tasks/{id}/": {200, 404},
        "POST /api/v1/tasks/{id}/assign/": {200, 403, 404, 409},
        "POST /api/v1/tasks/{id}/unassign/": {200, 403, 409},
        "POST /api/v1/tasks/{id}/act/": {200, 400, 401, 403, 409},
        "POST /api/v1/tasks/bulk-approve/": {200, 400},
        "GET /api/v1/filings/": {200, 400},
        "GET /api/v1/filings/{id}/": {200, 404},
        "POST /api/v1/filings/{id}/return/": {200, 400},
        "POST /api/v1/filings/{id}/archive/": {404, 409},
    }


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    for path in ("/api/v1/tasks/{id}/act/", "/api/v1/tasks/bulk-approve/", "/api/v1/filings/{id}/return/"):
        assert f"  {path}:" in text
