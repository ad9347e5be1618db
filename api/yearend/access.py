"""Who sees what of the year-end over the API — the pages' scopes, asked in one place.

A 民主评议 or a 年度总评 is seen by the members of its branch and by those who work in the branch
(``workflows.selectors.organizations_following``: clerk, committee, secretary, the higher committee), as on
the phone pages (``yearend.views.member``). The year's figures, results and follow-ups are read where the
caller may view scores (``view_scores``); members read their own results too. Anything else is 404; within
sight, an action without its role is 403.
"""

from __future__ import annotations

from django.db.models import Max, OuterRef, Q, QuerySet, Subquery
from django.shortcuts import get_object_or_404

from accounts import access
from accounts.models import Member, Organization
from accounts.roles import APPROVE_PERIOD, RECORD_CLAIMS, REVIEW_CLAIMS, VIEW_SCORES
from api.errors import not_allowed
from workflows.selectors import organizations_following
from yearend.models import AnnualResult, AnnualReview, EvaluationSession, FollowUp, Participant
from yearend.standings import COUNTED_REVIEW_STATUSES

OFFICER_PERMISSIONS = (RECORD_CLAIMS, REVIEW_CLAIMS, APPROVE_PERIOD)


def _of_my_branches(model, user) -> QuerySet:
    """Rows of ``model`` (with a ``branch``) of the user's own branch and of the branches they work in."""
    if not user.is_authenticated:
        return model.objects.none()
    mine = Member.objects.filter(user=user).values("branch_id")
    return model.objects.filter(Q(branch__in=mine) | Q(branch__in=organizations_following(user)))


def sessions_visible_to(user) -> QuerySet[EvaluationSession]:
    return _of_my_branches(EvaluationSession, user).select_related(
        "branch", "opened_by__member", "approved_by__member", "window"
    )


def reviews_visible_to(user) -> QuerySet[AnnualReview]:
    return _of_my_branches(AnnualReview, user).select_related("branch", "started_by__member", "window")


def get_session_for_user(user, pk) -> EvaluationSession:
    return get_object_or_404(sessions_visible_to(user), pk=pk)


def get_review_for_user(user, pk) -> AnnualReview:
    return get_object_or_404(reviews_visible_to(user), pk=pk)


def branches_worked_in(user) -> QuerySet[Organization]:
    """Branches whose year-end the user runs or oversees (the pages' ``branches_followed_by``)."""
    from workflows.member_selectors import branches_followed_by

    return branches_followed_by(user)


def get_branch_to_act_in(user, pk, perm: str) -> Organization:
    """A branch the user works in (else 404) where they hold ``perm`` (else 403)."""
    branch = get_object_or_404(branches_worked_in(user), pk=pk)
    require(user, perm, branch)
    return branch


def require(user, perm: str, organization: Organization, message=None) -> None:
    if not access.may(user, perm, organization):
        raise not_allowed(message)


def is_officer(user, branch: Organization) -> bool:
    """The branch's own officers: clerk, committee, secretary (not the higher committee)."""
    return any(access.may(user, perm, branch) for perm in OFFICER_PERMISSIONS)


def require_officer(user, branch: Organization) -> None:
    if not is_officer(user, branch):
        raise not_allowed()


def participant_of(user, session: EvaluationSession) -> Participant | None:
    if not user.is_authenticated:
        return None
    return session.participants.filter(member__user=user).select_related("member").first()


# ---------------------------------------------------------------- scores-like reads


def scored_branches(user) -> QuerySet[Organization]:
    return access.organizations_where(user, VIEW_SCORES)


def get_scored_organization(user, pk, *, branch: bool = False) -> Organization:
    scope = scored_branches(user)
    if branch:
        scope = scope.filter(kind=Organization.Kind.BRANCH)
    return get_object_or_404(scope, pk=pk)


def latest_rounds(results: QuerySet[AnnualResult]) -> QuerySet[AnnualResult]:
    """Each review's latest 审定 round, of reviews whose results stand (审定 and after, not returned)."""
    latest = (
        AnnualResult.objects.filter(review=OuterRef("review"))
        .order_by()
        .values("review")
        .annotate(m=Max("round"))
        .values("m")
    )
    return results.filter(review__status__in=COUNTED_REVIEW_STATUSES, round=Subquery(latest))


def results_visible_to(user) -> QuerySet[AnnualResult]:
    """Annual results that stand: the user's own, and those of branches where they may view scores."""
    if not user.is_authenticated:
        return AnnualResult.objects.none()
    visible = Q(member__user=user) | Q(review__branch__in=scored_branches(user))
    return latest_rounds(AnnualResult.objects.filter(visible)).select_related(
        "member", "review__branch", "decided_by__member", "approved_by__member"
    )


def follow_ups_visible_to(user) -> QuerySet[FollowUp]:
    if not user.is_authenticated:
        return FollowUp.objects.none()
    visible = Q(result__member__user=user) | Q(result__review__branch__in=scored_branches(user))
    return FollowUp.objects.filter(visible).select_related(
        "result__member",
        "result__review__branch",
        "contact__member",
        "created_by__member",
        "closed_by__member",
    )
