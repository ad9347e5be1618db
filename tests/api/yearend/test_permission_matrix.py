"""Who may reach the year-end endpoints: every operation × every persona × branch A's object and branch
B's → the expected status. Outside a persona's scope it is 404 — never listed, never 403 —; within it, what
is not theirs to do is 403 in the one error shape; a refused request changes nothing.

Branch A: member_a 张伟, other_member_a 王芳, clerk_a 李娜, committee_a 刘洋, secretary_a 陈静 (all members of
A, all evaluated and voting). Branch B: outsider 赵磊, clerk_b 孙丽. The higher committee sits above both
and is no member of either. The scene (``conftest.Scene``) takes both branches to the stage a test needs.
"""

from __future__ import annotations

import pytest

from tests.workflows.helpers import nothing_changes as nothing_changes_in_workflows
from tests.workflows.helpers import open_task
from tests.yearend.helpers import fire, nothing_changes
from yearend.flows import AnnualReviewFlow, EvaluationFlow
from yearend.models import AnnualResult, Ballot, FollowUp, PaperTally, SelfAssessment
from yearend.records import follow_up_open

from .conftest import PERSONAS, user_of

ENDPOINTS_COVERED = {
    ("GET", "/api/v1/evaluations/"),
    ("POST", "/api/v1/evaluations/"),
    ("GET", "/api/v1/evaluations/{id}/"),
    ("GET", "/api/v1/evaluations/{id}/self-assessment/"),
    ("PUT", "/api/v1/evaluations/{id}/self-assessment/"),
    ("GET", "/api/v1/evaluations/{id}/ballots/"),
    ("POST", "/api/v1/evaluations/{id}/ballots/"),
    ("GET", "/api/v1/evaluations/{id}/tallies/"),
    ("GET", "/api/v1/evaluations/{id}/paper-tallies/"),
    ("POST", "/api/v1/evaluations/{id}/paper-tallies/"),
    ("GET", "/api/v1/evaluations/{id}/proposals/"),
    ("POST", "/api/v1/evaluations/{id}/proposals/"),
    ("GET", "/api/v1/evaluations/{id}/results/"),
    ("GET", "/api/v1/evaluations/{id}/publicity/"),
    ("GET", "/api/v1/annual-reviews/"),
    ("POST", "/api/v1/annual-reviews/"),
    ("GET", "/api/v1/annual-reviews/{id}/"),
    ("GET", "/api/v1/annual-reviews/{id}/standings/"),
    ("GET", "/api/v1/annual-reviews/{id}/grades/"),
    ("POST", "/api/v1/annual-reviews/{id}/grades/"),
    ("GET", "/api/v1/annual-reviews/{id}/publicity/"),
    ("GET", "/api/v1/annual-results/"),
    ("GET", "/api/v1/annual-results/{id}/"),
    ("GET", "/api/v1/follow-ups/"),
    ("POST", "/api/v1/follow-ups/"),
    ("GET", "/api/v1/follow-ups/{id}/"),
    ("POST", "/api/v1/follow-ups/{id}/close/"),
    ("GET", "/api/v1/year-end/branches/{id}/carry-over/"),
    ("POST", "/api/v1/year-end/branches/{id}/carry-over/"),
    ("GET", "/api/v1/year-end/branches/{id}/honours/"),
    ("GET", "/api/v1/year-end/branches/{id}/to-follow/"),
    ("GET", "/api/v1/year-end/branches/{id}/probation/"),
    ("GET", "/api/v1/year-end/organizations/{id}/honours/"),
    ("GET", "/api/v1/year-end/organizations/{id}/to-follow/"),
    ("GET", "/api/v1/year-end/organizations/{id}/probation/"),
}

A_MEMBERS = ("member_a", "other_member_a", "clerk_a", "committee_a", "secretary_a")


def table(**rows: tuple[int, int]) -> dict[str, tuple[int, int]]:
    assert set(rows) - {"anonymous"} == set(PERSONAS) - {"anonymous"}, set(PERSONAS) ^ set(rows)
    return {**rows, "anonymous": (401, 401)}


def each_of_a(a: int, b: int) -> dict[str, tuple[int, int]]:
    return {persona: (a, b) for persona in A_MEMBERS}


# Sight of a 民主评议 / 年度总评 and what every member of it may read: the branch's members and those who work
# in it (the higher committee above both).
SIGHT = table(**each_of_a(200, 404), clerk_b=(404, 200), outsider=(404, 200), higher=(200, 200))
# The member's own part (自评, ballots): everyone of the branch takes part; the higher committee has none.
TAKING_PART = table(**each_of_a(200, 404), clerk_b=(404, 200), outsider=(404, 200), higher=(403, 403))
TAKING_PART_WRITE = {p: tuple(201 if s == 200 else s for s in r) for p, r in TAKING_PART.items()}
# The branch's officers (tallies, the paper count's record): not the members, not the higher committee.
OFFICERS = table(
    member_a=(403, 404),
    other_member_a=(403, 404),
    clerk_a=(200, 404),
    committee_a=(200, 404),
    secretary_a=(200, 404),
    clerk_b=(404, 200),
    outsider=(404, 403),
    higher=(403, 403),
)
# Entering the paper count: the clerk.
CLERK_WRITES = {**OFFICERS, "clerk_a": (201, 404), "committee_a": (403, 404), "secretary_a": (403, 404)}
CLERK_WRITES["clerk_b"] = (404, 201)
# 发起 (民主评议, 年度总评): those who work in the branch, the clerk only — the scene has started both (409).
STARTING = table(
    member_a=(404, 404),
    other_member_a=(404, 404),
    clerk_a=(409, 404),
    committee_a=(403, 404),
    secretary_a=(403, 404),
    clerk_b=(404, 409),
    outsider=(404, 404),
    higher=(403, 403),
)
# The committee's per-member steps (支委会评定, 评定等次): branch B's committee is none of the personas.
COMMITTEE_STEPS = table(
    member_a=(403, 404),
    other_member_a=(403, 404),
    clerk_a=(403, 404),
    committee_a=(200, 404),
    secretary_a=(200, 404),
    clerk_b=(404, 403),
    outsider=(404, 403),
    higher=(403, 403),
)
# The year's figures and grades: those who may view the branch's scores.
SCORES = table(**{**OFFICERS, "higher": (200, 200)})
# Branch-wide reads outside a 民主评议 or 年度总评 (carry-over, the lists): members see none of it.
BRANCH_READS = {**SCORES, "member_a": (404, 404), "other_member_a": (404, 404), "outsider": (404, 404)}
CARRY_OVER_WRITES = table(
    member_a=(404, 404),
    other_member_a=(404, 404),
    clerk_a=(201, 404),
    committee_a=(403, 404),
    secretary_a=(403, 404),
    clerk_b=(404, 201),
    outsider=(404, 404),
    higher=(201, 201),
)
# Results and follow-ups of 张伟 (A) and 赵磊 (B): their own, and the branch's for those who view scores.
RESULTS = table(**{**SCORES, "member_a": (200, 404), "other_member_a": (404, 404), "outsider": (404, 200)})
FOLLOW_UP_WRITES = table(
    member_a=(403, 404),
    other_member_a=(404, 404),
    clerk_a=(403, 404),
    committee_a=(201, 404),
    secretary_a=(201, 404),
    clerk_b=(404, 403),
    outsider=(404, 403),
    higher=(403, 403),
)
FOLLOW_UP_CLOSES = {p: tuple(200 if s == 201 else s for s in r) for p, r in FOLLOW_UP_WRITES.items()}
# Appeals against a posted result: members of the branch, their own result or another's.
APPEALS = table(**each_of_a(201, 404), clerk_b=(404, 201), outsider=(404, 201), higher=(403, 403))


def assert_status(response, expected: int, where) -> None:
    assert response.status_code == expected, (where, response.content[:300])
    if expected >= 400:
        assert set(response.json()) == {"code", "message", "fields"}, where


def sides(scene, records: str):
    return getattr(scene, records).items()


# ---------------------------------------------------------------- 民主评议, voting


@pytest.mark.parametrize("persona", PERSONAS)
def test_sessions_open_in_sight_and_their_parts_for_those_taking_part(scene, client_of, persona):
    year, client = scene("voting"), client_of(persona)
    listed = client.get("/api/v1/evaluations/")
    if persona == "anonymous":
        assert listed.status_code == 401
    else:
        ids = {row["id"] for row in listed.json()["results"]}
        for side, session in sides(year, "sessions"):
            assert (session.pk in ids) == (SIGHT[persona][side == "b"] == 200), side
    checks = {
        "": SIGHT,
        "self-assessment/": TAKING_PART,
        "ballots/": TAKING_PART,
        "tallies/": OFFICERS,
        "paper-tallies/": OFFICERS,
        "proposals/": SIGHT,
        "results/": SIGHT,
    }
    for path, expected in checks.items():
        for index, (side, session) in enumerate(sides(year, "sessions")):
            response = client.get(f"/api/v1/evaluations/{session.pk}/{path}")
            assert_status(response, expected[persona][index], (path, side))


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_those_taking_part_write_their_self_assessment_and_vote(world, scene, client_of, persona):
    year, client = scene("voting"), client_of(persona)
    me = user_of(world, persona) if persona != "anonymous" else None
    for index, (side, session) in enumerate(sides(year, "sessions")):
        url = f"/api/v1/evaluations/{session.pk}/"
        subject = {"a": world.other_member_a, "b": world.outsider}[side]
        if subject.user == me:
            subject = {"a": world.member_a, "b": world.clerk_b.member}[side]
        ballot = {"ballots": [{"member": subject.pk, "level": "合格"}]}
        expected = TAKING_PART[persona][index]
        if expected == 200:
            assert_status(
                client.put(f"{url}self-assessment/", {"text": "履职尽责"}, format="json"), 200, side
            )
            assert_status(client.post(f"{url}ballots/", ballot, format="json"), 201, side)
            assert Ballot.objects.filter(session=session, voter__user=me).count() == 1
            continue
        with nothing_changes():
            assessed = client.put(f"{url}self-assessment/", {"text": "履职尽责"}, format="json")
            voted = client.post(f"{url}ballots/", ballot, format="json")
        assert_status(assessed, expected, side)
        assert_status(voted, TAKING_PART_WRITE[persona][index], side)
    if persona in ("anonymous", "higher"):
        assert not SelfAssessment.objects.exists() and not Ballot.objects.exists()


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_paper_count_is_the_clerks_and_opening_is_the_clerks_too(world, scene, client_of, persona):
    year, client = scene("voting"), client_of(persona)
    for index, (side, session) in enumerate(sides(year, "sessions")):
        subject = {"a": world.other_member_a, "b": world.outsider}[side]
        body = {"member": subject.pk, "ballots": 2, "counts": {"优秀": 1, "合格": 1}}
        url = f"/api/v1/evaluations/{session.pk}/paper-tallies/"
        expected = CLERK_WRITES[persona][index]
        if expected == 201:
            assert_status(client.post(url, body, format="json"), 201, side)
            assert PaperTally.objects.filter(session=session).count() == 1
        else:
            with nothing_changes():
                assert_status(client.post(url, body, format="json"), expected, side)
        opening = {
            "branch": year.branches[side].pk,
            "cycle": 2026,
            "meeting_on": "2027-01-10",
            "voting_opens_at": "2027-01-10T09:00:00+08:00",
            "voting_closes_at": "2027-01-10T12:00:00+08:00",
            "mode": "online",
        }
        with nothing_changes():
            assert_status(
                client.post("/api/v1/evaluations/", opening, format="json"), STARTING[persona][index], side
            )


# ---------------------------------------------------------------- 计票 (task), 支委会评定, 公示, appeals


TALLY = table(
    member_a=(404, 404),
    other_member_a=(404, 404),
    clerk_a=(200, 404),
    committee_a=(403, 404),
    secretary_a=(403, 404),
    clerk_b=(404, 200),
    outsider=(404, 404),
    higher=(403, 403),
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_tally_task_is_the_clerks(scene, client_of, persona):
    year, client = scene("voting"), client_of(persona)
    for index, (side, session) in enumerate(sides(year, "sessions")):
        task = open_task(session.process, EvaluationFlow.tally)
        url = f"/api/v1/tasks/{task.pk}/act/"
        expected = TALLY[persona][index]
        if expected == 200:
            assert_status(client.post(url, {"decision": "finish_early"}, format="json"), 200, side)
            session.refresh_from_db()
            assert session.status == "proposing"
            continue
        with nothing_changes_in_workflows():
            assert_status(client.post(url, {"decision": "finish_early"}, format="json"), expected, side)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_committee_proposes_for_its_own_branch_only(scene, client_of, persona):
    year, client = scene("tallied"), client_of(persona)
    for index, (side, session) in enumerate(sides(year, "sessions")):
        rows = [{"member": p.member_id, "level": "合格"} for p in session.participants.filter(evaluated=True)]
        url = f"/api/v1/evaluations/{session.pk}/proposals/"
        expected = COMMITTEE_STEPS[persona][index]
        if expected == 200:
            assert_status(client.post(url, {"proposals": rows}, format="json"), 200, side)
            session.refresh_from_db()
            assert session.status == "publicity"
            continue
        with nothing_changes():
            assert_status(client.post(url, {"proposals": rows}, format="json"), expected, side)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_posted_evaluation_is_read_in_sight_and_appealed_by_the_branchs_members(
    world, scene, client_of, persona
):
    year, client = scene("posted"), client_of(persona)
    for index, (side, session) in enumerate(sides(year, "sessions")):
        board = client.get(f"/api/v1/evaluations/{session.pk}/publicity/")
        assert_status(board, SIGHT[persona][index], side)
        subject = {"a": world.other_member_a, "b": world.outsider}[side]
        body = {"evaluation": session.pk, "subject": subject.pk, "reason": "有异议"}
        expected = APPEALS[persona][index]
        if expected == 201:
            response = client.post("/api/v1/appeals/", body, format="multipart")
            assert_status(response, 201, side)
            assert client.get(f"/api/v1/appeals/{response.json()['id']}/").status_code == 200
            continue
        with nothing_changes():
            assert_status(client.post("/api/v1/appeals/", body, format="multipart"), expected, side)


# ---------------------------------------------------------------- 年度总评


@pytest.mark.parametrize("persona", PERSONAS)
def test_reviews_open_in_sight_and_their_figures_for_those_who_view_scores(scene, client_of, persona):
    year, client = scene("reviewing"), client_of(persona)
    listed = client.get("/api/v1/annual-reviews/")
    if persona != "anonymous":
        ids = {row["id"] for row in listed.json()["results"]}
        for index, (_, review) in enumerate(sides(year, "reviews")):
            assert (review.pk in ids) == (SIGHT[persona][index] == 200)
    checks = {"": SIGHT, "standings/": SCORES, "grades/": SCORES}
    for path, expected in checks.items():
        for index, (side, review) in enumerate(sides(year, "reviews")):
            response = client.get(f"/api/v1/annual-reviews/{review.pk}/{path}")
            assert_status(response, expected[persona][index], (path, side))
    for index, side in enumerate(("a", "b")):
        body = {"branch": year.branches[side].pk, "cycle": 2026}
        with nothing_changes():
            assert_status(
                client.post("/api/v1/annual-reviews/", body, format="json"), STARTING[persona][index], side
            )


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_committee_grades_its_own_branch_only(scene, client_of, persona):
    year, client = scene("reviewing"), client_of(persona)
    for index, (side, review) in enumerate(sides(year, "reviews")):
        rows = [{"member": pk, "grade": given.grade} for pk, given in year.grades(side).items()]
        url = f"/api/v1/annual-reviews/{review.pk}/grades/"
        expected = COMMITTEE_STEPS[persona][index]
        if expected == 200:
            assert_status(client.post(url, {"grades": rows}, format="json"), 200, side)
            review.refresh_from_db()
            assert review.status == "publicity"
            continue
        with nothing_changes():
            assert_status(client.post(url, {"grades": rows}, format="json"), expected, side)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_posted_grades_are_read_in_sight_and_appealed_by_the_branchs_members(
    world, scene, client_of, persona
):
    year, client = scene("graded"), client_of(persona)
    for index, (side, review) in enumerate(sides(year, "reviews")):
        assert_status(
            client.get(f"/api/v1/annual-reviews/{review.pk}/publicity/"), SIGHT[persona][index], side
        )
        subject = {"a": world.member_a, "b": world.outsider}[side]
        body = {"annual_review": review.pk, "subject": subject.pk, "reason": "等次偏低"}
        expected = APPEALS[persona][index]
        if expected == 201:
            assert_status(client.post("/api/v1/appeals/", body, format="multipart"), 201, side)
            continue
        with nothing_changes():
            assert_status(client.post("/api/v1/appeals/", body, format="multipart"), expected, side)


APPROVE = table(
    member_a=(404, 404),
    other_member_a=(404, 404),
    clerk_a=(403, 404),
    committee_a=(403, 404),
    secretary_a=(200, 404),
    clerk_b=(404, 403),
    outsider=(404, 404),
    higher=(403, 403),
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_branchs_secretary_alone_approves_its_year(scene, client_of, persona):
    year, client = scene("graded"), client_of(persona)
    fire(year.monkeypatch, 2027, 1, 21, 10)
    for index, (side, review) in enumerate(sides(year, "reviews")):
        task = open_task(review.process, AnnualReviewFlow.approve)
        url = f"/api/v1/tasks/{task.pk}/act/"
        expected = APPROVE[persona][index]
        if expected == 200:
            assert_status(client.post(url, {"decision": "approve"}, format="json"), 200, side)
            assert AnnualResult.objects.filter(review=review).exists()
            continue
        with nothing_changes_in_workflows(), nothing_changes():
            assert_status(client.post(url, {"decision": "approve"}, format="json"), expected, side)


RATIFY = table(
    member_a=(404, 404),
    other_member_a=(404, 404),
    clerk_a=(403, 404),
    committee_a=(403, 404),
    secretary_a=(403, 404),
    clerk_b=(404, 403),
    outsider=(404, 404),
    higher=(200, 200),
)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_higher_committee_alone_approves_a_branchs_grades(scene, client_of, persona):
    year, client = scene("approved"), client_of(persona)
    for index, (side, review) in enumerate(sides(year, "reviews")):
        task = open_task(review.process, AnnualReviewFlow.ratify)
        url = f"/api/v1/tasks/{task.pk}/act/"
        expected = RATIFY[persona][index]
        if expected == 200:
            assert_status(client.post(url, {"decision": "approve"}, format="json"), 200, side)
            review.refresh_from_db()
            assert review.status == "ratified"
            continue
        with nothing_changes_in_workflows():
            assert_status(client.post(url, {"decision": "approve"}, format="json"), expected, side)


# ---------------------------------------------------------------- results, follow-ups, carry-over, lists


@pytest.fixture
def approved(world, scene):
    """The year approved in both branches, with a follow-up for each branch's 不合格 (张伟, 赵磊)."""
    year = scene("approved")
    year.results = {
        "a": AnnualResult.objects.get(member=world.member_a),
        "b": AnnualResult.objects.get(member=world.outsider),
    }
    year.follow_ups = {
        side: follow_up_open(
            result=result, kind="talk", findings="全年多次无故缺席", by=year.committees[side]
        )
        for side, result in year.results.items()
    }
    return year


@pytest.mark.parametrize("persona", PERSONAS)
def test_results_and_follow_ups_are_the_members_own_and_the_branchs_for_those_who_view_scores(
    approved, client_of, persona
):
    client = client_of(persona)
    for path, records in (("annual-results", "results"), ("follow-ups", "follow_ups")):
        listed = client.get(f"/api/v1/{path}/")
        if persona != "anonymous":
            ids = {row["id"] for row in listed.json()["results"]}
            for index, (_, record) in enumerate(sides(approved, records)):
                assert (record.pk in ids) == (RESULTS[persona][index] == 200), path
        for index, (side, record) in enumerate(sides(approved, records)):
            assert_status(client.get(f"/api/v1/{path}/{record.pk}/"), RESULTS[persona][index], (path, side))


@pytest.mark.parametrize("persona", PERSONAS)
def test_follow_ups_are_opened_and_closed_by_the_committee(approved, client_of, persona):
    client = client_of(persona)
    for index, side in enumerate(("a", "b")):
        body = {
            "result": approved.results[side].pk,
            "kind": "rectify",
            "findings": "缺席",
            "deadline": "2027-06-30",
        }
        expected = FOLLOW_UP_WRITES[persona][index]
        if expected == 201:
            assert_status(client.post("/api/v1/follow-ups/", body, format="json"), 201, side)
        else:
            with nothing_changes():
                assert_status(client.post("/api/v1/follow-ups/", body, format="json"), expected, side)
        url = f"/api/v1/follow-ups/{approved.follow_ups[side].pk}/close/"
        closing = {"status": "done", "outcome": "已按时参加组织生活"}
        expected = FOLLOW_UP_CLOSES[persona][index]
        response = client.post(url, closing, format="json")
        assert_status(response, expected, side)
        status = "done" if expected == 200 else "open"
        assert FollowUp.objects.get(pk=approved.follow_ups[side].pk).status == status


@pytest.mark.parametrize("persona", PERSONAS)
def test_carry_over_and_the_lists_are_for_those_who_view_the_branchs_scores(
    world, approved, client_of, persona
):
    client = client_of(persona)
    paths = ("carry-over", "honours", "to-follow", "probation")
    for index, side in enumerate(("a", "b")):
        branch = approved.branches[side]
        for path in paths:
            response = client.get(f"/api/v1/year-end/branches/{branch.pk}/{path}/", {"cycle": 2026})
            assert_status(response, BRANCH_READS[persona][index], (path, side))
        for path in paths[1:]:
            response = client.get(f"/api/v1/year-end/organizations/{branch.pk}/{path}/", {"cycle": 2026})
            assert_status(response, BRANCH_READS[persona][index], (path, side))
        member = {"a": world.other_member_a, "b": world.outsider}[side]
        body = {"cycle": 2026, "member": member.pk, "total": "90.00", "note": "2025年考核表"}
        url = f"/api/v1/year-end/branches/{branch.pk}/carry-over/"
        expected = CARRY_OVER_WRITES[persona][index]
        if expected == 201:
            assert_status(client.post(url, body, format="json"), 201, side)
        else:
            with nothing_changes():
                assert_status(client.post(url, body, format="json"), expected, side)
    committee = world.committee.pk
    for path in paths[1:]:
        response = client.get(f"/api/v1/year-end/organizations/{committee}/{path}/", {"cycle": 2026})
        expected = {"anonymous": 401, "higher": 200}.get(persona, 404)
        assert_status(response, expected, (path, "committee"))
