"""The rule set (积分细则) as plain, immutable values.

A rule set is data: everything a regulation says about points — items, caps, frequency limits, vetoes,
base points, carry-over, the democratic evaluation (民主评议), grades and the thresholds attached to ranks —
lives in these frozen dataclasses, built from the YAML file by :mod:`scoring.core.ruleset_file`.
Every number is a ``Decimal``: 0.5-point items exist and floats would lose them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class LimitPer(StrEnum):
    """The window of a frequency limit (频次限制): occurrences are counted per month, quarter or cycle."""

    MONTH = "month"
    QUARTER = "quarter"
    YEAR = "year"  # the whole cycle, which need not start in January


class Evidence(StrEnum):
    """Whether a claim for the item needs proof (证明材料: sign-in sheet, photo, circular)."""

    REQUIRED = "required"
    OPTIONAL = "optional"
    NONE = "none"


class Source(StrEnum):
    """Who puts an occurrence into the ledger: the member claims it (申报) or the branch records it (登记)."""

    MEMBER = "member"
    BRANCH = "branch"


class EvaluationMode(StrEnum):
    """How the democratic evaluation (民主评议) enters the total."""

    ADDED = "added"  # total += level value
    WEIGHTED = "weighted"  # total = points · (1 − w) + level value · w


@dataclass(frozen=True)
class Limit:
    """Frequency limit (频次限制): at most ``times`` occurrences count per ``per`` window."""

    per: LimitPer
    times: int = 1


class CategoryKind(StrEnum):
    """The column of the ledger (台账栏目) a category is written in."""

    BASE = "base"  # 基础分
    BONUS = "bonus"  # 加分项
    DEDUCTION = "deduction"  # 扣分事项


@dataclass(frozen=True)
class Category:
    """A group of items (积分类别) whose capped subtotal is bounded by ``cap``.

    The cap bounds the subtotal on both sides: a positive category is bounded above by ``cap``, a
    negative one (deductions) below by ``-cap``. ``kind`` says in which column of the paper ledger
    (台账) the category's points are written; unset, documents read it from the items.
    """

    code: str
    name: str
    cap: Decimal | None = None
    description: str = ""
    kind: CategoryKind | None = None


@dataclass(frozen=True)
class Item:
    """A rule item (积分项目): what earns or costs points, how much, how often, and on what proof.

    Exactly one of ``points`` (fixed points per occurrence) and ``points_range`` (inclusive bounds, the
    value chosen at review: "酌情加 2–5 分") is set, except for veto items, which may have neither.
    ``cap`` bounds the absolute total of the item per cycle.
    """

    code: str
    name: str
    category: str | None = None
    points: Decimal | None = None
    points_range: tuple[Decimal, Decimal] | None = None
    cap: Decimal | None = None
    limit: Limit | None = None
    evidence: Evidence = Evidence.OPTIONAL
    source: Source = Source.MEMBER
    veto: bool = False  # 一票否决: any occurrence zeroes the member's cycle total
    description: str = ""

    @property
    def is_range(self) -> bool:
        return self.points_range is not None

    @property
    def lowest(self) -> Decimal:
        """The least points one occurrence can carry (0 for a veto item without points)."""
        if self.points_range is not None:
            return self.points_range[0]
        return self.points if self.points is not None else Decimal(0)

    @property
    def highest(self) -> Decimal:
        if self.points_range is not None:
            return self.points_range[1]
        return self.points if self.points is not None else Decimal(0)


@dataclass(frozen=True)
class Evaluation:
    """Democratic evaluation (民主评议): the value of each level and how it combines with the points."""

    mode: EvaluationMode
    levels: tuple[tuple[str, Decimal], ...]
    weight: Decimal | None = None

    def value_of(self, level: str) -> Decimal:
        """The points a level is worth; ``KeyError`` for a level the rule set does not know."""
        return dict(self.levels)[level]

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.levels)


@dataclass(frozen=True)
class Grade:
    """A grade threshold (等次): the first grade, top-down, whose ``min`` ≤ total; ``min`` None = the rest."""

    name: str
    min: Decimal | None


@dataclass(frozen=True)
class ProbationOutcome:
    """A threshold for 预备党员 on the cycle total (质检 variant: ≥ 80 按期转正, 60–80 延期, < 60 取消)."""

    outcome: str
    min: Decimal | None


@dataclass(frozen=True)
class RankRules:
    """What a regulation attaches to last places in rankings (001); ``None`` turns a rule off.

    ``unqualified_after_consecutive_last``: consecutive quarterly last places in the branch that make a
    member a 不合格 candidate. ``probation_branch_last`` / ``probation_organization_last``: last places of a
    预备党员 in the branch's quarterly / the organization's rankings that stop admission on time.
    """

    unqualified_after_consecutive_last: int | None = None
    probation_branch_last: int | None = None
    probation_organization_last: int | None = None


@dataclass(frozen=True)
class RuleSet:
    """A complete rule set (积分细则) for one cycle.

    ``cycle_start_month`` 1 is January–December; 12 is December (YEAR − 1) – November (YEAR).
    ``floor`` None means no floor. ``carry_over`` is the share of last cycle's total added to this one
    (医院: 0.4). ``extends`` names the unified rule set this one was derived from (自主设定项目).
    """

    code: str
    name: str
    items: tuple[Item, ...]
    categories: tuple[Category, ...] = ()
    cycle_start_month: int = 1
    base_points: Decimal = Decimal(0)
    floor: Decimal | None = Decimal(0)
    carry_over: Decimal | None = None
    evaluation: Evaluation | None = None
    grades: tuple[Grade, ...] = ()
    probation: tuple[ProbationOutcome, ...] = ()
    rank_rules: RankRules | None = None
    extends: str | None = None
    description: str = ""
    _items_by_code: dict[str, Item] = field(init=False, repr=False, compare=False, hash=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_items_by_code", {item.code: item for item in self.items})

    def item(self, code: str) -> Item | None:
        return self._items_by_code.get(code)

    def category(self, code: str) -> Category | None:
        return next((category for category in self.categories if category.code == code), None)

    def grade_for(self, total: Decimal) -> str | None:
        return _first_at_or_below(((grade.name, grade.min) for grade in self.grades), total)

    def probation_outcome_for(self, total: Decimal) -> str | None:
        return _first_at_or_below(((p.outcome, p.min) for p in self.probation), total)


def fmt(number: Decimal) -> str:
    """A Decimal as plain text without exponent or trailing zeros: 12, 0.5, 106.95."""
    text = format(number, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _first_at_or_below(thresholds: Iterable[tuple[str, Decimal | None]], total: Decimal) -> str | None:
    for name, minimum in thresholds:
        if minimum is None or minimum <= total:
            return name
    return None
