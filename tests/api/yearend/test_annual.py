"""年度总评 over the API: it starts only when the year is complete (the reasons in Chinese, 400), once (409);
the committee grades within the rules at its own resource, through its task; 审定 freezes results that the
results resource lists while they stand — a return by the higher committee takes them off until the next
审定 round — and the lists of a branch and an organization read them."""

from __future__ import annotations

from tests.factories import make_member
from tests.workflows.helpers import freeze, open_task, perform
from tests.yearend.helpers import nothing_changes
from yearend import messages
from yearend.annual import annual_review_ratify
from yearend.flows import AnnualReviewFlow
from yearend.models import AnnualResult, GradeProposal

from .test_evaluations import refused

URL = "/api/v1/annual-reviews/"


def test_a_review_starts_only_once_the_year_is_complete(world, xingji, client_of, monkeypatch):
    freeze(monkeypatch, 2026, 12, 20, 9)
    clerk = client_of("clerk_a")
    body = {"branch": world.branch_a.pk, "cycle": 2026}
    with nothing_changes():
        early = clerk.post(URL, body, format="json")
    refused(early, 400, message=messages.ANNUAL_CYCLE_NOT_ENDED % {"cycle": 2026, "last": "2026年12月31日"})
    freeze(monkeypatch, 2027, 1, 16, 9)
    with nothing_changes():
        pending = clerk.post(URL, body, format="json")
    reasons = refused(pending, 400)["fields"]["non_field_errors"]
    assert reasons[0].startswith("以下期间尚未审定") and reasons[1] == messages.ANNUAL_EVALUATION_PENDING % {
        "cycle": 2026
    }


def test_the_committee_grades_within_the_rules_and_only_while_grading(world, scene, client_of):
    year = scene("reviewing")
    review = year.reviews["a"]
    url = f"{URL}{review.pk}/grades/"
    committee = client_of("committee_a")
    chosen = year.grades("a")
    rows = [{"member": pk, "grade": given.grade} for pk, given in chosen.items()]
    unknown = [
        {**row, "grade": "良好", "reason": "支委会认为"} if row["member"] == world.member_a.pk else row
        for row in rows
    ]
    with nothing_changes():
        missing = committee.post(url, {"grades": rows[1:]}, format="json")
        not_a_grade = committee.post(url, {"grades": unknown}, format="json")
        stranger = committee.post(
            url, {"grades": [*rows, {"member": world.outsider.pk, "grade": "合格"}]}, format="json"
        )
    assert refused(missing, 400)["message"].startswith("以下党员还没有评定等次")
    assert refused(not_a_grade, 400)["message"].startswith("张伟：")
    refused(stranger, 400, message=messages.GRADE_NOT_FOR_UNGRADED % {"name": "赵磊"})
    assert committee.get(url).json()["count"] == 0
    assert committee.post(url, {"grades": rows}, format="json").status_code == 200
    grades = committee.get(url).json()["results"]
    assert {g["grade"] for g in grades} == {"合格"} and {g["proposed_by"] for g in grades} == {"刘洋"}
    with nothing_changes():
        posted = committee.post(url, {"grades": rows}, format="json")
    refused(posted, 409, "conflict", messages.ANNUAL_NOT_IN_STATUS % {"status": "公示中"})


def test_the_year_figures_show_the_suggestion_and_the_grades_set_so_far(world, scene, client_of):
    year = scene("graded")
    rows = client_of("higher").get(f"{URL}{year.reviews['a'].pk}/standings/").json()["results"]
    zhang = next(row for row in rows if row["member"]["id"] == world.member_a.pk)
    assert (zhang["suggested_grade"], zhang["grade"], zhang["grade_reason"]) == (
        "合格",
        "不合格",
        "全年多次无故缺席",
    )
    assert (zhang["base"], zhang["total"], zhang["graded"], zhang["graded_here"]) == (
        "80.00",
        "80.00",
        True,
        True,
    )


def test_results_stand_from_approval_and_a_return_takes_them_off_until_the_next_round(
    world, scene, client_of
):
    year = scene("approved")
    secretary = client_of("secretary_a")
    listed = secretary.get("/api/v1/annual-results/", {"branch": "C01-G1-A"}).json()
    assert listed["count"] == 5 and {row["round"] for row in listed["results"]} == {1}
    assert (
        secretary.get("/api/v1/annual-results/", {"grade": "不合格"}).json()["results"][0]["member"][
            "real_name"
        ]
        == "张伟"
    )
    eligible = secretary.get("/api/v1/annual-results/", {"honours_eligible": "true"}).json()["count"]
    assert (
        eligible == AnnualResult.objects.filter(review__branch=world.branch_a, honours_eligible=True).count()
    )
    higher = client_of("higher")
    assert higher.get("/api/v1/annual-results/", {"organization": "C01", "cycle": 2026}).json()["count"] == 9
    assert higher.get("/api/v1/annual-results/", {"organization": "C01-G1-B"}).json()["count"] == 4
    assert higher.get("/api/v1/annual-results/", {"organization": "NOPE"}).json()["count"] == 0
    review = year.reviews["a"]
    perform(
        open_task(review.process, AnnualReviewFlow.ratify),
        world.higher,
        lambda **kw: annual_review_ratify(review=review, approve=False, reason="张伟等次请复核", **kw),
    )
    assert secretary.get("/api/v1/annual-results/", {"branch": "C01-G1-A"}).json()["count"] == 0
    detail = secretary.get(f"{URL}{review.pk}/").json()
    assert (detail["status"], detail["returned"], detail["round"]) == ("grading", True, 1)
    assert [(d["kind"], d["reason"], d["decided_by"]) for d in detail["decisions"]] == [
        ("return", "张伟等次请复核", "higher")
    ]
    assert [t["kind"] for t in detail["open_tasks"]] == ["annual.grade"]
    regrade = [{"member": pk, "grade": g.grade} for pk, g in year.grades("a").items()]
    assert (
        client_of("committee_a")
        .post(f"{URL}{review.pk}/grades/", {"grades": regrade}, format="json")
        .status_code
        == 200
    )
    assert GradeProposal.objects.filter(review=review, member=world.member_a).count() == 2
    assert client_of("member_a").get(f"{URL}{review.pk}/").json()["open_tasks"] == []


def test_the_lists_of_a_branch_and_of_the_organization(world, xingji, scene, client_of):
    make_member(branch=world.branch_a, real_name="孙敏", username="sunmin", kind="probationary")
    year = scene("approved")
    secretary, higher = client_of("secretary_a"), client_of("higher")
    branch = f"/api/v1/year-end/branches/{world.branch_a.pk}/"
    organization = f"/api/v1/year-end/organizations/{world.committee.pk}/"
    to_follow = secretary.get(f"{branch}to-follow/", {"cycle": 2026}).json()["results"]
    assert [(row["member"]["real_name"], row["grade"], row["follow_ups"]) for row in to_follow] == [
        ("张伟", "不合格", [])
    ]
    probation = secretary.get(f"{branch}probation/", {"cycle": 2026}).json()["results"]
    assert [(row["member"]["real_name"], row["probation_outcome"]) for row in probation] == [
        ("孙敏", "按期转正")
    ]
    everyone = higher.get(f"{organization}to-follow/", {"cycle": 2026}).json()["results"]
    assert [row["member"]["real_name"] for row in everyone] == ["张伟", "赵磊"]
    assert higher.get(f"{organization}honours/", {"cycle": 2025}).json()["count"] == 0
    for bad in ({}, {"cycle": "x"}, {"cycle": 0}):
        refused(higher.get(f"{organization}honours/", bad), 400, fields=["cycle"])
    assert year.reviews["a"].status == "approved"
