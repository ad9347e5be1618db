"""What follows from the year and what it starts from, over the API: a follow-up only for a member graded
lowest or flagged, 限期改正 with a deadline, a result recorded once (409 after); last year's figure entered
once (409 after) for a member without an approved year — and the appeals of both kinds in one list."""

from __future__ import annotations

import pytest

from tests.yearend.helpers import nothing_changes
from workflows import messages as workflow_messages
from yearend import messages
from yearend.models import AnnualResult, CarryOverFigure, FollowUp

from .test_evaluations import refused


@pytest.fixture
def approved(scene):
    return scene("approved")


def test_a_follow_up_is_for_a_member_graded_lowest_and_is_closed_once(world, approved, client_of):
    committee = client_of("committee_a")
    zhang = AnnualResult.objects.get(member=world.member_a)
    wang = AnnualResult.objects.get(member=world.other_member_a)
    with nothing_changes():
        not_needed = committee.post(
            "/api/v1/follow-ups/", {"result": wang.pk, "kind": "talk", "findings": "无"}, format="json"
        )
        no_deadline = committee.post(
            "/api/v1/follow-ups/", {"result": zhang.pk, "kind": "rectify", "findings": "缺席"}, format="json"
        )
        past = committee.post(
            "/api/v1/follow-ups/",
            {"result": zhang.pk, "kind": "rectify", "findings": "缺席", "deadline": "2026-12-31"},
            format="json",
        )
    refused(not_needed, 400, message=messages.FOLLOW_UP_NOT_NEEDED % {"name": "王芳", "grade": "合格"})
    refused(no_deadline, 400, fields=["deadline"], message=messages.FOLLOW_UP_DEADLINE_REQUIRED)
    refused(past, 400, fields=["deadline"], message=messages.FOLLOW_UP_DEADLINE_PAST)
    body = {"result": zhang.pk, "kind": "rectify", "findings": "两次无故缺席", "deadline": "2027-06-30"}
    opened = committee.post("/api/v1/follow-ups/", body, format="json").json()
    assert (opened["member"]["real_name"], opened["grade"], opened["status"], opened["contact"]) == (
        "张伟",
        "不合格",
        "open",
        "刘洋",
    )
    assert client_of("member_a").get("/api/v1/follow-ups/").json()["results"][0]["id"] == opened["id"]
    assert committee.get("/api/v1/follow-ups/", {"overdue": "true"}).json()["count"] == 0
    url = f"/api/v1/follow-ups/{opened['id']}/close/"
    refused(committee.post(url, {"status": "open", "outcome": "x"}, format="json"), 400, fields=["status"])
    closed = committee.post(url, {"status": "done", "outcome": "已按时参加组织生活"}, format="json").json()
    assert (closed["status"], closed["closed_by"]) == ("done", "刘洋")
    with nothing_changes():
        again = committee.post(url, {"status": "not_done", "outcome": "x"}, format="json")
    refused(again, 409, "closed", messages.FOLLOW_UP_CLOSED)
    listed = client_of("secretary_a").get(
        f"/api/v1/year-end/branches/{world.branch_a.pk}/to-follow/", {"cycle": 2026}
    )
    assert [f["status"] for f in listed.json()["results"][0]["follow_ups"]] == ["done"]
    assert FollowUp.objects.get().outcome == "已按时参加组织生活"


def test_last_years_figure_is_entered_once_for_the_carry_over(world, approved, client_of):
    clerk = client_of("clerk_a")
    url = f"/api/v1/year-end/branches/{world.branch_a.pk}/carry-over/"
    rows = {r["member"]["real_name"]: r for r in clerk.get(url, {"cycle": 2027}).json()["results"]}
    assert (rows["张伟"]["last_cycle"], rows["张伟"]["total"], rows["张伟"]["source"]) == (
        2026,
        "80.00",
        "2026年度总评",
    )
    assert rows["王芳"]["source"] == "2026年度总评"
    before = {r["member"]["real_name"]: r for r in clerk.get(url, {"cycle": 2026}).json()["results"]}
    assert (before["王芳"]["total"], before["王芳"]["source"]) == (None, "")
    body = {"cycle": 2026, "member": world.other_member_a.pk, "total": "88.50", "note": "2025年考核表"}
    entered = clerk.post(url, body, format="json").json()
    assert (entered["last_cycle"], entered["total"], entered["source"]) == (
        2025,
        "88.50",
        "导入：2025年考核表",
    )
    with nothing_changes():
        again = clerk.post(url, body, format="json")
        negative = clerk.post(url, {**body, "member": world.member_a.pk, "total": "-1"}, format="json")
        outsider = clerk.post(url, {**body, "member": world.outsider.pk}, format="json")
    refused(again, 409, "exists", messages.CARRY_OVER_EXISTS % {"name": "王芳", "cycle": 2025})
    refused(negative, 400, fields=["total"], message=messages.CARRY_OVER_NEGATIVE)
    refused(outsider, 404)
    assert CarryOverFigure.objects.count() == 1


def test_appeals_of_both_kinds_in_one_list_and_the_rules_of_filing_one(world, scene, client_of, monkeypatch):
    from tests.workflows.helpers import freeze

    year = scene("graded")
    zhang, wang = client_of("member_a"), client_of("other_member_a")
    review = year.reviews["a"]
    body = {"annual_review": review.pk, "subject": world.member_a.pk, "reason": "等次偏低"}
    filed = zhang.post("/api/v1/appeals/", body, format="multipart")
    assert filed.status_code == 201, filed.content
    appeal = filed.json()
    assert (appeal["kind"], appeal["subject"]["real_name"], appeal["corrected_result"]) == (
        "annual",
        "张伟",
        "",
    )
    assert appeal["year_end"] == {
        "kind": "annual",
        "id": review.pk,
        "label": "2026年度总评",
        "branch": {"id": world.branch_a.pk, "code": "C01-G1-A", "name": "第一党支部"},
        "opens_at": "2027-01-16T09:00:00+08:00",
        "closes_at": "2027-01-21T09:00:00+08:00",
    }
    with nothing_changes():
        duplicate = zhang.post("/api/v1/appeals/", body, format="multipart")
        stranger = zhang.post("/api/v1/appeals/", {**body, "subject": world.outsider.pk}, format="multipart")
        two_targets = zhang.post(
            "/api/v1/appeals/", {**body, "evaluation": year.sessions["a"].pk}, format="multipart"
        )
        no_subject = zhang.post(
            "/api/v1/appeals/", {"annual_review": review.pk, "reason": "有异议"}, format="multipart"
        )
        other_branch = zhang.post(
            "/api/v1/appeals/",
            {"annual_review": year.reviews["b"].pk, "subject": world.outsider.pk, "reason": "x"},
            format="multipart",
        )
    refused(duplicate, 409, "pending", messages.APPEAL_DUPLICATE)
    refused(stranger, 400, fields=["subject"])
    refused(two_targets, 400, fields=["annual_review"])
    refused(no_subject, 400, fields=["subject"])
    refused(other_branch, 404)
    evaluation = {"evaluation": year.sessions["a"].pk, "subject": world.member_a.pk, "reason": "评议偏低"}
    freeze(monkeypatch, 2027, 1, 16, 10)  # the 民主评议's 公示 closed on the 15th
    with nothing_changes():
        late = wang.post("/api/v1/appeals/", evaluation, format="multipart")
    refused(late, 409, "window_closed", workflow_messages.WINDOW_CLOSED % {"closes": "2027年1月15日 12:30"})
    secretary = client_of("secretary_a")
    kinds = {row["kind"] for row in secretary.get("/api/v1/appeals/").json()["results"]}
    assert kinds == {"annual"}
    assert secretary.get("/api/v1/appeals/", {"kind": "entry"}).json()["count"] == 0
    assert secretary.get("/api/v1/appeals/", {"annual_review": review.pk}).json()["count"] == 1
    assert secretary.get("/api/v1/appeals/", {"subject": world.member_a.pk}).json()["count"] == 1
    assert wang.get("/api/v1/appeals/").json()["count"] == 0  # someone else's appeal
    board = wang.get(f"/api/v1/annual-reviews/{review.pk}/publicity/").json()
    assert board["open_appeals"] == 1
