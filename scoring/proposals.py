"""自主设定项目 services: the branch committee proposes its local version of the rules, the higher
committee approves or returns it in its queue, and it takes effect on its date.

A proposal is a local rule file (``extends`` the inherited rules): it may add items and refine the
inherited ones, never loosen a cap or change what the higher committee settles for everyone — the core's
merge (``scoring.core.inherit``) refuses that, with the line and field. Nothing is rewritten when it takes
effect: a new rule set (or a new version of the branch's own) is added, so entries recorded before keep the
version they were recorded under.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.access import may, role_holders
from accounts.models import Organization, RoleAssignment
from audit.services import audit_record
from config.formats import day_text
from scoring import messages
from scoring.core.periods import cycle_bounds
from scoring.core.ruleset_file import RuleSetError, load_yaml_mapping
from scoring.models import RuleProposal, RuleSet, RuleSetVersion
from scoring.selectors import effective_ruleset, ruleset_in_force, ruleset_version_current
from scoring.services import ruleset_check, ruleset_create, ruleset_revise, ruleset_set_in_force


def _own_ruleset(proposal_or_branch: Organization, cycle: int, code: str) -> RuleSet | None:
    return RuleSet.objects.filter(organization=proposal_or_branch, cycle=cycle, code=code).first()


def proposal_check(*, branch: Organization, cycle: int, text: str) -> RuleSet | None:
    """What a proposal's file would be: refused with Chinese messages naming the line and field; returns the
    branch's own rule set it revises (None for a first local version)."""
    try:
        data, _ = load_yaml_mapping(text)
    except RuleSetError:
        ruleset_check(
            organization=branch, cycle=cycle, text=text
        )  # says what is wrong with the YAML, and where
        raise
    if not data.get("extends"):
        raise ValidationError({"source": [messages.PROPOSAL_NOT_LOCAL]})
    own = _own_ruleset(branch, cycle, str(data.get("code", "")))
    ruleset_check(organization=branch, cycle=cycle, text=text, ruleset=own)
    return own


def _date_bounds(
    branch: Organization, cycle: int, today: datetime.date
) -> tuple[datetime.date, datetime.date]:
    inherited = ruleset_in_force(branch, cycle)
    start_month = effective_ruleset(ruleset_version_current(inherited)).cycle_start_month if inherited else 1
    first, last = cycle_bounds(start_month, cycle)
    return max(first, today), last


@transaction.atomic
def rule_proposal_submit(
    *,
    branch: Organization,
    cycle: int,
    text: str,
    effective_from: datetime.date,
    note: str = "",
    by: Any,
    today: datetime.date | None = None,
) -> RuleProposal:
    """支委会提出: the branch's local rules for the cycle, from a date; the higher committee is asked."""
    if branch.kind != Organization.Kind.BRANCH:
        raise ValidationError(messages.PROPOSAL_NOT_A_BRANCH)
    if not may(by, "approve_period", branch):
        raise ValidationError(messages.PROPOSAL_NOT_ALLOWED)
    today = today or timezone.localdate()
    first, last = _date_bounds(branch, cycle, today)
    if not first <= effective_from <= last:
        bounds = {"first": day_text(first), "last": day_text(last)}
        raise ValidationError({"effective_from": [messages.PROPOSAL_DATE_OUTSIDE % bounds]})
    Organization.objects.select_for_update().filter(pk=branch.pk).exists()  # one proposal at a time
    if RuleProposal.objects.filter(
        organization=branch, status__in=(RuleProposal.Status.SUBMITTED, RuleProposal.Status.RETURNED)
    ).exists():
        raise ValidationError(messages.PROPOSAL_PENDING)
    proposal_check(branch=branch, cycle=cycle, text=text)
    proposal = RuleProposal.objects.create(
        organization=branch,
        cycle=cycle,
        source=text,
        effective_from=effective_from,
        note=note,
        proposed_by=by,
    )
    audit_record(
        actor=by,
        action="rule_proposal.submit",
        summary=f"{branch.name} 提出{proposal.label}（{effective_from} 起）",
        target=proposal,
        organization=branch,
        reason=note,
        data={"cycle": cycle, "effective_from": effective_from},
    )
    from workflows.rule_flows import RuleProposalFlow  # the flow's views call these services

    RuleProposalFlow.submit.run(proposal=proposal)
    return proposal


def _locked(proposal: RuleProposal) -> RuleProposal:
    return RuleProposal.objects.select_for_update().select_related("organization").get(pk=proposal.pk)


@transaction.atomic
def rule_proposal_resubmit(
    *, proposal: RuleProposal, text: str, effective_from: datetime.date, note: str, by: Any, activation: Any
) -> RuleProposal:
    """修改后重新提交, by whoever proposed it, after a return."""
    held, proposal = proposal, _locked(proposal)
    if proposal.status != RuleProposal.Status.RETURNED:
        raise ValidationError(messages.PROPOSAL_NOT_OPEN % {"status": proposal.get_status_display()})
    if not may(by, "approve_period", proposal.organization):
        raise ValidationError(messages.PROPOSAL_NOT_ALLOWED)
    first, last = _date_bounds(proposal.organization, proposal.cycle, timezone.localdate())
    if not first <= effective_from <= last:
        bounds = {"first": day_text(first), "last": day_text(last)}
        raise ValidationError({"effective_from": [messages.PROPOSAL_DATE_OUTSIDE % bounds]})
    proposal_check(branch=proposal.organization, cycle=proposal.cycle, text=text)
    proposal.source, proposal.effective_from, proposal.note = text, effective_from, note
    proposal.status = held.status = RuleProposal.Status.SUBMITTED
    proposal.save(update_fields=["source", "effective_from", "note", "status"])
    audit_record(
        actor=by,
        action="rule_proposal.resubmit",
        summary=f"{proposal.organization.name} 修改后重新提交{proposal.label}",
        target=proposal,
        organization=proposal.organization,
        reason=note,
    )
    activation.execute()
    return proposal


@transaction.atomic
def rule_proposal_decide(
    *, proposal: RuleProposal, by: Any, approve: bool, reason: str, activation: Any, today=None
) -> RuleProposal:
    """上级党委审批: approve (in force from its date — today's takes effect at once) or return with the
    reason. Nobody approves a proposal of their own."""
    from workflows.notifications import notify_many

    held, proposal = proposal, _locked(proposal)
    if not may(by, "manage_rules", proposal.organization):
        raise ValidationError(messages.PROPOSAL_NOT_ALLOWED)
    if proposal.proposed_by_id == by.pk:
        raise ValidationError(messages.PROPOSAL_OWN)
    if proposal.status != RuleProposal.Status.SUBMITTED:
        raise ValidationError(messages.PROPOSAL_NOT_OPEN % {"status": proposal.get_status_display()})
    if not approve and not reason.strip():
        raise ValidationError({"reason": [messages.PROPOSAL_REASON_REQUIRED]})
    if approve:
        proposal_check(branch=proposal.organization, cycle=proposal.cycle, text=proposal.source)
    proposal.status = RuleProposal.Status.APPROVED if approve else RuleProposal.Status.RETURNED
    proposal.decided_by, proposal.decided_at, proposal.decision_reason = by, timezone.now(), reason.strip()
    proposal.save(update_fields=["status", "decided_by", "decided_at", "decision_reason"])
    held.status = proposal.status
    audit_record(
        actor=by,
        action="rule_proposal.approve" if approve else "rule_proposal.return",
        summary=f"{proposal.organization.name} {proposal.label}" + ("获批准" if approve else "被退回"),
        target=proposal,
        organization=proposal.organization,
        reason=reason,
    )
    notify_many(
        role_holders(proposal.organization, RoleAssignment.Role.SECRETARY, RoleAssignment.Role.CLERK),
        kind="rule_proposal_decided",
        title=f"{proposal.organization.name} {proposal.label}"
        + (f"已批准，{day_text(proposal.effective_from)} 起施行" if approve else "被退回"),
        body=f"审批意见：{reason}" if reason else "",
        url=f"/clerk/{proposal.organization_id}/rules/",
    )
    activation.execute()
    if approve and proposal.effective_from <= (today or timezone.localdate()):
        rule_proposal_apply(proposal=proposal)
    return proposal


@transaction.atomic
def rule_proposal_apply(*, proposal: RuleProposal) -> RuleSetVersion:
    """施行: the approved file becomes the branch's rule set in force (a new one, or a new version of its
    own) — once; a second call finds it applied."""
    proposal = _locked(proposal)
    if proposal.status == RuleProposal.Status.IN_FORCE:
        return proposal.version
    if proposal.status != RuleProposal.Status.APPROVED:
        raise ValidationError(messages.PROPOSAL_NOT_OPEN % {"status": proposal.get_status_display()})
    own = proposal_check(branch=proposal.organization, cycle=proposal.cycle, text=proposal.source)
    note = f"{proposal.label}，{proposal.decided_by} 批准，{proposal.effective_from:%Y-%m-%d} 起施行"
    if own is None:
        ruleset = ruleset_create(
            organization=proposal.organization,
            cycle=proposal.cycle,
            text=proposal.source,
            by=proposal.decided_by,
            note=note,
        )
        version = ruleset_version_current(ruleset)
    else:
        ruleset = own
        version = ruleset_revise(ruleset=own, text=proposal.source, by=proposal.decided_by, note=note)
    if not ruleset.in_force:
        current = RuleSet.objects.filter(
            organization=proposal.organization, cycle=proposal.cycle, in_force=True
        )
        for other in current.exclude(pk=ruleset.pk):
            ruleset_set_in_force(ruleset=other, in_force=False, by=proposal.decided_by, reason=note)
        ruleset_set_in_force(ruleset=ruleset, in_force=True, by=proposal.decided_by, reason=note)
    proposal.status, proposal.version = RuleProposal.Status.IN_FORCE, version
    proposal.save(update_fields=["status", "version"])
    audit_record(
        actor=None,
        action="rule_proposal.in_force",
        summary=f"{proposal.organization.name} {proposal.label}施行（{ruleset} 第{version.number}版）",
        target=proposal,
        organization=proposal.organization,
    )
    return version


def rule_proposals_apply_due(*, today: datetime.date | None = None) -> int:
    """Beat: approved proposals whose date has come take effect (each once, each in its own transaction)."""
    today = today or timezone.localdate()
    due = RuleProposal.objects.filter(status=RuleProposal.Status.APPROVED, effective_from__lte=today)
    applied = 0
    for proposal in due.order_by("effective_from", "pk"):
        try:
            rule_proposal_apply(proposal=proposal)
        except ValidationError:
            continue  # the rules above changed since: the 审批 page shows why; nothing half-applied
        applied += 1
    return applied
