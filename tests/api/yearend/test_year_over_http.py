"""Branch A's year-end entirely over HTTP, each person with their own token: 发起民主评议, 自评 and 互评 on
the phone, the clerk's paper count, 计票, 支委会评定, 公示 with an appeal, 审定; then 发起年度总评, the
committee grades from the year's figures, 公示 with an appeal upheld, 审定, 党委审批, 备案 — and the results,
评先评优 and the lists read back are the ones the services froze.

The year's quarters are approved by the services beforehand (``tests/yearend/helpers.approve_year``); only
the clock and beat are outside HTTP.

The numbers (星级党员): 张伟 80 − 1 − 1 − 5 − 5 = 68 points + 合格 15 = 83 → 合格; 王芳 80 − 5 = 75 + 优秀 20
= 95 → 优秀; 李娜, 刘洋, 陈静 80 + 合格 15 = 95 → 优秀 (ranked 1 with 王芳, 张伟 5th).
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import PASSWORD
from tests.workflows.helpers import freeze
from tests.yearend.helpers import approve_year, fire
from yearend.models import AnnualResult, AnnualReview, EvaluationResult, EvaluationSession

URL = "/api/v1"


def signed_in(username: str) -> APIClient:
    client = APIClient()
    issued = client.post(f"{URL}/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert issued.status_code == 201, issued.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    return client


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def the_task(client: APIClient, kind: str) -> dict:
    """The one task of ``kind`` in the caller's queue (待认领)."""
    tasks = ok(client.get(f"{URL}/tasks/queue/", {"kind": kind}))["results"]
    assert len(tasks) == 1, tasks
    return tasks[0]


def act(client: APIClient, task: dict, **decision) -> dict:
    return ok(client.post(f"{URL}/tasks/{task['id']}/act/", decision, format="json"))


@pytest.fixture
def people(world, deductions, monkeypatch):
    approve_year(world, monkeypatch)
    freeze(monkeypatch, 2027, 1, 8, 9)
    names = ("zhangwei", "wangfang", "lina", "liuyang", "chenjing", "higher")
    return {name: signed_in(name) for name in names}


def test_the_year_end_of_branch_a_over_http(world, people, monkeypatch):
    zhang, wang, clerk, committee, secretary, higher = people.values()
    branch = world.branch_a

    # 发起民主评议 (李娜): the roster becomes the list; the meeting on the 10th, voting 9:00–12:00.
    opened = ok(
        clerk.post(
            f"{URL}/evaluations/",
            {
                "branch": branch.pk,
                "cycle": 2026,
                "meeting_on": "2027-01-10",
                "voting_opens_at": "2027-01-10T09:00:00+08:00",
                "voting_closes_at": "2027-01-10T12:00:00+08:00",
                "mode": "mixed",
            },
            format="json",
        ),
        201,
    )
    session_url = f"{URL}/evaluations/{opened['id']}/"
    assert opened["kind"] == "levels" and opened["levels"] == ["优秀", "合格", "基本合格", "不合格"]
    assert {p["member"]["real_name"] for p in opened["participants"]} == {
        "张伟",
        "王芳",
        "李娜",
        "刘洋",
        "陈静",
    }
    again = clerk.post(f"{URL}/evaluations/", {**_open_body(branch), "cycle": 2026}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "exists"

    # 自评 and 互评 on the phones, during the window.
    freeze(monkeypatch, 2027, 1, 10, 10)
    mine = ok(zhang.get(f"{session_url}self-assessment/"))
    assert mine == {"text": "", "level": "", "submitted_at": None, "updated_at": None, "may_edit": True}
    written = ok(
        zhang.put(
            f"{session_url}self-assessment/", {"text": "按时参加组织生活", "level": "合格"}, format="json"
        )
    )
    assert written["text"] == "按时参加组织生活" and written["submitted_at"] is not None
    ballot = {"ballots": [{"member": world.member_a.pk, "level": "合格"}]}
    cast = ok(wang.post(f"{session_url}ballots/", ballot, format="json"), 201)
    assert cast["ballots"][0]["member"]["real_name"] == "张伟" and cast["ballots"][0]["level"] == "合格"
    twice = wang.post(f"{session_url}ballots/", ballot, format="json")
    assert twice.status_code == 409 and twice.json()["code"] == "already_voted"
    assert ok(zhang.get(f"{session_url}ballots/"))["count"] == 0  # secret: only one's own ballots
    assert ok(wang.get(session_url))["me"]["voted"] is True

    # The clerk enters the meeting's paper count for 王芳 (3 ballots: 优秀 2, 合格 1) and ends voting early.
    paper = {"member": world.other_member_a.pk, "ballots": 3, "counts": {"优秀": 2, "合格": 1}}
    ok(clerk.post(f"{session_url}paper-tallies/", paper, format="json"), 201)
    tallies = {row["member"]["real_name"]: row for row in ok(clerk.get(f"{session_url}tallies/"))["results"]}
    assert tallies["王芳"]["counts"] == [{"level": "优秀", "votes": 2}, {"level": "合格", "votes": 1}]
    assert (tallies["王芳"]["suggestion"], tallies["张伟"]["suggestion"]) == ("优秀", "合格")
    assert tallies["张伟"]["self_assessment"] == "按时参加组织生活"
    assert "voter" not in str(tallies)
    act(clerk, the_task(clerk, "evaluation.tally"), decision="finish_early")

    # 支委会评定 (刘洋) at its own resource; everyone without votes at 合格.
    propose = the_task(committee, "evaluation.propose")
    assert propose["choices"][0]["action_url"].endswith(f"{session_url}proposals/")
    proposals = [
        {"member": p["member"]["id"], "level": "优秀" if p["member"]["real_name"] == "王芳" else "合格"}
        for p in opened["participants"]
    ]
    posted = ok(committee.post(f"{session_url}proposals/", {"proposals": proposals}, format="json"))
    assert posted["status"] == "publicity" and posted["publicity"]["window_open"] is True

    # 公示: 张伟 reads the list and appeals against his own 合格; the committee dismisses it.
    board = ok(zhang.get(f"{session_url}publicity/"))
    assert {row["member"]["real_name"]: row["result"] for row in board["rows"]}["王芳"] == "优秀"
    assert board["appeals_possible"] is True
    appeal = ok(
        zhang.post(
            f"{URL}/appeals/",
            {"evaluation": opened["id"], "subject": world.member_a.pk, "reason": "自评应为优秀"},
            format="multipart",
        ),
        201,
    )
    assert (appeal["kind"], appeal["entry"], appeal["publicity"]) == ("evaluation", None, None)
    assert appeal["subject"]["real_name"] == "张伟" and appeal["year_end"]["id"] == opened["id"]
    decide = the_task(committee, "appeal.decide")
    assert decide["result_choices"] == ["优秀", "合格", "基本合格", "不合格"]
    act(committee, decide, decision="dismiss", reason="计票结果为合格")

    # 审定 after the window (secretary), then the results.
    fire(monkeypatch, 2027, 1, 15, 13)
    act(secretary, the_task(secretary, "evaluation.approve"), decision="approve", note="同意")
    results = ok(zhang.get(f"{session_url}results/"))["results"]
    assert {r["member"]["real_name"]: (r["level"], r["value"]) for r in results}["王芳"] == ("优秀", "20.00")
    assert EvaluationSession.objects.get().status == "approved"
    assert EvaluationResult.objects.count() == 5

    # 发起年度总评 (李娜); the committee reads the year's figures and grades 张伟 基本合格 with its reason.
    freeze(monkeypatch, 2027, 1, 16, 9)
    review = ok(
        clerk.post(f"{URL}/annual-reviews/", {"branch": branch.pk, "cycle": 2026}, format="json"), 201
    )
    review_url = f"{URL}/annual-reviews/{review['id']}/"
    assert review["grade_choices"] == ["优秀", "合格", "基本合格", "不合格"]
    assert [t["kind"] for t in review["open_tasks"]] == ["annual.grade"]
    figures = {
        row["member"]["real_name"]: row for row in ok(committee.get(f"{review_url}standings/"))["results"]
    }
    zhang_year = figures["张伟"]
    assert (zhang_year["points"], zhang_year["evaluation"], zhang_year["total"]) == (
        "68.00",
        "15.00",
        "83.00",
    )
    assert (zhang_year["suggested_grade"], zhang_year["rank"], figures["王芳"]["total"]) == (
        "合格",
        5,
        "95.00",
    )
    assert zhang.get(f"{review_url}standings/").status_code == 403  # the figures are the committee's
    grades = [
        {"member": row["member"]["id"], "grade": row["suggested_grade"]}
        for row in figures.values()
        if row["graded_here"]
    ]
    missing_reason = [g if g["member"] != world.member_a.pk else {**g, "grade": "基本合格"} for g in grades]
    refused = committee.post(f"{review_url}grades/", {"grades": missing_reason}, format="json")
    assert refused.status_code == 400 and "请说明理由" in refused.json()["message"]
    with_reason = [
        g if g["member"] != world.member_a.pk else {**g, "reason": "两次无故缺席"} for g in missing_reason
    ]
    graded = ok(committee.post(f"{review_url}grades/", {"grades": with_reason}, format="json"))
    assert graded["status"] == "publicity" and graded["publicity"]["window_open"] is True

    # 公示 of the 等次: 张伟 appeals; the committee upholds it and corrects the grade to 合格.
    board = ok(wang.get(f"{review_url}publicity/"))
    zhang_row = next(row for row in board["rows"] if row["member"]["real_name"] == "张伟")
    assert (zhang_row["result"], zhang_row["total"], zhang_row["rank"]) == ("基本合格", "83.00", 5)
    body = {"annual_review": review["id"], "subject": world.member_a.pk, "reason": "已按期整改"}
    ok(zhang.post(f"{URL}/appeals/", body, format="multipart"), 201)
    decide = the_task(committee, "appeal.decide")
    uphold = {c["decision"]: c for c in decide["choices"]}["uphold"]
    assert uphold["needs"] == ["reason", "result"]
    missing = committee.post(
        f"{URL}/tasks/{decide['id']}/act/", {"decision": "uphold", "reason": "整改到位"}, format="json"
    )
    assert missing.status_code == 400 and list(missing.json()["fields"]) == ["result"]
    done = act(committee, decide, decision="uphold", reason="整改到位", result="合格")
    assert done["subject"]["appeal"]["corrected_result"] == "合格"

    # 审定, then the higher committee: 党委审批 and 备案.
    fire(monkeypatch, 2027, 1, 21, 10)
    act(secretary, the_task(secretary, "annual.approve"), decision="approve", note="支委会审定")
    ratify = the_task(higher, "annual.ratify")
    no_reason = higher.post(f"{URL}/tasks/{ratify['id']}/act/", {"decision": "return"}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["message"] == "退回必须填写原因。"
    act(higher, ratify, decision="approve", reason="同意")
    act(higher, the_task(higher, "annual.file"), decision="archive")
    filed = ok(clerk.get(review_url))
    assert filed["status"] == "archived" and [d["kind"] for d in filed["decisions"]] == ["ratify", "archive"]
    assert AnnualReview.objects.get().status == "archived"

    # What stands: the results, 评先评优, the member's own result.
    listed = ok(secretary.get(f"{URL}/annual-results/", {"branch": branch.code, "cycle": 2026}))["results"]
    frozen = {r.member.real_name: r for r in AnnualResult.objects.all()}
    by_name = {row["member"]["real_name"]: row for row in listed}
    assert set(by_name) == set(frozen)
    assert (by_name["张伟"]["grade"], by_name["张伟"]["grade_reason"]) == ("合格", "申诉成立：整改到位")
    assert by_name["王芳"]["total"] == f"{frozen['王芳'].total:.2f}" == "95.00"
    honours = ok(secretary.get(f"{URL}/year-end/branches/{branch.pk}/honours/", {"cycle": 2026}))["results"]
    assert {row["member"]["real_name"] for row in honours} == {"王芳", "李娜", "刘洋", "陈静"}
    assert (
        ok(higher.get(f"{URL}/year-end/organizations/{world.committee.pk}/honours/", {"cycle": 2026}))[
            "count"
        ]
        == 4
    )
    assert [row["member"]["real_name"] for row in ok(zhang.get(f"{URL}/annual-results/"))["results"]] == [
        "张伟"
    ]


def _open_body(branch) -> dict:
    return {
        "branch": branch.pk,
        "meeting_on": "2027-01-10",
        "voting_opens_at": "2027-01-10T09:00:00+08:00",
        "voting_closes_at": "2027-01-10T12:00:00+08:00",
        "mode": "mixed",
    }
