"""自主设定项目 over the API: a branch secretary proposes the branch's own rules (extending the inherited
ones, never loosening a higher cap), the higher committee approves or returns it from its 待办 queue
(task kind ``rule_proposal.decide``), the proposer revises a returned one (``rule_proposal.revise``), and
the approved rules take effect on their date. Refusals are the services' Chinese messages."""

from __future__ import annotations

import datetime

from scoring import messages
from scoring.models import RuleProposal
from scoring.proposals import rule_proposals_apply_due
from scoring.selectors import ruleset_for
from tests.workflows.helpers import freeze
from workflows.rule_flows import RuleProposalFlow

from .conftest import APRIL, LOOSER, SNOW_A, propose

PROPOSALS = "/api/v1/rule-proposals/"


def proposal_body(world, text=SNOW_A, effective_from=APRIL):
    return {"branch": world.branch_a.pk, "cycle": 2026, "source": text, "effective_from": str(effective_from)}


def queued(client, kind="rule_proposal.decide"):
    rows = client.get("/api/v1/tasks/queue/", {"kind": kind}).json()["results"]
    return rows


def test_a_branch_secretary_proposes_local_rules_over_the_api(officers_b, rules_2026, client_of):
    world = officers_b
    body = {**proposal_body(world), "note": "支委会3月18日研究"}
    response = client_of("secretary_a").post(PROPOSALS, body, format="json")
    assert response.status_code == 201, response.content
    shown = response.json()
    assert shown["status"] == "submitted" and shown["status_display"] == "待上级审批"
    assert shown["branch"]["code"] == "C01-G1-A" and shown["effective_from"] == "2026-04-01"
    assert shown["proposed_by"] == "陈静" and shown["decided_by"] is None
    assert shown["source"] == SNOW_A and shown["note"] == "支委会3月18日研究"
    assert shown["changes"] == [
        {
            "code": "snow-clearing",
            "name": "义务扫雪",
            "change": "added",
            "fields": [],
            "points": "1",
            "cap": "5",
        }
    ]
    assert shown["check_errors"] == []
    assert [step["kind"] for step in shown["open_tasks"]] == ["rule_proposal.decide"]
    proposal = RuleProposal.objects.get()
    assert proposal.proposed_by == world.secretary_a and proposal.organization == world.branch_a


def test_a_proposal_refining_an_inherited_item_shows_what_it_changes(officers_b, rules_2026, client_of):
    text = SNOW_A + "  - code: innovative-activity\n    cap: 6\n"
    response = client_of("secretary_a").post(PROPOSALS, proposal_body(officers_b, text), format="json")
    assert response.status_code == 201, response.content
    refined = [row for row in response.json()["changes"] if row["change"] == "refined"]
    assert [(row["code"], row["fields"], row["cap"]) for row in refined] == [
        ("innovative-activity", ["cap"], "6")
    ]


def test_a_proposal_loosening_a_higher_cap_is_refused_over_the_api(officers_b, rules_2026, client_of):
    response = client_of("secretary_a").post(PROPOSALS, proposal_body(officers_b, LOOSER), format="json")
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["code"] == "invalid"
    assert any("不能放宽上级统一规定的上限" in message for message in body["fields"]["source"])
    assert body["message"] == body["fields"]["source"][0]  # one refusal: the phone shows it as it is
    assert not RuleProposal.objects.exists()


def test_unparsable_rules_are_refused_with_where_over_the_api(officers_b, rules_2026, client_of):
    text = "code: diyi-2026\nitems: [\n"
    response = client_of("secretary_a").post(PROPOSALS, proposal_body(officers_b, text), format="json")
    assert response.status_code == 400, response.content
    assert response.json()["fields"]["source"]
    assert not RuleProposal.objects.exists()


def test_rules_that_do_not_extend_the_inherited_ones_are_refused(officers_b, rules_2026, client_of):
    text = SNOW_A.replace("extends: erqi-2021\n", "")
    response = client_of("secretary_a").post(PROPOSALS, proposal_body(officers_b, text), format="json")
    assert response.status_code == 400
    assert response.json()["fields"]["source"] == [str(messages.PROPOSAL_NOT_LOCAL)]


def test_an_effective_date_before_today_is_refused(officers_b, rules_2026, client_of):
    body = proposal_body(officers_b, effective_from=datetime.date(2026, 3, 1))
    response = client_of("secretary_a").post(PROPOSALS, body, format="json")
    assert response.status_code == 400
    assert list(response.json()["fields"]) == ["effective_from"]


def test_a_second_proposal_while_one_is_pending_is_a_conflict(officers_b, rules_2026, client_of):
    propose(officers_b.branch_a, officers_b.secretary_a, SNOW_A)
    response = client_of("secretary_a").post(PROPOSALS, proposal_body(officers_b), format="json")
    assert response.status_code == 409, response.content
    assert response.json() == {
        "code": "pending",
        "message": str(messages.PROPOSAL_PENDING),
        "fields": {},
    }
    assert RuleProposal.objects.count() == 1


def test_the_higher_committee_approves_a_proposal_in_its_queue_over_the_api(
    officers_b, rules_2026, client_of, monkeypatch
):
    world = officers_b
    secretary, higher = client_of("secretary_a"), client_of("higher")
    proposal_id = secretary.post(PROPOSALS, proposal_body(world), format="json").json()["id"]
    [task] = queued(higher)
    assert task["flow"] == "rule_proposal" and task["title"] == "上级党委审批"
    assert task["subject"]["type"] == "rule_proposal"
    assert task["subject"]["rule_proposal"]["id"] == proposal_id
    assert task["subject"]["url"].endswith(f"{PROPOSALS}{proposal_id}/")
    assert {c["decision"]: c["needs"] for c in task["choices"]} == {"approve": [], "return": ["reason"]}
    assert queued(client_of("secretary_a")) == []  # the branch does not approve its own rules

    response = higher.post(f"/api/v1/tasks/{task['id']}/act/", {"decision": "approve"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["subject"]["rule_proposal"]["status"] == "approved"
    shown = higher.get(f"{PROPOSALS}{proposal_id}/").json()
    assert shown["decided_by"] == "higher" and shown["decided_at"] and shown["open_tasks"] == []
    assert shown["ruleset"] is None  # in force from 1 April, not before
    assert ruleset_for(world.branch_a, datetime.date(2026, 3, 25)).code == "erqi-2021"

    freeze(monkeypatch, 2026, 4, 1, 0, 5)
    assert rule_proposals_apply_due() == 1
    shown = secretary.get(f"{PROPOSALS}{proposal_id}/").json()
    assert shown["status"] == "in_force" and shown["ruleset"] == "diyi-2026" and shown["ruleset_version"] == 1
    assert shown["check_errors"] == [] and [row["code"] for row in shown["changes"]] == ["snow-clearing"]


def test_rules_approved_for_today_are_in_force_at_once(officers_b, rules_2026, client_of):
    body = proposal_body(officers_b, effective_from=datetime.date(2026, 3, 20))
    client_of("secretary_a").post(PROPOSALS, body, format="json")
    higher = client_of("higher")
    [task] = queued(higher)
    higher.post(f"/api/v1/tasks/{task['id']}/act/", {"decision": "approve", "note": "同意"}, format="json")
    [row] = higher.get(PROPOSALS, {"status": "in_force"}).json()["results"]
    assert row["ruleset"] == "diyi-2026" and row["decision_reason"] == "同意"


def test_a_return_needs_its_reason_over_the_api(scene, client_of):
    task = scene.task("decide_a")
    response = client_of("higher").post(
        f"/api/v1/tasks/{task.pk}/act/", {"decision": "return"}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["fields"] == {"reason": [str(messages.PROPOSAL_REASON_REQUIRED)]}
    assert scene.proposal("a").status == RuleProposal.Status.SUBMITTED


def test_deciding_a_proposal_twice_is_a_conflict(scene, client_of):
    higher = client_of("higher")
    url = f"/api/v1/tasks/{scene.task('decide_a').pk}/act/"
    assert higher.post(url, {"decision": "approve"}, format="json").status_code == 200
    again = higher.post(url, {"decision": "return", "reason": "再议"}, format="json")
    assert again.status_code == 409, again.content
    assert scene.proposal("a").status == RuleProposal.Status.APPROVED


def test_a_returned_proposal_is_revised_by_its_proposer_over_the_api(scene, client_of):
    secretary = client_of("secretary_b")
    [task] = secretary.get("/api/v1/tasks/").json()["results"]
    assert task["kind"] == "rule_proposal.revise"
    [choice] = task["choices"]
    assert choice["action_url"].endswith(f"{PROPOSALS}{scene.b.pk}/revise/")
    elsewhere = secretary.post(f"/api/v1/tasks/{task['id']}/act/", {"decision": "resubmit"}, format="json")
    assert elsewhere.status_code == 400
    assert f"{PROPOSALS}{scene.b.pk}/revise/" in elsewhere.json()["fields"]["decision"][0]

    shown = secretary.get(f"{PROPOSALS}{scene.b.pk}/").json()
    assert shown["status"] == "returned" and shown["decision_reason"] == "扫雪上限请改为3分"
    body = {"source": scene.b.source.replace("cap: 5", "cap: 3"), "note": "已按意见修改"}
    response = secretary.post(f"{PROPOSALS}{scene.b.pk}/revise/", body, format="json")
    assert response.status_code == 200, response.content
    shown = response.json()
    assert shown["status"] == "submitted" and "cap: 3" in shown["source"]
    assert shown["effective_from"] == "2026-04-01"  # left out: as it was
    assert [step["kind"] for step in shown["open_tasks"]] == ["rule_proposal.decide"]
    assert {row["subject"]["id"] for row in queued(client_of("higher"))} == {scene.a.pk, scene.b.pk}


def test_a_revision_loosening_a_higher_cap_is_refused_and_changes_nothing(scene, client_of):
    looser = scene.b.source + "  - code: innovative-activity\n    cap: 20\n"
    response = client_of("secretary_b").post(
        f"{PROPOSALS}{scene.b.pk}/revise/", {"source": looser}, format="json"
    )
    assert response.status_code == 400
    assert any("不能放宽上级统一规定的上限" in m for m in response.json()["fields"]["source"])
    proposal = scene.proposal("b")
    assert proposal.status == RuleProposal.Status.RETURNED and "cap: 20" not in proposal.source
    assert scene.task("revise_b").status == "ASSIGNED"


def test_a_proposal_waiting_for_approval_cannot_be_revised(scene, client_of):
    response = client_of("secretary_a").post(
        f"{PROPOSALS}{scene.a.pk}/revise/", {"note": "补充"}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["message"] == str(messages.PROPOSAL_NOT_OPEN % {"status": "待上级审批"})


def test_another_branch_cannot_see_a_proposal(scene, client_of):
    for persona in ("clerk_b", "secretary_b", "outsider"):
        client = client_of(persona)
        assert client.get(f"{PROPOSALS}{scene.a.pk}/").status_code == 404
        assert scene.a.pk not in {row["id"] for row in client.get(PROPOSALS).json()["results"]}
    refused = client_of("clerk_b").get(f"{PROPOSALS}{scene.a.pk}/").json()
    assert refused == {"code": "not_found", "message": "不存在或不在您的权限范围内", "fields": {}}


def test_the_task_lists_filter_rule_proposal_tasks_by_kind_and_flow(scene, client_of):
    higher = client_of("higher")
    by_flow = higher.get("/api/v1/tasks/queue/", {"flow": "rule_proposal"}).json()["results"]
    assert [row["id"] for row in by_flow] == [scene.task("decide_a").pk]
    revise = client_of("secretary_b").get("/api/v1/tasks/", {"kind": "rule_proposal.revise"}).json()
    assert [row["id"] for row in revise["results"]] == [scene.task("revise_b").pk]
    assert scene.task("decide_a").flow_task is RuleProposalFlow.decide
