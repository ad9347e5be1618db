"""Two people on one proposal over the API: exactly one wins, the other gets 409 with the Chinese reason.

First one after the other (any database), then at the same moment — threads with their own connections,
which only PostgreSQL's row locks serialize (SQLite ignores ``select_for_update``).
"""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import RoleAssignment
from audit.models import AuditRecord
from scoring import messages as scoring_messages
from scoring.models import RuleProposal
from tests.api.tasks.test_conflicts import in_threads, one_winner, posting
from tests.factories import UserFactory, make_role
from tests.workflows.helpers import open_task
from workflows import messages
from workflows.rule_flows import RuleProposalFlow

from .conftest import SNOW_A, propose

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
APPROVE = {"decision": "approve"}
RETURN = {"decision": "return", "reason": "扫雪上限请改为3分"}


@pytest.fixture
def decide_url(world, rules_2026):
    proposal = propose(world.branch_a, world.secretary_a, SNOW_A)
    return f"/api/v1/tasks/{open_task(proposal.process, RuleProposalFlow.decide).pk}/act/"


@pytest.fixture
def two_higher(world, as_user):
    """Two members of the higher committee, each with a token."""
    other = UserFactory(username="higher2")
    make_role(other, world.committee, RoleAssignment.Role.HIGHER)
    return as_user(world.higher), as_user(other)


def test_the_second_to_decide_a_proposal_is_told_it_is_already_done(decide_url, two_higher):
    first, second = two_higher
    assert first.post(decide_url, APPROVE, format="json").status_code == 200
    late = second.post(decide_url, RETURN, format="json")
    assert late.status_code == 409
    assert late.json() == {"code": "conflict", "message": str(messages.TASK_ALREADY_DONE), "fields": {}}
    assert RuleProposal.objects.get().status == RuleProposal.Status.APPROVED


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_two_of_the_higher_committee_deciding_at_the_same_moment_one_wins(decide_url, two_higher):
    approver, returner = two_higher
    results = in_threads(posting(approver, decide_url, APPROVE), posting(returner, decide_url, RETURN))
    winner, loser = one_winner(results)
    assert loser["code"] == "conflict"
    expected = RuleProposal.Status.APPROVED if winner == 0 else RuleProposal.Status.RETURNED
    assert RuleProposal.objects.get().status == expected
    decided = AuditRecord.objects.filter(action__in=("rule_proposal.approve", "rule_proposal.return"))
    assert decided.count() == 1


@pytest.mark.postgres
@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_proposal_sent_twice_at_once_is_recorded_once(world, rules_2026, as_user):
    secretary = as_user(world.secretary_a)
    body = {"branch": world.branch_a.pk, "source": SNOW_A, "effective_from": "2026-04-01"}
    url = "/api/v1/rule-proposals/"
    results = in_threads(posting(secretary, url, body), posting(secretary, url, body))
    assert sorted(r.status_code for r in results) == [201, 409], results
    loser = next(r for r in results if r.status_code == 409).json()
    assert loser == {"code": "pending", "message": str(scoring_messages.PROPOSAL_PENDING), "fields": {}}
    assert RuleProposal.objects.count() == 1
