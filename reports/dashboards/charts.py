"""The dashboards' charts as plain data for ``json_script``: labels, datasets and a few flags that
``reports/static/reports/dashboards.js`` turns into Chart.js options. Numbers stay Decimals (JSON
strings); the browser reads them with ``Number()``. Every chart has the same figures in a table.
"""

from __future__ import annotations

from typing import Any

from reports.dashboards.data import AGE_BUCKETS, Bin, BranchComparison, Participation, TaskKind, TrendPoint
from reports.dashboards.grades import GradeDistribution
from reports.rankings import RankingRow

ROW_HEIGHT = 28  # px per bar of a horizontal chart, so that names stay readable on a phone
BASE_HEIGHT = 70


def height_for(rows: int) -> int:
    return max(160, BASE_HEIGHT + ROW_HEIGHT * rows)


def distribution(bins: list[Bin]) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [b.label for b in bins],
        "datasets": [{"label": "人数", "data": [b.count for b in bins]}],
        "xTitle": "本期积分（分，含下限不含上限）",
        "yTitle": "人数",
        "integer": True,
    }


def grades(distribution: GradeDistribution) -> dict[str, Any]:
    return {
        "type": "bar",
        "labels": [share.grade for share in distribution.shares],
        "datasets": [{"label": "人数", "data": [share.count for share in distribution.shares]}],
        "yTitle": "人数",
        "integer": True,
    }


def trend(points: list[TrendPoint]) -> dict[str, Any]:
    labels = [f"第{p.period.index}季度" for p in points]
    return {
        "type": "line",
        "labels": labels,
        "datasets": [
            {"label": "平均分", "data": [p.summary.average if p.approved else None for p in points]},
            {"label": "中位数", "data": [p.summary.median if p.approved else None for p in points]},
        ],
        "yTitle": "分",
    }


def participation(rows: list[Participation]) -> dict[str, Any]:
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [row.name for row in rows],
        "datasets": [
            {
                "label": "人数",
                "data": [row.members for row in rows],
                "colors": ["negative" if row.deduction else "positive" for row in rows],
            }
        ],
        "integer": True,
        "height": height_for(len(rows)),
    }


def tasks(kinds: list[TaskKind]) -> dict[str, Any]:
    return {
        "type": "bar",
        "horizontal": True,
        "stacked": True,
        "labels": [kind.title for kind in kinds],
        "datasets": [
            {"label": label, "data": [kind.buckets[index] for kind in kinds]}
            for index, (_low, _high, label) in enumerate(AGE_BUCKETS)
        ],
        "integer": True,
        "height": height_for(len(kinds)),
    }


def branches(rows: list[BranchComparison]) -> dict[str, Any]:
    approved = [row for row in rows if row.approved]
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [row.branch.name for row in approved],
        "datasets": [
            {
                "label": "最低至最高",
                "data": [[row.summary.lowest, row.summary.highest] for row in approved],
                "floating": True,
            },
            {
                "label": "平均分",
                "type": "line",
                "data": [row.summary.average for row in approved],
                "points": True,
            },
        ],
        "height": height_for(len(approved)),
    }


def top_and_bottom(top: list[RankingRow], bottom: list[RankingRow]) -> dict[str, Any]:
    rows = [*top, *reversed(bottom)]
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [f"{row.rank}. {row.member.real_name}" for row in rows],
        "datasets": [
            {
                "label": "积分",
                "data": [row.total for row in rows],
                "colors": ["positive"] * len(top) + ["negative"] * len(bottom),
            }
        ],
        "height": height_for(len(rows)),
    }
