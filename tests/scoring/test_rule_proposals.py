"""自主设定项目 (004) and 动态调整 (002: 每季度由支部委员会议审定): the branch committee proposes its own
version of the rules, the higher committee approves it in its queue, and it takes effect on its date —
adding items or tightening caps, never loosening what the higher committee set; nobody approves their own."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from scoring import messages
from scoring.models import RuleProposal
from scoring.proposals import rule_proposal_decide, rule_proposal_submit, rule_proposals_apply_due
from scoring.selectors import effective_ruleset, ruleset_for, ruleset_version_current
from tests.workflows.helpers import freeze, open_task, perform
from workflows.rule_flows import RuleProposalFlow

SNOW = """\
code: diyi-2026
name: 第一党支部积分细则
extends: erqi-2021
items:
  - code: snow-clearing
    name: 义务扫雪
    category: special
    points: 1
    cap: 5
    evidence: required
    source: member
"""


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture(autouse=True)
def _flow_urls():
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


def propose(world, text=SNOW, effective_from=datetime.date(2026, 4, 1), by=None):
    return rule_proposal_submit(
        branch=world.branch_a,
        cycle=2026,
        text=text,
        effective_from=effective_from,
        note="支委会3月18日研究",
        by=by or world.secretary_a,
    )


def decide(world, proposal, approve=True, reason="同意", by=None):
    return perform(
        open_task(proposal.process, RuleProposalFlow.decide),
        by or world.higher,
        lambda **kw: rule_proposal_decide(proposal=proposal, approve=approve, reason=reason, **kw),
    )


def test_the_branch_proposes_and_the_higher_committee_finds_it_in_its_queue(world, rules_2026):
    proposal = propose(world)
    task = open_task(proposal.process, RuleProposalFlow.decide)
    assert task.owner_permission == "accounts.manage_rules"
    assert proposal.status == RuleProposal.Status.SUBMITTED


def test_approved_rules_take_effect_on_their_date_and_not_before(world, rules_2026, monkeypatch):
    proposal = propose(world)
    decide(world, proposal)
    proposal.refresh_from_db()
    assert proposal.status == RuleProposal.Status.APPROVED
    assert ruleset_for(world.branch_a, datetime.date(2026, 3, 25)).code == "erqi-2021"
    freeze(monkeypatch, 2026, 4, 1, 0, 5)
    assert rule_proposals_apply_due() == 1 and rule_proposals_apply_due() == 0
    ruleset = ruleset_for(world.branch_a, datetime.date(2026, 4, 2))
    assert ruleset.code == "diyi-2026" and ruleset.organization == world.branch_a
    assert effective_ruleset(ruleset_version_current(ruleset)).item("snow-clearing").cap == 5
    assert (
        ruleset_for(world.branch_b, datetime.date(2026, 4, 2)).code == "erqi-2021"
    )  # the neighbours keep theirs


def test_rules_approved_for_today_take_effect_at_once(world, rules_2026):
    proposal = propose(world, effective_from=datetime.date(2026, 3, 20))
    decide(world, proposal)
    proposal.refresh_from_db()
    assert proposal.status == RuleProposal.Status.IN_FORCE and proposal.version is not None


def test_a_proposal_may_not_loosen_a_cap_the_higher_committee_set(world, rules_2026):
    """特色积分 is capped at 10 per item by 二七区's rules: the branch may lower it, never raise it."""
    text = SNOW.split("items:")[0] + "items:\n  - code: innovative-activity\n    cap: 20\n"
    with pytest.raises(ValidationError) as caught:
        propose(world, text)
    assert any("不能放宽上级统一规定的上限" in message for message in caught.value.messages)
    assert not RuleProposal.objects.exists()


def test_a_proposal_must_extend_the_inherited_rules(world, rules_2026):
    with pytest.raises(ValidationError) as caught:
        propose(world, SNOW.replace("extends: erqi-2021\n", ""))
    assert caught.value.messages == [messages.PROPOSAL_NOT_LOCAL]


def test_only_the_secretary_proposes(world, rules_2026):
    with pytest.raises(ValidationError) as caught:
        propose(world, by=world.clerk_a)
    assert caught.value.messages == [messages.PROPOSAL_NOT_ALLOWED]


def test_no_one_approves_their_own_proposal(world, rules_2026):
    from accounts.models import RoleAssignment
    from tests.factories import make_role

    make_role(world.higher, world.branch_a, RoleAssignment.Role.SECRETARY)
    proposal = propose(world, by=world.higher)
    with pytest.raises(ValidationError) as caught:
        decide(world, proposal)
    assert caught.value.messages == [messages.PROPOSAL_OWN]


def test_a_returned_proposal_goes_back_to_the_proposer_to_revise(world, rules_2026, client):
    proposal = propose(world)
    decide(world, proposal, approve=False, reason="扫雪上限改为3分")
    revise = open_task(proposal.process, RuleProposalFlow.revise)
    assert revise.owner == world.secretary_a
    client.force_login(world.secretary_a)
    response = client.post(
        revise.flow_task.reverse("execute", args=[revise.process_id, revise.pk]),
        {"source": SNOW.replace("cap: 5", "cap: 3"), "effective_from": "2026-04-01", "note": "已按意见修改"},
    )
    assert response.status_code == 302
    proposal.refresh_from_db()
    assert proposal.status == RuleProposal.Status.SUBMITTED and "cap: 3" in proposal.source
    assert open_task(proposal.process, RuleProposalFlow.decide)


def test_a_return_needs_its_reason(world, rules_2026):
    proposal = propose(world)
    with pytest.raises(ValidationError) as caught:
        decide(world, proposal, approve=False, reason="")
    assert caught.value.message_dict["reason"] == [messages.PROPOSAL_REASON_REQUIRED]


def test_the_branch_rules_page_shows_the_rules_and_takes_a_proposal(world, rules_2026, client):
    client.force_login(world.secretary_a)
    url = reverse("clerk:rules", args=[world.branch_a.pk])
    page = client.get(url).content.decode()
    assert "支部党员大会" in page and "extends: erqi-2021" in page
    response = client.post(url, {"source": SNOW, "effective_from": "2026-04-01", "note": "支委会研究"})
    assert response.status_code == 302 and RuleProposal.objects.count() == 1


def test_another_branchs_rules_page_is_not_found(world, rules_2026, client):
    client.force_login(world.clerk_b)
    assert client.get(reverse("clerk:rules", args=[world.branch_a.pk])).status_code == 404
