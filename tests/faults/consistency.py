"""After the faults: what the database says of the claims the clients sent, read inside the stack's own
Django process (``manage.py shell -c``) and printed as JSON for the suite to assert on.

Before reading, it sends the e-mails the outbox still holds — those whose queue message died with the
Celery worker or with Redis — exactly as the ``notifications_flush`` beat job does a minute later.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from django.db.models import Count
from django.utils import timezone
from viewflow.workflow.status import STATUS

from scoring.models import LedgerEntry
from workflows.models import BranchProcess, Claim, Notification
from workflows.notifications import FLUSH_AFTER, notifications_flush


def _claims_by_marker(markers: list[str]) -> dict[str, list[Claim]]:
    found: dict[str, list[Claim]] = {marker: [] for marker in markers}
    for claim in Claim.objects.filter(description__startswith="故障演练 "):
        marker = claim.description.split(" ", 1)[1]
        found.setdefault(marker, []).append(claim)
    return found


def _process_faults(claim: Claim) -> list[str]:
    """An approved claim's process has ended, every task of it done — nothing half-way or in error."""
    process = BranchProcess.objects.filter(claim=claim).first()
    if process is None:
        return [f"claim {claim.pk}: no process"]
    faults = []
    if claim.status != Claim.Status.APPROVED:
        faults.append(f"claim {claim.pk}: {claim.status}")
    if process.status != STATUS.DONE:
        faults.append(f"claim {claim.pk}: process {process.pk} {process.status}")
    for task in process.task_set.exclude(status=STATUS.DONE):
        faults.append(f"claim {claim.pk}: task {task.pk} {task.flow_task} {task.status}")
    return faults


def _ledger_faults(claims: list[Claim]) -> list[str]:
    """One ledger entry per approved claim, the one it points to, under the claim's idempotency key."""
    keys = {f"claim:{claim.pk}": claim for claim in claims}
    entries = Counter(
        LedgerEntry.objects.filter(idempotency_key__in=keys).values_list("idempotency_key", flat=True)
    )
    faults = [f"{key}: {n} ledger entries" for key, n in entries.items() if n != 1]
    faults += [f"{key}: no ledger entry" for key in keys if key not in entries]
    for key, claim in keys.items():
        if claim.ledger_entry_id is None or claim.ledger_entry.idempotency_key != key:
            faults.append(f"{key}: the claim does not point to its entry")
    members = {claim.member_id for claim in claims}
    stray = LedgerEntry.objects.filter(member_id__in=members).exclude(idempotency_key__in=keys).count()
    if stray:
        faults.append(f"{stray} ledger entries of the load's members belong to no claim of it")
    return faults


def report(markers_file: str) -> None:
    flushed = notifications_flush(now=timezone.now() + FLUSH_AFTER)
    markers = json.loads(Path(markers_file).read_text())
    found = _claims_by_marker(markers)
    claims = [claim for group in found.values() for claim in group]
    approvals = Notification.objects.filter(
        kind="claim_approved", url__in=[f"/me/claims/{claim.pk}/" for claim in claims]
    )
    doubled_notifications = approvals.values("url").annotate(n=Count("pk")).filter(n__gt=1).count()
    print(
        json.dumps(
            {
                "flushed": flushed,
                "claims": len(claims),
                "unknown": sorted(m for m in found if m not in markers),
                "missing": sorted(m for m in markers if not found[m]),
                "doubled": sorted(m for m, group in found.items() if len(group) > 1),
                "process_faults": [f for claim in claims for f in _process_faults(claim)],
                "ledger_faults": _ledger_faults(claims),
                "approved_claims": sorted(c.pk for c in claims if c.status == Claim.Status.APPROVED),
                "notifications": approvals.count(),
                "notifications_unsent": approvals.filter(emailed_at__isnull=True).count(),
                "notifications_doubled": doubled_notifications,
            }
        )
    )
