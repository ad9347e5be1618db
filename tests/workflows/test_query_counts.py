"""The lists a role opens every day cost a fixed number of queries, however many rows they hold: 待认领,
待办, 已办, a flow's process and task lists, the API's task lists, and the organization picker.

Each list is read with a few rows, then again with three times as many: the number of queries must not
move, and it is the number written here, so a change that adds one shows up (and is then written down on
purpose). No per-row query, no count over the whole list (``workflows.pagination``).
"""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from workflows.claims import claim_record, claim_submit
from workflows.execution import task_take
from workflows.flows import ClaimFlow

from .helpers import flow_url, freeze, open_task, perform, photo

D = datetime.date
ITEMS = ("innovative-activity", "community-service")


class Rows:
    """Claims of branch A in every state the lists show: waiting for 审核 (the committee's queue), taken by
    the committee member (their inbox), and recorded by the clerk (the clerk's archive)."""

    def __init__(self, world):
        self.world = world
        self.made = 0

    def add(self, n: int) -> None:
        for _ in range(n):
            self.waiting()
            task_take(self.waiting(), self.world.committee_a)

    def waiting(self):
        """A claim recorded by the clerk: its 审核 task is open and nobody's yet."""
        self.made += 1
        member = (self.world.member_a, self.world.other_member_a)[self.made % 2]
        day = D(2026, 1, 1) + datetime.timedelta(days=self.made)
        claim = claim_submit(
            member=member,
            item_code=ITEMS[self.made % 4 // 2],
            occurred_on=day,
            evidence=[photo()],
            by=member.user,
        )
        perform(open_task(claim.process, ClaimFlow.record), self.world.clerk_a, _record(claim))
        return open_task(claim.process, ClaimFlow.review)


def _record(claim):
    return lambda **kw: claim_record(claim=claim, **kw)


@pytest.fixture
def rows(world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 5, 6, 9)
    return Rows(world)


def queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(captured)


def claim_pages() -> dict[str, str]:
    return {
        "queue": "/workflow/queue/",
        "inbox": "/workflow/inbox/",
        "archive": "/workflow/archive/",
        "processes": flow_url(ClaimFlow, "process_list"),
        "tasks": flow_url(ClaimFlow, "task_list"),
        "api_queue": "/api/v1/tasks/queue/",
        "api_inbox": "/api/v1/tasks/",
        "api_archive": "/api/v1/tasks/archive/",
        "picker": "/workflow/organizations/?q=C01",
    }


# Who opens each list daily, and what it costs. The committee member reads the queue and their inbox, the
# clerk their archive, the higher committee the process and task lists of every branch below it.
# (The queue's and inbox's columns read the page's claims, evidence and standings in one batch each:
# ``workflows.queue_rows``.) A flow's board (viewflow's dashboard) is left out: it shows at most 26 cards
# per step, each asking the step whether the user may take it. The API's task lists read a page's ids, then
# its rows with their subjects by primary key (``api.tasks.views_tasks``): one query more, and the
# subjects' two dozen joins stay out of the query PostgreSQL plans over the open tasks. Every page with the
# queue (its own list, or the menu's count) reads first the user's organizations and the processes about
# the user's own points (``workflows.selectors.queue_for``): two queries more, once per request, so the
# queue's query names them as values PostgreSQL probes its index with. The process lists likewise read
# the organizations they may show and the user's own claims and appeals first (``process_visibility``).
EXPECTED = {
    ("committee_a", "queue"): 29,
    ("committee_a", "inbox"): 29,
    ("clerk_a", "archive"): 25,
    ("committee_a", "processes"): 23,
    ("higher", "processes"): 22,
    ("higher", "tasks"): 22,
    ("committee_a", "api_queue"): 11,
    ("committee_a", "api_inbox"): 8,
    ("clerk_a", "api_archive"): 8,
    ("higher", "picker"): 5,
}


@pytest.mark.parametrize(("persona", "page"), list(EXPECTED))
def test_a_daily_list_costs_the_same_queries_for_three_times_the_rows(client, world, rows, persona, page):
    client.force_login(getattr(world, persona))
    url = claim_pages()[page]
    rows.add(2)
    few = queries(client, url)
    rows.add(4)
    many = queries(client, url)
    assert (few, many) == (EXPECTED[persona, page],) * 2, (persona, page)
