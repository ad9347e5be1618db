"""打印表格: the paper forms of the offices (002), as PDF bytes rendered with WeasyPrint.

Each function gathers what its form shows (from frozen, approved data: ``PeriodApproval``,
``FrozenScore``, the ledger of approved periods — and marks anything not yet approved 草稿), then renders
its template under ``templates/reports/pdf/``. Who may print what is decided by the views
(``reports.documents.scope``), not here: these functions trust their caller, like the filing package's
Celery task that calls :func:`filing_pdf`.
"""

from __future__ import annotations

from reports.documents.claim_form import claim_form
from reports.documents.layout import render_sheet
from reports.documents.period_forms import filing_form, publicity_form
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
