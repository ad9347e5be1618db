"""periods/ (the 周期 page's rows), periods/start/ (发起公示 through period_start) and the 审定 preview."""

from __future__ import annotations

import pytest

from accounts.models import Member
from tests.workflows.helpers import freeze, nothing_changes, photo
from workflows import messages
from workflows.claims import claim_submit
from workflows.models import PeriodReview, ReviewSettings

START = "/api/v1/periods/start/"


def user_of(world, persona):
    user = getattr(world, persona)
    return user.user if isinstance(user, Member) else user


@pytest.fixture
def april(claims_q1, monkeypatch):
    """2 April 2026: the first quarter has ended, its claims are all decided."""
    return freeze(monkeypatch, 2026, 4, 2, 9)


def test_the_periods_list_is_the_period_page_of_each_branch_i_follow(as_user, world, april):
    body = as_user(world.clerk_a).get("/api/v1/periods/").json()
    assert body["count"] == 1
    [branch] = body["results"]
    assert branch["branch"]["code"] == "C01-G1-A" and branch["period_kind"] == "quarter"
    assert branch["may_start"] is True and branch["may_record"] is True
    rows = {row["period"]: row for row in branch["periods"]}
    assert (
        list(rows) == ["2026-Q2", "2026-Q1", "2025-Q4", "2025-Q3", "2025-Q2", "2025-Q1"] or "2026-Q1" in rows
    )
    q1 = rows["2026-Q1"]
    assert q1 == {
        "period": "2026-Q1",
        "period_label": "2026年度第1季度",
        "starts_on": "2026-01-01",
        "ends_on": "2026-03-31",
        "ended": True,
        "can_start": True,
        "open_claims": 0,
        "review": None,
    }
    assert rows["2026-Q2"]["ended"] is False and rows["2026-Q2"]["can_start"] is False


@pytest.mark.parametrize(
    ("persona", "codes", "may_start"),
    [
        ("clerk_a", {"C01-G1-A"}, True),
        ("secretary_a", {"C01-G1-A"}, False),
        ("committee_a", {"C01-G1-A"}, False),
        ("clerk_b", {"C01-G1-B"}, True),
        ("higher", {"C01-G1-A", "C01-G1-B"}, False),
        ("member_a", set(), None),
        ("outsider", set(), None),
    ],
)
def test_the_periods_list_holds_only_branches_the_caller_follows(
    as_user, world, april, persona, codes, may_start
):
    body = as_user(user_of(world, persona)).get("/api/v1/periods/").json()
    assert {b["branch"]["code"] for b in body["results"]} == codes
    assert {b["may_start"] for b in body["results"]} <= {may_start}


def test_the_periods_list_filters_by_branch_code(as_user, world, april):
    body = as_user(world.higher).get("/api/v1/periods/?branch=C01-G1-B").json()
    assert [b["branch"]["code"] for b in body["results"]] == ["C01-G1-B"]


def test_the_clerk_starts_the_publicity_of_an_ended_quarter(as_user, world, april):
    response = as_user(world.clerk_a).post(
        START, {"branch": world.branch_a.pk, "period": "2026-Q1"}, format="json"
    )
    assert response.status_code == 201, response.content
    review = PeriodReview.objects.get()
    body = response.json()
    assert body["id"] == review.pk and body["period"] == "2026-Q1" and body["status"] == "publicity"
    assert body["branch"]["code"] == "C01-G1-A" and body["started_by"] == "lina"
    assert body["window"]["opens_at"].startswith("2026-04-02T09:00")
    assert body["window"]["closes_at"].startswith("2026-04-07T09:00")
    assert review.process is not None and review.started_by == world.clerk_a

    listed = as_user(world.clerk_a).get("/api/v1/periods/").json()["results"][0]["periods"]
    q1 = next(row for row in listed if row["period"] == "2026-Q1")
    assert q1["can_start"] is False and q1["review"]["id"] == review.pk


def test_starting_twice_is_409_with_the_reason(as_user, world, april):
    client = as_user(world.clerk_a)
    assert (
        client.post(START, {"branch": world.branch_a.pk, "period": "2026-Q1"}, format="json").status_code
        == 201
    )
    with nothing_changes():
        response = client.post(START, {"branch": world.branch_a.pk, "period": "2026-Q1"}, format="json")
    assert response.status_code == 409
    assert response.json() == {
        "code": "started",
        "message": messages.PERIOD_EXISTS % {"branch": "第一党支部", "period": "2026年度第1季度"},
        "fields": {},
    }


def test_a_period_not_yet_ended_is_400_and_nothing_starts(as_user, world, april):
    client = as_user(world.clerk_a)
    with nothing_changes():
        response = client.post(START, {"branch": world.branch_a.pk, "period": "2026-Q2"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"] == {
        "non_field_errors": [messages.PERIOD_NOT_ENDED % {"period": "2026年度第2季度"}]
    }


def test_open_claims_keep_the_period_from_starting(as_user, world, rules_2026, monkeypatch):
    import datetime

    freeze(monkeypatch, 2026, 3, 20, 10)
    claim_submit(
        member=world.member_a,
        item_code="innovative-activity",
        occurred_on=datetime.date(2026, 3, 10),
        evidence=[photo()],
        by=world.member_a.user,
    )
    freeze(monkeypatch, 2026, 4, 2, 9)
    client = as_user(world.clerk_a)
    with nothing_changes():
        response = client.post(START, {"branch": world.branch_a.pk, "period": "2026-Q1"}, format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["non_field_errors"] == [messages.OPEN_CLAIMS_LEFT % {"count": 1}]


@pytest.mark.parametrize(
    ("period", "message_part"),
    [
        ("2026-Q9", "周期代码“2026-Q9”无效"),
        ("2026-M03", "按季度审定"),
        ("2026-H1", "按季度审定"),
        ("", "该字段不能为空"),
    ],
)
def test_a_bad_or_foreign_period_is_400(as_user, world, april, period, message_part):
    client = as_user(world.clerk_a)
    with nothing_changes():
        response = client.post(START, {"branch": world.branch_a.pk, "period": period}, format="json")
    assert response.status_code == 400
    assert message_part in str(response.json()["fields"]["period"])


def test_a_monthly_branch_starts_months(as_user, world, april):
    ReviewSettings.objects.create(organization=world.branch_a, period_kind="month")
    client = as_user(world.clerk_a)
    response = client.post(START, {"branch": world.branch_a.pk, "period": "2026-Q1"}, format="json")
    assert response.status_code == 400 and "按月度审定" in response.json()["message"]
    response = client.post(START, {"branch": world.branch_a.pk, "period": "2026-M03"}, format="json")
    assert response.status_code == 201 and response.json()["period"] == "2026-M03"


@pytest.mark.parametrize(
    ("persona", "branch", "expected"),
    [
        ("clerk_b", "branch_a", 404),
        ("member_a", "branch_a", 404),
        ("outsider", "branch_a", 404),
        ("secretary_a", "branch_a", 403),
        ("committee_a", "branch_a", 403),
        ("higher", "branch_a", 403),
        ("clerk_a", "branch_b", 404),
    ],
)
def test_only_the_clerk_of_the_branch_starts_it(as_user, world, april, persona, branch, expected):
    client = as_user(user_of(world, persona))
    with nothing_changes():
        response = client.post(
            START, {"branch": getattr(world, branch).pk, "period": "2026-Q1"}, format="json"
        )
    assert response.status_code == expected


def test_anonymous_cannot_start(api, world, april):
    response = api.post(START, {"branch": world.branch_a.pk, "period": "2026-Q1"}, format="json")
    assert response.status_code == 401


# --- 审定 preview -------------------------------------------------------------------------------


def test_the_preview_is_what_the_approval_page_shows(as_user, world, april):
    from tests.workflows.helpers import Q1
    from workflows.periods import period_scores, period_start, preview_rows

    review = period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
    body = as_user(world.secretary_a).get(f"/api/v1/periods/reviews/{review.pk}/preview/").json()
    assert body["review"]["id"] == review.pk and body["review"]["status"] == "publicity"
    expected = preview_rows(period_scores(review))
    assert [(r["name"], r["period_total"], r["period_rank"]) for r in body["rows"]] == [
        (r["name"], f"{r['period_total']:.2f}", r["period_rank"]) for r in expected
    ]
    assert body["rows"][0]["name"] == "王芳" and body["rows"][0]["member_type"] == "正式党员"
    assert isinstance(body["attention"], list)


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        ("secretary_a", 200),
        ("committee_a", 200),
        ("clerk_a", 200),
        ("higher", 200),
        ("clerk_b", 404),
        ("member_a", 404),
    ],
)
def test_the_preview_is_for_those_who_view_the_branchs_scores(as_user, world, april, persona, expected):
    from tests.workflows.helpers import Q1
    from workflows.periods import period_start

    review = period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
    response = as_user(user_of(world, persona)).get(f"/api/v1/periods/reviews/{review.pk}/preview/")
    assert response.status_code == expected
