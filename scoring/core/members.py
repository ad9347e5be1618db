"""Who is scored: the member types of the regulations, with the labels EVENTS.csv uses."""

from __future__ import annotations

from enum import StrEnum


class MemberType(StrEnum):
    """党员类型 (the labels of EVENTS.csv).

    By default 正式党员 and 预备党员 are ranked; 发展对象 and 入党积极分子 are scored for reference only
    (002). A rule set may rank fewer (``RuleSet.ranked_kinds``; 公司: 正式党员 only).
    """

    FULL = "正式党员"
    PROBATIONARY = "预备党员"
    CANDIDATE = "发展对象"
    ACTIVIST = "入党积极分子"

    @property
    def is_ranked(self) -> bool:
        """Ranked by default (``RANKED_TYPES``); a rule set's own choice is ``RuleSet.ranked_kinds``."""
        return self in RANKED_TYPES


RANKED_TYPES = frozenset({MemberType.FULL, MemberType.PROBATIONARY})
