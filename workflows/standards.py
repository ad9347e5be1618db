"""积分内容和标准 (the rules a member is scored by), as members read them in the 积分手册 and on the 公示栏.

:func:`standards_for` reads the rule set in force for a branch on a day (``workflows.selectors.rules_on``:
the branch's own, else the nearest higher committee's) and turns its effective rules into what the paper
booklet prints: each category with its cap, each item with its points (fixed, a range chosen at review, a
deduction, or 一票否决), its cap for the year, how often it counts, what proves it and who enters it — and
where it comes from: the higher committee's unified rules (上级), or the branch's own items (本支部, 自主设定
项目, 004), or a unified item the branch has refined. Then what acts on the total: automatic base points,
the floor, carry-over, the 民主评议 and how it combines, the grade thresholds, the 预备党员 outcomes, what
last places in the rankings lead to, and the veto items with their consequence (积分清零, the lowest 等次,
no honours: ``scoring.core.annual``).

The words are built here, once, so the page and the PDF say the same thing.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError

from accounts.models import Organization
from reports.documents.layout import weighting_note
from scoring.core.annual import lowest_grade, top_grade
from scoring.core.members import RANKED_TYPES, MemberType
from scoring.core.periods import cycle_bounds
from scoring.core.ruleset import (
    CategoryKind,
    EvaluationKind,
    EvaluationMode,
    Evidence,
    Item,
    LimitPer,
    Source,
    fmt,
    fmt_signed,
)
from scoring.core.ruleset import RuleSet as CoreRuleSet
from scoring.models import RuleSet, RuleSetVersion
from scoring.selectors import effective_ruleset
from workflows.selectors import rules_on

LIMIT_WORDS = {LimitPer.MONTH: "每月", LimitPer.QUARTER: "每季度", LimitPer.YEAR: "每年"}
EVIDENCE_WORDS = {
    Evidence.REQUIRED: "须附证明材料（签到表、活动照片、文件等）",
    Evidence.OPTIONAL: "可附证明材料",
    Evidence.NONE: "无需证明材料",
}
SOURCE_WORDS = {Source.MEMBER: "党员申报", Source.BRANCH: "支部登记"}
KIND_WORDS = {CategoryKind.BASE: "基础分", CategoryKind.BONUS: "加分项", CategoryKind.DEDUCTION: "扣分事项"}

ORIGIN_HIGHER = "上级"
ORIGIN_LOCAL = "本支部"
ORIGIN_REFINED = "上级（本支部细化）"


@dataclass(frozen=True)
class Origin:
    """Where an item comes from: the organization whose rules first have it, and whether the branch's
    own rules refine it."""

    organization: str
    local: bool
    refined: bool = False

    @property
    def label(self) -> str:
        if self.local:
            return ORIGIN_LOCAL
        return ORIGIN_REFINED if self.refined else ORIGIN_HIGHER


@dataclass(frozen=True)
class ItemStandard:
    """One item (积分项目) as members read it."""

    code: str
    name: str
    points: str  # “+2 分/次”, “+1～2 分/次（审核时确定）”, “−1 分/次”, “一票否决”
    cap: str  # “全年最多 10 分”, or empty
    limit: str  # “每月最多 1 次”, or empty
    evidence: str
    source: str
    description: str
    origin: Origin
    veto: bool
    deduction: bool  # takes points away (negative points)

    @property
    def caps(self) -> str:
        return "；".join(part for part in (self.cap, self.limit) if part)


@dataclass(frozen=True)
class CategoryStandard:
    """One category (积分类别): its column on the ledger, its cap, its items."""

    code: str
    name: str
    kind: str  # 基础分 / 加分项 / 扣分事项, or empty
    cap: str
    description: str
    items: tuple[ItemStandard, ...]


@dataclass
class Standards:
    """The whole 积分内容和标准 of one branch on one day."""

    branch: Organization
    on: datetime.date
    ruleset: RuleSet
    version: RuleSetVersion
    rules: CoreRuleSet
    cycle_first: datetime.date
    cycle_last: datetime.date
    categories: list[CategoryStandard]
    totals: list[str] = field(default_factory=list)  # what acts on the total (基础分, 保底, 结转, 评议)
    grades: list[str] = field(default_factory=list)
    probation: list[str] = field(default_factory=list)
    rank_rules: list[str] = field(default_factory=list)
    veto_items: list[ItemStandard] = field(default_factory=list)
    veto_consequences: list[str] = field(default_factory=list)
    ranked_note: str = ""

    @property
    def items(self) -> list[ItemStandard]:
        return [item for category in self.categories for item in category.items]

    @property
    def deduction_items(self) -> list[ItemStandard]:
        return [item for item in self.items if item.deduction]

    @property
    def local_count(self) -> int:
        return sum(1 for item in self.items if item.origin.local)

    @property
    def cycle_label(self) -> str:
        first, last = self.cycle_first, self.cycle_last
        return f"{first.year}年{first.month}月至{last.year}年{last.month}月"

    @property
    def issued_by(self) -> str:
        return self.ruleset.organization.name


# ---------------------------------------------------------------- reading


def standards_for(branch: Organization, on: datetime.date) -> Standards:
    """The standards in force for ``branch`` on ``on``; ``ValidationError`` (Chinese) when no rules are."""
    version, rules = rules_on(branch, on)
    ruleset = version.ruleset
    first, last = cycle_bounds(rules, ruleset.cycle)
    categories = categories_of(rules, item_origins(version, branch))
    return Standards(
        branch=branch,
        on=on,
        ruleset=ruleset,
        version=version,
        rules=rules,
        cycle_first=first,
        cycle_last=last,
        categories=categories,
        totals=totals_of(rules),
        grades=grades_of(rules),
        probation=[
            f"{outcome.outcome}：年度积分 {fmt(outcome.min)} 分及以上"
            if outcome.min is not None
            else f"{outcome.outcome}：其余"
            for outcome in rules.probation
        ],
        rank_rules=rank_rules_of(rules),
        veto_items=[item for item in categories_items(categories) if item.veto],
        veto_consequences=veto_consequences_of(rules),
        ranked_note=ranked_note_of(rules),
    )


def standards_on(branch: Organization, on: datetime.date) -> Standards | None:
    try:
        return standards_for(branch, on)
    except ValidationError:
        return None


def item_origins(version: RuleSetVersion, branch: Organization) -> dict[str, Origin]:
    """item code → where it comes from, along the chain of versions the effective rules merge.

    One query per level of the chain (a branch's rules on a 党总支's on a 党委's: three), whatever the
    number of items.
    """
    chain = [version]
    while chain[-1].parent_version_id is not None:
        parent = RuleSetVersion.objects.select_related("ruleset__organization").get(
            pk=chain[-1].parent_version_id
        )
        chain.append(parent)
    chain.reverse()  # the unified rules first
    origins: dict[str, Origin] = {}
    above: CoreRuleSet | None = None
    for level in chain:
        rules = effective_ruleset(level)
        organization = level.ruleset.organization
        local = organization.pk == branch.pk
        for item in rules.items:
            if item.code not in origins:
                origins[item.code] = Origin(organization.name, local=local)
            elif local and above is not None and above.item(item.code) != item:
                origins[item.code] = Origin(origins[item.code].organization, local=False, refined=True)
        above = rules
    return origins


# ---------------------------------------------------------------- the words


def points_text(item: Item) -> str:
    """“+2 分/次”, “+1～2 分/次（审核时确定）”, “扣 1 分/次”, “一票否决”."""
    if item.veto and item.points is None and item.points_range is None:
        return "一票否决"
    if item.points_range is not None:
        low, high = item.points_range
        if high <= 0:
            return f"扣 {fmt(-high)}～{fmt(-low)} 分/次（审核时确定）"
        return f"{fmt_signed(low)}～{fmt(high)} 分/次（审核时确定）"
    points = item.points
    assert points is not None
    text = f"扣 {fmt(-points)} 分/次" if points < 0 else f"{fmt_signed(points)} 分/次"
    return f"{text}，并一票否决" if item.veto else text


def cap_text(item: Item) -> str:
    if item.cap is None:
        return ""
    if item.highest <= 0:
        return f"全年最多扣 {fmt(item.cap)} 分"
    return f"全年最多 {fmt(item.cap)} 分"


def limit_text(item: Item) -> str:
    if item.limit is None:
        return ""
    return f"{LIMIT_WORDS[item.limit.per]}最多计 {item.limit.times} 次"


def item_standard(item: Item, origin: Origin) -> ItemStandard:
    return ItemStandard(
        code=item.code,
        name=item.name,
        points=points_text(item),
        cap=cap_text(item),
        limit=limit_text(item),
        evidence=EVIDENCE_WORDS[item.evidence],
        source=SOURCE_WORDS[item.source],
        description=item.description,
        origin=origin,
        veto=item.veto,
        deduction=item.highest < 0 or (item.veto and item.highest <= 0),
    )


def categories_of(rules: CoreRuleSet, origins: Mapping[str, Origin]) -> list[CategoryStandard]:
    """The categories in the rules' order, each with its items; items without one under 其他项目."""
    unknown = Origin(organization="", local=False)
    by_category: dict[str | None, list[ItemStandard]] = {}
    for item in rules.items:
        key = item.category if rules.category(item.category or "") is not None else None
        by_category.setdefault(key, []).append(item_standard(item, origins.get(item.code, unknown)))
    result = []
    for category in rules.categories:
        items = by_category.get(category.code, [])
        if not items:
            continue
        cap = ""
        if category.cap is not None:
            negative = all(item.deduction for item in items)
            cap = f"本类全年最多{'扣 ' if negative else ' '}{fmt(category.cap)} 分"
        result.append(
            CategoryStandard(
                code=category.code,
                name=category.name,
                kind=KIND_WORDS.get(category.kind, "") if category.kind else "",
                cap=cap,
                description=category.description,
                items=tuple(items),
            )
        )
    if by_category.get(None):
        result.append(CategoryStandard("", "其他项目", "", "", "", tuple(by_category[None])))
    return result


def categories_items(categories: list[CategoryStandard]) -> list[ItemStandard]:
    return [item for category in categories for item in category.items]


def totals_of(rules: CoreRuleSet) -> list[str]:
    """What acts on the year's total besides the items, in the order it is applied."""
    lines = []
    if rules.base_points:
        lines.append(f"每名党员年初自然获得基础分 {fmt(rules.base_points)} 分。")
    if rules.carry_over:
        lines.append(f"上年度积分的 {fmt(rules.carry_over * 100)}% 结转计入本年度。")
    evaluation = rules.evaluation
    if evaluation is not None:
        if evaluation.kind is EvaluationKind.SCORE:
            lines.append(f"年终民主评议由党员大会投票确定得分，满分 {fmt(evaluation.full_marks)} 分。")
        else:
            levels = "、".join(f"{name} {fmt(value)} 分" for name, value in evaluation.levels)
            lines.append(f"年终民主评议按等次计分：{levels}。")
        if evaluation.mode is EvaluationMode.WEIGHTED:
            lines.append(weighting_note(rules))
        else:
            lines.append("民主评议得分加入年度总分。")
    if rules.floor is not None:
        lines.append(f"年度积分最低为 {fmt(rules.floor)} 分（扣分不低于此数）。")
    return lines


def grades_of(rules: CoreRuleSet) -> list[str]:
    lines = []
    for grade in rules.grades:
        if grade.min is None:
            lines.append(f"{grade.name}：其余")
        else:
            lines.append(f"{grade.name}：{fmt(grade.min)} 分及以上")
    return lines


def rank_rules_of(rules: CoreRuleSet) -> list[str]:
    """What last places in the rankings lead to (001), in words."""
    rank = rules.rank_rules
    if rank is None:
        return []
    lines = []
    if rank.unqualified_after_consecutive_last:
        lines.append(
            f"连续 {rank.unqualified_after_consecutive_last} 次支部内季度排名最后的党员，"
            f"定位“{lowest_grade(rules)}”等次。"
        )
    probation = _last_places(rank.probation_branch_last, rank.probation_organization_last)
    if probation:
        lines.append(f"预备党员{probation}的，不得按期转正。")
    excellent = _last_places(rank.not_excellent_branch_last, rank.not_excellent_organization_last)
    if excellent:
        lines.append(f"正式党员{excellent}的，当年不得评定为“{top_grade(rules)}”，不得纳入表彰评优对象。")
    return lines


def _last_places(branch_last: int | None, organization_last: int | None) -> str:
    parts = []
    if branch_last:
        parts.append(f"支部内季度排名 {branch_last} 次最后一名")
    if organization_last:
        parts.append(f"全委排名 {organization_last} 次最后一名")
    return "，或".join(parts)


def veto_consequences_of(rules: CoreRuleSet) -> list[str]:
    """一票否决: what any occurrence of a veto item does (``scoring.core.engine`` and ``.annual``)."""
    if not any(item.veto for item in rules.items):
        return []
    return [
        "发生任一一票否决事项，当年积分清零。",
        f"年终等次只能评定为“{lowest_grade(rules)}”，不得评先评优。",
    ]


def ranked_note_of(rules: CoreRuleSet) -> str:
    """Who takes part in the ranking and the year's grading; the others are scored for reference."""
    if rules.ranked_kinds == RANKED_TYPES:
        return "正式党员、预备党员参加排名和年度等次评定；发展对象、入党积极分子的积分仅作参考。"
    ranked = "、".join(kind.value for kind in MemberType if kind in rules.ranked_kinds)
    return f"仅{ranked}参加排名和年度等次评定；其他人员的积分作为教育考察的参考。"


def claim_item_standards(branch: Organization, on: datetime.date, codes: list[str]) -> dict[str, dict]:
    """item code → its standard in words, for the claim form (the member sees what the picked item is worth,
    how often it counts and what proves it); empty when no rules are in force."""
    standards = standards_on(branch, on)
    if standards is None:
        return {}
    wanted = set(codes)
    return {
        item.code: {
            "name": item.name,
            "points": item.points,
            "caps": item.caps,
            "evidence": item.evidence,
            "description": item.description,
            "origin": item.origin.label,
        }
        for item in standards.items
        if item.code in wanted
    }
