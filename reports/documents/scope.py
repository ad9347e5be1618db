"""Who may print which form (打印表格): one access helper per kind of object, 404 outside scope.

- Branch forms (the branch ledger, 等次评定审批表, 备案表) and any member's forms: those who may see
  the branch's scores (``view_scores``: its clerk, committee, secretary, the higher committees above).
- A member: their own 申报表, 季度明细登记表 and 台账, and their branch's 公示 notice — nothing else.
  The 民主评议表 is the branch's paper for its evaluation meeting, so it is the officers'.
- 申报表 and 公示 follow the workflow's own scoping (``workflows.selectors.claims_visible_to``,
  ``workflows.member_selectors.reviews_visible_to``), so a page and its printout never disagree.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from accounts import access
from accounts.models import Member, Organization
from accounts.roles import VIEW_SCORES
from workflows.member_selectors import reviews_visible_to
from workflows.models import Claim, Filing, PeriodReview
from workflows.selectors import claims_visible_to


def branches_printable_by(user) -> QuerySet[Organization]:
    """Branches whose forms the user may print: where they may see the scores."""
    return (
        access.organizations_where(user, VIEW_SCORES).filter(kind=Organization.Kind.BRANCH).order_by("path")
    )


def members_printable_by(user) -> QuerySet[Member]:
    """Members whose forms the user may print: those of branches where they see scores, and themselves."""
    if not user.is_authenticated:
        return Member.objects.none()
    return Member.objects.filter(
        Q(branch__in=access.organizations_where(user, VIEW_SCORES)) | Q(user=user)
    ).select_related("branch", "user")


def get_branch_for_user(user, pk: int) -> Organization:
    return get_object_or_404(branches_printable_by(user), pk=pk)


def get_member_for_user(user, pk: int, *, officers_only: bool = False) -> Member:
    """A member whose forms the user may print; ``officers_only`` leaves out the member themself."""
    member = get_object_or_404(members_printable_by(user), pk=pk)
    if officers_only and not access.may(user, VIEW_SCORES, member.branch):
        raise Http404
    return member


def get_claim_for_user(user, pk: int) -> Claim:
    return get_object_or_404(claims_visible_to(user).select_related("ruleset_version", "ledger_entry"), pk=pk)


def get_review_for_user(user, pk: int) -> PeriodReview:
    return get_object_or_404(reviews_visible_to(user).select_related("branch"), pk=pk)


def filings_printable_by(user) -> QuerySet[Filing]:
    return Filing.objects.filter(
        approval__review__branch__in=access.organizations_where(user, VIEW_SCORES)
    ).select_related("approval__review__branch", "approval__approved_by", "approval__ruleset_version")


def get_filing_for_user(user, pk: int) -> Filing:
    return get_object_or_404(filings_printable_by(user), pk=pk)


def may_print_anything(user) -> bool:
    """Whether the 打印表格 section has something for the user: their own forms, or a branch's."""
    return access.own_member(user) is not None or branches_printable_by(user).exists()
