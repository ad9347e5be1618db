"""The task lists and a task's body: kind, title, branch, owner, subject and the caller's choices; taking
and releasing a task through viewflow's activation, with the UI's Chinese reasons when it cannot be."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from tests.workflows.helpers import add_officer, nothing_changes, open_task, perform, photo
from workflows import messages
from workflows.claims import claim_record, claim_submit
from workflows.flows import ClaimFlow

from .conftest import user_of

KINDS = {
    "record_a": ("claim.record", "claim", "登记", ["record", "return"]),
    "review_a": ("claim.review", "claim", "支委会审核", ["approve", "reject"]),
    "decide_a": ("appeal.decide", "appeal", "处理申诉", ["uphold", "dismiss"]),
    "file_a": ("period.file", "period", "备案", ["archive", "return"]),
}
D = datetime.date
DOER = {"record_a": "clerk_a", "review_a": "committee_a", "decide_a": "committee_a", "file_a": "higher"}


def get(client, url, **params):
    response = client.get(url, params)
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize("name", list(KINDS))
def test_a_task_says_what_it_is_about_and_what_its_doer_may_choose(scene, client_of, name):
    code, flow, title, decisions = KINDS[name]
    task = scene.task(name)
    body = get(client_of(DOER[name]), f"/api/v1/tasks/{task.pk}/")
    assert (body["kind"], body["flow"], body["title"]) == (code, flow, title)
    assert body["branch"] == {"code": "C01-G1-A", "name": "第一党支部", "kind": "branch"}
    assert body["status"] == STATUS.NEW and body["status_display"] == "新建" and body["owner"] is None
    assert [c["decision"] for c in body["choices"]] == decisions
    assert {c["action_url"] for c in body["choices"]} == {f"http://testserver/api/v1/tasks/{task.pk}/act/"}
    assert body["can_act"] is True and body["blocked_reason"] is None
    subject = body["subject"]
    record = task.process.branchprocess
    expected = record.claim or record.period_review or record.appeal
    assert subject["id"] == expected.pk
    assert [key for key in ("claim", "period_review", "appeal") if subject[key] is not None] == [
        subject["type"]
    ]


def test_the_subjects_read_as_their_own_resources_and_link_to_them(scene, client_of):
    committee = client_of("committee_a")
    review = get(committee, f"/api/v1/tasks/{scene.task('review_a').pk}/")["subject"]
    assert review["summary"] == "王芳 · 2026-07-01 · 城市精细化管理、一个组织一面旗、结对服务进社区活动"
    assert review["url"] == f"http://testserver/api/v1/claims/{scene.rev_a.pk}/"
    claim = get(committee, f"/api/v1/claims/{scene.rev_a.pk}/")
    assert {k: review["claim"][k] for k in ("member", "item_name", "status")} == {
        k: claim[k] for k in ("member", "item_name", "status")
    }
    appeal = get(committee, f"/api/v1/tasks/{scene.task('decide_a').pk}/")["subject"]
    assert appeal["summary"] == "王芳 对 张伟 2026-05-06 创新型特色党员活动 +2.00 的申诉"
    assert appeal["url"] == f"http://testserver/api/v1/appeals/{scene.appeal_a.pk}/"
    assert appeal["appeal"]["reason"] == "未见其参加" and appeal["appeal"]["status"] == "open"
    filing = get(client_of("higher"), f"/api/v1/tasks/{scene.task('file_a').pk}/")["subject"]
    assert filing["summary"] == "第一党支部 2026年度第1季度"
    assert filing["period_review"]["status"] == "approved" and filing["period_review"]["period"] == "2026-Q1"
    assert filing["url"] == f"http://testserver/api/v1/publicity/{scene.reviews['a'].pk}/"


def test_those_who_may_see_a_task_but_not_do_it_get_no_choices_and_the_reason(scene, client_of):
    for persona in ("clerk_a", "higher", "other_member_a"):
        body = get(client_of(persona), f"/api/v1/tasks/{scene.task('review_a').pk}/")
        assert body["choices"] == [] and body["can_act"] is False
        assert body["blocked_reason"] == str(messages.NOT_ALLOWED)


# --- 领取 / 退回 -------------------------------------------------------------------------------------


@pytest.fixture
def committee_a2(world):
    return add_officer(world.branch_a, "黄磊", "huanglei", "committee")


def test_taking_a_task_moves_it_from_the_queue_to_my_inbox(scene, client_of):
    committee = client_of("committee_a")
    task = scene.task("review_a")
    response = committee.post(f"/api/v1/tasks/{task.pk}/assign/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == STATUS.ASSIGNED and response.json()["owner"]["name"] == "刘洋"
    assert [t["id"] for t in get(committee, "/api/v1/tasks/")["results"]] == [task.pk]
    assert task.pk not in [t["id"] for t in get(committee, "/api/v1/tasks/queue/")["results"]]
    assert task.pk not in [t["id"] for t in get(client_of("secretary_a"), "/api/v1/tasks/queue/")["results"]]


def test_the_second_committee_member_to_take_a_task_is_told_who_has_it(
    scene, client_of, committee_a2, as_user
):
    task = scene.task("review_a")
    assert client_of("committee_a").post(f"/api/v1/tasks/{task.pk}/assign/").status_code == 200
    other = as_user(committee_a2)
    with nothing_changes():
        response = other.post(f"/api/v1/tasks/{task.pk}/assign/")
    assert response.status_code == 409
    assert response.json()["message"] == str(messages.TASK_TAKEN_BY % {"name": "刘洋"})
    shown = get(other, f"/api/v1/tasks/{task.pk}/")
    assert shown["can_act"] is False and shown["blocked_reason"] == response.json()["message"]
    assert [c["decision"] for c in shown["choices"]] == [
        "approve",
        "reject",
    ]  # theirs to choose once released


def test_taking_a_task_twice_says_it_is_already_mine(scene, client_of):
    committee = client_of("committee_a")
    url = f"/api/v1/tasks/{scene.task('review_a').pk}/assign/"
    committee.post(url)
    with nothing_changes():
        response = committee.post(url)
    assert response.status_code == 409 and response.json()["message"] == str(messages.TASK_ALREADY_YOURS)


def test_releasing_my_task_puts_it_back_in_the_queue(scene, client_of):
    committee = client_of("committee_a")
    task = scene.task("review_a")
    committee.post(f"/api/v1/tasks/{task.pk}/assign/")
    response = committee.post(f"/api/v1/tasks/{task.pk}/unassign/")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == STATUS.NEW and response.json()["owner"] is None
    assert task.pk in [t["id"] for t in get(client_of("secretary_a"), "/api/v1/tasks/queue/")["results"]]


def test_nobody_releases_a_task_someone_else_holds(scene, client_of):
    task = scene.task("review_a")
    client_of("committee_a").post(f"/api/v1/tasks/{task.pk}/assign/")
    secretary = client_of("secretary_a")
    with nothing_changes():
        response = secretary.post(f"/api/v1/tasks/{task.pk}/unassign/")
    assert response.status_code == 409
    assert response.json()["message"] == str(messages.TASK_TAKEN_BY % {"name": "刘洋"})


def test_a_members_own_revision_cannot_be_released_or_taken_by_anyone_else(scene, client_of):
    task = scene.task("revise_a")
    member, clerk = client_of("member_a"), client_of("clerk_a")
    with nothing_changes():
        released = member.post(f"/api/v1/tasks/{task.pk}/unassign/")
        taken = clerk.post(f"/api/v1/tasks/{task.pk}/assign/")
    assert released.status_code == 403 and released.json()["message"] == str(messages.TASK_NOT_RELEASABLE)
    assert taken.status_code == 403 and taken.json()["message"] == str(messages.NOT_ALLOWED)


def test_a_finished_task_can_be_neither_taken_nor_released(scene, client_of):
    clerk = client_of("clerk_a")
    task = scene.task("record_a")
    assert (
        clerk.post(f"/api/v1/tasks/{task.pk}/act/", {"decision": "record"}, format="json").status_code == 200
    )
    with nothing_changes():
        for action in ("assign", "unassign"):
            response = clerk.post(f"/api/v1/tasks/{task.pk}/{action}/")
            assert response.status_code == 409, action
            assert response.json()["message"] == str(messages.TASK_ALREADY_DONE)
    assert task.pk in [t["id"] for t in get(clerk, "/api/v1/tasks/archive/")["results"]]


# --- Filters and ordering ---------------------------------------------------------------------


def ids(body) -> list[int]:
    return [row["id"] for row in body["results"]]


def test_the_queue_filters_by_kind_flow_branch_member_item_and_status(scene, world, client_of):
    higher, committee = client_of("higher"), client_of("committee_a")
    t = {name: scene.task(name).pk for name in scene.tasks}
    assert set(ids(get(higher, "/api/v1/tasks/queue/", branch="C01-G1-B"))) == {t["file_b"]}
    assert set(ids(get(committee, "/api/v1/tasks/queue/", kind="appeal.decide"))) == {t["decide_a"]}
    assert set(ids(get(committee, "/api/v1/tasks/queue/", flow="claim"))) == {t["review_a"]}
    assert set(ids(get(committee, "/api/v1/tasks/queue/", member=world.other_member_a.pk))) == {
        t["review_a"],
        t["decide_a"],  # 王芳 is the appellant
    }
    assert set(ids(get(committee, "/api/v1/tasks/queue/", item="community-service"))) == {t["review_a"]}
    assert ids(get(committee, "/api/v1/tasks/queue/", item="innovative-activity")) == []
    assert ids(get(committee, "/api/v1/tasks/queue/", status="DONE")) == []


def test_the_archive_filters_by_creation_date_and_orders_as_asked(scene, client_of):
    clerk = client_of("clerk_a")
    everything = get(clerk, "/api/v1/tasks/archive/", ordering="created")
    created = [row["created"] for row in everything["results"]]
    assert created == sorted(created) and len(created) == 4
    newest_first = ids(get(clerk, "/api/v1/tasks/archive/", ordering="-created"))
    assert newest_first == list(reversed(ids(everything)))
    days = sorted({row["created"][:10] for row in everything["results"]})
    first_day = get(clerk, "/api/v1/tasks/archive/", created_from=days[0], created_to=days[0])
    assert {row["created"][:10] for row in first_day["results"]} == {days[0]}
    assert get(clerk, "/api/v1/tasks/archive/", created_from="2099-01-01")["count"] == 0


def test_bad_filter_values_are_400_in_chinese(scene, client_of):
    committee = client_of("committee_a")
    for params in (
        {"kind": "claim.nothing"},
        {"created_from": "yesterday"},
        {"member": "x"},
        {"status": "SOON"},
    ):
        response = committee.get("/api/v1/tasks/queue/", params)
        assert response.status_code == 400, params
        assert response.json()["code"] == "invalid" and set(response.json()["fields"]) == set(params)


def test_lists_are_paginated(scene, client_of):
    committee = client_of("committee_a")
    first = get(committee, "/api/v1/tasks/queue/", page_size=1)
    assert first["count"] == 2 and len(first["results"]) == 1 and first["next"]


def test_a_members_inbox_holds_only_their_returned_claim(scene, world, client_of):
    inbox = get(client_of("member_a"), "/api/v1/tasks/")["results"]
    assert [(row["kind"], row["owner"]["username"]) for row in inbox] == [
        ("claim.revise", user_of(world, "member_a").username)
    ]
    assert inbox[0]["can_act"] is True


def test_writes_on_tasks_are_throttled_per_user_reads_are_not(scene, client_of, monkeypatch):
    from api.throttling import WritesThrottle

    monkeypatch.setattr(WritesThrottle, "THROTTLE_RATES", {"writes": "2/min"})
    committee = client_of("committee_a")
    url = f"/api/v1/tasks/{scene.task('review_a').pk}/"
    assert [committee.post(f"{url}assign/").status_code, committee.post(f"{url}unassign/").status_code] == [
        200,
        200,
    ]
    throttled = committee.post(f"{url}assign/")
    assert throttled.status_code == 429
    assert throttled.json() == {"code": "throttled", "message": "请求过于频繁，请稍后再试", "fields": {}}
    assert scene.task("review_a").owner is None
    assert committee.get(url).status_code == 200


def test_the_queue_costs_the_same_queries_however_long_it_is(scene, world, client_of):
    committee = client_of("committee_a")

    def queries_for_queue() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            count = get(committee, "/api/v1/tasks/queue/")["count"]
        return count, len(queries)

    few, cost = queries_for_queue()
    for item in ("adopted-proposal", "competition"):
        for member in (world.member_a, world.other_member_a):
            claim = claim_submit(
                member=member, item_code=item, occurred_on=D(2026, 7, 2), evidence=[photo()], by=member.user
            )
            perform(
                open_task(claim.process, ClaimFlow.record),
                world.clerk_a,
                lambda claim=claim, **kw: claim_record(claim=claim, **kw),
            )
    many, same_cost = queries_for_queue()
    assert (few, many) == (2, 6)
    assert same_cost <= cost
