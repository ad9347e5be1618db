"""工作台: everyone lands on what waits for them — by step, with the count and the oldest first, from the
same scoped queries as the queues; a member sees their standing, what is left to claim, the open 公示.

The scene is the queue tests' (8 April 2026): branch A's first quarter has an open appeal; branch B's
first quarter waits for the higher committee's 备案; in the second quarter A has a claim to record (张伟),
one to review (王芳) and one returned to 张伟, B one to record (赵磊).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from viewflow.workflow.models import Task

from workflows.claims import claim_record, claim_submit
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import ReviewSettings
from workflows.workbench import claimable_items, steps_waiting

from .helpers import OPEN, aware, freeze, open_task, perform, photo, publicity_opened
from .test_queue_scoping import Scene, login

D = datetime.date
HOME = "accounts:home:index"

# What waits for each persona of the scene, by step.
WAITING = {
    "member_a": {ClaimFlow.revise: 1},  # 补充材料: the claim returned to 张伟
    "clerk_a": {ClaimFlow.record: 1},
    "committee_a": {ClaimFlow.review: 1, AppealFlow.decide: 1},
    "secretary_a": {ClaimFlow.review: 1, AppealFlow.decide: 1},
    "higher": {PeriodReviewFlow.file: 1},
    "outsider": {},
    "clerk_b": {ClaimFlow.record: 1},
}


@pytest.fixture
def scene(world, rules_2026, monkeypatch):
    return Scene(world, monkeypatch)


def counts_on_page(client, world, persona) -> dict:
    login(client, world, persona)
    response = client.get(reverse(HOME))
    assert response.status_code == 200
    return {step.node: step.count for step in response.context["steps"]}


APRIL_7 = D(2026, 4, 7)


def submit(member, item="community-service", day=APRIL_7):
    return claim_submit(member=member, item_code=item, occurred_on=day, evidence=[photo()], by=member.user)


def recorded(world, claim, clerk=None):
    perform(
        open_task(claim.process, ClaimFlow.record),
        clerk or world.clerk_a,
        lambda **kw: claim_record(claim=claim, **kw),
    )
    return claim


@pytest.mark.parametrize("persona", sorted(WAITING))
def test_each_person_sees_the_count_of_what_waits_for_them_by_step(client, world, scene, persona):
    assert counts_on_page(client, world, persona) == WAITING[persona]


def test_a_step_opens_its_oldest_task(client, world, scene, monkeypatch):
    freeze(monkeypatch, 2026, 4, 9, 9)
    recorded(world, submit(world.outsider, day=D(2026, 4, 8)), clerk=world.clerk_b)  # branch B's
    recorded(world, submit(world.member_a, "innovative-activity", D(2026, 4, 8)))  # newer than 王芳's
    login(client, world, "committee_a")
    step = next(s for s in client.get(reverse(HOME)).context["steps"] if s.node == ClaimFlow.review)
    assert step.count == 2  # 王芳's and 张伟's new one; never branch B's
    oldest = scene.open_tasks["review_a"]
    assert step.oldest_url == ClaimFlow.review.reverse("index", args=[oldest.process_id, oldest.pk])
    assert client.get(step.oldest_url).url == ClaimFlow.review.reverse(
        "assign", args=[oldest.process_id, oldest.pk]
    )


def test_branch_a_officers_never_count_branch_b_tasks(client, world, scene):
    for day in (1, 2, 3):
        submit(world.outsider, day=D(2026, 4, day))
    assert counts_on_page(client, world, "clerk_a") == {ClaimFlow.record: 1}
    assert counts_on_page(client, world, "clerk_b") == {ClaimFlow.record: 4}


def test_a_task_about_ones_own_points_is_not_counted(client, world, scene, monkeypatch):
    freeze(monkeypatch, 2026, 4, 9, 9)
    recorded(world, submit(world.committee_a.member))
    assert counts_on_page(client, world, "committee_a")[ClaimFlow.review] == 1  # only 王芳's
    assert counts_on_page(client, world, "secretary_a")[ClaimFlow.review] == 2


def test_the_number_of_queries_does_not_grow_with_the_tasks(client, world, scene, monkeypatch):
    login(client, world, "secretary_a")
    with CaptureQueriesContext(connection) as before:
        client.get(reverse(HOME))
    freeze(monkeypatch, 2026, 4, 9, 9)
    for member in (world.member_a, world.other_member_a, world.clerk_a.member):
        recorded(
            world,
            submit(member, "innovative-activity", D(2026, 4, 8)),
            clerk=world.secretary_a if member.user == world.clerk_a else None,
        )
    submit(world.other_member_a, "innovative-activity", D(2026, 4, 5))
    login(client, world, "secretary_a")
    with CaptureQueriesContext(connection) as after:
        response = client.get(reverse(HOME))
    counts = {step.node: step.count for step in response.context["steps"]}
    assert counts == {ClaimFlow.review: 4, AppealFlow.decide: 1}
    assert len(after.captured_queries) == len(before.captured_queries)


def test_the_step_counts_take_two_queries_whatever_the_steps(world, scene):
    with CaptureQueriesContext(connection) as queries:
        steps_waiting(world.committee_a)
    task_queries = [q for q in queries.captured_queries if "viewflow_task" in q["sql"]]
    assert len(task_queries) == 2  # the queue's and the inbox's, grouped by step


def test_a_secretary_who_is_a_member_sees_both_sections(client, world, scene):
    login(client, world, "secretary_a")
    html = client.get(reverse(HOME)).content.decode()
    for section in ('data-section="steps"', 'data-section="standing"', 'data-section="claimable"'):
        assert section in html
    assert "支部书记" in html and "正式党员" in html


def test_an_officer_who_is_no_member_sees_no_member_section(client, world, scene):
    login(client, world, "higher")
    html = client.get(reverse(HOME)).content.decode()
    assert 'data-section="steps"' in html and 'data-section="standing"' not in html


def test_a_member_sees_what_is_left_of_each_items_cap(client, world, scene):
    # 张伟: 创新型特色党员活动 approved once (2), claimed again (2, 待登记); 结对服务 returned (2, under way).
    rows = {row.item.code: row for row in claimable_items(world.member_a, D(2026, 4, 8))}
    assert (rows["innovative-activity"].counted, rows["innovative-activity"].pending) == (
        Decimal(4),
        Decimal(2),
    )
    assert rows["innovative-activity"].cap_left == Decimal(6)
    assert rows["community-service"].cap_left == Decimal(8)
    login(client, world, "member_a")
    html = client.get(reverse(HOME)).content.decode()
    assert 'data-item="innovative-activity"' in html and "还可得 6 分" in html


def test_a_member_at_the_cap_is_told_so(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    for day in range(1, 6):
        submit(world.member_a, "innovative-activity", D(2026, 3, day))
    row = next(
        r for r in claimable_items(world.member_a, D(2026, 3, 20)) if r.item.code == "innovative-activity"
    )
    assert row.cap_left == 0 and row.exhausted


def test_a_member_sees_the_open_publicity_and_where_to_appeal(client, world, rules_2026, monkeypatch):
    from .helpers import approved_claim

    freeze(monkeypatch, 2026, 3, 20, 10)
    approved_claim(world, world.member_a)
    review = publicity_opened(world, monkeypatch)
    login(client, world, "member_a")
    response = client.get(reverse(HOME))
    assert [row.window.review for row in response.context["appealable"]] == [review]
    assert reverse("me:publicity_detail", args=[review.pk]) in response.content.decode()
    login(client, world, "outsider")  # another branch's 公示 is not theirs
    assert client.get(reverse(HOME)).context["windows"] == []


def test_overdue_tasks_say_whom_they_are_escalated_to(client, world, scene, monkeypatch):
    ReviewSettings.objects.create(organization=world.branch_a, escalation_days=3)
    # viewflow stamps its tasks with the real clock: they were made on 8 April in the scene.
    Task.objects.filter(status__in=OPEN).update(created=aware(2026, 4, 8, 9))
    freeze(monkeypatch, 2026, 4, 15, 9)
    login(client, world, "secretary_a")
    context = client.get(reverse(HOME)).context
    rows, total = context["overdue"], context["overdue_total"]
    names = {row.task.pk: row for row in rows}
    review = names[scene.open_tasks["review_a"].pk]
    assert review.chasers == ["陈静"] and (review.days, review.limit) == (7, 3)
    assert scene.open_tasks["record_b"].pk not in names  # branch B's are not A's secretary's
    assert total == len(rows)
    login(client, world, "clerk_b")
    assert scene.open_tasks["review_a"].pk not in {
        r.task.pk for r in client.get(reverse(HOME)).context["overdue"]
    }


def test_the_workbench_needs_a_login(client):
    response = client.get(reverse(HOME))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_people_land_on_the_workbench(client, world):
    client.force_login(world.clerk_a)
    assert client.get("/", follow=True).request["PATH_INFO"] == reverse(HOME)


def test_an_overdue_task_about_the_secretarys_own_points_is_escalated_to_the_higher_committee(
    client, world, rules_2026, monkeypatch
):
    ReviewSettings.objects.create(organization=world.branch_a, escalation_days=3)
    freeze(monkeypatch, 2026, 4, 9, 9)
    own = recorded(world, submit(world.secretary_a.member))  # 陈静's own claim waits for 刘洋's 审核
    Task.objects.filter(status__in=OPEN).update(created=aware(2026, 4, 9, 9))
    freeze(monkeypatch, 2026, 4, 20, 9)
    login(client, world, "higher")
    rows = {row.task.process_id: row for row in client.get(reverse(HOME)).context["overdue"]}
    assert rows[own.process.pk].chasers == ["上级党委"]
    login(client, world, "committee_a")
    rows = {row.task.process_id: row for row in client.get(reverse(HOME)).context["overdue"]}
    assert rows[own.process.pk].chasers == ["上级党委"]  # the one who could take it sees whom it goes to
