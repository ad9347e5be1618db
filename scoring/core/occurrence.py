"""What one more occurrence would do: counted or past its frequency limit, and how many points it adds.

The claim form asks this before a claim is accepted, so a member is refused past an item's limit and told
when an item's cap is already reached — answered by the same engine that scores, never a second copy.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from scoring.core.engine import Event, MemberInfo, score_cycle
from scoring.core.ruleset import RuleSet

NEW_REF = "\uffff-new"  # sorts after every real ref, so a same-day earlier occurrence keeps its place


@dataclass(frozen=True)
class OccurrenceEffect:
    counted: bool
    limit_reason: str | None
    adds: Decimal

    @property
    def adds_nothing(self) -> bool:
        return self.counted and self.adds == 0


def occurrence_effect(
    ruleset: RuleSet, member: MemberInfo, events: Sequence[Event], new: Event, *, cycle: int
) -> OccurrenceEffect:
    """The effect of ``new`` on ``member``'s item subtotal, given the member's other ``events``."""
    new = replace(new, member=member.member, ref=NEW_REF)
    own = [event for event in events if event.member == member.member]
    scored = replace(member, scored=True)
    before = score_cycle(ruleset, [scored], own, cycle=cycle)[member.member]
    after = score_cycle(ruleset, [scored], [*own, new], cycle=cycle)[member.member]
    dropped = next((d for d in after.dropped if d.event.ref == NEW_REF), None)
    if dropped is not None:
        return OccurrenceEffect(counted=False, limit_reason=dropped.reason, adds=Decimal(0))
    adds = after.item_subtotals.get(new.item, Decimal(0)) - before.item_subtotals.get(new.item, Decimal(0))
    return OccurrenceEffect(counted=True, limit_reason=None, adds=adds)
