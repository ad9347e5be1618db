"""Scoped reads the member-facing resources need beyond the workflow's own selectors.

Each one is built on ``accounts.access`` and ``workflows`` selectors, so the API and the web pages agree on
who sees what: a member of branch A never reaches anything of branch B.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from accounts import access
from accounts.models import Organization
from scoring.models import LedgerEntry, RuleSet
from workflows import member_selectors
from workflows.evidence import get_evidence_for_user
from workflows.models import Evidence, PeriodReview


def organizations_related_to(user) -> QuerySet[Organization]:
    """The organizations ``user`` may view, and the user's own branch (a member sees no tree, but has one)."""
    member = access.own_member(user)
    visible = Q(pk__in=access.organizations_where(user, "view_organization").values("pk"))
    if member is not None:
        visible |= Q(pk=member.branch_id)
    return Organization.objects.filter(visible)


def rulesets_in_force_for(user) -> QuerySet[RuleSet]:
    """积分细则 in force for the organizations the user may see: their own, and those inherited from above.

    A rule set applies to an organization when it was adopted there or anywhere above it, so it is shown
    when some organization the user sees lies at or below the rule set's organization.
    """
    if not user.is_authenticated:
        return RuleSet.objects.none()
    below = organizations_related_to(user).filter(path__startswith=OuterRef("organization__path"))
    return (
        RuleSet.objects.filter(in_force=True).filter(Exists(below)).select_related("organization", "parent")
    )


def publicity_visible_to(user) -> QuerySet[PeriodReview]:
    """公示 the user may read (their own branch's, and those of branches they work in), with a window."""
    return (
        member_selectors.reviews_visible_to(user)
        .filter(window__isnull=False)
        .select_related("branch", "window")
    )


def publicised_entries_visible_to(user) -> QuerySet[LedgerEntry]:
    """Ledger entries the user can read in some 公示: the periods posted in branches they may see."""
    posted = member_selectors.reviews_visible_to(user).filter(
        window__isnull=False,
        branch=OuterRef("branch"),
        starts_on__lte=OuterRef("occurred_on"),
        ends_on__gte=OuterRef("occurred_on"),
    )
    return LedgerEntry.objects.filter(Exists(posted)).select_related("member", "branch", "ruleset_version")


def may_appeal_against(user, entry: LedgerEntry) -> bool:
    """Whether ``user`` is a member of the branch that posted ``entry`` (only they may appeal)."""
    return (
        member_selectors.reviews_open_to_appeal_by(user)
        .filter(branch=entry.branch_id, starts_on__lte=entry.occurred_on, ends_on__gte=entry.occurred_on)
        .exists()
    )


def evidence_shown_to(user, files: Iterable[Evidence]) -> list[Evidence]:
    """The evidence files ``user`` may open, by the download's own check (never a list of dead links)."""
    shown = []
    for evidence in files:
        try:
            get_evidence_for_user(user, evidence.pk)
        except Http404:
            continue
        shown.append(evidence)
    return shown
