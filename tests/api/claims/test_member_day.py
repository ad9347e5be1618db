"""A member's quarter over HTTP with a token, as the phone app lives it: what may I claim, claim with a
photo, see it listed, revise it after the clerk returns it, read its history once approved, then appeal
in the branch's 公示 — and be told 409 once the window has closed. The officers' steps are done through
their tasks (``workflows.demo.carry_out``), as their own pages or the tasks API would."""

from rest_framework.test import APIClient

from tests.api.claims.conftest import png
from tests.api.conftest import PASSWORD
from tests.workflows.helpers import Q1, approved_claim, freeze, publicity_closed
from workflows import messages
from workflows.claims import claim_approve, claim_record, claim_return
from workflows.demo import carry_out
from workflows.flows import ClaimFlow
from workflows.models import Appeal, Claim
from workflows.periods import period_start


def phone_of(username: str) -> APIClient:
    phone = APIClient()
    response = phone.post("/api/v1/auth/token/", {"username": username, "password": PASSWORD}, format="json")
    assert response.status_code == 201
    phone.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return phone


def test_a_members_quarter_over_http(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    phone = phone_of("zhangwei")

    # 申报积分: what may I claim today?
    offered = phone.get("/api/v1/rulesets/claimable-items/").json()
    item = next(i for i in offered["items"] if i["code"] == "innovative-activity")
    assert item["evidence"] == "required" and item["points_text"] == "2 分/次"

    # Claim it with a photo from the phone.
    form = {
        "item_code": item["code"],
        "occurred_on": "2026-03-10",
        "description": "社区宣讲",
        "files": [png()],
    }
    created = phone.post("/api/v1/claims/", form, format="multipart")
    assert created.status_code == 201, created.content
    claim_id = created.json()["id"]
    listed = phone.get("/api/v1/claims/?mine=true").json()["results"]
    assert [(c["id"], c["status_display"]) for c in listed] == [(claim_id, "待登记")]

    # The clerk returns it for the sign-in sheet.
    claim = Claim.objects.get(pk=claim_id)
    carry_out(
        claim.process, ClaimFlow.record, world.clerk_a, claim_return, claim=claim, reason="请补充签到表"
    )
    mine = phone.get(f"/api/v1/claims/{claim_id}/").json()
    assert mine["status"] == "returned" and mine["decision_reason"] == "请补充签到表" and mine["revisable"]

    # I add the sign-in sheet and send it back.
    revised = phone.post(
        f"/api/v1/claims/{claim_id}/revise/", {"files": [png("签到表.png")]}, format="multipart"
    )
    assert revised.status_code == 200 and revised.json()["status"] == "submitted"

    # 登记 and 审核.
    claim.refresh_from_db()
    carry_out(claim.process, ClaimFlow.record, world.clerk_a, claim_record, claim=claim)
    carry_out(
        claim.process, ClaimFlow.review, world.committee_a, claim_approve, claim=claim, reason="材料齐全"
    )
    mine = phone.get(f"/api/v1/claims/{claim_id}/").json()
    assert mine["status"] == "approved" and mine["points_approved"] == "2.00"
    assert [(h["action"], h["actor"]) for h in mine["history"]] == [
        ("claim.submit", "张伟"),
        ("claim.return", "李娜"),
        ("claim.resubmit", "张伟"),
        ("claim.record", "李娜"),
        ("claim.approve", "刘洋"),
    ]
    assert len(mine["evidence"]) == 2

    # 公示 of the first quarter: my branch's list, and an appeal against a colleague's entry.
    approved_claim(world, world.other_member_a, item="community-service")
    freeze(monkeypatch, 2026, 4, 2, 9)
    period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
    board = phone.get("/api/v1/publicity/current/").json()
    assert board["appeals_possible"] is True
    entries = {row["member_name"]: row for row in board["entries"]}
    assert entries["张伟"]["points"] == "2.00"
    filed = phone.post(
        "/api/v1/appeals/",
        {"entry": entries["王芳"]["id"], "reason": "王芳当天在外地出差"},
        format="multipart",
    )
    assert filed.status_code == 201, filed.content
    assert phone.get("/api/v1/appeals/?mine=true").json()["results"][0]["status"] == "open"

    # After the window: too late, and nothing is filed.
    publicity_closed(monkeypatch)
    late = phone.post(
        "/api/v1/appeals/", {"entry": entries["张伟"]["id"], "reason": "再核对一次"}, format="multipart"
    )
    assert late.status_code == 409
    assert late.json()["message"] == messages.WINDOW_CLOSED % {"closes": "2026年4月7日 09:00"}
    assert Appeal.objects.count() == 1
    assert phone.get(f"/api/v1/publicity/{board['id']}/").json()["appeals_possible"] is False
