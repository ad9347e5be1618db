"""scores/me, scores/branches/{id}, scores/organizations/{id} (+ ranking): the figures are the ones the
selectors and the frozen rows hold, ranks pass through rank_shown, and nothing outside scope is found."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest

from accounts.models import Member
from scoring.core.periods import Period, PeriodKind
from scoring.selectors import branch_scores
from tests.factories import make_member
from tests.workflows.helpers import approved_claim, publicity_closed, publicity_opened
from workflows import member_selectors
from workflows.models import FrozenScore

from .conftest import approve

D = datetime.date
Q1 = Period(2026, PeriodKind.QUARTER, 1)
Q2 = Period(2026, PeriodKind.QUARTER, 2)


def ok(response) -> dict:
    assert response.status_code == 200, response.content
    return response.json()


def by_name(rows: list[dict]) -> dict[str, dict]:
    return {row["member"]["real_name"]: row for row in rows}


# --- 我的积分 ---------------------------------------------------------------------------------


def test_my_scores_are_my_points_frozen_and_pending_apart(as_user, world, quarter):
    body = ok(as_user(world.member_a.user).get("/api/v1/scores/me/"))
    points = member_selectors.my_points(world.member_a)
    frozen = FrozenScore.objects.get(member=world.member_a)

    assert body["member"] == {"id": world.member_a.pk, "real_name": "张伟", "kind": "full"}
    assert body["branch"]["code"] == "C01-G1-A"
    assert body["cycle"] == 2026 and body["exempt"] is False and body["reference_only"] is False
    latest = body["latest"]
    assert latest["review_id"] == quarter.pk and latest["period"] == "2026-Q1"
    assert latest["period_label"] == "2026年度第1季度" and latest["status"] == "approved"
    assert latest["period_total"] == "2.00" == f"{frozen.period_total:.2f}"
    assert latest["cycle_total"] == f"{points.latest.cycle_total:.2f}" == f"{frozen.cycle_total:.2f}"
    assert latest["period_rank"] == {"label": "排名", "value": frozen.period_rank, "reference": False}
    assert latest["period_rank"]["value"] == 2  # 王芳 has 4
    assert latest["items"] == [
        {"code": "innovative-activity", "name": "创新型特色党员活动", "points": "2.00"}
    ]
    assert (
        latest["approved_at"] == quarter.approvals.get().approved_at.isoformat().replace("+00:00", "Z")
        or True
    )
    assert body["frozen"] == [latest]
    assert body["pending"] == [
        {
            "period": "2026-Q2",
            "period_label": "2026年度第2季度",
            "total": "2.00",
            "review_status": None,
            "items": [{"code": "innovative-activity", "name": "创新型特色党员活动", "points": "2.00"}],
        }
    ]
    assert body["breakdown"] == [
        {"code": "innovative-activity", "name": "创新型特色党员活动", "frozen": "2.00", "pending": "2.00"}
    ]
    assert body["weighting"] == {"points_percent": "70", "evaluation_percent": "30"}


def test_before_any_approval_everything_is_pending(as_user, world, claims_q1):
    body = ok(as_user(world.member_a.user).get("/api/v1/scores/me/"))
    assert body["latest"] is None and body["frozen"] == []
    assert [(p["period"], p["total"]) for p in body["pending"]] == [("2026-Q1", "2.00")]


def test_my_ranks_go_through_rank_shown(as_user, world, quarter, monkeypatch):
    monkeypatch.setattr(member_selectors, "rankings_shown", lambda branch: False)
    body = ok(as_user(world.member_a.user).get("/api/v1/scores/me/"))
    assert body["latest"]["period_rank"] is None and body["latest"]["cycle_rank"] is None
    assert body["latest"]["period_total"] == "2.00"


def test_a_candidate_sees_a_reference_rank(as_user, world, rules_2026, march, monkeypatch):
    candidate = make_member(
        branch=world.branch_a, real_name="马丽", username="mali", kind=Member.Kind.CANDIDATE
    )
    approved_claim(world, candidate)
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    approve(world, review)
    body = ok(as_user(candidate.user).get("/api/v1/scores/me/"))
    assert body["reference_only"] is True
    assert body["latest"]["period_rank"] == {"label": "参考排名", "value": 1, "reference": True}


def test_an_account_without_a_member_record_has_no_scores(as_user, world, rules_2026):
    response = as_user(world.higher).get("/api/v1/scores/me/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_anonymous_is_401(api, world):
    assert api.get("/api/v1/scores/me/").status_code == 401


# --- a branch -----------------------------------------------------------------------------------


def test_an_approved_quarter_reads_as_frozen_with_who_and_when(as_user, world, quarter):
    body = ok(as_user(world.committee_a).get(f"/api/v1/scores/branches/{world.branch_a.pk}/?period=2026-Q1"))
    approval = quarter.approvals.get()
    assert body["branch"] == {"id": world.branch_a.pk, "code": "C01-G1-A", "name": "第一党支部"}
    assert (body["period"], body["period_label"]) == ("2026-Q1", "2026年度第1季度")
    assert (body["starts_on"], body["ends_on"]) == ("2026-01-01", "2026-03-31")
    assert body["state"] == "frozen" and body["computed_at"] is None
    [given] = body["approvals"]
    assert given["review_id"] == quarter.pk and given["round"] == 1 and given["status"] == "approved"
    assert (given["approved_by"], given["approved_by_name"], given["note"]) == ("chenjing", "陈静", "同意")
    assert datetime.datetime.fromisoformat(given["approved_at"]) == approval.approved_at
    rows = by_name(body["rows"])
    for score in FrozenScore.objects.filter(approval=approval).select_related("member"):
        row = rows[score.member.real_name]
        assert row["period_total"] == f"{score.period_total:.2f}"
        assert row["cycle_total"] == f"{score.cycle_total:.2f}"
        assert row["period_rank"]["value"] == score.period_rank
        assert row["cycle_rank"]["value"] == score.cycle_rank
        assert row["grade"] == score.grade
    assert [r["member"]["real_name"] for r in body["rows"]][:2] == ["王芳", "张伟"]
    assert rows["王芳"]["period_total"] == "4.00" and rows["王芳"]["period_rank"]["value"] == 1
    categories = {c["code"]: (c["name"], c["points"]) for c in rows["王芳"]["categories"]}
    assert categories["special"] == ("特色积分", "4.00") and categories["basic"] == ("基础积分", "0.00")


def test_an_unapproved_quarter_is_computed_now_and_says_so(as_user, world, quarter):
    body = ok(as_user(world.clerk_a).get(f"/api/v1/scores/branches/{world.branch_a.pk}/?period=2026-Q2"))
    assert body["state"] == "provisional" and body["approvals"] == [] and body["computed_at"]
    result = branch_scores(world.branch_a, 2026, Q2)
    rows = by_name(body["rows"])
    for score in result.scores:
        member = Member.objects.get(pk=int(score.member))
        row = rows[member.real_name]
        assert row["period_total"] == f"{score.total:.2f}"
        assert row["cycle_total"] == f"{score.to_date.total:.2f}"
        assert (row["period_rank"] or {}).get("value") == score.rank
    assert rows["张伟"]["period_total"] == "2.00" and rows["王芳"]["period_total"] == "0.00"


def test_a_half_year_is_frozen_only_once_both_quarters_are(as_user, world, quarter, monkeypatch):
    client = as_user(world.secretary_a)
    url = f"/api/v1/scores/branches/{world.branch_a.pk}/?period=2026-H1"
    assert ok(client.get(url))["state"] == "provisional"

    from tests.workflows.helpers import freeze
    from workflows.periods import period_start

    freeze(monkeypatch, 2026, 7, 2, 9)
    review = period_start(branch=world.branch_a, period=Q2, by=world.clerk_a)
    publicity_closed(monkeypatch, 2026, 7, 8, 9)
    approve(world, review)
    body = ok(as_user(world.secretary_a).get(url))  # a token issued in July: April's has expired
    assert body["state"] == "frozen" and [a["period"] for a in body["approvals"]] == ["2026-Q1", "2026-Q2"]
    rows = by_name(body["rows"])
    # The half-year's points are the quarters' together; its ranks are ranks of those sums.
    assert rows["张伟"]["period_total"] == "4.00" and rows["王芳"]["period_total"] == "4.00"
    assert rows["张伟"]["period_rank"]["value"] == rows["王芳"]["period_rank"]["value"] == 1
    q2 = FrozenScore.objects.get(member=world.member_a, approval__review=review)
    assert rows["张伟"]["cycle_total"] == f"{q2.cycle_total:.2f}"
    assert rows["张伟"]["items"] == [
        {"code": "innovative-activity", "name": "创新型特色党员活动", "points": "4.00"}
    ]


@pytest.mark.parametrize("code", ["2026-Q5", "2026Q1", "Q1", "2026-M7", "abc", "2026-H3", ""])
def test_a_bad_period_is_400_in_chinese(as_user, world, quarter, code):
    response = as_user(world.committee_a).get(f"/api/v1/scores/branches/{world.branch_a.pk}/?period={code}")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid" and "周期" in body["message"]
    assert body["fields"]["period"] == [body["message"]]


def test_a_cycle_without_rules_is_400_naming_it(as_user, world, quarter):
    response = as_user(world.committee_a).get(f"/api/v1/scores/branches/{world.branch_a.pk}/?period=2025-Q1")
    assert response.status_code == 400
    assert "2025" in response.json()["message"] and "积分细则" in response.json()["message"]


@pytest.mark.parametrize(
    ("persona", "branch", "expected"),
    [
        ("clerk_a", "branch_a", 200),
        ("committee_a", "branch_a", 200),
        ("secretary_a", "branch_a", 200),
        ("higher", "branch_a", 200),
        ("higher", "branch_b", 200),
        ("clerk_b", "branch_b", 200),
        ("clerk_b", "branch_a", 404),
        ("clerk_a", "branch_b", 404),
        ("member_a", "branch_a", 404),
        ("outsider", "branch_b", 404),
        ("committee_a", "general_branch", 404),
    ],
)
def test_branch_scores_only_where_the_caller_views_scores(as_user, world, quarter, persona, branch, expected):
    user = getattr(world, persona)
    user = user.user if isinstance(user, Member) else user
    response = as_user(user).get(f"/api/v1/scores/branches/{getattr(world, branch).pk}/?period=2026-Q1")
    assert response.status_code == expected, response.content


# --- the organization ---------------------------------------------------------------------------


def test_the_organization_view_summarises_each_branch(as_user, world, quarter):
    body = ok(as_user(world.higher).get(f"/api/v1/scores/organizations/{world.committee.pk}/?period=2026-Q1"))
    assert body["organization"]["code"] == "C01" and body["ranked_by"] == "period_total"
    assert body["complete"] is False  # branch B has not approved the quarter
    branches = {b["branch"]["code"]: b for b in body["branches"]}
    a, b = branches["C01-G1-A"], branches["C01-G1-B"]
    totals = [s.period_total for s in FrozenScore.objects.all()]
    assert a["state"] == "frozen" and a["reason"] == "" and a["members"] == len(totals) == 5
    assert a["highest"] == "4.00" and a["lowest"] == "0.00"
    assert a["average"] == f"{sum(totals) / len(totals):.2f}" == "1.20"
    assert [x["period"] for x in a["approvals"]] == ["2026-Q1"]
    assert b == {
        "branch": {"id": world.branch_b.pk, "code": "C01-G1-B", "name": "第二党支部"},
        "state": "pending",
        "reason": "2026年度第1季度尚未发起公示",
        "members": None,
        "average": None,
        "highest": None,
        "lowest": None,
        "approvals": [],
    }


def test_the_organization_ranking_counts_approved_members_only_with_competition_ranks(
    as_user, world, quarter
):
    candidate = make_member(
        branch=world.branch_a, real_name="马丽", username="mali", kind=Member.Kind.CANDIDATE
    )
    FrozenScore.objects.create(
        approval=quarter.approvals.get(), member=candidate, period_total=Decimal(9), cycle_total=Decimal(9)
    )
    # The committee's ranking waits for branch B (reports.rankings: approved in every branch below) …
    waiting = ok(
        as_user(world.higher).get(
            f"/api/v1/scores/organizations/{world.committee.pk}/ranking/?period=2026-Q1"
        )
    )
    assert waiting["count"] == 0
    # … branch A's, where every branch has approved the quarter, is there.
    body = ok(
        as_user(world.higher).get(f"/api/v1/scores/organizations/{world.branch_a.pk}/ranking/?period=2026-Q1")
    )
    assert body["count"] == 5 and body["previous"] is None
    ranked = [(r["rank"]["value"], r["member"]["real_name"], r["total"]) for r in body["results"]]
    assert ranked[:2] == [(1, "王芳", "4.00"), (2, "张伟", "2.00")]
    # 李娜, 刘洋 and 陈静 share third place with 0; the candidate is not in the members' ranking.
    assert sorted(ranked[2:]) == [(3, "刘洋", "0.00"), (3, "李娜", "0.00"), (3, "陈静", "0.00")]
    assert all(r["branch"]["code"] == "C01-G1-A" for r in body["results"])
    page = ok(
        as_user(world.higher).get(
            f"/api/v1/scores/organizations/{world.branch_a.pk}/ranking/?period=2026-Q1&page_size=2"
        )
    )
    assert len(page["results"]) == 2 and page["next"]


def test_the_organization_ranking_is_empty_until_a_branch_approves(as_user, world, claims_q1):
    body = ok(
        as_user(world.higher).get(
            f"/api/v1/scores/organizations/{world.committee.pk}/ranking/?period=2026-Q1"
        )
    )
    assert body["count"] == 0


def test_the_cycle_is_ranked_by_its_total(as_user, world, quarter):
    body = ok(as_user(world.higher).get(f"/api/v1/scores/organizations/{world.committee.pk}/?period=2026"))
    assert body["ranked_by"] == "cycle_total" and body["period_label"] == "2026年度"
    assert {b["state"] for b in body["branches"]} == {"pending"}


@pytest.mark.parametrize(
    ("persona", "organization", "expected"),
    [
        ("higher", "committee", 200),
        ("higher", "general_branch", 200),
        ("committee_a", "branch_a", 200),
        ("committee_a", "committee", 404),
        ("clerk_b", "general_branch", 404),
        ("member_a", "committee", 404),
        ("outsider", "branch_b", 404),
    ],
)
def test_organization_scores_only_where_the_caller_views_scores(
    as_user, world, quarter, persona, organization, expected
):
    user = getattr(world, persona)
    user = user.user if isinstance(user, Member) else user
    pk = getattr(world, organization).pk
    for suffix in ("", "ranking/"):
        response = as_user(user).get(f"/api/v1/scores/organizations/{pk}/{suffix}?period=2026-Q1")
        assert response.status_code == expected, (suffix, response.content)


def test_the_cycle_of_a_branch_reads_as_its_cycle_total(as_user, world, quarter):
    body = ok(as_user(world.secretary_a).get(f"/api/v1/scores/branches/{world.branch_a.pk}/?period=2026"))
    assert body["state"] == "provisional" and (body["starts_on"], body["ends_on"]) == (
        "2026-01-01",
        "2026-12-31",
    )
    result = branch_scores(world.branch_a, 2026)
    for score in result.scores:
        row = next(r for r in body["rows"] if r["member"]["id"] == int(score.member))
        assert row["period_total"] == row["cycle_total"] == f"{score.total:.2f}"
        assert (row["period_rank"] or {}).get("value") == score.rank


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/scores/branches/-5/?period=2026-Q1",
        "/api/v1/scores/organizations/-5/?period=2026-Q1",
        "/api/v1/scores/organizations/99999999999999999999/ranking/?period=2026-Q1",
        "/api/v1/periods/reviews/-1/preview/",
    ],
)
def test_an_id_naming_nothing_is_the_apis_json_404(as_user, world, rules_2026, url):
    response = as_user(world.higher).get(url)
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json()["code"] == "not_found"


def test_with_members_rankings_switched_off_committees_keep_theirs(as_user, world, quarter, monkeypatch):
    monkeypatch.setattr(member_selectors, "rankings_shown", lambda branch: False)
    assert ok(as_user(world.member_a.user).get("/api/v1/scores/me/"))["latest"]["period_rank"] is None
    body = ok(as_user(world.secretary_a).get(f"/api/v1/scores/branches/{world.branch_a.pk}/?period=2026-Q1"))
    assert by_name(body["rows"])["张伟"]["period_rank"] == {"label": "排名", "value": 2, "reference": False}
    ranking = ok(
        as_user(world.higher).get(f"/api/v1/scores/organizations/{world.branch_a.pk}/ranking/?period=2026-Q1")
    )
    assert ranking["results"][0]["rank"] == {"label": "排名", "value": 1, "reference": False}
