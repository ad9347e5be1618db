"""审定积分 against the ledger: each frozen score recomputed by the scoring core from the ledger entries
recorded by the time of its approval, under the rule-set version the approval names.

A frozen score is what counts, never recomputed in the ordinary course; here it is recomputed only to
show that the ledger behind it and the score agree — an entry of an approved period changed or removed
behind the services' back (or a score edited) shows as a difference. Entries recorded after the approval
(a correction, a later round's) are left out, as is a member no longer scored (nothing to compare).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from accounts.models import Member, Organization
from audit import messages
from audit.chain import Break
from scoring.core import Event, Period, PeriodKind, score_period
from scoring.selectors import effective_ruleset, ledger_of_cycle, member_info
from workflows.models import FrozenScore, PeriodApproval


@dataclass
class FrozenReport:
    approvals: int = 0
    scores: int = 0


def ledger_events_as_of(branch: Organization, cycle: int, at) -> list[Event]:
    """The branch's ledger for the cycle as it stood at ``at``, reversed entries netted out."""
    rows = list(
        ledger_of_cycle(branch, cycle)
        .filter(created_at__lte=at)
        .order_by("occurred_on", "pk")
        .values_list("pk", "member_id", "occurred_on", "item_code", "points", "reverses_id")
    )
    reversed_ids = {reverses for *_, reverses in rows if reverses is not None}
    return [
        Event(member=str(member), date=day, item=item, points=points, ref=str(pk))
        for pk, member, day, item, points, reverses in rows
        if reverses is None and pk not in reversed_ids
    ]


def frozen_score_breaks(report: FrozenReport) -> Iterator[Break]:
    approvals = PeriodApproval.objects.select_related("review__branch", "ruleset_version").order_by("pk")
    for approval in approvals.iterator(chunk_size=200):
        report.approvals += 1
        review = approval.review
        frozen = list(FrozenScore.objects.filter(approval=approval).order_by("pk"))
        report.scores += len(frozen)
        members = Member.objects.in_bulk([score.member_id for score in frozen])
        result = score_period(
            effective_ruleset(approval.ruleset_version),
            [member_info(member) for member in members.values()],
            ledger_events_as_of(review.branch, review.cycle, approval.approved_at),
            period=Period(review.cycle, PeriodKind(review.period_kind), review.period_index),
        )
        computed = {score.member: score for score in result.scores}
        for score in frozen:
            again = computed.get(str(score.member_id))
            if again is None or (again.total, again.to_date.total) == (score.period_total, score.cycle_total):
                continue
            message = messages.FROZEN_SCORE_DIFFERS % {
                "pk": score.pk,
                "member": members[score.member_id].real_name,
                "period": review.label,
                "round": approval.round,
                "frozen": score.period_total,
                "frozen_cycle": score.cycle_total,
                "ledger": again.total,
                "ledger_cycle": again.to_date.total,
            }
            yield Break(FrozenScore._meta.db_table, score.pk, str(message))
