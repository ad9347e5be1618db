"""界面全部中文, fast: the pages viewflow builds for us say in Chinese what the browser walk
(tests/e2e/test_pages_speak_chinese.py) would otherwise only find after seeding the demo."""

import datetime
import re

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from workflows.claims import claim_submit
from workflows.flows import ClaimFlow
from workflows.viewsets import FLOWS

from .helpers import approved_claim, flow_url, freeze, open_task, photo

pytestmark = pytest.mark.django_db
LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


@pytest.mark.parametrize(
    "path", ["/workflow/queue/assign/", "/workflow/inbox/unassign/", "/workflow/inbox/approve/"]
)
def test_a_bulk_page_opened_without_a_selection_says_so_in_chinese(client, world, path):
    client.force_login(world.committee_a)

    response = client.get(path)

    assert response.status_code == 302
    said = [str(message) for message in get_messages(response.wsgi_request)]
    assert said == ["未选择任何任务，请先在列表中勾选。"]


def test_a_flows_process_list_heads_its_columns_in_chinese(client, world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    approved_claim(world, world.member_a)
    client.force_login(world.secretary_a)

    response = client.get(flow_url(ClaimFlow, "process_list"))

    columns = response.context_data["view"].list_columns.values()
    headings = [str(column.header()) for column in columns]
    assert headings[:2] == ["编号", "摘要"] and "进行中任务" in headings
    assert "张伟" in response.content.decode()  # the process is listed, under those headings
    assert not [heading for heading in headings if LATIN_WORD.search(heading)], headings


def test_the_bulk_claim_page_names_each_task_by_its_step(client, world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    claim = claim_submit(
        member=world.member_a,
        item_code="innovative-activity",
        occurred_on=datetime.date(2026, 3, 10),
        evidence=[photo()],
        by=world.member_a.user,
    )
    task = open_task(claim.process, ClaimFlow.record)
    client.force_login(world.clerk_a)

    page = client.post("/workflow/queue/assign/", {"pk": [task.pk]}).content.decode()

    assert "登记" in page and "认领所选任务" in page
    assert "Record" not in page


def test_every_step_of_every_flow_has_a_chinese_title():
    """Pages name a task by its step's title; viewflow falls back to the node's code (``Review``)."""
    english = [
        f"{flow.__name__}.{node.name}: {node.task_title}"
        for flow in FLOWS
        for node in flow.instance.nodes()
        if LATIN_WORD.search(str(node.task_title))
    ]
    assert not english


def test_a_flows_task_list_names_each_task_by_its_step(client, world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    approved_claim(world, world.member_a)
    client.force_login(world.secretary_a)

    response = client.get(flow_url(ClaimFlow, "task_list"))

    view = response.context_data["view"]
    headings = [str(column.header()) for column in view.list_columns.values()]
    assert "步骤" in headings and "流程摘要" in headings
    page = response.content.decode()
    assert "支委会审核" in page and "Review" not in page


def test_a_page_that_does_not_exist_says_so_in_chinese(client, world):
    client.force_login(world.member_a.user)

    response = client.get("/no-such-page/")

    assert response.status_code == 404
    page = response.content.decode()
    shown = re.sub(r"<[^>]*>", " ", page.split("</style>")[-1])
    assert "页面不存在" in shown and not LATIN_WORD.search(shown)


def test_a_forbidden_page_says_so_in_chinese(client, world):
    client.force_login(world.member_a.user)

    response = client.get(reverse("clerk:index"))

    assert response.status_code == 403
    assert "无权访问" in response.content.decode()
