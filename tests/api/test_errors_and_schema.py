"""The error shape for every status, and a schema that validates as OpenAPI."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.management import call_command
from rest_framework.test import APIClient, APIRequestFactory

from api.errors import Conflict, api_exception_handler


def test_csrf_failure_with_a_session_is_403_in_the_shape(world):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.member_a.user)
    response = client.delete("/api/v1/auth/token/")
    assert response.status_code == 403
    assert response.json() == {"code": "permission_denied", "message": "没有权限", "fields": {}}


def test_method_not_allowed_is_in_the_shape(as_user, world):
    response = as_user(world.higher).post("/api/v1/organizations/", {}, format="json")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"


def _handle(exc):
    request = APIRequestFactory().get("/api/v1/me/")
    return api_exception_handler(exc, {"request": request, "view": None})


def test_service_validation_errors_become_400_with_fields():
    response = _handle(DjangoValidationError({"points": ["分值超出上限"]}))
    assert response.status_code == 400
    assert response.data == {
        "code": "invalid",
        "message": "分值超出上限",
        "fields": {"points": ["分值超出上限"]},
    }
    several = _handle(DjangoValidationError({"points": ["分值超出上限"], "occurred_on": ["日期不在周期内"]}))
    assert several.data["message"] == "提交的数据有误" and set(several.data["fields"]) == {
        "points",
        "occurred_on",
    }
    plain = _handle(DjangoValidationError("公示期已结束"))
    assert plain.status_code == 400 and plain.data["fields"] == {"non_field_errors": ["公示期已结束"]}


def test_conflict_is_409_with_its_own_message():
    response = _handle(Conflict("该任务已被他人处理"))
    assert response.status_code == 409
    assert response.data == {"code": "conflict", "message": "该任务已被他人处理", "fields": {}}


def test_schema_endpoint_serves_valid_openapi(api, world):
    response = api.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["info"] == {
        "title": "党员积分管理 API",
        "version": "v1",
        "description": schema["info"]["description"],
    }
    for path in ("/api/v1/auth/token/", "/api/v1/me/", "/api/v1/organizations/", "/api/v1/members/{id}/"):
        assert path in schema["paths"]
    assert "tokenAuth" in schema["components"]["securitySchemes"]


def test_schema_generates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    assert (tmp_path / "schema.yaml").read_text(encoding="utf-8").startswith("openapi:")


def test_docs_use_local_static_files(api, world):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    assert "cdn" not in html.lower()


def test_swagger_ui_assets_are_served_by_the_service(client):
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        response = client.get(f"/static/drf_spectacular_sidecar/swagger-ui-dist/{asset}")
        assert response.status_code == 200, asset
