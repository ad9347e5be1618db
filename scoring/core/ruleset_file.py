"""The rule-set file: YAML text ⇄ :class:`~scoring.core.ruleset.RuleSet`, with validation.

v1's fields, plus (issue 10) ``evaluation.kind`` / ``max`` / ``points_full_marks``, ``ranked_kinds``,
``rank_rules.not_excellent_*`` and ``unsettled``; a v1 file reads and dumps exactly as before.

Every problem is reported, not only the first, as a :class:`FieldError` naming the field by its path
(``items[3].points``) with a message in Chinese; :class:`RuleSetError` carries them all, and the line of
each field when the rule set came from YAML text. YAML numbers are read straight into ``Decimal`` from
their text, so ``0.5`` stays exactly 0.5.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any, NamedTuple, TypeVar

import yaml

from scoring.core.members import RANKED_TYPES, MemberType
from scoring.core.ruleset import (
    Category,
    CategoryKind,
    Evaluation,
    EvaluationKind,
    EvaluationMode,
    Evidence,
    Grade,
    Item,
    Limit,
    LimitPer,
    ProbationOutcome,
    RankRules,
    RuleSet,
    Source,
    Unsettled,
    fmt,
)

# Messages, one constant per kind of problem, so that tests and callers can name them.
MISSING = "缺少必填字段"
UNKNOWN_FIELD = "未知字段"
DUPLICATE_FIELD = "字段重复"
NOT_MAPPING = "应为键值映射"
NOT_LIST = "应为列表"
NOT_TEXT = "应为非空文本"
NOT_NUMBER = "应为数值"
NOT_INTEGER = "应为整数"
NOT_BOOLEAN = "应为 true 或 false"
NOT_CHOICE = "应为 {choices} 之一"
BAD_CODE = "代码只能由小写字母、数字、连字符和下划线组成,并以字母或数字开头"
DUPLICATE_CODE = "代码重复:{code}"
DUPLICATE_NAME = "名称重复:{name}"
BAD_START_MONTH = "周期起始月份应为 1 至 12 的整数"
BAD_POINTS = "分值应为一个数值或区间 [下限, 上限]"
RANGE_ORDER = "分值区间下限不能大于上限"
POINTS_MISSING = "缺少分值:应为固定分值或区间 [下限, 上限]"
CAP_NOT_POSITIVE = "上限应为正数"
TIMES_NOT_POSITIVE = "次数应为正整数"
UNKNOWN_CATEGORY = "未定义的类别:{code}"
NO_ITEMS = "至少需要一个积分项目"
BAD_CARRY_OVER = "结转比例应大于 0 且不大于 1"
WEIGHT_MISSING = "加权模式(weighted)需要权重 weight"
BAD_WEIGHT = "权重应大于 0 且小于 1"
WEIGHT_UNUSED = "只有加权模式(weighted)才使用权重,叠加模式(added)应为空"
NO_LEVELS = "至少需要一个评议等次"
LEVELS_UNUSED = "投票得分(kind: score)不使用评议等次 levels,应删去"
MAX_NOT_POSITIVE = "评议满分 max 应为正数"
LEVEL_ABOVE_MAX = "等次分值 {value} 高于评议满分 {max}"
FULL_MARKS_UNUSED = "只有加权模式(weighted)才把积分折算为评议满分,叠加模式(added)应为空"
FULL_MARKS_NOT_POSITIVE = "积分满分 points_full_marks 应为正数"
NO_SCALE = "积分折算需要正的评议满分(max 或最高的等次分值)"
NO_RANKED_KINDS = "至少需要一种参加排名的党员类型"
UNKNOWN_UNSETTLED_FIELD = "未知的规则字段:{field}(应为 {choices} 之一或其下的字段)"
THRESHOLDS_ORDER = "下限应自上而下递减"
NULL_NOT_LAST = "只有最后一项的下限可以为空"
NOT_TOP_MAPPING = "规则文件的顶层应为键值映射"
YAML_SYNTAX = "YAML 格式错误:{problem}"
NO_ANCHORS = "规则文件不能使用 YAML 锚点(&)和别名(*),请把内容直接写出"

CODE_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


class FieldError(NamedTuple):
    """One problem in a rule set: the field's path (``items[3].points``) and what is wrong, in Chinese."""

    path: str
    message: str


class RuleSetError(ValueError):
    """A rule set that cannot be used, with every problem found (``.errors``), one per line in ``str()``."""

    def __init__(
        self,
        errors: Sequence[FieldError],
        *,
        source: str = "<规则文件>",
        lines: Mapping[str, int] | None = None,
    ) -> None:
        self.errors = list(errors)
        self.source = source
        self.lines = dict(lines or {})
        super().__init__(str(self))

    def line_of(self, path: str) -> int | None:
        """The line of the field, or of the nearest enclosing one that has a line."""
        while True:
            if path in self.lines:
                return self.lines[path]
            if not path:
                return None
            path = _parent_path(path)

    def describe(self, error: FieldError) -> str:
        line = self.line_of(error.path)
        where = f"{self.source} 第{line}行" if line is not None else self.source
        return f"{where} {error.path}: {error.message}" if error.path else f"{where}: {error.message}"

    def __str__(self) -> str:
        return "\n".join(self.describe(error) for error in self.errors)


def _parent_path(path: str) -> str:
    cut = max(path.rfind("."), path.rfind("["))
    return path[:cut] if cut > 0 else ""


# ---------------------------------------------------------------- YAML text


class _AnchorRefused(yaml.YAMLError):
    def __init__(self, mark: yaml.Mark) -> None:
        super().__init__(NO_ANCHORS)
        self.mark = mark


class _Loader(yaml.SafeLoader):
    """Safe YAML whose floats are Decimals built from their own text (no float ever exists), and
    without anchors or aliases: a few hundred bytes of nested aliases stand for millions of nodes
    ("billion laughs"), which the line map below would walk one by one. A rule set never needs them."""

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _AnchorRefused(event.start_mark)
        return super().compose_node(parent, index)


def _construct_decimal(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> Decimal:
    text = str(loader.construct_scalar(node)).replace("_", "")
    try:
        return Decimal(text)
    except InvalidOperation:
        # .inf, .nan and sexagesimal forms: let PyYAML read them, validation rejects what is not finite.
        return Decimal(str(loader.construct_yaml_float(node)))


_Loader.add_constructor("tag:yaml.org,2002:float", _construct_decimal)


def load_yaml_mapping(text: str, *, source: str = "<规则文件>") -> tuple[dict[str, Any], dict[str, int]]:
    """YAML text → (its top-level mapping, the line of every field path).

    Raises :class:`RuleSetError` for malformed YAML (with the line) and for a duplicated key.
    """
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    except _AnchorRefused as exc:
        raise RuleSetError(
            [FieldError("", NO_ANCHORS)], source=source, lines={"": exc.mark.line + 1}
        ) from exc
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc)
        lines = {"": mark.line + 1} if mark is not None else {}
        raise RuleSetError(
            [FieldError("", YAML_SYNTAX.format(problem=problem))], source=source, lines=lines
        ) from exc
    finally:
        loader.dispose()
    if not isinstance(data, dict):
        raise RuleSetError([FieldError("", NOT_TOP_MAPPING)], source=source, lines={"": 1})
    lines: dict[str, int] = {}
    duplicates: list[FieldError] = []
    _record_lines(node, "", lines, duplicates)
    if duplicates:
        raise RuleSetError(duplicates, source=source, lines=lines)
    return data, lines


def _record_lines(node: yaml.Node, path: str, lines: dict[str, int], duplicates: list[FieldError]) -> None:
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            child = f"{path}.{key}" if path else key
            if key in seen:
                duplicates.append(FieldError(child, DUPLICATE_FIELD))
            seen.add(key)
            lines.setdefault(child, key_node.start_mark.line + 1)
            _record_lines(value_node, child, lines, duplicates)
    elif isinstance(node, yaml.SequenceNode):
        for index, child_node in enumerate(node.value):
            child = f"{path}[{index}]"
            lines.setdefault(child, child_node.start_mark.line + 1)
            _record_lines(child_node, child, lines, duplicates)


def parse_ruleset(text: str, *, source: str = "<规则文件>") -> RuleSet:
    """YAML text of a complete rule set → a validated :class:`RuleSet`.

    A branch's local file (``extends`` with only its additions) is read with
    :func:`scoring.core.inherit.read_ruleset`, which merges it onto the unified rule set first.
    """
    data, lines = load_yaml_mapping(text, source=source)
    try:
        return ruleset_from_dict(data)
    except RuleSetError as exc:
        raise RuleSetError(exc.errors, source=source, lines=lines) from None


# ---------------------------------------------------------------- dict → RuleSet

E = TypeVar("E", bound=StrEnum)

TOP_FIELDS = (
    "code",
    "name",
    "description",
    "extends",
    "cycle_start_month",
    "base_points",
    "floor",
    "carry_over",
    "categories",
    "items",
    "evaluation",
    "grades",
    "probation",
    "rank_rules",
    "ranked_kinds",
    "unsettled",
)
CATEGORY_FIELDS = ("code", "name", "cap", "kind", "description")
ITEM_FIELDS = (
    "code",
    "name",
    "category",
    "points",
    "cap",
    "limit",
    "evidence",
    "source",
    "veto",
    "description",
)
LIMIT_FIELDS = ("per", "times")
EVALUATION_FIELDS = ("kind", "mode", "weight", "max", "points_full_marks", "levels")
RANK_RULE_FIELDS = (
    "unqualified_after_consecutive_last",
    "probation_branch_last",
    "probation_organization_last",
    "not_excellent_branch_last",
    "not_excellent_organization_last",
)
UNSETTLED_FIELDS = ("field", "note")


class _Reader:
    """Reads values out of plain mappings, collecting a FieldError for each problem instead of stopping."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def error(self, path: str, message: str) -> None:
        self.errors.append(FieldError(path, message))

    def mapping(self, value: Any, path: str, fields: Iterable[str]) -> Mapping[str, Any] | None:
        if not isinstance(value, Mapping):
            self.error(path, NOT_MAPPING)
            return None
        known = set(fields)
        for key in value:
            if key not in known:
                self.error(_join(path, str(key)), UNKNOWN_FIELD)
        return value

    def sequence(self, value: Any, path: str) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(path, NOT_LIST)
            return []
        return value

    def text(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.error(_join(path, key), MISSING)
            return None
        if not isinstance(value, str) or not value.strip():
            self.error(_join(path, key), NOT_TEXT)
            return None
        return value.strip()

    def code(self, data: Mapping[str, Any], key: str, path: str, *, required: bool = True) -> str | None:
        value = self.text(data, key, path, required=required)
        if value is not None and not CODE_PATTERN.match(value):
            self.error(_join(path, key), BAD_CODE)
            return None
        return value

    def number(self, value: Any, path: str) -> Decimal | None:
        number = to_decimal(value)
        if number is None:
            self.error(path, NOT_NUMBER)
        return number

    def optional_number(self, data: Mapping[str, Any], key: str, path: str) -> Decimal | None:
        return None if data.get(key) is None else self.number(data[key], _join(path, key))

    def positive(self, data: Mapping[str, Any], key: str, path: str) -> Decimal | None:
        number = self.optional_number(data, key, path)
        if number is not None and number <= 0:
            self.error(_join(path, key), CAP_NOT_POSITIVE)
            return None
        return number

    def integer(self, value: Any, path: str, message: str = NOT_INTEGER) -> int | None:
        if isinstance(value, bool) or not isinstance(value, int | Decimal) or value != int(value):
            self.error(path, message)
            return None
        return int(value)

    def count(self, data: Mapping[str, Any], key: str, path: str) -> int | None:
        if data.get(key) is None:
            return None
        number = self.integer(data[key], _join(path, key), TIMES_NOT_POSITIVE)
        if number is not None and number < 1:
            self.error(_join(path, key), TIMES_NOT_POSITIVE)
            return None
        return number

    def boolean(self, data: Mapping[str, Any], key: str, path: str) -> bool:
        value = data.get(key, False)
        if value is None:
            return False
        if not isinstance(value, bool):
            self.error(_join(path, key), NOT_BOOLEAN)
            return False
        return value

    def choice(
        self, data: Mapping[str, Any], key: str, path: str, enum: type[E], default: E | None
    ) -> E | None:
        value = data.get(key)
        if value is None:
            if default is None:
                self.error(_join(path, key), MISSING)
            return default
        try:
            return enum(value)
        except ValueError:
            choices = "、".join(member.value for member in enum)
            self.error(_join(path, key), NOT_CHOICE.format(choices=choices))
            return default


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def to_decimal(value: Any) -> Decimal | None:
    """A finite Decimal from a YAML/JSON number or a numeric string; None when it is not one.

    Floats go through ``str`` so that 0.1 is 0.1, not its binary approximation.
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            return None
    else:
        return None
    return number if number.is_finite() else None


def parse_points(
    reader: _Reader, value: Any, path: str
) -> tuple[Decimal | None, tuple[Decimal, Decimal] | None, bool]:
    """(fixed points, range, well-formed) from ``1`` or ``[2, 5]``."""
    if isinstance(value, list):
        if len(value) != 2:
            reader.error(path, BAD_POINTS)
            return None, None, False
        low, high = to_decimal(value[0]), to_decimal(value[1])
        if low is None or high is None:
            reader.error(path, BAD_POINTS)
            return None, None, False
        if low > high:
            reader.error(path, RANGE_ORDER)
            return None, None, False
        return None, (low, high), True
    number = to_decimal(value)
    if number is None:
        reader.error(path, BAD_POINTS)
        return None, None, False
    return number, None, True


def ruleset_from_dict(data: Mapping[str, Any]) -> RuleSet:
    """A mapping shaped like the rule-set file → a validated :class:`RuleSet` (or :class:`RuleSetError`)."""
    reader = _Reader()
    top = reader.mapping(data, "", TOP_FIELDS)
    if top is None:
        raise RuleSetError([FieldError("", NOT_TOP_MAPPING)])
    code = reader.code(top, "code", "")
    name = reader.text(top, "name", "")
    extends = reader.code(top, "extends", "", required=False)
    description = reader.text(top, "description", "", required=False) or ""
    start_month = _read_start_month(reader, top)
    base_points = reader.optional_number(top, "base_points", "") or Decimal(0)
    floor = reader.optional_number(top, "floor", "") if "floor" in top else Decimal(0)
    carry_over = reader.optional_number(top, "carry_over", "")
    if carry_over is not None and not Decimal(0) < carry_over <= 1:
        reader.error("carry_over", BAD_CARRY_OVER)
    categories = _read_categories(reader, top.get("categories"))
    items = _read_items(reader, top.get("items"), {category.code for category in categories})
    evaluation = _read_evaluation(reader, top.get("evaluation"))
    grades = tuple(Grade(n, m) for n, m in _read_thresholds(reader, top.get("grades"), "grades", "name"))
    probation = tuple(
        ProbationOutcome(n, m)
        for n, m in _read_thresholds(reader, top.get("probation"), "probation", "outcome")
    )
    rank_rules = _read_rank_rules(reader, top.get("rank_rules"))
    ranked_kinds = _read_ranked_kinds(reader, top.get("ranked_kinds"))
    unsettled = _read_unsettled(reader, top.get("unsettled"))
    if reader.errors:
        raise RuleSetError(reader.errors)
    assert code is not None and name is not None  # errors were raised above otherwise
    return RuleSet(
        code=code,
        name=name,
        items=items,
        categories=categories,
        cycle_start_month=start_month,
        base_points=base_points,
        floor=floor,
        carry_over=carry_over,
        evaluation=evaluation,
        grades=grades,
        probation=probation,
        rank_rules=rank_rules,
        extends=extends,
        description=description,
        ranked_kinds=ranked_kinds,
        unsettled=unsettled,
    )


def _read_start_month(reader: _Reader, top: Mapping[str, Any]) -> int:
    value = top.get("cycle_start_month", 1)
    month = reader.integer(value, "cycle_start_month", BAD_START_MONTH)
    if month is not None and not 1 <= month <= 12:
        reader.error("cycle_start_month", BAD_START_MONTH)
    return month if month is not None and 1 <= month <= 12 else 1


def _read_categories(reader: _Reader, value: Any) -> tuple[Category, ...]:
    categories: list[Category] = []
    seen: set[str] = set()
    for index, raw in enumerate(reader.sequence(value, "categories")):
        path = f"categories[{index}]"
        data = reader.mapping(raw, path, CATEGORY_FIELDS)
        if data is None:
            continue
        code = reader.code(data, "code", path)
        name = reader.text(data, "name", path)
        cap = reader.positive(data, "cap", path)
        description = reader.text(data, "description", path, required=False) or ""
        kind = reader.choice(data, "kind", path, CategoryKind, None) if "kind" in data else None
        if code is not None and code in seen:
            reader.error(f"{path}.code", DUPLICATE_CODE.format(code=code))
        elif code is not None and name is not None:
            seen.add(code)
            categories.append(Category(code=code, name=name, cap=cap, description=description, kind=kind))
    return tuple(categories)


def _read_items(reader: _Reader, value: Any, category_codes: set[str]) -> tuple[Item, ...]:
    if value is None:
        reader.error("items", MISSING)
        return ()
    raw_items = reader.sequence(value, "items")
    if isinstance(value, list) and not value:
        reader.error("items", NO_ITEMS)
    items: list[Item] = []
    seen: set[str] = set()
    for index, raw in enumerate(raw_items):
        item = _read_item(reader, raw, f"items[{index}]", category_codes)
        if item is None:
            continue
        if item.code in seen:
            reader.error(f"items[{index}].code", DUPLICATE_CODE.format(code=item.code))
            continue
        seen.add(item.code)
        items.append(item)
    return tuple(items)


def _read_item(reader: _Reader, raw: Any, path: str, category_codes: set[str]) -> Item | None:
    data = reader.mapping(raw, path, ITEM_FIELDS)
    if data is None:
        return None
    errors_before = len(reader.errors)
    code = reader.code(data, "code", path)
    name = reader.text(data, "name", path)
    category = reader.code(data, "category", path, required=False)
    if category is not None and category not in category_codes:
        reader.error(f"{path}.category", UNKNOWN_CATEGORY.format(code=category))
    veto = reader.boolean(data, "veto", path)
    points, points_range = None, None
    if data.get("points") is not None:
        points, points_range, _ = parse_points(reader, data["points"], f"{path}.points")
    elif not veto:
        reader.error(f"{path}.points", POINTS_MISSING)
    cap = reader.positive(data, "cap", path)
    limit = _read_limit(reader, data.get("limit"), f"{path}.limit")
    evidence = reader.choice(data, "evidence", path, Evidence, Evidence.OPTIONAL)
    source = reader.choice(data, "source", path, Source, Source.MEMBER)
    description = reader.text(data, "description", path, required=False) or ""
    if len(reader.errors) > errors_before or code is None or name is None:
        return None
    return Item(
        code=code,
        name=name,
        category=category,
        points=points,
        points_range=points_range,
        cap=cap,
        limit=limit,
        evidence=evidence or Evidence.OPTIONAL,
        source=source or Source.MEMBER,
        veto=veto,
        description=description,
    )


def _read_limit(reader: _Reader, value: Any, path: str) -> Limit | None:
    if value is None:
        return None
    data = reader.mapping(value, path, LIMIT_FIELDS)
    if data is None:
        return None
    per = reader.choice(data, "per", path, LimitPer, None)
    times = reader.count(data, "times", path) if data.get("times") is not None else 1
    if per is None or times is None:
        return None
    return Limit(per=per, times=times)


def _read_evaluation(reader: _Reader, value: Any) -> Evaluation | None:
    if value is None:
        return None
    data = reader.mapping(value, "evaluation", EVALUATION_FIELDS)
    if data is None:
        return None
    kind: EvaluationKind | None = EvaluationKind.LEVELS
    if data.get("kind") is not None:
        kind = reader.choice(data, "kind", "evaluation", EvaluationKind, None)
    mode = reader.choice(data, "mode", "evaluation", EvaluationMode, EvaluationMode.ADDED)
    weight = reader.optional_number(data, "weight", "evaluation")
    if mode is EvaluationMode.WEIGHTED and data.get("weight") is None:
        reader.error("evaluation.weight", WEIGHT_MISSING)
    elif mode is EvaluationMode.WEIGHTED and weight is not None and not Decimal(0) < weight < 1:
        reader.error("evaluation.weight", BAD_WEIGHT)
    elif mode is EvaluationMode.ADDED and data.get("weight") is not None:
        reader.error("evaluation.weight", WEIGHT_UNUSED)
    maximum = _read_positive(reader, data, "max", MAX_NOT_POSITIVE)
    if kind is EvaluationKind.SCORE and data.get("max") is None:
        reader.error("evaluation.max", MISSING)
    full_marks = _read_positive(reader, data, "points_full_marks", FULL_MARKS_NOT_POSITIVE)
    if mode is EvaluationMode.ADDED and data.get("points_full_marks") is not None:
        reader.error("evaluation.points_full_marks", FULL_MARKS_UNUSED)
        full_marks = None
    levels = _read_levels(reader, data, kind, maximum)
    highest = max((value for _, value in levels), default=None)
    if full_marks is not None and maximum is None and highest is not None and highest <= 0:
        reader.error("evaluation.points_full_marks", NO_SCALE)
    if mode is None or kind is None:
        return None
    return Evaluation(
        mode=mode,
        levels=tuple(levels),
        weight=weight if mode is EvaluationMode.WEIGHTED else None,
        kind=kind,
        max=maximum,
        points_full_marks=full_marks,
    )


def _read_positive(reader: _Reader, data: Mapping[str, Any], key: str, message: str) -> Decimal | None:
    number = reader.optional_number(data, key, "evaluation")
    if number is not None and number <= 0:
        reader.error(f"evaluation.{key}", message)
        return None
    return number


def _read_levels(
    reader: _Reader, data: Mapping[str, Any], kind: EvaluationKind | None, maximum: Decimal | None
) -> list[tuple[str, Decimal]]:
    raw_levels = data.get("levels")
    if kind is None:
        return []  # an unknown kind is reported; which levels it needs cannot be said
    if kind is EvaluationKind.SCORE:
        if raw_levels is not None:
            reader.error("evaluation.levels", LEVELS_UNUSED)
        return []
    levels: list[tuple[str, Decimal]] = []
    if raw_levels is None:
        reader.error("evaluation.levels", MISSING)
    elif not isinstance(raw_levels, Mapping):
        reader.error("evaluation.levels", NOT_MAPPING)
    elif not raw_levels:
        reader.error("evaluation.levels", NO_LEVELS)
    else:
        for level, raw in raw_levels.items():
            number = reader.number(raw, f"evaluation.levels.{level}")
            if number is not None and maximum is not None and number > maximum:
                message = LEVEL_ABOVE_MAX.format(value=fmt(number), max=fmt(maximum))
                reader.error(f"evaluation.levels.{level}", message)
            elif number is not None:
                levels.append((str(level), number))
    return levels


def _read_thresholds(reader: _Reader, value: Any, path: str, label: str) -> list[tuple[str, Decimal | None]]:
    """Grades or probation outcomes: names unique, minimums strictly decreasing, only the last may be null."""
    thresholds: list[tuple[str, Decimal | None]] = []
    raw_list = reader.sequence(value, path)
    for index, raw in enumerate(raw_list):
        entry_path = f"{path}[{index}]"
        data = reader.mapping(raw, entry_path, (label, "min"))
        if data is None:
            continue
        name = reader.text(data, label, entry_path)
        if "min" not in data:
            reader.error(f"{entry_path}.min", MISSING)
            continue
        minimum = reader.optional_number(data, "min", entry_path)
        if data.get("min") is None and index != len(raw_list) - 1:
            reader.error(f"{entry_path}.min", NULL_NOT_LAST)
        elif (
            minimum is not None
            and thresholds
            and thresholds[-1][1] is not None
            and minimum >= thresholds[-1][1]
        ):
            reader.error(f"{entry_path}.min", THRESHOLDS_ORDER)
        if name is not None and any(name == seen for seen, _ in thresholds):
            reader.error(f"{entry_path}.{label}", DUPLICATE_NAME.format(name=name))
        elif name is not None:
            thresholds.append((name, minimum))
    return thresholds


def _read_rank_rules(reader: _Reader, value: Any) -> RankRules | None:
    if value is None:
        return None
    data = reader.mapping(value, "rank_rules", RANK_RULE_FIELDS)
    if data is None:
        return None
    return RankRules(**{key: reader.count(data, key, "rank_rules") for key in RANK_RULE_FIELDS})


def _read_ranked_kinds(reader: _Reader, value: Any) -> frozenset[MemberType]:
    """``[正式党员, 预备党员]``: the MemberType labels of the kinds ranked and graded; default both."""
    if value is None:
        return RANKED_TYPES
    if not isinstance(value, list):
        reader.error("ranked_kinds", NOT_LIST)
        return RANKED_TYPES
    if not value:
        reader.error("ranked_kinds", NO_RANKED_KINDS)
        return RANKED_TYPES
    kinds: set[MemberType] = set()
    for index, label in enumerate(value):
        try:
            kinds.add(MemberType(label))
        except ValueError:
            choices = "、".join(member_type.value for member_type in MemberType)
            reader.error(f"ranked_kinds[{index}]", NOT_CHOICE.format(choices=choices))
    return frozenset(kinds) or RANKED_TYPES


def _read_unsettled(reader: _Reader, value: Any) -> tuple[Unsettled, ...]:
    """``[{field: grades, note: …}]``: values the regulation leaves open, for the organization to settle."""
    entries: list[Unsettled] = []
    for index, raw in enumerate(reader.sequence(value, "unsettled")):
        path = f"unsettled[{index}]"
        data = reader.mapping(raw, path, UNSETTLED_FIELDS)
        if data is None:
            continue
        field = reader.text(data, "field", path)
        if field is not None and re.split(r"[.\[]", field, maxsplit=1)[0] not in TOP_FIELDS:
            choices = "、".join(TOP_FIELDS)
            reader.error(f"{path}.field", UNKNOWN_UNSETTLED_FIELD.format(field=field, choices=choices))
            field = None
        note = reader.text(data, "note", path)
        if field is not None and note is not None:
            entries.append(Unsettled(field=field, note=note))
    return tuple(entries)


# ---------------------------------------------------------------- RuleSet → dict / YAML


def ruleset_to_dict(rs: RuleSet) -> dict[str, Any]:
    """The rule set as a plain mapping in the file's shape (numbers stay ``Decimal``; defaults omitted).

    For JSON, encode Decimals as strings (Django's ``DjangoJSONEncoder`` does): :func:`ruleset_from_dict`
    reads numeric strings back.
    """
    data: dict[str, Any] = {"code": rs.code, "name": rs.name}
    if rs.description:
        data["description"] = rs.description
    if rs.extends:
        data["extends"] = rs.extends
    data["cycle_start_month"] = rs.cycle_start_month
    data["base_points"] = rs.base_points
    data["floor"] = rs.floor
    data["carry_over"] = rs.carry_over
    if rs.categories:
        data["categories"] = [_category_to_dict(category) for category in rs.categories]
    data["items"] = [_item_to_dict(item) for item in rs.items]
    if rs.evaluation is not None:
        data["evaluation"] = _evaluation_to_dict(rs.evaluation)
    if rs.grades:
        data["grades"] = [{"name": grade.name, "min": grade.min} for grade in rs.grades]
    if rs.probation:
        data["probation"] = [{"outcome": p.outcome, "min": p.min} for p in rs.probation]
    if rs.rank_rules is not None:
        data["rank_rules"] = {
            key: getattr(rs.rank_rules, key)
            for key in RANK_RULE_FIELDS
            if getattr(rs.rank_rules, key) is not None
        }
    if rs.ranked_kinds != RANKED_TYPES:
        data["ranked_kinds"] = [kind.value for kind in MemberType if kind in rs.ranked_kinds]
    if rs.unsettled:
        data["unsettled"] = [{"field": entry.field, "note": entry.note} for entry in rs.unsettled]
    return data


def _evaluation_to_dict(evaluation: Evaluation) -> dict[str, Any]:
    """The evaluation's mapping; a v1 evaluation (levels, no max, no rescaling) keeps exactly v1's keys."""
    data: dict[str, Any] = {}
    if evaluation.kind is not EvaluationKind.LEVELS:
        data["kind"] = evaluation.kind.value
    data["mode"] = evaluation.mode.value
    if evaluation.weight is not None:
        data["weight"] = evaluation.weight
    if evaluation.max is not None:
        data["max"] = evaluation.max
    if evaluation.points_full_marks is not None:
        data["points_full_marks"] = evaluation.points_full_marks
    if evaluation.kind is EvaluationKind.LEVELS:
        data["levels"] = dict(evaluation.levels)
    return data


def _category_to_dict(category: Category) -> dict[str, Any]:
    data: dict[str, Any] = {"code": category.code, "name": category.name}
    if category.cap is not None:
        data["cap"] = category.cap
    if category.kind is not None:
        data["kind"] = category.kind.value
    if category.description:
        data["description"] = category.description
    return data


def _item_to_dict(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {"code": item.code, "name": item.name}
    if item.category is not None:
        data["category"] = item.category
    if item.points_range is not None:
        data["points"] = list(item.points_range)
    elif item.points is not None:
        data["points"] = item.points
    if item.cap is not None:
        data["cap"] = item.cap
    if item.limit is not None:
        data["limit"] = {"per": item.limit.per.value, "times": item.limit.times}
    data["evidence"] = item.evidence.value
    data["source"] = item.source.value
    if item.veto:
        data["veto"] = True
    if item.description:
        data["description"] = item.description
    return data


class _Dumper(yaml.SafeDumper):
    """Writes Decimals as YAML numbers and small mappings/lists in flow style, like the format's example."""


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    if value == value.to_integral_value():
        return dumper.represent_scalar("tag:yaml.org,2002:int", format(value.quantize(Decimal(1)), "f"))
    return dumper.represent_scalar("tag:yaml.org,2002:float", format(value, "f"))


class _Flow(dict):
    pass


class _FlowList(list):
    pass


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(
    _Flow, lambda dumper, value: dumper.represent_mapping("tag:yaml.org,2002:map", value, flow_style=True)
)
_Dumper.add_representer(
    _FlowList,
    lambda dumper, value: dumper.represent_sequence("tag:yaml.org,2002:seq", value, flow_style=True),
)


def dump_ruleset(rs: RuleSet) -> str:
    """The rule set as YAML text in the v1 file format; ``parse_ruleset(dump_ruleset(rs)) == rs``."""
    data = ruleset_to_dict(rs)
    data["categories"] = [_Flow(category) for category in data.get("categories", [])] or None
    if data["categories"] is None:
        del data["categories"]
    for item in data["items"]:
        if isinstance(item.get("points"), list):
            item["points"] = _FlowList(item["points"])
        if "limit" in item:
            item["limit"] = _Flow(item["limit"])
    for key in ("grades", "probation"):
        if key in data:
            data[key] = [_Flow(entry) for entry in data[key]]
    if "ranked_kinds" in data:
        data["ranked_kinds"] = _FlowList(data["ranked_kinds"])
    return yaml.dump(data, Dumper=_Dumper, allow_unicode=True, sort_keys=False, width=120)


def map_errors(errors: Iterable[FieldError], rename: Callable[[str], str]) -> list[FieldError]:
    """The same errors with their paths renamed (used to point merged-rule-set errors at the local file)."""
    return [FieldError(rename(error.path), error.message) for error in errors]
