"""Rules inherited down the organization tree (自主设定项目, 004).

A branch's local rule file has the format of a rule set plus ``extends: <unified code>``, its own ``code``
and ``name``, and only what it changes:

- new categories and items (complete, like in any rule set) are added after the unified ones;
- an item (or category) with the code of a unified one refines it: the fields given replace the unified
  values — points only within the unified range, a cap only lowered (never raised, never removed), and
  limit, evidence, source, name, description freely;
- it may not delete a unified item, move one to another category, or turn a veto off;
- what the higher committee settles for everyone — ``ranked_kinds``, ``evaluation``, ``grades``,
  ``probation``, ``rank_rules``, ``carry_over``, ``base_points``, ``floor``, ``cycle_start_month`` — it
  may repeat but not change (``UNIFIED_ONLY``);
- its ``unsettled`` notes are appended to the unified ones; its ``description`` replaces the unified one.

Merging is repeatable down the tree: ``merge_rulesets(merge_rulesets(committee, general), branch)``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from scoring.core.ruleset import Item, RuleSet, fmt
from scoring.core.ruleset_file import (
    MISSING,
    NOT_LIST,
    NOT_MAPPING,
    FieldError,
    RuleSetError,
    _Reader,
    load_yaml_mapping,
    map_errors,
    parse_points,
    ruleset_from_dict,
    ruleset_to_dict,
    to_decimal,
)

WRONG_PARENT = "应为上级规则集代码 {code}"
UNKNOWN_PARENT = "找不到上级规则集:{code}"
CANNOT_DELETE = "不能删除上级统一规定的项目"
CANNOT_MOVE = "不能更改上级统一项目的类别(上级规定为 {category})"
CANNOT_UNVETO = "不能取消上级统一项目的一票否决"
POINTS_OUTSIDE_UNIFIED = "分值应在上级统一规定的范围 {low} 至 {high} 之内"
POINTS_FIXED_BY_UNIFIED = "上级统一规定为固定分值 {points} 分,不能更改"
DUPLICATE_LOCAL = "本级规则中代码重复:{code}"
CAP_LOOSENED = "不能放宽上级统一规定的上限 {cap} 分"
UNIFIED_ONLY = "该项由上级统一规定，本级规则不能更改"

UNIFIED_KEYS = (
    "ranked_kinds",
    "evaluation",
    "grades",
    "probation",
    "rank_rules",
    "carry_over",
    "base_points",
    "floor",
    "cycle_start_month",
)
"""Top-level keys a local file may repeat but not change: the higher committee settles them for everyone."""

DELETE_KEYS = ("remove", "delete", "exclude", "removed", "deleted", "disabled")


def merge_rulesets(unified: RuleSet, local: Mapping[str, Any]) -> RuleSet:
    """The branch's rule set: ``unified`` refined and extended by the ``local`` rule file's mapping."""
    errors: list[FieldError] = []
    if not isinstance(local, Mapping):
        raise RuleSetError([FieldError("", NOT_MAPPING)])
    if local.get("extends") != unified.code:
        errors.append(FieldError("extends", WRONG_PARENT.format(code=unified.code)))
    errors += [FieldError(key, CANNOT_DELETE) for key in DELETE_KEYS if key in local]
    for key in ("code", "name"):
        if local.get(key) is None:
            errors.append(FieldError(key, MISSING))

    merged = ruleset_to_dict(unified)
    for key, value in local.items():
        if key in UNIFIED_KEYS:
            if _changes(unified, key, value):
                errors.append(FieldError(key, UNIFIED_ONLY))
        elif key not in ("categories", "items", "unsettled", *DELETE_KEYS):
            merged[key] = value
    merged["extends"] = unified.code
    unsettled_paths = _append_unsettled(merged, local)
    category_paths = _merge_entries(merged, local, "categories", errors, _check_category_refinement)
    item_paths = _merge_entries(
        merged, local, "items", errors, lambda *args: _check_refinement(unified, *args)
    )
    if errors:
        raise RuleSetError(errors)
    try:
        return ruleset_from_dict(merged)
    except RuleSetError as exc:
        rename = _renamer({"categories": category_paths, "items": item_paths, "unsettled": unsettled_paths})
        raise RuleSetError(map_errors(exc.errors, rename)) from None


def _changes(unified: RuleSet, key: str, value: Any) -> bool:
    """Whether the local ``key: value`` means something other than the unified rule set's value.

    The value is read as the rule-set file reads it (so ``floor: 0`` and ``floor: 0.0`` are the same); a
    value that cannot be read at all is a change.
    """
    probe = {"code": "probe", "name": "probe", "items": [{"code": "probe", "name": "probe", "points": 0}]}
    try:
        parsed = ruleset_from_dict({**probe, key: value})
    except RuleSetError:
        return True
    return bool(getattr(parsed, key) != getattr(unified, key))


def _append_unsettled(merged: dict[str, Any], local: Mapping[str, Any]) -> dict[int, int]:
    """The local ``unsettled`` notes after the unified ones; merged index → local index."""
    if "unsettled" not in local:
        return {}
    notes = local["unsettled"]
    if not isinstance(notes, list):
        merged["unsettled"] = notes  # reported as the local file's field
        return {}
    inherited = list(merged.get("unsettled") or [])
    merged["unsettled"] = [*inherited, *notes]
    return {len(inherited) + index: index for index in range(len(notes))}


def _check_category_refinement(
    unified: dict[str, Any], local: Mapping[str, Any], path: str, errors: list[FieldError]
) -> None:
    _check_cap_not_loosened(to_decimal(unified.get("cap")), local, path, errors)


def _check_cap_not_loosened(
    unified_cap: Decimal | None, local: Mapping[str, Any], path: str, errors: list[FieldError]
) -> None:
    """A local cap may lower the unified one, never raise or remove it (a value that is not a number is
    left to the rule-set file's own check)."""
    if unified_cap is None or "cap" not in local:
        return
    local_cap = local["cap"]
    if local_cap is None:
        errors.append(FieldError(f"{path}.cap", CAP_LOOSENED.format(cap=fmt(unified_cap))))
        return
    number = to_decimal(local_cap)
    if number is not None and number > unified_cap:
        errors.append(FieldError(f"{path}.cap", CAP_LOOSENED.format(cap=fmt(unified_cap))))


def _merge_entries(
    merged: dict[str, Any],
    local: Mapping[str, Any],
    key: str,
    errors: list[FieldError],
    check: Callable[[dict[str, Any], Mapping[str, Any], str, list[FieldError]], None],
) -> dict[int, int]:
    """Refine or append ``local[key]`` entries into ``merged[key]``; merged index → local index."""
    entries: list[dict[str, Any]] = list(merged.get(key) or [])
    positions = {entry["code"]: index for index, entry in enumerate(entries)}
    local_entries = local.get(key)
    if local_entries is None:
        return {}
    if not isinstance(local_entries, list):
        errors.append(FieldError(key, NOT_LIST))
        return {}
    merged_to_local: dict[int, int] = {}
    refined: set[str] = set()
    for local_index, entry in enumerate(local_entries):
        path = f"{key}[{local_index}]"
        if not isinstance(entry, Mapping):
            errors.append(FieldError(path, NOT_MAPPING))
            continue
        errors += [FieldError(f"{path}.{k}", CANNOT_DELETE) for k in DELETE_KEYS if k in entry]
        code = entry.get("code")
        if isinstance(code, str) and code in positions:
            if code in refined:
                errors.append(FieldError(f"{path}.code", DUPLICATE_LOCAL.format(code=code)))
                continue
            refined.add(code)
            check(entries[positions[code]], entry, path, errors)
            entries[positions[code]] = {**entries[positions[code]], **entry}
            merged_to_local[positions[code]] = local_index
        else:
            merged_to_local[len(entries)] = local_index
            entries.append(dict(entry))
    merged[key] = entries
    return merged_to_local


def _check_refinement(
    unified_rs: RuleSet,
    unified: dict[str, Any],
    local: Mapping[str, Any],
    path: str,
    errors: list[FieldError],
) -> None:
    item = unified_rs.item(unified["code"])
    assert item is not None
    if "category" in local and local["category"] != item.category:
        errors.append(FieldError(f"{path}.category", CANNOT_MOVE.format(category=item.category or "无")))
    if item.veto and "veto" in local and local["veto"] is not True:
        errors.append(FieldError(f"{path}.veto", CANNOT_UNVETO))
    _check_cap_not_loosened(item.cap, local, path, errors)
    if local.get("points") is not None:
        _check_points_within(item, local["points"], f"{path}.points", errors)


def _check_points_within(item: Item, value: Any, path: str, errors: list[FieldError]) -> None:
    reader = _Reader()
    points, points_range, ok = parse_points(reader, value, path)
    if not ok:
        errors += reader.errors
        return
    low, high = points_range if points_range is not None else (points, points)
    assert low is not None and high is not None
    if item.points_range is None and item.points is not None and not low == high == item.points:
        errors.append(FieldError(path, POINTS_FIXED_BY_UNIFIED.format(points=fmt(item.points))))
    elif item.points_range is not None and not (item.points_range[0] <= low and high <= item.points_range[1]):
        errors.append(
            FieldError(path, POINTS_OUTSIDE_UNIFIED.format(low=fmt(item.lowest), high=fmt(item.highest)))
        )


def _renamer(maps: Mapping[str, Mapping[int, int]]) -> Callable[[str], str]:
    pattern = re.compile(r"^(categories|items|unsettled)\[(\d+)\]")

    def rename(path: str) -> str:
        match = pattern.match(path)
        if match is None:
            return path
        local_index = maps[match.group(1)].get(int(match.group(2)))
        if local_index is None:
            return f"(上级规则){path}"
        return f"{match.group(1)}[{local_index}]{path[match.end() :]}"

    return rename


# ---------------------------------------------------------------- reading files that may extend another


def read_ruleset(
    text: str, *, source: str = "<规则文件>", resolve: Callable[[str], RuleSet | None] | None = None
) -> RuleSet:
    """YAML text → RuleSet; a file with ``extends`` is merged onto ``resolve(code)`` first.

    ``resolve`` finds the unified rule set by code (a preset, a sibling file, a database row) and returns
    None when there is none.
    """
    data, lines = load_yaml_mapping(text, source=source)
    try:
        parent_code = data.get("extends")
        if parent_code is None:
            return ruleset_from_dict(data)
        unified = resolve(str(parent_code)) if resolve is not None else None
        if unified is None:
            raise RuleSetError([FieldError("extends", UNKNOWN_PARENT.format(code=parent_code))])
        return merge_rulesets(unified, data)
    except RuleSetError as exc:
        raise RuleSetError(exc.errors, source=source, lines=lines) from None


def read_ruleset_file(
    path: Path, *, resolve: Callable[[str], RuleSet | None] | None = None, source: str | None = None
) -> RuleSet:
    """A rule file from disk; ``extends`` is looked up with ``resolve``, then as ``<code>.yaml`` beside it.

    Errors name the file as ``source`` (default: the file's name).
    """

    def resolve_here(code: str) -> RuleSet | None:
        found = resolve(code) if resolve is not None else None
        sibling = path.parent / f"{code}.yaml"
        if found is None and sibling.is_file() and sibling.resolve() != path.resolve():
            found = read_ruleset_file(sibling, resolve=resolve)
        return found

    return read_ruleset(path.read_text(encoding="utf-8"), source=source or path.name, resolve=resolve_here)
