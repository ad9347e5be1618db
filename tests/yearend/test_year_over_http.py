"""The year's end over viewflow's own task pages, as each officer does it: 计票 with a paper count,
支委会评定, 公示, 审定; then 发起年度总评, 评定等次, 公示, 审定, 党委审批, 备案 — and the branch's year page
shows the result, 评先评优 and the follow-up candidates."""

import datetime

from django.urls import reverse

from tests.workflows.helpers import act, freeze, open_task
from yearend.evaluation import ballots_cast, evaluation_open
from yearend.flows import AnnualReviewFlow, EvaluationFlow
from yearend.models import AnnualResult, AnnualReview, EvaluationResult, EvaluationSession

from .helpers import approve_year, at, fire


def test_the_year_end_of_a_branch_through_its_task_pages(client, world, year_2026, monkeypatch):
    approve_year(world, monkeypatch)
    freeze(monkeypatch, 2027, 1, 8, 9)
    session = evaluation_open(
        branch=world.branch_a,
        cycle=2026,
        meeting_on=datetime.date(2027, 1, 10),
        voting_opens_at=at(2027, 1, 10, 9),
        voting_closes_at=at(2027, 1, 10, 12),
        mode=EvaluationSession.Mode.MIXED,
        by=world.clerk_a,
    )
    freeze(monkeypatch, 2027, 1, 10, 10)
    ballots_cast(
        session=session,
        voter=world.other_member_a,
        choices={world.member_a.pk: {"level": "合格"}},
        by=world.other_member_a.user,
    )

    # 计票: the clerk enters the meeting's paper count for 王芳 (3 ballots: 优秀 2, 合格 1) and ends voting.
    tally = open_task(session.process, EvaluationFlow.tally)
    client.force_login(world.clerk_a)
    client.post(tally.flow_task.reverse("assign", args=[tally.process_id, tally.pk]))
    page = client.get(tally.flow_task.reverse("execute", args=[tally.process_id, tally.pk])).content.decode()
    assert "纸质有效票" in page and "张伟" in page
    data = {"action": "finish", "close_voting_now": "on", f"ballots_{world.other_member_a.pk}": "3"}
    data.update({f"count0_{world.other_member_a.pk}": "2", f"count1_{world.other_member_a.pk}": "1"})
    act(client, world.clerk_a, tally, data)

    # 支委会评定: the count's suggestion is filled in; everybody else (no votes) at 合格 with the reason.
    propose = open_task(session.process, EvaluationFlow.propose)
    data = {}
    for participant in session.participants.filter(evaluated=True):
        data[f"result_{participant.member_id}"] = "合格"
        data[f"reason_{participant.member_id}"] = (
            "" if participant.member_id == world.member_a.pk else "按合格"
        )
    data[f"result_{world.other_member_a.pk}"], data[f"reason_{world.other_member_a.pk}"] = "优秀", ""
    act(client, world.committee_a, propose, data)

    fire(monkeypatch, 2027, 1, 15, 12)
    act(client, world.secretary_a, open_task(session.process, EvaluationFlow.approve), {"note": "同意"})
    assert EvaluationResult.objects.get(session=session, member=world.other_member_a).level == "优秀"

    # 发起年度总评 from the year page, then the committee grades at the suggestions.
    freeze(monkeypatch, 2027, 1, 16, 9)
    client.force_login(world.clerk_a)
    client.post(reverse("yearend:annual_start", args=[world.branch_a.pk, 2026]))
    review = AnnualReview.objects.get(branch=world.branch_a, cycle=2026)
    grade = open_task(review.process, AnnualReviewFlow.grade)
    client.force_login(world.committee_a)
    client.post(grade.flow_task.reverse("assign", args=[grade.process_id, grade.pk]))
    page = client.get(grade.flow_task.reverse("execute", args=[grade.process_id, grade.pk])).content.decode()
    assert "建议等次" in page and "95" in page
    form = page.split('name="grade_')
    data = {}
    for chunk in form[1:]:
        member_pk = chunk.split('"')[0]
        selected = chunk.split("selected>")[0].rsplit('value="', 1)[1].split('"')[0]
        data[f"grade_{member_pk}"], data[f"reason_{member_pk}"] = selected, ""
    act(client, world.committee_a, grade, data)

    fire(monkeypatch, 2027, 1, 21, 9)
    act(
        client,
        world.secretary_a,
        open_task(review.process, AnnualReviewFlow.approve),
        {"decision": "approve", "note": ""},
    )
    act(
        client,
        world.higher,
        open_task(review.process, AnnualReviewFlow.ratify),
        {"decision": "agree", "reason": ""},
    )
    act(
        client,
        world.higher,
        open_task(review.process, AnnualReviewFlow.file),
        {"decision": "agree", "reason": ""},
    )
    review.refresh_from_db()
    assert review.status == AnnualReview.Status.ARCHIVED
    wang = AnnualResult.objects.get(review=review, member=world.other_member_a)
    assert (wang.total, wang.grade, wang.honours_eligible) == (95, "优秀", True)

    client.force_login(world.secretary_a)
    year = client.get(reverse("yearend:branch_year", args=[world.branch_a.pk, 2026])).content.decode()
    assert "已备案" in year and "评先评优人选" in year and "王芳（优秀" in year
