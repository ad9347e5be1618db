"""The schema tells the truth about the year-end resources: drf-spectacular has nothing to warn about;
every answer they give about the scene's real objects — successes and refusals, at each stage of the year —
has a documented status and a body its schema accepts; and Schemathesis, sending generated requests
in-process as the people of both branches, finds no server error and no answer outside the schema."""

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
from tests.api.tasks.test_schema import Recorder, _as_schemathesis
from tests.workflows.helpers import open_task, perform
from tests.yearend.helpers import fire
from yearend.annual import annual_review_approve
from yearend.flows import AnnualReviewFlow
from yearend.models import AnnualResult

from .conftest import user_of
from .test_permission_matrix import ENDPOINTS_COVERED

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
PERSONAS = ("member_a", "clerk_a", "committee_a", "secretary_a", "outsider", "higher")
EVALUATION = "/api/v1/evaluations/{id}/"
REVIEW = "/api/v1/annual-reviews/{id}/"


@pytest.fixture
def api_schema(db):
    from rest_framework.test import APIClient

    return schemathesis.openapi.from_dict(APIClient().get("/api/v1/schema/?format=json").json())


def test_the_schema_validates_without_warnings(tmp_path):
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(tmp_path / "schema.yaml"))
    text = (tmp_path / "schema.yaml").read_text(encoding="utf-8")
    for method, path in ENDPOINTS_COVERED:
        assert f"  {path}:" in text, (method, path)


def test_every_answer_about_the_years_real_objects_matches_the_schema(world, scene, client_of, api_schema):
    call = Recorder(api_schema)
    year = scene("voting")
    names = ("member_a", "other_member_a", "clerk_a", "committee_a", "secretary_a", "higher", "outsider")
    member, other, clerk, committee, secretary, higher, outsider = (client_of(p) for p in names)
    anonymous = client_of("anonymous")
    s = {"id": year.sessions["a"].pk}
    call(member, "GET", "/api/v1/evaluations/", status="voting", ordering="-cycle")
    call(anonymous, "GET", "/api/v1/evaluations/")
    call(clerk, "GET", "/api/v1/evaluations/", status="nonsense")
    for client in (member, higher, outsider):
        call(client, "GET", EVALUATION, s)
    call(member, "GET", f"{EVALUATION}self-assessment/", s)
    call(higher, "GET", f"{EVALUATION}self-assessment/", s)
    put = api_schema[f"{EVALUATION}self-assessment/"]["PUT"]
    for body in ({"text": "认真学习"}, {"text": ""}):
        response = member.put(f"/api/v1/evaluations/{s['id']}/self-assessment/", body, format="json")
        put.validate_response(
            _as_schemathesis("PUT", f"/api/v1/evaluations/{s['id']}/self-assessment/", response)
        )
    ballots = {"ballots": [{"member": world.member_a.pk, "level": "合格"}]}
    call(other, "POST", f"{EVALUATION}ballots/", s, ballots)
    call(other, "POST", f"{EVALUATION}ballots/", s, ballots)
    call(other, "GET", f"{EVALUATION}ballots/", s)
    call(higher, "POST", f"{EVALUATION}ballots/", s, ballots)
    call(clerk, "GET", f"{EVALUATION}tallies/", s)
    call(member, "GET", f"{EVALUATION}tallies/", s)
    paper = {"member": world.other_member_a.pk, "ballots": 2, "counts": {"优秀": 2}}
    call(clerk, "POST", f"{EVALUATION}paper-tallies/", s, paper)
    call(clerk, "POST", f"{EVALUATION}paper-tallies/", s, {**paper, "counts": {"优秀": 3}})
    call(clerk, "GET", f"{EVALUATION}paper-tallies/", s)
    call(member, "GET", f"{EVALUATION}publicity/", s)
    opening = {"branch": world.branch_a.pk, "cycle": 2026, "meeting_on": "2027-01-10", "mode": "online"}
    opening |= {
        "voting_opens_at": "2027-01-10T09:00:00+08:00",
        "voting_closes_at": "2027-01-10T12:00:00+08:00",
    }
    call(clerk, "POST", "/api/v1/evaluations/", data=opening)
    call(committee, "POST", "/api/v1/evaluations/", data=opening)
    call(member, "POST", "/api/v1/evaluations/", data=opening)
    call(clerk, "POST", "/api/v1/evaluations/", data={**opening, "meeting_on": "2026-01-01"})

    year._tallied()
    rows = [{"member": p.member_id, "level": "合格"} for p in year.sessions["a"].participants.all()]
    call(committee, "POST", f"{EVALUATION}proposals/", s, {"proposals": rows[1:]})
    call(committee, "POST", f"{EVALUATION}proposals/", s, {"proposals": rows})
    call(committee, "POST", f"{EVALUATION}proposals/", s, {"proposals": rows})
    call(member, "GET", f"{EVALUATION}proposals/", s)
    call(member, "GET", f"{EVALUATION}publicity/", s)
    call(member, "GET", f"{EVALUATION}results/", s)
    year.sessions["a"].refresh_from_db()

    year._reviewing()
    r = {"id": year.reviews["a"].pk}
    call(member, "GET", "/api/v1/annual-reviews/")
    call(secretary, "GET", REVIEW, r)
    call(secretary, "GET", f"{REVIEW}standings/", r)
    call(member, "GET", f"{REVIEW}standings/", r)
    call(member, "GET", f"{REVIEW}publicity/", r)
    grades = [{"member": pk, "grade": g.grade} for pk, g in year.grades("a").items()]
    call(member, "POST", f"{REVIEW}grades/", r, {"grades": grades})
    call(committee, "POST", f"{REVIEW}grades/", r, {"grades": grades[1:]})
    call(committee, "POST", f"{REVIEW}grades/", r, {"grades": grades})
    call(committee, "POST", f"{REVIEW}grades/", r, {"grades": grades})
    call(committee, "GET", f"{REVIEW}grades/", r)
    call(member, "GET", f"{REVIEW}publicity/", r)
    call(clerk, "POST", "/api/v1/annual-reviews/", data={"branch": world.branch_a.pk, "cycle": 2026})
    call(clerk, "POST", "/api/v1/annual-reviews/", data={"branch": world.branch_a.pk, "cycle": 2025})

    fire(year.monkeypatch, 2027, 1, 21, 10)
    perform(
        open_task(year.reviews["a"].process, AnnualReviewFlow.approve),
        world.secretary_a,
        lambda **kw: annual_review_approve(review=year.reviews["a"], **kw),
    )
    zhang = AnnualResult.objects.get(member=world.member_a)
    call(member, "GET", "/api/v1/annual-results/")
    call(member, "GET", "/api/v1/annual-results/{id}/", {"id": zhang.pk})
    call(secretary, "GET", "/api/v1/annual-results/", grade="合格", organization="C01")
    follow = {"result": zhang.pk, "kind": "rectify", "findings": "缺席"}
    call(committee, "POST", "/api/v1/follow-ups/", data=follow)
    call(committee, "POST", "/api/v1/follow-ups/", data={**follow, "kind": "talk"})
    call(member, "POST", "/api/v1/follow-ups/", data={**follow, "kind": "talk"})
    follow_up = call(committee, "GET", "/api/v1/follow-ups/").json()["results"]
    f = {"id": follow_up[0]["id"]} if follow_up else {"id": 1}
    call(member, "GET", "/api/v1/follow-ups/{id}/", f)
    call(committee, "POST", "/api/v1/follow-ups/{id}/close/", f, {"status": "done", "outcome": "已整改"})
    call(committee, "POST", "/api/v1/follow-ups/{id}/close/", f, {"status": "done", "outcome": "已整改"})
    b = {"id": world.branch_a.pk}
    call(clerk, "GET", "/api/v1/year-end/branches/{id}/carry-over/", b, cycle=2027)
    call(clerk, "GET", "/api/v1/year-end/branches/{id}/carry-over/", b)
    body = {"cycle": 2026, "member": world.member_a.pk, "total": "90"}
    call(clerk, "POST", "/api/v1/year-end/branches/{id}/carry-over/", b, body)
    call(clerk, "POST", "/api/v1/year-end/branches/{id}/carry-over/", b, body)
    call(committee, "POST", "/api/v1/year-end/branches/{id}/carry-over/", b, body)
    for kind in ("honours", "to-follow", "probation"):
        call(secretary, "GET", f"/api/v1/year-end/branches/{{id}}/{kind}/", b, cycle=2026)
        call(
            higher,
            "GET",
            f"/api/v1/year-end/organizations/{{id}}/{kind}/",
            {"id": world.committee.pk},
            cycle=2026,
        )
        call(
            member,
            "GET",
            f"/api/v1/year-end/organizations/{{id}}/{kind}/",
            {"id": world.committee.pk},
            cycle=2026,
        )
    assert {200, 201, 400, 401, 403, 404, 409} <= set().union(*call.statuses.values())


def _area(operation) -> bool:
    return (operation.method.upper(), operation.path) in ENDPOINTS_COVERED


def test_schemathesis_finds_no_server_error_in_the_year_end(world, scene, in_process_app):  # noqa: F811
    scene("approved")
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
            max_examples=5,
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
