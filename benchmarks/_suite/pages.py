"""The list pages and API lists each role opens daily, timed in-process through Django's test ``Client``.

Each page is opened by the persona that has the most of it (a committee member of the large branch, the
province's officer…): ``warmup`` times untimed, then ``repeat`` times timed with ``time.perf_counter``
(server time: URL resolution, middleware, view, template; no network), then once more with
``CaptureQueriesContext`` for the number of SQL queries (counting costs time, so it is not in the timings).
Logins are signed-cookie sessions made here: opening the pages writes no session row.
"""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

from benchmarks._suite.isolate import run_isolated


@dataclass(frozen=True)
class Page:
    key: str
    persona: str
    label: str  # what the role calls it
    url: str  # with {branch} {organization} {root} {cycle} placeholders
    api: bool = False


# {branch}/{organization}: the persona's own organization; {root}: the province; {cycle}: the data's year.
PAGES: tuple[Page, ...] = (
    # 支委委员 of the large branch (300 members): the daily lists
    Page("home_committee", "large_branch_committee_member", "工作台 (首页)", "/"),
    Page("queue_committee", "large_branch_committee_member", "待认领 (支委)", "/workflow/queue/"),
    Page("inbox_committee", "large_branch_committee_member", "待办 (支委)", "/workflow/inbox/"),
    Page("archive_committee", "large_branch_committee_member", "已办 (支委)", "/workflow/archive/"),
    Page(
        "claims_committee",
        "large_branch_committee_member",
        "积分申报流程列表",
        "/workflow/flows/claim/flows/",
    ),
    Page(
        "api_queue_committee",
        "large_branch_committee_member",
        "API tasks/queue/",
        "/api/v1/tasks/queue/",
        True,
    ),
    Page("api_inbox_committee", "large_branch_committee_member", "API tasks/ (待办)", "/api/v1/tasks/", True),
    Page(
        "api_archive_committee",
        "large_branch_committee_member",
        "API tasks/archive/",
        "/api/v1/tasks/archive/",
        True,
    ),
    Page("api_claims_committee", "large_branch_committee_member", "API claims/", "/api/v1/claims/", True),
    # 组织委员 (clerk) of the large branch
    Page("clerk_page", "large_branch_clerk", "组织委员页面", "/clerk/"),
    Page("queue_clerk", "large_branch_clerk", "待认领 (待登记)", "/workflow/queue/"),
    Page("api_periods_clerk", "large_branch_clerk", "API periods/", "/api/v1/periods/", True),
    # a member of the large branch
    Page("me_member", "large_branch_member", "我的积分", "/me/"),
    Page("me_claims_member", "large_branch_member", "我的申报", "/me/claims/"),
    Page("publicity_member", "large_branch_member", "公示", "/me/publicity/"),
    Page("api_scores_me", "large_branch_member", "API scores/me/", "/api/v1/scores/me/", True),
    Page(
        "api_publicity_member",
        "large_branch_member",
        "API publicity/current/",
        "/api/v1/publicity/current/",
        True,
    ),
    # the large branch's secretary: the branch's dashboard and ranking
    Page("dashboard_branch", "large_branch_secretary", "支部看板", "/reports/dashboards/branches/{branch}/"),
    Page(
        "ranking_branch",
        "large_branch_secretary",
        "支部排名 (Q3)",
        "/reports/dashboards/branches/{branch}/?period={cycle}-Q3",
    ),
    Page(
        "api_scores_branch",
        "large_branch_secretary",
        "API scores/branches/ (Q3)",
        "/api/v1/scores/branches/{branch}/?period={cycle}-Q3",
        True,
    ),
    # an ordinary branch's committee member and a 党总支's officer: most of the province's users, whose
    # few processes lie among a province's newest
    Page("queue_branch", "branch_committee_member", "待认领 (普通支部支委)", "/workflow/queue/"),
    Page(
        "claims_branch",
        "branch_committee_member",
        "积分申报流程列表 (普通支部支委)",
        "/workflow/flows/claim/flows/",
    ),
    Page("queue_general", "general_branch_officer", "待认领 (党总支)", "/workflow/queue/"),
    Page(
        "claims_general",
        "general_branch_officer",
        "积分申报流程列表 (党总支)",
        "/workflow/flows/claim/flows/",
    ),
    # 市/县委 officer (~3,300 branches at full scale)
    Page("queue_committee_officer", "committee_officer", "待认领 (市/县委)", "/workflow/queue/"),
    Page(
        "claims_committee_officer",
        "committee_officer",
        "积分申报流程列表 (市/县委)",
        "/workflow/flows/claim/flows/",
    ),
    Page(
        "dashboard_committee",
        "committee_officer",
        "市/县委看板",
        "/reports/dashboards/organizations/{organization}/",
    ),
    Page(
        "ranking_committee",
        "committee_officer",
        "全委排名 (H1, 市/县委)",
        "/reports/dashboards/organizations/{organization}/?period={cycle}-H1",
    ),
    Page(
        "api_ranking_committee",
        "committee_officer",
        "API ranking (H1, 市/县委)",
        "/api/v1/scores/organizations/{organization}/ranking/?period={cycle}-H1",
        True,
    ),
    # the province's officer (the whole tree)
    Page("queue_province", "province_officer", "待认领 (省委, 待备案)", "/workflow/queue/"),
    Page("archive_province", "province_officer", "已办 (省委)", "/workflow/archive/"),
    Page(
        "periods_province",
        "province_officer",
        "期间审定流程列表 (省委)",
        "/workflow/flows/periodreview/flows/",
    ),
    Page("dashboard_province", "province_officer", "省委看板", "/reports/dashboards/organizations/{root}/"),
    Page("api_queue_province", "province_officer", "API tasks/queue/ (省委)", "/api/v1/tasks/queue/", True),
    Page("api_filings_province", "province_officer", "API filings/ (省委)", "/api/v1/filings/", True),
)


def percentile(samples: list[float], q: int) -> float:
    """The q-th percentile (1–99), inclusive method: with 20 samples p95 and p99 lie near the slowest."""
    if len(samples) == 1:
        return samples[0]
    return statistics.quantiles(samples, n=100, method="inclusive")[q - 1]


def summary_ms(samples: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 1),
        "p95_ms": round(percentile(ms, 95), 1),
        "p99_ms": round(percentile(ms, 99), 1),
        "max_ms": round(max(ms), 1),
    }


def signed_in_client(user_id: int):
    """A test client signed in as the user through a signed-cookie session: nothing is written."""
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
    from django.contrib.sessions.backends.signed_cookies import SessionStore
    from django.test import Client

    user = get_user_model().objects.get(pk=user_id)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    client = Client(raise_request_exception=False)
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client


def _body_size(response) -> int:
    if getattr(response, "streaming", False):
        return sum(len(chunk) for chunk in response.streaming_content)
    return len(response.content)


def measure_page(url: str, user_id: int, warmup: int, repeat: int, slow_s: float, timeout_s: float) -> dict:
    """In the measuring process: warm up, time, count. A page slower than ``slow_s`` is timed 3 times."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if connection.vendor == "postgresql":  # a query never outlives the measurement that waits for it
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('statement_timeout', %s, false)", [f"{int(timeout_s * 1000)}"])
    client = signed_in_client(user_id)
    # A page that redirects (首页 → 工作台, 公示 → the current 公示) is measured where it lands.
    redirected_to = None
    for _ in range(3):
        response = client.get(url)
        if response.status_code not in (301, 302, 303, 307):
            break
        location = urlsplit(urljoin(url, response["Location"]))
        url = redirected_to = location.path + (f"?{location.query}" if location.query else "")
    first = None
    for _ in range(max(warmup, 1)):
        start = time.perf_counter()
        response = client.get(url)
        first = time.perf_counter() - start
    status = response.status_code
    if status >= 400:
        return {"status": status, "error": response.content[:300].decode("utf-8", "replace")}
    if first is not None and first > slow_s:
        repeat = min(repeat, 3)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url)
        samples.append(time.perf_counter() - start)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    return {
        "status": response.status_code,
        **({"redirected_to": redirected_to} if redirected_to else {}),
        **summary_ms(samples),
        "queries": len(queries),
        "kb": round(_body_size(response) / 1024, 1),
    }


def run_pages(
    personas: dict[str, Any],
    ids: dict[str, int],
    *,
    warmup: int,
    repeat: int,
    timeout_s: float,
    slow_s: float = 2.0,
    only: set[str] | None = None,
    log=print,
) -> list[dict]:
    results = []
    for page in PAGES:
        if only and page.key not in only:
            continue
        persona = personas.get(page.persona)
        if persona is None:
            results.append({"key": page.key, "label": page.label, "error": f"no persona {page.persona}"})
            continue
        url = page.url.format(
            branch=persona["organization_id"],
            organization=persona["organization_id"],
            root=ids["root"],
            cycle=ids["cycle"],
        )
        outcome, value = run_isolated(
            lambda url=url, persona=persona: measure_page(
                url, persona["user_id"], warmup, repeat, slow_s, timeout_s
            ),
            timeout_s,
        )
        row = {"key": page.key, "label": page.label, "persona": page.persona, "url": url, "api": page.api}
        if outcome == "ok":
            row.update(value)
        elif outcome == "timeout":
            row["error"] = f"stopped after {timeout_s:.0f} s"
        else:
            row["error"] = value
        log(
            f"  {page.label:<28} {row.get('p50_ms', '-'):>8} ms p50  {row.get('p99_ms', '-'):>8} ms p99  "
            f"{row.get('queries', '-'):>4} q  {row.get('kb', '-'):>7} KB  {row.get('error', '')[:80]}"
        )
        results.append(row)
    return results
