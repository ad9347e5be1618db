"""The ranking computations as the pages and the year-end call them (``reports.rankings``,
``yearend.standings``): time and SQL queries of one run each, in a forked process with a time limit.

- 支部排名: ``branch_ranking`` of the large branch's last approved quarter;
- 全委排名 of a committee (~3,300 branches at full scale) for the half-year: ``organization_ranking_status``;
- the province-wide re-rank: the same over the whole province (330,000 branches at full scale) — what the
  year-end of any branch under the province's unified rules reads, stored (``organization_period_ranks``);
  when it does not finish in time, its figure is extrapolated from the committee's per-branch cost;
- the same ranking as one SQL window function over the frozen scores (the floor of what it could cost);
- 年度总评 of a branch of about 30 members: ``yearend.standings.branch_year`` — the first time it computes
  and stores the province-wide half-year rankings it asks for (``reports.rankings.stored_period_ranks``),
  the second reads its members' rows of the stored ones.
"""

from __future__ import annotations

import time
from typing import Any

from benchmarks._suite.isolate import run_isolated


def _timed(fn) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        start = time.perf_counter()
        result = fn()
        seconds = time.perf_counter() - start
    return {"seconds": round(seconds, 3), "queries": len(queries), "result": result}


def _branch_ranking(branch_id: int, period: str) -> dict[str, Any]:
    from accounts.models import Organization
    from reports.rankings import branch_ranking

    branch = Organization.objects.get(pk=branch_id)
    return _timed(lambda: f"{len(branch_ranking(branch, period))} rows")


def _organization_ranking(organization_id: int, period: str) -> dict[str, Any]:
    from accounts.models import Organization
    from reports.rankings import organization_ranking_status

    organization = Organization.objects.get(pk=organization_id)

    def rank() -> str:
        status = organization_ranking_status(organization, period)
        return f"{len(status.branches)} branches, {len(status.rows)} rows"

    return _timed(rank)


def _sql_rank(organization_id: int, period: str) -> dict[str, Any]:
    """The whole ranking as one statement: every frozen score of the period below the organization,
    competition-ranked by PostgreSQL (what a set-based implementation would cost)."""
    from django.db import connection

    from accounts.models import Organization
    from reports.rankings import period_from

    organization = Organization.objects.get(pk=organization_id)
    code = period_from(period)

    def rank() -> str:
        with connection.cursor() as cursor:
            cursor.execute(
                """
                SELECT count(*), max(r) FROM (
                  SELECT rank() OVER (ORDER BY fs.period_total DESC) AS r
                  FROM workflows_frozenscore fs
                  JOIN workflows_periodapproval pa ON pa.id = fs.approval_id
                  JOIN workflows_periodreview pr ON pr.id = pa.review_id
                  JOIN accounts_organization o ON o.id = pr.branch_id
                  WHERE o.path LIKE %s AND pr.cycle = %s AND pr.period_kind = %s AND pr.period_index = %s
                ) ranked
                """,
                [organization.path + "%", code.cycle, code.kind.value, code.index],
            )
            rows, _ = cursor.fetchone()
        return f"{rows} members ranked"

    return _timed(rank)


def _branch_year(branch_id: int, cycle: int) -> dict[str, Any]:
    from accounts.models import Organization
    from yearend.standings import branch_year

    branch = Organization.objects.get(pk=branch_id)
    return _timed(lambda: f"{len(branch_year(branch, cycle).standings)} standings")


def _limited(fn, timeout_s: float) -> dict[str, Any]:
    """No statement of a stopped measurement goes on running in PostgreSQL after it."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(timeout_s * 1000)}"])
    return fn()


def branch_of_about(members: int) -> tuple[int, int]:
    """(branch id, member count) of the branch whose size is nearest ``members``."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT branch_id, count(*) FROM accounts_member GROUP BY branch_id
            ORDER BY abs(count(*) - %s), branch_id LIMIT 1
            """,
            [members],
        )
        return cursor.fetchone()


def run_rankings(personas: dict, ids: dict, *, timeout_s: float, log=print) -> list[dict]:
    cycle = ids["cycle"]
    large = personas["large_branch_secretary"]["organization_id"]
    committee = personas["committee_officer"]["organization_id"]
    year_branch, year_members = branch_of_about(30)
    general = personas["general_branch_officer"]["organization_id"]
    jobs = [
        ("branch", f"支部排名 (大支部, {cycle}-Q3)", lambda: _branch_ranking(large, f"{cycle}-Q3")),
        (
            "general_h1",
            f"全委排名 党总支 ({ids['general_branches']} 支部, {cycle}-H1)",
            lambda: _organization_ranking(general, f"{cycle}-H1"),
        ),
        (
            "committee_h1",
            f"全委排名 市/县委 ({ids['committee_branches']} 支部, {cycle}-H1)",
            lambda: _organization_ranking(committee, f"{cycle}-H1"),
        ),
        (
            "committee_q1_sql",
            f"全委排名 市/县委 as one SQL statement ({cycle}-Q1)",
            lambda: _sql_rank(committee, f"{cycle}-Q1"),
        ),
        (
            "province",
            f"全省重排 ({ids['branches']} 支部, {cycle}-H1)",
            lambda: _organization_ranking(ids["root"], f"{cycle}-H1"),
        ),
        (
            "province_q1_sql",
            f"全省重排 as one SQL statement ({cycle}-Q1)",
            lambda: _sql_rank(ids["root"], f"{cycle}-Q1"),
        ),
        (
            "year_end",
            f"年度总评 of a {year_members}-member branch ({cycle}; asks for the province-wide H1/H2 ranking)",
            lambda: _branch_year(year_branch, cycle),
        ),
        (
            "year_end_stored",
            f"年度总评 again ({year_members} members; the stored 全省 ranking)",
            lambda: _branch_year(year_branch, cycle),
        ),
    ]
    rows = []
    for key, label, fn in jobs:
        outcome, value = run_isolated(lambda fn=fn: _limited(fn, timeout_s), timeout_s)
        row: dict[str, Any] = {"key": key, "label": label}
        if outcome == "ok":
            row.update(value)
        elif outcome == "timeout":
            row["error"] = f"stopped after {timeout_s:.0f} s"
        else:
            row["error"] = value
        rows.append(row)
        log(
            f"  {label:<50} {row.get('seconds', '-'):>9} s  {row.get('queries', '-'):>7} q  "
            f"{row.get('result', '')} {row.get('error', '')[:100]}"
        )
    # An organization's ranking that did not finish: extrapolated, by its number of branches, from the
    # largest one that did (its cost grows with the branches: a few queries for each).
    by_key = {row["key"]: row for row in rows}
    sizes = {"general_h1": ids["general_branches"], "committee_h1": ids["committee_branches"]}
    sizes["province"] = ids["branches"]
    done = [key for key in sizes if "seconds" in by_key[key] and sizes[key]]
    if done:
        base = max(done, key=lambda key: sizes[key])
        for key in sizes:
            if "seconds" not in by_key[key]:
                factor = sizes[key] / sizes[base]
                by_key[key]["extrapolated_seconds"] = round(by_key[base]["seconds"] * factor, 1)
                by_key[key]["extrapolated_queries"] = int(by_key[base]["queries"] * factor)
                by_key[key]["extrapolated_from"] = base
    return rows
