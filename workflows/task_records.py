"""What a task is about, as its pages show it — before 认领 as after: the claim, its evidence, the
duplicate-photo warnings and the member's standing for the item (本周期已计 / 上限)."""

from __future__ import annotations

from typing import Any

from viewflow.workflow.models import Task

from scoring.selectors import effective_ruleset
from workflows.evidence import evidence_reuse
from workflows.models import Claim
from workflows.queue_rows import standings, task_rows


def claim_context(claim: Claim, viewer) -> dict[str, Any]:
    """The claim card's context (``templates/workflows/_claim_card.html``)."""
    rules = effective_ruleset(claim.ruleset_version)
    return {
        "claim": claim,
        "item": rules.item(claim.item_code),
        "evidence": list(claim.evidence.all()),
        "reuse": evidence_reuse(claim, viewer=viewer),
        "standing": standings([claim])[claim.pk],
    }


def task_record_context(task: Task, viewer) -> dict[str, Any]:
    """A task's record for the page that offers it (认领): a claim's card, else the list's summary row.

    Only called on pages viewflow has already allowed the viewer to open (``can_assign``), so the
    record is the viewer's to see.
    """
    process = task.process.coerced
    claim = getattr(process, "claim", None)
    if claim is not None:
        return {"kind": "claim", **claim_context(claim, viewer)}
    return {"kind": "summary", "row": task_rows([task])[task.pk]}
