"""公示 over the API: my branch's current window and its list (names, items, points — nothing private),
any window I may see, whether appeals are still possible, and the frozen result once approved."""

import pytest

from tests.api.claims.conftest import user_of
from tests.workflows.helpers import perform, publicity_closed
from workflows.execution import open_task
from workflows.flows import PeriodReviewFlow
from workflows.periods import period_approve

URL = "/api/v1/publicity/"
ENTRY_FIELDS = {
    "id",
    "member_name",
    "item_code",
    "item_name",
    "occurred_on",
    "points",
    "source",
    "source_display",
    "reason",
    "corrected",
    "is_reversal",
    "appealable",
}


def test_my_branchs_current_publicity_lists_names_items_and_points_while_appeals_are_open(
    as_user, world, publicity_a
):
    review, mine, theirs = publicity_a
    response = as_user(world.member_a.user).get(f"{URL}current/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["id"] == review.pk and body["label"] == "2026年度第1季度"
    assert body["branch"] == {"code": "C01-G1-A", "name": "第一党支部", "kind": "branch"}
    assert (body["starts_on"], body["ends_on"]) == ("2026-01-01", "2026-03-31")
    assert (body["opens_at"], body["closes_at"]) == ("2026-04-02T09:00:00+08:00", "2026-04-07T09:00:00+08:00")
    assert body["status"] == "publicity" and body["status_display"] == "公示中"
    assert body["window_open"] is True and body["appeals_possible"] is True
    assert body["result"] is None
    rows = {row["id"]: row for row in body["entries"]}
    assert set(rows) == {mine.pk, theirs.pk}
    assert all(set(row) == ENTRY_FIELDS for row in rows.values())
    assert rows[theirs.pk]["member_name"] == "王芳"
    assert rows[theirs.pk]["item_name"] == "城市精细化管理、一个组织一面旗、结对服务进社区活动"
    assert rows[mine.pk]["points"] == "2.00" and rows[mine.pk]["source"] == "claim"
    assert rows[mine.pk]["appealable"] is True and rows[mine.pk]["corrected"] is False


def test_the_publicity_tells_nothing_private(as_user, world, publicity_a):
    text = as_user(world.member_a.user).get(f"{URL}current/").content.decode()
    for private in ("13800001111", "13900002222", world.member_a.id_number, world.other_member_a.id_number):
        assert private not in text
    assert "phone" not in text and "id_number" not in text


def test_after_the_window_closes_no_appeal_is_possible(as_user, world, publicity_a, monkeypatch):
    review, *_ = publicity_a
    client = as_user(world.member_a.user)
    publicity_closed(monkeypatch)
    body = client.get(f"{URL}{review.pk}/").json()
    assert body["window_open"] is False and body["appeals_possible"] is False
    assert not any(row["appealable"] for row in body["entries"])


def test_after_approval_the_publicity_shows_the_frozen_result(as_user, world, publicity_a, monkeypatch):
    review, *_ = publicity_a
    client = as_user(world.member_a.user)
    publicity_closed(monkeypatch)
    perform(
        open_task(review.process, PeriodReviewFlow.approve),
        world.secretary_a,
        lambda **kw: period_approve(review=review, note="同意", **kw),
    )
    body = client.get(f"{URL}{review.pk}/").json()
    assert body["status"] == "approved"
    result = {row["name"]: row for row in body["result"]}
    assert result["张伟"]["period_total"] == "2.00"
    assert result["张伟"]["period_rank"] == {"label": "排名", "value": 1, "reference": False}
    assert set(result) == {"张伟", "王芳", "李娜", "刘洋", "陈静"}


def test_officers_read_the_publicity_but_only_branch_members_may_appeal(as_user, world, publicity_a):
    review, *_ = publicity_a
    higher = as_user(world.higher).get(f"{URL}{review.pk}/").json()
    assert higher["window_open"] is True and higher["appeals_possible"] is False
    assert not any(row["appealable"] for row in higher["entries"])
    clerk = as_user(world.clerk_a).get(f"{URL}{review.pk}/").json()
    assert clerk["appeals_possible"] is True  # the clerk is a member of branch A too


def test_another_branchs_publicity_is_not_found(as_user, world, publicity_a):
    review, *_ = publicity_a
    for user in (world.outsider.user, world.clerk_b):
        response = as_user(user).get(f"{URL}{review.pk}/")
        assert response.status_code == 404


def test_without_any_publicity_current_is_404_with_a_chinese_word(as_user, world, publicity_a):
    for user in (world.outsider.user, world.higher):
        response = as_user(user).get(f"{URL}current/")
        assert response.status_code == 404
        assert response.json() == {"code": "not_found", "message": "目前还没有积分公示。", "fields": {}}


@pytest.mark.parametrize(
    ("persona", "branches"),
    [
        ("member_a", {"C01-G1-A"}),
        ("clerk_a", {"C01-G1-A"}),
        ("committee_a", {"C01-G1-A"}),
        ("outsider", {"C01-G1-B"}),
        ("clerk_b", {"C01-G1-B"}),
        ("higher", {"C01-G1-A", "C01-G1-B"}),
    ],
)
def test_the_list_holds_the_publicity_of_my_branch_and_the_branches_i_work_in(
    as_user, world, publicity_both, persona, branches
):
    response = as_user(user_of(world, persona)).get(URL)
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {row["branch"]["code"] for row in rows} == branches
    assert all("entries" not in row for row in rows)


def test_the_list_filters_by_branch_status_and_cycle(as_user, world, publicity_both):
    client = as_user(world.higher)

    def codes(query):
        return {row["branch"]["code"] for row in client.get(f"{URL}{query}").json()["results"]}

    assert codes("?branch=C01-G1-B") == {"C01-G1-B"}
    assert codes("?status=publicity&cycle=2026") == {"C01-G1-A", "C01-G1-B"}
    assert codes("?status=archived") == set() and codes("?cycle=2025") == set()
    assert client.get(f"{URL}?status=nonsense").status_code == 400
    assert client.get(f"{URL}?cycle=1e124").status_code == 400
