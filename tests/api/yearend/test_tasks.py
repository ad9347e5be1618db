"""The year-end's steps in 待办: each a task kind with its subject and choices; a single decision is made
at ``tasks/{id}/act/``, a per-member step points to its own resource; two officers on one step — the
second is told, 409, and nothing changes."""

from __future__ import annotations

from tests.workflows.helpers import add_officer
from tests.yearend.helpers import fire, nothing_changes
from workflows import messages as workflow_messages
from yearend.models import AnnualResult

from .test_evaluations import refused


def queue(client, **filters) -> list[dict]:
    response = client.get("/api/v1/tasks/queue/", {"page_size": 100, **filters})
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_the_steps_are_tasks_with_their_subject_and_choices(world, scene, client_of):
    year = scene("voting")
    session = year.sessions["a"]
    tally = queue(client_of("clerk_a"), kind="evaluation.tally")
    assert len(tally) == 1
    task = tally[0]
    assert (task["flow"], task["title"], task["branch"]["code"]) == ("evaluation", "计票", "C01-G1-A")
    assert task["subject"]["type"] == "evaluation" and task["subject"]["evaluation"]["id"] == session.pk
    assert task["subject"]["summary"] == "第一党支部 2026年度民主评议"
    assert task["subject"]["url"].endswith(f"/api/v1/evaluations/{session.pk}/")
    assert [c["decision"] for c in task["choices"]] == ["finish", "finish_early"]
    assert queue(client_of("clerk_a"), flow="annual") == []
    year._tallied()
    propose = queue(client_of("committee_a"), kind="evaluation.propose")[0]
    assert propose["choices"][0]["action_url"].endswith(f"/api/v1/evaluations/{session.pk}/proposals/")
    committee = client_of("committee_a")
    with nothing_changes():
        response = committee.post(
            f"/api/v1/tasks/{propose['id']}/act/", {"decision": "propose"}, format="json"
        )
    message = (
        f"支委会评定请提交每名党员的评议等次（或得分）：POST /api/v1/evaluations/{session.pk}/proposals/。"
    )
    assert refused(response, 400)["fields"] == {"decision": [message]}


def test_grading_points_to_its_resource_and_an_appeal_against_a_grade_names_whose(world, scene, client_of):
    year = scene("graded")
    review = year.reviews["a"]
    zhang = client_of("member_a")
    body = {"annual_review": review.pk, "subject": world.other_member_a.pk, "reason": "应为优秀"}
    assert zhang.post("/api/v1/appeals/", body, format="multipart").status_code == 201
    decide = queue(client_of("committee_a"), kind="appeal.decide")[0]
    assert decide["subject"]["summary"] == "张伟 对 王芳 的2026年度总评结果的申诉"
    assert decide["subject"]["appeal"]["kind"] == "annual" and decide["points_range"] is None
    assert decide["result_choices"] == ["优秀", "合格", "基本合格", "不合格"]
    wrong = client_of("committee_a").post(
        f"/api/v1/tasks/{decide['id']}/act/",
        {"decision": "uphold", "reason": "核实", "result": "良好"},
        format="json",
    )
    assert refused(wrong, 400)["fields"] == {
        "result": ["“良好”不是本规则集的等次，应为 优秀、合格、基本合格、不合格 之一"]
    }


def test_the_second_officer_to_approve_the_year_is_told_it_is_done(world, scene, client_of, as_user):
    other = add_officer(world.branch_a, "黄磊", "huanglei", "secretary")  # graded with the branch
    year = scene("graded")
    fire(year.monkeypatch, 2027, 1, 21, 10)
    approve = queue(client_of("secretary_a"), kind="annual.approve")[0]
    url = f"/api/v1/tasks/{approve['id']}/act/"
    first = client_of("secretary_a").post(url, {"decision": "approve"}, format="json")
    assert first.status_code == 200, first.content
    assert first.json()["subject"]["annual_review"]["status"] == "approved"
    huanglei = as_user(other)
    with nothing_changes():
        late = huanglei.post(url, {"decision": "approve"}, format="json")
    refused(late, 409, "conflict", workflow_messages.TASK_ALREADY_DONE)
    assert AnnualResult.objects.filter(review=year.reviews["a"]).values("round").distinct().count() == 1


def test_the_secretary_sends_the_year_back_to_the_committee_with_a_reason(world, scene, client_of):
    year = scene("graded")
    fire(year.monkeypatch, 2027, 1, 21, 10)
    secretary = client_of("secretary_a")
    approve = queue(secretary, kind="annual.approve")[0]
    assert [c["decision"] for c in approve["choices"]] == ["approve", "send_back"]
    url = f"/api/v1/tasks/{approve['id']}/act/"
    with nothing_changes():
        silent = secretary.post(url, {"decision": "send_back"}, format="json")
    assert refused(silent, 400)["fields"] == {"reason": ["退回必须填写原因。"]}
    sent = secretary.post(url, {"decision": "send_back", "reason": "补充评定转入党员"}, format="json")
    assert sent.status_code == 200, sent.content
    assert sent.json()["subject"]["annual_review"]["status"] == "grading"
    assert len(queue(client_of("committee_a"), kind="annual.grade")) == 1
    assert not AnnualResult.objects.filter(review=year.reviews["a"]).exists()
