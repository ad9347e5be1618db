"""The scene of the rule-proposal tests, on 20 March 2026: each branch's secretary has proposed its own
rules (义务扫雪, from 1 April). Branch A's proposal waits in the higher committee's queue (decide_a);
branch B's (吴敏's) was returned and waits for her revision (revise_b)."""

from __future__ import annotations

import datetime

import pytest
from rest_framework.test import APIClient
from viewflow.workflow.models import Task

from accounts.models import Member
from scoring.models import RuleProposal
from scoring.proposals import rule_proposal_decide, rule_proposal_submit
from tests.workflows.helpers import freeze, open_task, perform, secretary_b
from workflows.rule_flows import RuleProposalFlow

APRIL = datetime.date(2026, 4, 1)
SNOW = """\
code: {code}
name: 本支部积分细则
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
SNOW_A = SNOW.format(code="diyi-2026")
SNOW_B = SNOW.format(code="dier-2026")
# 特色积分 is capped at 10 per item by 二七区's rules: a branch may lower it, never raise it.
LOOSER = SNOW_A.split("items:")[0] + "items:\n  - code: innovative-activity\n    cap: 20\n"
PERSONAS = [
    "anonymous",
    "member_a",
    "other_member_a",
    "clerk_a",
    "committee_a",
    "secretary_a",
    "clerk_b",
    "secretary_b",
    "outsider",
    "higher",
]


def user_of(world, persona):
    person = getattr(world, persona)
    return person.user if isinstance(person, Member) else person


def propose(branch, by, text, effective_from=APRIL):
    return rule_proposal_submit(
        branch=branch, cycle=2026, text=text, effective_from=effective_from, note="支委会研究", by=by
    )


def decide(proposal, by, approve=True, reason="同意"):
    return perform(
        open_task(proposal.process, RuleProposalFlow.decide),
        by,
        lambda **kw: rule_proposal_decide(proposal=proposal, approve=approve, reason=reason, **kw),
    )


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


@pytest.fixture
def officers_b(world):
    """吴敏, branch B's secretary, as a persona of the world."""
    world.secretary_b = secretary_b(world)
    return world


class Scene:
    def __init__(self, world):
        self.world = world
        self.a = propose(world.branch_a, world.secretary_a, SNOW_A)
        self.b = propose(world.branch_b, world.secretary_b, SNOW_B)
        decide(self.b, world.higher, approve=False, reason="扫雪上限请改为3分")
        self.tasks = {
            "decide_a": open_task(self.a.process, RuleProposalFlow.decide),
            "revise_b": open_task(self.b.process, RuleProposalFlow.revise),
        }

    def task(self, name) -> Task:
        return Task.objects.get(pk=self.tasks[name].pk)

    def proposal(self, key) -> RuleProposal:
        return RuleProposal.objects.get(pk=getattr(self, key).pk)


@pytest.fixture
def scene(officers_b, rules_2026):
    return Scene(officers_b)


@pytest.fixture
def client_of(officers_b, as_user):
    """``client_of(persona)``: an API client with a fresh token for the persona (none for anonymous)."""

    def _client(persona):
        return APIClient() if persona == "anonymous" else as_user(user_of(officers_b, persona))

    return _client
