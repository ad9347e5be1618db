"""Two printed documents for members: 积分内容和标准 (the rules in force for a branch, as the booklet and the
公示栏 print them) and 党员积分手册 (one member's year, month by month with running totals).

The words and figures are ``workflows.standards``' and ``workflows.handbook``'; this module only frames
them as the other forms are framed (``reports.documents.layout.Sheet``).
"""

from __future__ import annotations

from reports.documents.layout import Sheet, approval_lines, chinese_date, render_sheet, weighting_note
from reports.documents.ledger_forms import DRAFT_REASON
from workflows.handbook import Handbook
from workflows.standards import Standards


def standards_sheet(standards: Standards) -> Sheet:
    return Sheet(
        title="党员积分内容和标准",
        organization=standards.branch.name,
        period=f"{standards.ruleset.cycle}年度（{standards.cycle_label}）",
        notes=[
            f"依据：{standards.rules.name}（{standards.issued_by}制定，第{standards.version.number}版），"
            f"{chinese_date(standards.on)}现行。",
        ],
        signers=[],
    )


def standards_pdf(standards: Standards) -> bytes:
    return render_sheet("reports/pdf/standards.html", standards_sheet(standards), standards=standards)


def handbook_sheet(handbook: Handbook) -> Sheet:
    return Sheet(
        title="党员积分手册",
        organization=handbook.branch.name,
        period=f"{handbook.year}年度",
        approvals=approval_lines(handbook.approvals),
        draft=handbook.draft,
        draft_reason=DRAFT_REASON if handbook.draft else "",
        notes=[note for note in (weighting_note(handbook.rules),) if note],
        signers=["党员本人", "党支部书记"],
    )


def handbook_pdf(handbook: Handbook) -> bytes:
    return render_sheet("reports/pdf/handbook.html", handbook_sheet(handbook), handbook=handbook)
