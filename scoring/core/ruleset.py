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

from scoring.core.members import RANKED_TYPES, MemberType

UNKNOWN_LEVEL = "未知的评议等次:{level}"
SCORE_OUT_OF_RANGE = "评议得分 {score} 超出 0 至 {max} 分的范围"
LEVEL_EXPECTED = "民主评议按等次评定,应为 {choices} 之一,而不是得分 {given}"
SCORE_EXPECTED = "民主评议由党员大会投票确定得分,应为 0 至 {max} 分的数值,而不是“{given}”"


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

    ADDED = "added"  # total += evaluation
    WEIGHTED = "weighted"  # total = points · (1 − w) + evaluation · w (points rescaled, see Evaluation)


class EvaluationKind(StrEnum):
    """What the democratic evaluation gives a member."""

    LEVELS = "levels"  # 民主评议等次: a level (优秀, 合格, …) worth the points the rule set gives it
    SCORE = "score"  # 党员大会投票确定得分 (质检, 002): a number from 0 to ``max``


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
    """Democratic evaluation (民主评议): what it gives a member and how that combines with the points.

    ``kind`` levels: ``levels`` holds each level's value, top-down; ``max`` (optional) is the full marks,
    by default the highest level value. ``kind`` score: the member gets a vote score from 0 to ``max``
    (质检: 民主评议分(20分)由党支部组织召开民主评议党员大会投票确定得分); ``levels`` is empty.

    ``weighted`` mode: total = points' · (1 − w) + evaluation · w, where points' is the points rescaled to
    the evaluation's full marks when ``points_full_marks`` is set (二七区: points reach 140, the evaluation
    is out of 100, so points' = points × 100 / 140), and the points as they are otherwise.
    """

    mode: EvaluationMode
    levels: tuple[tuple[str, Decimal], ...] = ()
    weight: Decimal | None = None
    kind: EvaluationKind = EvaluationKind.LEVELS
    max: Decimal | None = None
    points_full_marks: Decimal | None = None

    def value_of(self, level: str) -> Decimal:
        """The points a level is worth; ``KeyError`` for a level the rule set does not know."""
        return dict(self.levels)[level]

    @property
    def level_names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.levels)

    @property
    def full_marks(self) -> Decimal:
        """The most the evaluation can give: ``max`` if set, else the highest level value."""
        if self.max is not None:
            return self.max
        return max((value for _, value in self.levels), default=Decimal(0))

    def value_for(self, given: str | Decimal) -> Decimal:
        """The points an evaluation is worth: a level name (levels kind) or a vote score (score kind).

        ``ValueError`` with a Chinese message for an unknown level, a score outside [0, max], or the wrong
        kind of value for the rule set.
        """
        if self.kind is EvaluationKind.SCORE:
            if isinstance(given, bool) or not isinstance(given, Decimal | int):
                raise ValueError(SCORE_EXPECTED.format(max=fmt(self.full_marks), given=given))
            score = Decimal(given)
            if not score.is_finite():
                raise ValueError(SCORE_EXPECTED.format(max=fmt(self.full_marks), given=given))
            if not Decimal(0) <= score <= self.full_marks:
                raise ValueError(SCORE_OUT_OF_RANGE.format(score=fmt(score), max=fmt(self.full_marks)))
            return score
        if not isinstance(given, str):
            given_text = fmt(given) if isinstance(given, Decimal) and given.is_finite() else given
            raise ValueError(LEVEL_EXPECTED.format(choices="、".join(self.level_names), given=given_text))
        if given not in self.level_names:
            raise ValueError(UNKNOWN_LEVEL.format(level=given))
        return self.value_of(given)

    def points_part(self, points: Decimal) -> Decimal:
        """The points on the evaluation's scale: rescaled by ``points_full_marks`` (weighted mode only)."""
        if self.mode is EvaluationMode.WEIGHTED and self.points_full_marks is not None:
            return points * self.full_marks / self.points_full_marks
        return points

    def combine(self, points: Decimal, evaluation: Decimal) -> Decimal:
        """The total before floor and veto: points + evaluation (added) or the weighted mix (weighted).

        Multiplications come before the division, so that exact figures stay exact (118.5 × 100 × 0.7 / 140
        is 59.25, where 118.5 × 100 / 140 × 0.7 would be rounded).
        """
        if self.mode is not EvaluationMode.WEIGHTED:
            return points + evaluation
        weight = self.weight or Decimal(0)
        if self.points_full_marks is None:
            return points * (1 - weight) + evaluation * weight
        return points * self.full_marks * (1 - weight) / self.points_full_marks + evaluation * weight


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
    ``not_excellent_branch_last`` / ``not_excellent_organization_last``: last places of a 正式党员 in the
    same rankings after which they may not be graded 优秀 nor put forward for honours (001 art. 5:
    不得评定为优秀,不得纳入表彰评优对象).
    """

    unqualified_after_consecutive_last: int | None = None
    probation_branch_last: int | None = None
    probation_organization_last: int | None = None
    not_excellent_branch_last: int | None = None
    not_excellent_organization_last: int | None = None


@dataclass(frozen=True)
class Unsettled:
    """A value the regulation leaves open, which the organization must settle (shown in the admin).

    ``field`` names the rule-set field (``grades``, ``base_points``, ``evaluation.levels``, ``items``);
    ``note`` says, in Chinese, what the seed says and what the preset put in its place.
    """

    field: str
    note: str

    @property
    def label(self) -> str:
        """The field as members and officers know it (``evaluation.levels`` → 民主评议各等次分值)."""
        return UNSETTLED_FIELD_LABELS.get(self.field, self.field)


# The rule-set fields a regulation may leave open, named as the regulations name them.
UNSETTLED_FIELD_LABELS: dict[str, str] = {
    "items": "积分项目",
    "categories": "积分类别",
    "base_points": "基础分",
    "floor": "积分下限",
    "carry_over": "上年积分结转",
    "evaluation": "民主评议",
    "evaluation.levels": "民主评议各等次分值",
    "evaluation.weight": "民主评议所占比重",
    "evaluation.mode": "民主评议方式",
    "evaluation.max": "民主评议满分",
    "grades": "等次分数线",
    "probation": "预备党员转正",
    "rank_rules": "排名规则",
    "ranked_kinds": "参与排名的党员类别",
}


@dataclass(frozen=True)
class RuleSet:
    """A complete rule set (积分细则) for one cycle.

    ``cycle_start_month`` 1 is January–December; 12 is December (YEAR − 1) – November (YEAR).
    ``floor`` None means no floor. ``carry_over`` is the share of last cycle's total added to this one
    (医院: 0.4). ``extends`` names the unified rule set this one was derived from (自主设定项目).
    ``ranked_kinds``: the member types ranked (and graded in the year's result); the others are ranked
    among themselves for reference (公司: only 正式党员 — 预备党员 take no part in the annual assessment).
    ``unsettled``: values the regulation leaves open, for the organization to settle.
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
    ranked_kinds: frozenset[MemberType] = RANKED_TYPES
    unsettled: tuple[Unsettled, ...] = ()
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


def fmt_signed(number: Decimal) -> str:
    """Points of one entry (一条积分) with their sign: +2, -0.5, 0 — :func:`fmt` with a '+' for a gain."""
    return f"+{fmt(number)}" if number > 0 else fmt(number)


def _first_at_or_below(thresholds: Iterable[tuple[str, Decimal | None]], total: Decimal) -> str | None:
    for name, minimum in thresholds:
        if minimum is None or minimum <= total:
            return name
    return None
