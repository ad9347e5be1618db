"""试算 (the simulator's files), contract v2: EVENTS.csv, EVAL.csv and PREV.csv in, the result CSV out — plain
text, no database.

``manage.py score_simulate RULES.yaml EVENTS.csv [--evaluations EVAL.csv] [--previous PREV.csv] --cycle YEAR``

RULES.yaml
    A rule-set file; one with ``extends: <code>`` is merged onto that preset (or ``<code>.yaml`` beside it).
EVENTS.csv — header ``member,member_type,date,item,points``
    One occurrence a row. ``member_type`` is 正式党员, 预备党员, 发展对象 or 入党积极分子 (one per member);
    ``date`` is YYYY-MM-DD inside cycle YEAR; ``item`` a code of the rule set; ``points`` empty for a
    fixed-points item, the value set at review (within the item's range) for a range item. The members
    scored are the members of this file.
EVAL.csv (optional) — the 民主评议; the header says which kind, and must be the rule set's:
    ``member,level`` when the rule set's evaluation is by levels (``kind: levels``): a level name of the rule
    set; ``member,score`` when it is a vote score (``kind: score``): a number from 0 to ``evaluation.max``.
    One row per member, a member of EVENTS.csv. A member without a row gets 0 for the evaluation. A rule set
    without ``evaluation`` takes no EVAL.csv.
PREV.csv (optional) — header ``member,total``: last cycle's total of a member of EVENTS.csv, a number ≥ 0,
    one row per member; the carry-over is ``carry_over`` × total (医院: 40 %). A rule set without
    ``carry_over`` takes no PREV.csv. A member without a row carries nothing over.
Output (stdout) — exactly v1's CSV: ``member,total,grade,rank,member_type``, one column per category (its
    code) in the rule set's order, ``uncategorized`` when some item has no category, then
    ``base,carry_over,evaluation,veto``; one row per member, ordered by rank then member, the unranked
    (the kinds the rule set does not rank; ``rank`` empty) last. ``total`` is the engine's: points (items +
    base + carry-over) with the evaluation added, or weighted (the points first rescaled to the evaluation's
    full marks when the rule set has ``evaluation.points_full_marks``), then floor and veto; ``grade`` the
    rule set's grade for it. ``evaluation`` is the evaluation's value in points: the level's value, or the
    vote score itself. Numbers are written plainly (12, 0.5, 106.95); ``veto`` is 是 or 否.
stderr — one line per occurrence not counted because of a frequency limit:
    ``<EVENTS.csv> 第<line>行 item: <member> <date> <item name>:<reason>``.
Errors — exit status 2, nothing on stdout, every problem on stderr, nothing scored: a problem in a row as
    ``<file> 第<line>行 <field>: <message>`` (e.g.
    ``eval.csv 第3行 score: 评议得分 25 超出 0 至 20 分的范围``,
    ``prev.csv 第2行 total: 上年总分应为数值:九十``); a header that is not the expected one as
    ``<file> 第1行 表头: 表头应为 member,score(…)``; a file the rule set cannot use (EVAL.csv without an
    evaluation, PREV.csv without carry-over) as ``<file>: <message>``; a rule-set problem with its line
    and field path; a missing or non-UTF-8 file by its name.

Contract v1 inputs (no PREV.csv; a ``member,level`` EVAL.csv) give exactly v1's output for the same
rule-set file. Examples: ``scoring/presets/examples/`` (``zhijian-events.csv`` + ``zhijian-evaluations.csv``
with vote scores; ``yiyuan-events.csv`` + ``yiyuan-previous.csv`` with last year's totals).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from scoring.core.engine import CycleResult, DroppedEvent, Event, MemberInfo, event_field_errors
from scoring.core.members import MemberType
from scoring.core.periods import cycle_bounds
from scoring.core.ruleset import EvaluationKind, RuleSet, fmt
from scoring.core.ruleset_file import to_decimal

EVENT_COLUMNS = ("member", "member_type", "date", "item", "points")
EVALUATION_COLUMNS = ("member", "level")
SCORE_COLUMNS = ("member", "score")
PREVIOUS_COLUMNS = ("member", "total")

EMPTY_FILE = "文件为空,缺少表头 {expected}"
BAD_HEADER = "表头应为 {expected}({detail})"
MISSING_COLUMNS = "缺少列 {columns}"
EXTRA_COLUMNS = "多余列 {columns}"
DUPLICATE_COLUMNS = "重复列 {columns}"
WRONG_COLUMN_COUNT = "该行有 {count} 列,表头有 {expected} 列"
EMPTY_VALUE = "不能为空"
UNKNOWN_MEMBER_TYPE = "未知的党员类型:{value}(应为 {choices} 之一)"
BAD_DATE = "日期应为 YYYY-MM-DD 格式:{value}"
BAD_POINTS = "分值应为数值:{value}"
MEMBER_TYPE_CONFLICT = "成员“{member}”的党员类型为 {this},与第{line}行的 {first} 不一致"
NO_EVALUATION = "规则集没有民主评议(evaluation),不能使用评议文件"
UNKNOWN_LEVEL = "未知的评议等次:{value}(应为 {choices} 之一)"
UNKNOWN_EVALUATED = "成员“{member}”不在事件文件中,无法确定其党员类型"
DUPLICATE_EVALUATION = "成员“{member}”的评议等次重复(第{line}行已有)"
DUPLICATE_SCORE = "成员“{member}”的评议得分重复(第{line}行已有)"
BAD_SCORE = "评议得分应为数值:{value}"
WRONG_EVALUATION_KIND = "规则集的民主评议为{kind}"
KIND_LABELS = {
    EvaluationKind.LEVELS: "等次评定(member,level)",
    EvaluationKind.SCORE: "投票得分(member,score)",
}
NO_CARRY_OVER = "规则集没有结转(carry_over),不能使用上年总分文件"
BAD_TOTAL = "上年总分应为数值:{value}"
NEGATIVE_TOTAL = "上年总分不能为负数:{value}"
UNKNOWN_PREVIOUS = "成员“{member}”不在事件文件中"
DUPLICATE_PREVIOUS = "成员“{member}”的上年总分重复(第{line}行已有)"
DROPPED = "{source} 第{line}行 {field}: {member} {date} {item}{reason}"
HEADER_FIELD = "表头"


class InputError(ValueError):
    """The input files cannot be scored; ``messages`` name the file, line and field of each problem."""

    def __init__(self, messages: Iterable[str]) -> None:
        self.messages = list(messages)
        super().__init__("\n".join(self.messages))


@dataclass(frozen=True)
class EventsFile:
    """What EVENTS.csv holds: the members (with their type), the events, and each event's line."""

    source: str
    members: tuple[MemberInfo, ...]
    events: tuple[Event, ...]
    lines: Mapping[str, int]  # Event.ref → line

    def line_of(self, event: Event) -> int:
        return self.lines[event.ref]


def _problem(source: str, line: int, field: str, message: str) -> str:
    return f"{source} 第{line}行 {field}: {message}"


def _rows(
    text: str, source: str, columns: tuple[str, ...], *, hint: Callable[[list[str]], str | None] | None = None
) -> Iterable[tuple[int, dict[str, str]]]:
    """(line, row) for each data row, after checking the header; raises InputError for a bad header.

    ``hint`` may add a last detail to a bad header's message, given the header read.
    """
    reader = csv.reader(io.StringIO(text.removeprefix("\ufeff")))
    expected = ",".join(columns)
    header = next(reader, None)
    if header is None:
        raise InputError([_problem(source, 1, HEADER_FIELD, EMPTY_FILE.format(expected=expected))])
    header = [name.strip() for name in header]
    missing = [name for name in columns if name not in header]
    extra = [name for name in header if name not in columns]
    repeated = sorted({name for name in header if header.count(name) > 1})
    details = [
        template.format(columns="、".join(names))
        for template, names in (
            (MISSING_COLUMNS, missing),
            (EXTRA_COLUMNS, extra),
            (DUPLICATE_COLUMNS, repeated),
        )
        if names
    ]
    extra_detail = hint(header) if details and hint is not None else None
    if extra_detail:
        details.append(extra_detail)
    if details:
        message = BAD_HEADER.format(expected=expected, detail=";".join(details))
        raise InputError([_problem(source, 1, HEADER_FIELD, message)])
    return _data_rows(reader, source, header)


def _data_rows(
    reader: Iterable[list[str]], source: str, header: list[str]
) -> Iterable[tuple[int, dict[str, str]]]:
    problems: list[str] = []
    rows: list[tuple[int, dict[str, str]]] = []
    line = 1
    for values in reader:
        line = reader.line_num  # type: ignore[attr-defined]
        if not any(value.strip() for value in values):
            continue  # blank lines are not rows
        if len(values) != len(header):
            message = WRONG_COLUMN_COUNT.format(count=len(values), expected=len(header))
            problems.append(_problem(source, line, HEADER_FIELD, message))
            continue
        rows.append((line, {name: value.strip() for name, value in zip(header, values, strict=True)}))
    if problems:
        raise InputError(problems)
    return rows


def read_events(text: str, *, source: str, ruleset: RuleSet, cycle: int) -> EventsFile:
    """EVENTS.csv text → members and events, every row checked with the engine's own event rules."""
    problems: list[str] = []
    member_types: dict[str, tuple[MemberType, int]] = {}
    events: list[Event] = []
    lines: dict[str, int] = {}
    for line, row in _rows(text, source, EVENT_COLUMNS):
        row_problems: list[tuple[str, str]] = []
        for name in ("member", "member_type", "date", "item"):
            if not row[name]:
                row_problems.append((name, EMPTY_VALUE))
        member_type = _member_type(row["member_type"], row_problems)
        day = _date(row["date"], row_problems)
        points = _points(row["points"], row_problems)
        if member_type is not None and row["member"]:
            first = member_types.setdefault(row["member"], (member_type, line))
            if first[0] is not member_type:
                message = MEMBER_TYPE_CONFLICT.format(
                    member=row["member"], this=member_type, first=first[0], line=first[1]
                )
                row_problems.append(("member_type", message))
        if row["item"]:
            # Without a valid date, still check the item and points against a day inside the cycle.
            event = Event(
                row["member"], day or cycle_bounds(ruleset, cycle)[0], row["item"], points, ref=f"{line:09d}"
            )
            checks = event_field_errors(ruleset, event, cycle=cycle)
            row_problems += [
                (field, message)
                for field, message in checks
                if not (field == "date" and day is None)
                and not (field == "points" and row["points"] and points is None)
            ]
            if not row_problems:
                events.append(event)
                lines[event.ref] = line
        problems += [_problem(source, line, field, message) for field, message in row_problems]
    if problems:
        raise InputError(problems)
    members = tuple(MemberInfo(member, member_type) for member, (member_type, _) in member_types.items())
    return EventsFile(source, members, tuple(events), lines)


def _member_type(value: str, problems: list[tuple[str, str]]) -> MemberType | None:
    if not value:
        return None
    try:
        return MemberType(value)
    except ValueError:
        choices = "、".join(member_type.value for member_type in MemberType)
        problems.append(("member_type", UNKNOWN_MEMBER_TYPE.format(value=value, choices=choices)))
        return None


def _date(value: str, problems: list[tuple[str, str]]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(("date", BAD_DATE.format(value=value)))
        return None


def _points(value: str, problems: list[tuple[str, str]]) -> Decimal | None:
    if not value:
        return None
    number = to_decimal(value)
    if number is None:
        problems.append(("points", BAD_POINTS.format(value=value)))
    return number


def read_evaluations(
    text: str, *, source: str, ruleset: RuleSet, members: Iterable[MemberInfo]
) -> dict[str, str | Decimal]:
    """EVAL.csv text → member → 民主评议: a level name (``member,level``) or a vote score (``member,score``),
    whichever the rule set's evaluation takes."""
    evaluation = ruleset.evaluation
    if evaluation is None:
        raise InputError([f"{source}: {NO_EVALUATION}"])
    kind = evaluation.kind
    by_score = kind is EvaluationKind.SCORE
    columns = SCORE_COLUMNS if by_score else EVALUATION_COLUMNS
    field = columns[1]

    def kind_hint(header: list[str]) -> str | None:
        """Name the rule set's kind when the header is the other kind's."""
        other = EVALUATION_COLUMNS if by_score else SCORE_COLUMNS
        if other[1] in header and field not in header:
            return WRONG_EVALUATION_KIND.format(kind=KIND_LABELS[kind])
        return None

    levels = evaluation.level_names
    known = {info.member for info in members}
    problems: list[str] = []
    evaluations: dict[str, str | Decimal] = {}
    seen_on: dict[str, int] = {}
    for line, row in _rows(text, source, columns, hint=kind_hint):
        member, value = row["member"], row[field]
        if not member:
            problems.append(_problem(source, line, "member", EMPTY_VALUE))
        elif member not in known:
            problems.append(_problem(source, line, "member", UNKNOWN_EVALUATED.format(member=member)))
        elif member in seen_on:
            duplicate = DUPLICATE_SCORE if by_score else DUPLICATE_EVALUATION
            problems.append(
                _problem(source, line, "member", duplicate.format(member=member, line=seen_on[member]))
            )
        given: str | Decimal | None = None
        if not value:
            problems.append(_problem(source, line, field, EMPTY_VALUE))
        elif by_score:
            given = to_decimal(value)
            if given is None:
                problems.append(_problem(source, line, field, BAD_SCORE.format(value=value)))
            else:
                try:
                    evaluation.value_for(given)
                except ValueError as exc:
                    problems.append(_problem(source, line, field, str(exc)))
                    given = None
        elif value not in levels:
            message = UNKNOWN_LEVEL.format(value=value, choices="、".join(levels))
            problems.append(_problem(source, line, field, message))
        else:
            given = value
        if member and given is not None:
            seen_on.setdefault(member, line)
            evaluations[member] = given
    if problems:
        raise InputError(problems)
    return evaluations


def read_previous(
    text: str, *, source: str, ruleset: RuleSet, members: Iterable[MemberInfo]
) -> dict[str, Decimal]:
    """PREV.csv text → member → last cycle's total (the carry-over is ``ruleset.carry_over`` × total)."""
    if ruleset.carry_over is None:
        raise InputError([f"{source}: {NO_CARRY_OVER}"])
    known = {info.member for info in members}
    problems: list[str] = []
    totals: dict[str, Decimal] = {}
    seen_on: dict[str, int] = {}
    for line, row in _rows(text, source, PREVIOUS_COLUMNS):
        member, value = row["member"], row["total"]
        if not member:
            problems.append(_problem(source, line, "member", EMPTY_VALUE))
        elif member not in known:
            problems.append(_problem(source, line, "member", UNKNOWN_PREVIOUS.format(member=member)))
        elif member in seen_on:
            message = DUPLICATE_PREVIOUS.format(member=member, line=seen_on[member])
            problems.append(_problem(source, line, "member", message))
        total = to_decimal(value) if value else None
        if not value:
            problems.append(_problem(source, line, "total", EMPTY_VALUE))
        elif total is None:
            problems.append(_problem(source, line, "total", BAD_TOTAL.format(value=value)))
        elif total < 0:
            problems.append(_problem(source, line, "total", NEGATIVE_TOTAL.format(value=value)))
            total = None
        if member and total is not None:
            seen_on.setdefault(member, line)
            totals[member] = total
    if problems:
        raise InputError(problems)
    return totals


def result_csv(ruleset: RuleSet, result: CycleResult) -> str:
    """The result as CSV: member,total,grade,rank, then member_type, category subtotals, base, carry-over,
    evaluation and veto; ordered by rank then member, the unranked (rank empty) last."""
    categories = [category.code for category in ruleset.categories]
    uncategorized = any(item.category is None for item in ruleset.items)
    header = ["member", "total", "grade", "rank", "member_type", *categories]
    header += ["uncategorized"] if uncategorized else []
    header += ["base", "carry_over", "evaluation", "veto"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    ordered = sorted(result.scores, key=lambda s: (s.rank is None, s.rank or 0, s.member))
    for score in ordered:
        subtotals = [fmt(score.category_subtotals.get(code, Decimal(0))) for code in categories]
        if uncategorized:
            subtotals.append(fmt(score.items_total - sum(score.category_subtotals.values(), Decimal(0))))
        writer.writerow(
            [
                score.member,
                fmt(score.total),
                score.grade or "",
                "" if score.rank is None else score.rank,
                score.member_type.value,
                *subtotals,
                fmt(score.base),
                fmt(score.carry_over),
                fmt(score.evaluation),
                "是" if score.veto else "否",
            ]
        )
    return out.getvalue()


def dropped_report(ruleset: RuleSet, events_file: EventsFile, dropped: Iterable[DroppedEvent]) -> list[str]:
    """One line per occurrence not counted because of a frequency limit, in file order."""
    lines = []
    for entry in sorted(dropped, key=lambda d: events_file.line_of(d.event)):
        item = ruleset.item(entry.event.item)
        lines.append(
            DROPPED.format(
                source=events_file.source,
                line=events_file.line_of(entry.event),
                field="item",
                member=entry.event.member,
                date=entry.event.date,
                item=item.name if item is not None else entry.event.item,
                reason=f":{entry.reason}",
            )
        )
    return lines
