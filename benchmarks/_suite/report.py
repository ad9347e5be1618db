"""The suite's results as Markdown: one table per part, the machine and the data above them."""

from __future__ import annotations

from typing import Any


def _cell(value: Any) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, float):
        return f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(c) for c in row) + " |" for row in rows]
    return lines


def markdown(result: dict[str, Any]) -> str:
    m, d = result["machine"], result["data"]
    lines = [
        f"# Benchmark suite — {d['database']} ({m['date']})",
        "",
        f"Machine: {m['host']}, {m['cpus']} CPUs, load average before {m['load_before']} / after "
        f"{m.get('load_after', '–')} (other processes share the CPUs); PostgreSQL {d['postgres']}, "
        f"Python {m['python']}; commit {m.get('commit', '–')}.",
        f"Data: scale {d.get('scale', '–')}, {d['organizations']:,} organizations "
        f"({d['branches']:,} branches), "
        f"{d['members']:,} members, {d['tasks']:,} viewflow tasks ({d['open_tasks']:,} open), "
        f"database {d['database_mb']:,} MB.",
        "",
    ]
    if result.get("pages"):
        lines += [
            f"## Pages and API lists (in-process test client; {result['settings']['repeat']} timed runs "
            f"after {result['settings']['warmup']} warm-up; pages slower than 2 s: 3 runs)",
            "",
        ]
        rows = []
        for p in result["pages"]:
            rows.append(
                [
                    p["label"],
                    p.get("persona", ""),
                    p.get("p50_ms"),
                    p.get("p95_ms"),
                    p.get("p99_ms"),
                    p.get("queries"),
                    p.get("kb"),
                    (p.get("error") or "")[:120]
                    or f"{p.get('status')}"
                    + (f" (→ {p['redirected_to']})" if p.get("redirected_to") else ""),
                ]
            )
        lines += _table(["page", "as", "p50 ms", "p95 ms", "p99 ms", "queries", "KB", "status"], rows)
        lines.append("")
    if result.get("rankings"):
        lines += ["## Ranking computations (one run each, queries counted)", ""]
        rows = []
        for r in result["rankings"]:
            note = r.get("result") or r.get("error", "")[:120]
            if "extrapolated_seconds" in r:
                note += (
                    f"; extrapolated from {r['extrapolated_from']}: ~{r['extrapolated_seconds']:,} s, "
                    f"~{r['extrapolated_queries']:,} queries"
                )
            rows.append([r["label"], r.get("seconds"), r.get("queries"), note])
        lines += _table(["computation", "seconds", "queries", "result"], rows)
        lines.append("")
    steps = result.get("steps")
    lines += ["## Step throughput through the services (`benchmarks/steps.py --json`)", ""]
    if steps and steps.get("runs"):
        rows = []
        for run in steps["runs"]:
            q = run.get("queries_per_step", {})
            rows.append(
                [
                    run["processes"],
                    run["claims_per_s"],
                    run["task_completions_per_s"],
                    run["step_completions_per_s"],
                    run["plain_sql"]["step_completions_per_s"],
                    run["slower_than_plain_sql"],
                    " / ".join(f"{k} {v.get('max', v) if isinstance(v, dict) else v}" for k, v in q.items()),
                ]
            )
        lines += _table(
            [
                "processes",
                "claims/s",
                "task completions/s",
                "step completions/s",
                "plain SQL steps/s",
                "× slower",
                "queries per step (max)",
            ],
            rows,
        )
        lines.append(
            f"\n(its own database: {steps.get('branches')} branches × {steps.get('members')} members)"
        )
    else:
        lines.append(steps.get("error", "not run") if isinstance(steps, dict) else "not run")
    lines.append("")
    if result.get("http"):
        lines += ["## HTTP load (gunicorn, Locust headless; REST API with tokens)", ""]
        for run in result["http"]:
            if "error" in run:
                lines += [f"gunicorn {run.get('workers')} workers: {run['error'][:300]}", ""]
                continue
            lines += [
                f"### gunicorn {run['workers']} worker(s) × {run['threads']} threads, "
                f"{run['users']} clients, {run['seconds']} s",
                "",
            ]
            rows = [
                [
                    e["method"],
                    e["name"],
                    e["requests"],
                    e["failures"],
                    e["rps"],
                    e["p50_ms"],
                    e["p95_ms"],
                    e["p99_ms"],
                ]
                for e in run["endpoints"]
            ]
            lines += _table(
                ["method", "endpoint", "requests", "failures", "req/s", "p50 ms", "p95 ms", "p99 ms"], rows
            )
            lines.append("")
    return "\n".join(lines) + "\n"
