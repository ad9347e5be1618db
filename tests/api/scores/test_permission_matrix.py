"""Who reaches the scores, ledger, periods and clerk endpoints: every operation × every persona × an
object of branch A and one of branch B, with the expected status; lists hold nothing of the other branch.

The world (conftest ``quarter``): branch A's first quarter approved, a second-quarter entry of 张伟
pending; branch B's first quarter (赵磊's claim) in publicity.
"""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Member
from scoring.models import LedgerEntry
from workflows.models import PeriodReview

ENDPOINTS_COVERED: set[tuple[str, str]] = {
    ("GET", "/api/v1/scores/me/"),
    ("GET", "/api/v1/scores/branches/{id}/"),
    ("GET", "/api/v1/scores/organizations/{id}/"),
    ("GET", "/api/v1/scores/organizations/{id}/ranking/"),
    ("GET", "/api/v1/periods/"),
    ("POST", "/api/v1/periods/start/"),
    ("GET", "/api/v1/periods/reviews/{id}/preview/"),
    ("GET", "/api/v1/ledger/"),
    ("GET", "/api/v1/ledger/{id}/"),
    ("POST", "/api/v1/ledger/{id}/reverse/"),
    ("POST", "/api/v1/clerk/records/"),
    ("POST", "/api/v1/clerk/attendance/"),
}

PERSONAS = [
    "anonymous",
    "member_a",
    "other_member_a",
    "clerk_a",
    "committee_a",
    "secretary_a",
    "clerk_b",
    "outsider",
    "higher",
]

# (branch A, branch B) for each persona. View: reading scores and previews (view_scores).
VIEW = {
    "anonymous": (401, 401),
    "member_a": (404, 404),
    "other_member_a": (404, 404),
    "clerk_a": (200, 404),
    "committee_a": (200, 404),
    "secretary_a": (200, 404),
    "clerk_b": (404, 200),
    "outsider": (404, 404),
    "higher": (200, 200),
}
MY_SCORES = {p: 401 if p == "anonymous" else 404 if p == "higher" else 200 for p in PERSONAS}
# 发起公示: both branches' first quarters are already under review, so the clerk gets as far as 409.
START = {
    "anonymous": (401, 401),
    "member_a": (404, 404),
    "other_member_a": (404, 404),
    "clerk_a": (409, 404),
    "committee_a": (403, 404),
    "secretary_a": (403, 404),
    "clerk_b": (404, 409),
    "outsider": (404, 404),
    "higher": (403, 403),
}
# The target entries: 张伟's pending entry (A) and 赵磊's (B). Members see their own.
LEDGER_DETAIL = {
    "anonymous": (401, 401),
    "member_a": (200, 404),
    "other_member_a": (404, 404),
    "clerk_a": (200, 404),
    "committee_a": (200, 404),
    "secretary_a": (200, 404),
    "clerk_b": (404, 200),
    "outsider": (404, 200),
    "higher": (200, 200),
}
REVERSE = {
    "anonymous": (401, 401),
    "member_a": (403, 404),
    "other_member_a": (404, 404),
    "clerk_a": (201, 404),
    "committee_a": (201, 404),
    "secretary_a": (201, 404),
    "clerk_b": (404, 201),
    "outsider": (404, 403),
    "higher": (403, 403),
}
# 单项登记 for 张伟 (A) and 赵磊 (B): a member sees themselves but may not record.
RECORD = {
    "anonymous": (401, 401),
    "member_a": (403, 404),
    "other_member_a": (404, 404),
    "clerk_a": (201, 404),
    "committee_a": (403, 404),
    "secretary_a": (403, 404),
    "clerk_b": (404, 201),
    "outsider": (404, 403),
    "higher": (403, 403),
}
ATTENDANCE = {
    "anonymous": (401, 401),
    "member_a": (404, 404),
    "other_member_a": (404, 404),
    "clerk_a": (201, 404),
    "committee_a": (403, 404),
    "secretary_a": (403, 404),
    "clerk_b": (404, 201),
    "outsider": (404, 404),
    "higher": (403, 403),
}
# Branches in the periods list.
PERIOD_BRANCHES = {
    "member_a": set(),
    "other_member_a": set(),
    "clerk_a": {"C01-G1-A"},
    "committee_a": {"C01-G1-A"},
    "secretary_a": {"C01-G1-A"},
    "clerk_b": {"C01-G1-B"},
    "outsider": set(),
    "higher": {"C01-G1-A", "C01-G1-B"},
}


def client_for(world, as_user, persona):
    if persona == "anonymous":
        return APIClient()
    person = getattr(world, persona)
    return as_user(person.user if isinstance(person, Member) else person)


@pytest.mark.parametrize("persona", PERSONAS)
def test_every_operation_answers_each_persona_as_expected(world, both, as_user, persona):
    client = client_for(world, as_user, persona)
    got: dict[str, object] = {}
    expected: dict[str, object] = {}

    def check(name, response, status):
        got[name], expected[name] = response.status_code, status

    check("scores/me", client.get("/api/v1/scores/me/"), MY_SCORES[persona])
    for side, (branch, review, entry) in enumerate(
        zip(both["branch"], both["review"], both["entry"], strict=True)
    ):
        tag = "AB"[side]
        view = VIEW[persona][side]
        check(
            f"scores/branch {tag}", client.get(f"/api/v1/scores/branches/{branch.pk}/?period=2026-Q1"), view
        )
        check(
            f"scores/org {tag}", client.get(f"/api/v1/scores/organizations/{branch.pk}/?period=2026-Q1"), view
        )
        check(
            f"ranking {tag}",
            client.get(f"/api/v1/scores/organizations/{branch.pk}/ranking/?period=2026-Q1"),
            view,
        )
        check(f"preview {tag}", client.get(f"/api/v1/periods/reviews/{review.pk}/preview/"), view)
        check(f"ledger detail {tag}", client.get(f"/api/v1/ledger/{entry.pk}/"), LEDGER_DETAIL[persona][side])
    committee_view = 401 if persona == "anonymous" else 200 if persona == "higher" else 404
    check(
        "scores/org C01",
        client.get(f"/api/v1/scores/organizations/{world.committee.pk}/?period=2026-Q1"),
        committee_view,
    )

    # Lists: nothing of a branch the persona may not see.
    periods = client.get("/api/v1/periods/")
    ledger = client.get("/api/v1/ledger/?page_size=100")
    if persona == "anonymous":
        check("periods", periods, 401)
        check("ledger", ledger, 401)
    else:
        listed = {b["branch"]["code"] for b in periods.json()["results"]}
        got["periods"], expected["periods"] = listed, PERIOD_BRANCHES[persona]
        listed_entries = {row["id"] for row in ledger.json()["results"]}
        for side, entry in enumerate(both["entry"]):
            got[f"ledger lists {'AB'[side]}"] = entry.pk in listed_entries
            expected[f"ledger lists {'AB'[side]}"] = LEDGER_DETAIL[persona][side] == 200
        other_branch = {"clerk_a", "committee_a", "secretary_a", "member_a", "other_member_a"}
        if persona in other_branch:
            assert not LedgerEntry.objects.filter(pk__in=listed_entries, branch=world.branch_b).exists()
        if persona in {"clerk_b", "outsider"}:
            assert not LedgerEntry.objects.filter(pk__in=listed_entries, branch=world.branch_a).exists()

    # Writes, last: each on its own target.
    for side, (branch, entry, member) in enumerate(
        zip(both["branch"], both["entry"], both["member"], strict=True)
    ):
        tag = "AB"[side]
        check(
            f"start {tag}",
            client.post("/api/v1/periods/start/", {"branch": branch.pk, "period": "2026-Q1"}, format="json"),
            START[persona][side],
        )
        check(
            f"reverse {tag}",
            client.post(f"/api/v1/ledger/{entry.pk}/reverse/", {"reason": "核对有误"}, format="json"),
            REVERSE[persona][side],
        )
        record = {"member": member.pk, "item_code": "dues", "occurred_on": "2026-04-02"}
        check(
            f"record {tag}",
            client.post("/api/v1/clerk/records/", record, format="json"),
            RECORD[persona][side],
        )
        sheet = {
            "branch": branch.pk,
            "title": "4月主题党日",
            "occurred_on": "2026-04-03",
            "item_present": "activity-day",
            "present": [member.pk],
        }
        check(
            f"attendance {tag}",
            client.post("/api/v1/clerk/attendance/", sheet, format="json"),
            ATTENDANCE[persona][side],
        )

    assert got == expected
    assert PeriodReview.objects.count() == 2  # 发起公示 never went through twice
