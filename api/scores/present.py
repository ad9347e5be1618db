"""Domain reads → plain dicts in the shape of ``api.scores.serializers`` (which format and document them).

A member's own ranks (我的积分) pass through ``member_selectors.rank_shown``, the one place that decides
whether and how a rank is shown to members (an organization may switch members' rankings off). The
branch and organization views are for those who hold ``view_scores`` there; as the switch says,
committees keep their rankings, so those views show every rank, 参考排名 marked as such.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from accounts.models import Member, Organization
from api.scores.filters import KIND_OF_SOURCE
from api.scores.frozen import FROZEN, BranchScores, ScoreRow, branch_totals, names_under, ranked_by, row_order
from api.scores.serializers import average
from reports.models import StoredRankingRow
from reports.rankings import OrganizationRanking, RankingRow
from scoring.core.periods import Period, PeriodKind
from scoring.models import LedgerEntry
from scoring.selectors import item_names
from workflows.member_selectors import MyPoints, PeriodRow, RankShown, frozen_scores_of
from workflows.models import AttendanceSheet, Claim, PeriodApproval, PeriodReview


def review_period(review: PeriodReview) -> Period:
    return Period(review.cycle, PeriodKind(review.period_kind), review.period_index)


def branch_brief(branch: Organization) -> dict[str, Any]:
    return {"id": branch.pk, "code": branch.code, "name": branch.name}


def member_brief(member: Member) -> dict[str, Any]:
    return {"id": member.pk, "real_name": member.real_name, "kind": member.kind}


def rank(shown: RankShown | None) -> dict[str, Any] | None:
    if shown is None:
        return None
    return {"label": shown.label, "value": shown.value, "reference": shown.reference}


def officer_rank(rank: int | None, reference_rank: int | None) -> dict[str, Any] | None:
    """A rank as the committee reads it: 排名 for 正式党员 and 预备党员, 参考排名 for the others."""
    if rank is not None:
        return {"label": "排名", "value": rank, "reference": False}
    if reference_rank is not None:
        return {"label": "参考排名", "value": reference_rank, "reference": True}
    return None


def named(points: Mapping[str, Decimal], names: Mapping[str, str]) -> list[dict[str, Any]]:
    """Subtotals by code, in the rules' order (as ``names`` lists them), with their names."""
    order = {code: index for index, code in enumerate(names)}
    codes = sorted(points, key=lambda code: (order.get(code, len(order)), code))
    return [{"code": code, "name": names.get(code, code), "points": points[code]} for code in codes]


def approval(approval: PeriodApproval) -> dict[str, Any]:
    by = approval.approved_by
    member = getattr(by, "member", None) if by is not None else None
    return {
        "review_id": approval.review.pk,
        "period": review_period(approval.review).code,
        "period_label": approval.review.label,
        "status": approval.review.status,
        "round": approval.round,
        "approved_by": by.get_username(),
        "approved_by_name": member.real_name if member is not None else None,
        "approved_at": approval.approved_at,
        "note": approval.note,
    }


# ---------------------------------------------------------------- 我的积分


def my_points(points: MyPoints) -> dict[str, Any]:
    member = points.member
    approvals = {
        score.approval.review_id: score.approval
        for score in frozen_scores_of(member).select_related("approval__ruleset_version")
    }
    names: dict[str, str] = {}
    for version in {a.ruleset_version_id: a.ruleset_version for a in approvals.values()}.values():
        names.update(item_names(version))
    names.update({row.code: row.name for row in points.breakdown})

    def frozen(line) -> dict[str, Any]:
        review = line.review
        approved = approvals.get(review.pk)
        return {
            "review_id": review.pk,
            "branch": branch_brief(review.branch),
            "period": review_period(review).code,
            "period_label": review.label,
            "starts_on": review.starts_on,
            "ends_on": review.ends_on,
            "status": review.status,
            "approved_at": approved.approved_at if approved else None,
            "period_total": line.period_total,
            "period_rank": rank(line.period_rank),
            "cycle_total": line.cycle_total,
            "cycle_rank": rank(line.cycle_rank),
            "grade": line.grade,
            "veto": line.veto,
            "items": named(line.items, names),
        }

    weighting = None
    if points.weighting is not None:
        weighting = {"points_percent": points.weighting[0], "evaluation_percent": points.weighting[1]}
    return {
        "member": member_brief(member),
        "branch": branch_brief(member.branch),
        "cycle": points.cycle,
        "exempt": points.exempt,
        "reference_only": points.reference_only,
        "latest": frozen(points.latest) if points.latest else None,
        "frozen": [frozen(line) for line in points.frozen],
        "pending": [
            {
                "period": line.period.code,
                "period_label": line.label,
                "total": line.total,
                "review_status": line.review.status if line.review else None,
                "items": named(line.items, names),
            }
            for line in points.pending
        ],
        "breakdown": [
            {"code": row.code, "name": row.name, "frozen": row.frozen, "pending": row.pending}
            for row in points.breakdown
        ],
        "weighting": weighting,
    }


# ---------------------------------------------------------------- a branch, an organization


def score_row(row: ScoreRow, items: dict[str, str], categories: dict[str, str]) -> dict:
    return {
        "member": member_brief(row.member),
        "period_total": row.period_total,
        "period_rank": officer_rank(row.period_rank, row.reference_rank),
        "cycle_total": row.cycle_total,
        "cycle_rank": officer_rank(row.cycle_rank, row.cycle_reference_rank),
        "grade": row.grade,
        "veto": row.veto,
        "items": named(row.items, items),
        "categories": named(row.categories, categories),
    }


def branch_scores(scores: BranchScores) -> dict[str, Any]:
    items, categories = names_under(scores.versions)
    return {
        "branch": branch_brief(scores.branch),
        "period": scores.period.code,
        "period_label": scores.period.label(),
        "starts_on": scores.first,
        "ends_on": scores.last,
        "state": scores.state,
        "approvals": [approval(a) for a in scores.approvals],
        "computed_at": scores.computed_at,
        "rows": [score_row(row, items, categories) for row in sorted(scores.rows, key=row_order)],
    }


def organization_scores(status: OrganizationRanking) -> dict[str, Any]:
    branches = []
    for state in status.branches:
        totals = branch_totals(state)
        approved = state.approved
        branches.append(
            {
                "branch": branch_brief(state.branch),
                "state": FROZEN if approved else "pending",
                "reason": state.reason,
                "members": len(totals) if approved else None,
                "average": average(totals),
                "highest": max(totals) if totals else None,
                "lowest": min(totals) if totals else None,
                "approvals": [approval(a) for a in approved.approvals] if approved else [],
            }
        )
    return {
        "organization": branch_brief(status.organization),
        "period": status.period.code,
        "period_label": status.period.label(),
        "ranked_by": ranked_by(status.period),
        "complete": status.complete,
        "branches": branches,
    }


def ranking_row(row: RankingRow | StoredRankingRow) -> dict[str, Any]:
    return {
        "rank": officer_rank(None, row.rank) if row.reference else officer_rank(row.rank, None),
        "member": member_brief(row.member),
        "branch": branch_brief(row.branch),
        "total": row.total,
    }


# ---------------------------------------------------------------- periods


def review(review: PeriodReview) -> dict[str, Any]:
    window = getattr(review, "window", None)
    return {
        "id": review.pk,
        "branch": branch_brief(review.branch),
        "period": review_period(review).code,
        "period_label": review.label,
        "status": review.status,
        "starts_on": review.starts_on,
        "ends_on": review.ends_on,
        "window": {"opens_at": window.opens_at, "closes_at": window.closes_at} if window else None,
        "started_by": review.started_by.get_username() if review.started_by_id else None,
    }


def period_row(row: PeriodRow) -> dict[str, Any]:
    return {
        "period": row.period.code,
        "period_label": row.label,
        "starts_on": row.first,
        "ends_on": row.last,
        "ended": row.ended,
        "can_start": row.can_start,
        "open_claims": row.open_claims,
        "review": review(row.review) if row.review else None,
    }


# ---------------------------------------------------------------- the ledger


def ledger_entry(entry: LedgerEntry, names: dict[str, str]) -> dict[str, Any]:
    """``names``: item names under the entry's rule version."""
    claim = getattr(entry, "claim", None)
    sheet = claim.sheet if claim is not None else None
    author = entry.created_by
    author_member = getattr(author, "member", None) if author is not None else None
    reversal = getattr(entry, "reversed_by", None)
    return {
        "id": entry.pk,
        "member": member_brief(entry.member),
        "branch": branch_brief(entry.branch),
        "cycle": entry.ruleset_version.ruleset.cycle,
        "item_code": entry.item_code,
        "item_name": names.get(entry.item_code, entry.item_code),
        "occurred_on": entry.occurred_on,
        "points": entry.points,
        "source": entry.source,
        "source_display": entry.get_source_display(),
        "kind": KIND_OF_SOURCE[entry.source],
        "status": "frozen" if entry.frozen else "pending",
        "reason": entry.reason,
        "author": author.get_username() if author is not None else None,
        "author_name": author_member.real_name if author_member is not None else None,
        "created_at": entry.created_at,
        "claim": claim.pk if claim is not None else None,
        "attendance_sheet": (
            {"id": sheet.pk, "title": sheet.title, "occurred_on": sheet.occurred_on} if sheet else None
        ),
        "reverses": entry.reverses_id,
        "reversed_by": reversal.pk if reversal is not None else None,
    }


# ---------------------------------------------------------------- the clerk's entries


def recorded_claim(claim: Claim, names: dict[str, str]) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "member": member_brief(claim.member),
        "branch": branch_brief(claim.branch),
        "item_code": claim.item_code,
        "item_name": names.get(claim.item_code, claim.item_code),
        "occurred_on": claim.occurred_on,
        "points_requested": claim.points_requested,
        "status": claim.status,
        "description": claim.description,
        "sheet": claim.sheet_id,
    }


def attendance_sheet(sheet: AttendanceSheet) -> dict[str, Any]:
    claims = list(
        sheet.claims.select_related("member", "branch", "ruleset_version").order_by("member__real_name", "pk")
    )
    names = item_names(claims[0].ruleset_version) if claims else {}
    return {
        "id": sheet.pk,
        "branch": branch_brief(sheet.branch),
        "title": sheet.title,
        "occurred_on": sheet.occurred_on,
        "item_present": sheet.item_present,
        "item_absent": sheet.item_absent,
        "item_leave": sheet.item_leave,
        "claims": [recorded_claim(claim, names) for claim in claims],
    }
