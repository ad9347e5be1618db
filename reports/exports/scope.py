"""Who may download which sheet (Excel 导出) and import what: one access helper per kind of object.

The sheets are the printed forms' (``reports.documents``) in Excel, so they follow the same scope —
``reports.documents.scope``: a branch's sheets and any member's for those who see the branch's scores
(``view_scores``), a member's own sheets for the member — and a page never offers what its download
refuses. Rankings are for those who see the scores of the organization ranked (committees keep them
whatever the members' view shows). The attendance import is for the branch's clerks (``record_claims``).
Outside scope is 404.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts import access
from accounts.models import Organization
from accounts.roles import VIEW_SCORES
from reports.documents.scope import (
    branches_printable_by,
    filings_printable_by,
    get_branch_for_user,
    get_filing_for_user,
    get_member_for_user,
    may_print_anything,
    members_printable_by,
)
from workflows.member_selectors import branches_recorded_by
from workflows.models import FilingDocument

__all__ = [
    "branches_importable_by",
    "branches_printable_by",
    "filings_printable_by",
    "get_branch_for_user",
    "get_document_for_user",
    "get_filing_for_user",
    "get_member_for_user",
    "get_ranked_organization_for_user",
    "may_export_anything",
    "members_printable_by",
    "organizations_ranked_for",
]


def organizations_ranked_for(user) -> QuerySet[Organization]:
    """Organizations whose rankings the user may download: where they see the scores."""
    return access.organizations_where(user, VIEW_SCORES).order_by("path")


def get_ranked_organization_for_user(user, pk: int) -> Organization:
    return get_object_or_404(organizations_ranked_for(user), pk=pk)


def get_document_for_user(user, pk: int) -> FilingDocument:
    """A stored 备案材料 of a filing the user may see."""
    return get_object_or_404(
        FilingDocument.objects.filter(filing__in=filings_printable_by(user)).select_related(
            "filing__approval__review__branch"
        ),
        pk=pk,
    )


def branches_importable_by(user) -> QuerySet[Organization]:
    """Branches whose sign-in sheets the user may import: where they record claims (登记)."""
    return branches_recorded_by(user)


def may_export_anything(user) -> bool:
    return may_print_anything(user)
