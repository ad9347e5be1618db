"""Each step of a claim — 申报, 登记, 支委会审核 — costs a fixed number of SQL queries, through the entry
points the pages and the API use, however many claims the branch already has.

Counted: the statements that read or write rows; the transaction's own BEGIN / SAVEPOINT / RELEASE /
COMMIT are left out (their number depends on how deeply the services nest ``atomic``, not on the data).
The test commits each step as production does (``transaction=True``): a step's memory of the audit chain
lasts one transaction, so the first claim and the twentieth must cost the same.
"""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext

from api.tasks.kinds import Act, kind_of
from audit.models import AuditRecord
from scoring.models import LedgerEntry
from tests.workflows.helpers import open_task, photo
from workflows.claims import claim_submit
from workflows.flows import ClaimFlow
from workflows.models import Claim

pytestmark = pytest.mark.django_db(transaction=True)

# The most each step may cost, as measured on PostgreSQL (SQLite takes no advisory lock: one fewer).
# viewflow's own share is fixed: the process lock, the task re-read, the task rows it finishes and
# creates with their links (5–9 statements a step). Before issue 12: 39 / 33 / 54; then 22 / 21 / 27;
# now the task is read with its process, organization and claim, taken and done in one write, and the
# process's own row is written only when it changes.
LIMITS = {"申报": 21, "登记": 15, "审核": 22}

CONTROL = ("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE")


def _queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if not q["sql"].lstrip().upper().startswith(CONTROL)]


def _one_claim(world, day: datetime.date) -> dict[str, list[str]]:
    """A claim of 张伟 through the three steps; the queries of each."""
    member = world.member_a
    spent: dict[str, list[str]] = {}
    with CaptureQueriesContext(connection) as captured:
        claim = claim_submit(
            member=member,
            item_code="innovative-activity",
            occurred_on=day,
            evidence=[photo()],
            cap_acknowledged=True,
            by=member.user,
        )
    spent["申报"] = _queries(captured)
    for step, node, user, decision in (
        ("登记", ClaimFlow.record, world.clerk_a, "record"),
        ("审核", ClaimFlow.review, world.committee_a, "approve"),
    ):
        task = open_task(claim.process, node)
        with CaptureQueriesContext(connection) as captured:
            kind_of(task).perform(task, user, Act(decision))
        spent[step] = _queries(captured)
    claim.refresh_from_db()
    assert claim.status == Claim.Status.APPROVED
    return spent


def test_each_step_of_a_claim_costs_the_same_few_queries_for_the_first_and_the_twentieth_claim(
    world, rules_2026
):
    for model in (Claim, LedgerEntry, AuditRecord):
        ContentType.objects.get_for_model(model)  # the process-wide cache, warm as in a running server
    first = _one_claim(world, datetime.date(2026, 1, 5))
    for n in range(1, 19):
        _one_claim(world, datetime.date(2026, 1, 5) + datetime.timedelta(days=n))
    twentieth = _one_claim(world, datetime.date(2026, 2, 20))

    for step, limit in LIMITS.items():
        assert len(first[step]) <= limit, (step, len(first[step]), first[step])
        assert len(twentieth[step]) == len(first[step]), (step, first[step], twentieth[step])


def test_the_steps_chain_their_audit_records_and_ledger_entries_intact(world, rules_2026):
    from audit.chain import verify_chain

    for n in range(3):
        _one_claim(world, datetime.date(2026, 1, 5) + datetime.timedelta(days=n))

    for model in (AuditRecord, LedgerEntry):
        report = verify_chain(model)
        assert report.rows and report.breaks == []
