"""Competition ranking (1, 2, 2, 4): 正式党员 and 预备党员 are ranked together; 发展对象 and 入党积极分子 are
ranked separately among themselves, for reference (002), never in the members' ranking."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal


def competition_ranks(totals: Mapping[str, Decimal]) -> dict[str, int]:
    """Rank by total, highest first; equal totals share a rank and the next rank skips (1, 2, 2, 4)."""
    ordered = sorted(totals.items(), key=lambda pair: (-pair[1], pair[0]))
    ranks: dict[str, int] = {}
    previous: Decimal | None = None
    rank = 0
    for position, (member, total) in enumerate(ordered, start=1):
        if total != previous:
            rank, previous = position, total
        ranks[member] = rank
    return ranks


def last_placed(ranks: Mapping[str, int]) -> set[str]:
    """The members sharing the last place of a ranking; nobody when fewer than two are ranked."""
    if len(ranks) < 2:
        return set()
    worst = max(ranks.values())
    if worst == min(ranks.values()):
        return set()  # everyone tied: nobody is behind anybody
    return {member for member, rank in ranks.items() if rank == worst}
