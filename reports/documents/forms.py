"""打印表格: the paper forms of the offices (002), as PDF bytes rendered with WeasyPrint.

Each function gathers what its form shows (from frozen, approved data: ``PeriodApproval``,
``FrozenScore``, the ledger of approved periods, ``EvaluationResult`` and ``AnnualResult`` — and marks
anything not yet approved 草稿), then renders
its template under ``templates/reports/pdf/``. Who may print what is decided by the views
(``reports.documents.scope``), not here: these functions trust their caller, like the filing package's
Celery task that calls :func:`filing_pdf`.
"""

from __future__ import annotations

from accounts.models import Member, Organization
from reports.documents.claim_form import claim_form
from reports.documents.layout import render_sheet
from reports.documents.ledger_forms import branch_ledger_form, member_ledger_form, quarter_detail_form
from reports.documents.period_forms import filing_form, publicity_form
from reports.documents.year_forms import (
    branch_democratic_review_form,
    democratic_review_form,
    year_filing_form,
    year_grade_approval_form,
)
from workflows.models import Claim, Filing, PeriodReview


def filing_pdf(filing: Filing) -> bytes:
    """党员半年积分备案表 / 党员全年积分备案表 (or the quarter's): the filing sent to the higher committee."""
    sheet, context = filing_form(filing)
    return render_sheet("reports/pdf/filing.html", sheet, **context)


def publicity_notice_pdf(review: PeriodReview) -> bytes:
    """积分公示: the list posted to the branch during the window, its dates and how to appeal."""
    sheet, context = publicity_form(review)
    return render_sheet("reports/pdf/publicity_notice.html", sheet, **context)


def claim_form_pdf(claim: Claim) -> bytes:
    """党员积分申报表: one claim with its evidence, 登记, 审核 and the period's 审定."""
    sheet, context = claim_form(claim)
    return render_sheet("reports/pdf/claim_form.html", sheet, **context)


def member_ledger_pdf(member: Member, year: int) -> bytes:
    """党员积分量化管理台账 of one member for one year: months 1–12, signed by member and secretary."""
    sheet, context = member_ledger_form(member, year)
    return render_sheet("reports/pdf/member_ledger.html", sheet, **context)


def branch_ledger_pdf(branch: Organization, period_code: str) -> bytes:
    """The branch ledger: every member × the months of the period, A4 landscape."""
    sheet, context = branch_ledger_form(branch, period_code)
    return render_sheet("reports/pdf/branch_ledger.html", sheet, **context)


def quarter_detail_pdf(member: Member, period_code: str) -> bytes:
    """党员季度积分明细登记表: every entry of one member in the period, with its item and reason."""
    sheet, context = quarter_detail_form(member, period_code)
    return render_sheet("reports/pdf/quarter_detail.html", sheet, **context)


def democratic_review_pdf(member: Member, year: int) -> bytes:
    """党员民主评议表: the year's points, 自评, the 互评 count, 支部意见 and the approved result."""
    sheet, context = democratic_review_form(member, year)
    return render_sheet("reports/pdf/democratic_review.html", sheet, **context)


def branch_democratic_review_pdf(branch: Organization, year: int) -> bytes:
    """Every member's 党员民主评议表 of the branch, one after another (each on a page of its own)."""
    sheet, context = branch_democratic_review_form(branch, year)
    return render_sheet("reports/pdf/democratic_review.html", sheet, **context)


def year_grade_approval_pdf(branch: Organization, year: int) -> bytes:
    """党员年终等次评定审批表: the approved year's 等次 with 支委会意见, 党委审批 and 备案."""
    sheet, context = year_grade_approval_form(branch, year)
    return render_sheet("reports/pdf/year_grade_approval.html", sheet, **context)


def year_filing_pdf(branch: Organization, year: int) -> bytes:
    """党员全年积分备案表 of the approved 年度总评: every member's year, ranked, 党委审批 and 备案."""
    sheet, context = year_filing_form(branch, year)
    return render_sheet("reports/pdf/year_filing.html", sheet, **context)
