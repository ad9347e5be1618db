"""自主设定项目申请 over the API: who sees which proposals, the open steps of one, and what it changes.

Scope as the page ``/clerk/<branch>/rules/``: the branch's officers (clerk, committee, secretary) and the
higher committee above it (``workflows.selectors.organizations_following``); a member without an office,
and anyone of another branch, sees none (404).
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from viewflow.workflow.models import Task

from accounts.models import Organization
from scoring.core.ruleset import Item, fmt
from scoring.models import RuleProposal
from scoring.proposals import proposal_check
from scoring.selectors import effective_ruleset
from scoring.services import ruleset_parse
from workflows.execution import OPEN
from workflows.member_selectors import branches_followed_by
from workflows.selectors import organizations_following

# What an item of the branch's file may set differently from the one it inherits.
ITEM_FIELDS = (
    "name",
    "category",
    "points",
    "points_range",
    "cap",
    "limit",
    "evidence",
    "source",
    "veto",
    "description",
)


def proposals_visible_to(user) -> QuerySet[RuleProposal]:
    if not user.is_authenticated:
        return RuleProposal.objects.none()
    return RuleProposal.objects.filter(organization__in=organizations_following(user)).select_related(
        "organization", "proposed_by", "decided_by", "version__ruleset"
    )


def branches_proposing_for(user) -> QuerySet[Organization]:
    """Branches whose rules the user follows: a proposal for any other branch is a 404."""
    return branches_followed_by(user)


def open_task(proposal: RuleProposal, node) -> Task | None:
    process = getattr(proposal, "process", None)
    if process is None:
        return None
    return Task.objects.filter(process=process, flow_task=node, status__in=OPEN).first()


def open_steps(proposal: RuleProposal) -> list[dict[str, Any]]:
    """The proposal's open human steps (上级党委审批, 修改细则), done through ``/api/v1/tasks/{id}/``."""
    from api.tasks.kinds import kind_of

    process = getattr(proposal, "process", None)
    if process is None:
        return []
    tasks = Task.objects.filter(process=process, status__in=OPEN, flow_task_type="HUMAN").order_by("pk")
    return [{"id": task.pk, "kind": kind_of(task).code, "title": kind_of(task).title} for task in tasks]


def _points(item: Item) -> str:
    if item.points_range is not None:
        return f"{fmt(item.points_range[0])}～{fmt(item.points_range[1])}"
    return fmt(item.points) if item.points is not None else "一票否决"


def proposal_changes(proposal: RuleProposal) -> tuple[list[dict[str, Any]], list[str]]:
    """The items the proposal adds or refines against the rules it inherits now, and — when the file no
    longer fits them (the rules above changed since) — the core's reasons instead."""
    try:
        own = proposal_check(branch=proposal.organization, cycle=proposal.cycle, text=proposal.source)
        parsed = ruleset_parse(
            organization=proposal.organization, cycle=proposal.cycle, text=proposal.source, ruleset=own
        )
    except ValidationError as error:
        return [], error.messages
    inherited = effective_ruleset(parsed.parent_version) if parsed.parent_version is not None else None
    rows = []
    for item in parsed.effective.items:
        before = inherited.item(item.code) if inherited is not None else None
        if before is None:
            change, fields = "added", []
        else:
            fields = [name for name in ITEM_FIELDS if getattr(item, name) != getattr(before, name)]
            if not fields:
                continue
            change = "refined"
        rows.append(
            {
                "code": item.code,
                "name": item.name,
                "change": change,
                "fields": fields,
                "points": _points(item),
                "cap": fmt(item.cap) if item.cap is not None else None,
            }
        )
    return rows, []
