"""One quarter of branch A entirely over HTTP, each person with their own token from
``POST /api/v1/auth/token/`` — the quarter of ``tests/workflows/test_quarter_flow.py`` and the browser test:
申报 → 登记 → 审核 → 公示 → 申诉 → 审定 → 备案, and the frozen scores read back equal the ones the
workflow froze and the scoring core computes.

Only the clock and beat are outside HTTP: time is stopped at each step, and the publicity window closes
when beat fires the workflow timers (``workflows.tasks.fire_workflow_timers``), as in production.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from rest_framework.test import APIClient

from scoring.core.periods import Period, PeriodKind
from tests.api.conftest import PASSWORD
from workflows import member_selectors, periods
from workflows.models import Claim, FrozenScore, PeriodReview
from workflows.tasks import fire_workflow_timers

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
Q1 = Period(2026, PeriodKind.QUARTER, 1)


def at(monkeypatch, *args: int) -> None:
    moment = timezone.make_aware(datetime.datetime(*args))
    monkeypatch.setattr(timezone, "now", lambda: moment)


def signed_in(username: str) -> APIClient:
    """A phone: it exchanges the person's password for a token and sends it with every request."""
    client = APIClient()
    issued = client.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert issued.status_code == 201, issued.content
    client.credentials(HTTP_AUTHORIZATION=f"Token {issued.json()['token']}")
    return client


def ok(response, status: int = 200) -> dict:
    assert response.status_code == status, response.content.decode()
    return response.json()


def queued(client: APIClient, kind: str) -> list[dict]:
    return ok(client.get("/api/v1/tasks/queue/", {"kind": kind, "page_size": 100}))["results"]


def act(client: APIClient, task: dict, **decision) -> dict:
    return ok(client.post(f"/api/v1/tasks/{task['id']}/act/", decision, format="json"))


@pytest.fixture
def people(world, rules_2026, monkeypatch):
    at(monkeypatch, 2026, 3, 20, 10)
    return {
        "zhangwei": signed_in("zhangwei"),  # 张伟, member
        "lina": signed_in("lina"),  # 李娜, clerk
        "liuyang": signed_in("liuyang"),  # 刘洋, committee
        "chenjing": signed_in("chenjing"),  # 陈静, secretary
        "higher": signed_in("higher"),  # the higher committee
    }


def test_a_quarter_over_http_with_tokens_ends_in_the_frozen_scores_of_the_core(world, people, monkeypatch):
    member, clerk, committee, secretary, higher = people.values()
    branch = world.branch_a

    # 申报: 张伟 claims an innovative activity (2 points, evidence required) with a photo from his phone.
    claim = ok(
        member.post(
            "/api/v1/claims/",
            {
                "item_code": "innovative-activity",
                "occurred_on": "2026-03-10",
                "place": "社区广场",
                "description": "组织义务宣讲",
                "files": [SimpleUploadedFile("photo.png", PNG, content_type="image/png")],
            },
            format="multipart",
        ),
        201,
    )
    assert claim["status"] == "submitted" and len(claim["evidence"]) == 1

    # 登记 by the clerk, from her queue.
    [record] = queued(clerk, "claim.record")
    assert record["subject"]["id"] == claim["id"] and record["choices"][0]["decision"] == "record"
    assert act(clerk, record, decision="record")["subject"]["claim"]["status"] == "recorded"

    # 审核 by the committee.
    [review] = queued(committee, "claim.review")
    approved = act(committee, review, decision="approve")["subject"]["claim"]
    assert (approved["status"], approved["points_approved"]) == ("approved", "2.00")

    # The clerk records the branch meeting: two attend, 李娜 on leave, the rest absent without leave.
    li_na = world.branch_a.members.get(real_name="李娜")
    ok(
        clerk.post(
            "/api/v1/clerk/attendance/",
            {
                "branch": branch.pk,
                "title": "3月支部党员大会",
                "occurred_on": "2026-03-05",
                "item_present": "branch-meeting",
                "item_absent": "absent-without-leave",
                "item_leave": "absent-on-leave",
                "present": [world.member_a.pk, world.other_member_a.pk],
                "on_leave": [li_na.pk],
            },
            format="json",
        ),
        201,
    )

    # 不得办理涉及本人积分的事项: 李娜's own leave waits for the secretary's 登记 (she is the only clerk).
    [own_leave] = queued(secretary, "claim.record")
    assert act(secretary, own_leave, decision="record")["subject"]["claim"]["status"] == "recorded"

    # The committee approves the sheet's entries in one go (批量审核通过) — all but 刘洋's own absence, which
    # is not in his queue: the secretary approves that one.
    reviews = queued(committee, "claim.review")
    assert len(reviews) == 4
    bulk = ok(
        committee.post("/api/v1/tasks/bulk-approve/", {"task_ids": [t["id"] for t in reviews]}, format="json")
    )
    assert bulk["approved"] == 4 and {r["outcome"] for r in bulk["results"]} == {"approved"}
    [own_absence] = queued(secretary, "claim.review")
    assert act(secretary, own_absence, decision="approve")["subject"]["claim"]["status"] == "approved"
    assert not FrozenScore.objects.exists(), "approved claims are in the ledger, but nothing counts yet"
    assert ok(member.get("/api/v1/scores/me/"))["latest"] is None

    # 公示: after the quarter ends the clerk opens the window (5 days).
    at(monkeypatch, 2026, 4, 2, 9)
    review_body = ok(
        clerk.post("/api/v1/periods/start/", {"branch": branch.pk, "period": "2026-Q1"}, format="json"), 201
    )
    assert review_body["window"]["closes_at"] == "2026-04-07T09:00:00+08:00"

    # 申诉: 张伟 disputes 王芳's meeting point from the posted list; the committee upholds it.
    board = ok(member.get("/api/v1/publicity/current/"))
    [disputed] = [
        e for e in board["entries"] if e["member_name"] == "王芳" and e["item_code"] == "branch-meeting"
    ]
    assert disputed["appealable"] is True
    appeal = ok(
        member.post(
            "/api/v1/appeals/", {"entry": disputed["id"], "reason": "王芳当天提前离会"}, format="multipart"
        ),
        201,
    )
    [decide] = queued(committee, "appeal.decide")
    assert decide["subject"]["id"] == appeal["id"]
    upheld = act(committee, decide, decision="uphold", reason="核实签到表，提前离会不计分")["subject"][
        "appeal"
    ]
    assert (upheld["status"], upheld["corrected_points"]) == ("upheld", "0.00")

    # The window closes (time moves on and beat fires the timers); every appeal settled → 审定 opens.
    at(monkeypatch, 2026, 4, 8, 9)
    fire_workflow_timers.delay()
    [approve] = queued(secretary, "period.approve")
    assert (
        act(secretary, approve, decision="approve", note="同意")["subject"]["period_review"]["status"]
        == "approved"
    )

    # The frozen scores read back over HTTP are the workflow's and the scoring core's.
    scores = ok(secretary.get(f"/api/v1/scores/branches/{branch.pk}/", {"period": "2026-Q1"}))
    assert scores["state"] == "frozen" and scores["period"] == "2026-Q1"
    read_back = {row["member"]["real_name"]: row for row in scores["rows"]}
    assert {name: row["period_total"] for name, row in read_back.items()} == {
        "张伟": "3.00",  # 2 (activity) + 1 (meeting)
        "王芳": "0.00",  # her meeting point cancelled on appeal
        "李娜": "-0.50",  # on leave
        "刘洋": "-1.00",  # absent without leave
        "陈静": "-1.00",
    }
    assert read_back["张伟"]["period_rank"]["value"] == 1
    review = PeriodReview.objects.get(branch=branch, cycle=2026, period_index=1)
    frozen = {s.member.real_name: s for s in FrozenScore.objects.filter(approval__review=review)}
    core = {int(s.member): s for s in periods.period_scores(review).scores}
    for name, row in read_back.items():
        score = frozen[name]
        assert Decimal(row["period_total"]) == score.period_total == core[score.member_id].total
        assert Decimal(row["cycle_total"]) == score.cycle_total == core[score.member_id].to_date.total
        assert (row["period_rank"] or {}).get("value") == score.period_rank == core[score.member_id].rank

    # 我的积分 on 张伟's phone: the frozen quarter, as the members' pages show it.
    mine = ok(member.get("/api/v1/scores/me/"))
    line = member_selectors.frozen_line(member_selectors.frozen_scores_of(world.member_a).get())
    assert Decimal(mine["latest"]["period_total"]) == line.period_total == Decimal(3)
    assert mine["latest"]["period_rank"]["value"] == line.period_rank.value == 1

    # 备案: the higher committee archives the filing from its queue.
    [filing] = ok(higher.get("/api/v1/filings/", {"status": "submitted"}))["results"]
    assert filing["branch"]["code"] == branch.code and filing["period"]["period"] == "2026-Q1"
    detail = ok(higher.get(f"/api/v1/filings/{filing['id']}/"))
    assert {row["member"]["real_name"]: row["period_total"] for row in detail["scores"]} == {
        name: row["period_total"] for name, row in read_back.items()
    }
    archived = ok(
        higher.post(f"/api/v1/filings/{filing['id']}/archive/", {"note": "同意备案"}, format="json")
    )
    assert archived["status"] == "archived" and archived["task_id"] is None
    review.refresh_from_db()
    assert review.status == PeriodReview.Status.ARCHIVED and review.process.status == "DONE"
    assert Claim.objects.filter(status=Claim.Status.APPROVED).count() == 6
    assert not any(queued(c, kind) for c in people.values() for kind in ("claim.review", "period.file"))
