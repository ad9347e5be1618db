"""The process's rows: a step that moves a process on writes viewflow's row, and the organization and the
record it carries (``BranchProcess``) only when they change — nothing a step did is lost for it."""

from __future__ import annotations

import datetime

from django.db import connection
from django.test.utils import CaptureQueriesContext
from viewflow.workflow.status import STATUS

from accounts.models import Organization
from tests.factories import make_organization
from workflows.models import BranchProcess, ClaimProcess


def _tables_written(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"].split('"')[1] for q in captured.captured_queries if q["sql"].startswith("UPDATE")]


def test_a_step_that_finishes_a_process_writes_only_viewflows_row(world, rules_2026):
    from tests.workflows.helpers import approved_claim

    claim = approved_claim(world)
    process = ClaimProcess.objects.get(claim=claim)
    process.status = STATUS.CANCELED

    with CaptureQueriesContext(connection) as captured:
        process.save()

    assert _tables_written(captured) == ["viewflow_process"]
    process.refresh_from_db()
    assert process.status == STATUS.CANCELED and process.claim == claim


def test_a_changed_organization_or_record_is_written(world, rules_2026):
    from tests.workflows.helpers import approved_claim

    claim = approved_claim(world, day=datetime.date(2026, 3, 11))
    process = BranchProcess.objects.get(claim=claim)
    elsewhere = make_organization(
        code="C01-G1-C", name="第三党支部", kind=Organization.Kind.BRANCH, parent=world.general_branch
    )
    process.organization = elsewhere

    with CaptureQueriesContext(connection) as captured:
        process.save()

    assert _tables_written(captured) == ["viewflow_process", "workflows_branchprocess"]
    assert BranchProcess.objects.get(pk=process.pk).organization == elsewhere

    # Saved again unchanged: only viewflow's row.
    with CaptureQueriesContext(connection) as captured:
        process.save()
    assert _tables_written(captured) == ["viewflow_process"]


def test_a_process_read_in_part_is_saved_without_reading_the_rest(world, rules_2026):
    from tests.workflows.helpers import approved_claim

    claim = approved_claim(world, day=datetime.date(2026, 3, 12))
    process = BranchProcess.objects.only("id", "status").get(claim=claim)
    process.status = STATUS.CANCELED

    with CaptureQueriesContext(connection) as captured:
        process.save()

    assert not [q for q in captured.captured_queries if q["sql"].startswith("SELECT")]
    process = BranchProcess.objects.get(pk=process.pk)
    assert process.status == STATUS.CANCELED and process.claim == claim
