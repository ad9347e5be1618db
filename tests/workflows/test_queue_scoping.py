"""Every workflow page and task for every persona: each sees the processes of the organizations they work
in (and a member their own), never another branch's — not in a list, a board, a detail, a chart, a BPMN
export, a task page or a bulk action. viewflow does not scope these by itself.

The scene, on 8 April 2026: branch A's first quarter is in 公示 with an open appeal (王芳 against 张伟's
entry); branch B's first quarter is approved and waits for the higher committee's 备案; in the second
quarter A has a claim to record (张伟), one to review (王芳) and one returned to 张伟, B one to record (赵磊).
"""

import datetime
import json
import re

import pytest
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from scoring.models import LedgerEntry
from workflows.appeals import appeal_file
from workflows.claims import claim_record, claim_return, claim_submit
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.periods import period_approve, period_start

from .helpers import (
    Q1,
    approved_claim,
    assign,
    committee_b,
    flow_url,
    freeze,
    meeting_of_branch_a,
    nothing_changes,
    open_task,
    perform,
    photo,
    publicity_closed,
    secretary_b,
    task_url,
)

D = datetime.date
FLOWS = (ClaimFlow, PeriodReviewFlow, AppealFlow)
PERSONAS = ["anonymous", "member_a", "clerk_a", "committee_a", "secretary_a", "higher", "outsider", "clerk_b"]
STAFF_A = ("clerk_a", "committee_a", "secretary_a")


class Scene:
    """The processes and open tasks of the scene, by name."""

    def __init__(self, world, monkeypatch):
        freeze(monkeypatch, 2026, 3, 20, 10)
        self.committee_b, self.secretary_b = committee_b(world), secretary_b(world)
        self.a1 = approved_claim(world, world.member_a)
        self.b1 = approved_claim(world, world.outsider, clerk=world.clerk_b, reviewer=self.committee_b)
        freeze(monkeypatch, 2026, 4, 2, 9)
        self.review_a = period_start(branch=world.branch_a, period=Q1, by=world.clerk_a)
        self.review_b = period_start(branch=world.branch_b, period=Q1, by=world.clerk_b)
        freeze(monkeypatch, 2026, 4, 3, 9)
        self.appeal = appeal_file(
            appellant=world.other_member_a,
            entry=self.a1.ledger_entry,
            reason="未见其参加",
            by=world.other_member_a.user,
        )
        publicity_closed(monkeypatch)
        perform(
            open_task(self.review_b.process, PeriodReviewFlow.approve),
            self.secretary_b,
            lambda **kw: period_approve(review=self.review_b, **kw),
        )
        self.rec_a = self._claim(world.member_a, "innovative-activity")
        self.rev_a = self._claim(world.other_member_a, "community-service")
        perform(
            self.task("rev_a", ClaimFlow.record),
            world.clerk_a,
            lambda **kw: claim_record(claim=self.rev_a, **kw),
        )
        self.ret_a = self._claim(world.member_a, "community-service", D(2026, 4, 7))
        perform(
            self.task("ret_a", ClaimFlow.record),
            world.clerk_a,
            lambda **kw: claim_return(claim=self.ret_a, reason="请补充签到表", **kw),
        )
        self.rec_b = self._claim(world.outsider, "innovative-activity")
        self.open_tasks = {
            "record_a": self.task("rec_a", ClaimFlow.record),
            "review_a": self.task("rev_a", ClaimFlow.review),
            "revise_a": self.task("ret_a", ClaimFlow.revise),
            "decide_a": self.task("appeal", AppealFlow.decide),
            "file_b": self.task("review_b", PeriodReviewFlow.file),
            "record_b": self.task("rec_b", ClaimFlow.record),
        }

    @staticmethod
    def _claim(member, item, day=D(2026, 4, 6)):  # noqa: B008
        return claim_submit(
            member=member, item_code=item, occurred_on=day, evidence=[photo()], by=member.user
        )

    def process(self, name):
        return getattr(self, name).process

    def task(self, name, flow_task) -> Task:
        return open_task(self.process(name), flow_task)


PROCESSES_A = {"a1", "review_a", "appeal", "rec_a", "rev_a", "ret_a"}
PROCESSES_B = {"b1", "review_b", "rec_b"}
VISIBLE = {
    "anonymous": set(),
    "member_a": {"a1", "rec_a", "ret_a"},  # 张伟's own claims; not 王芳's appeal, claim or the review
    "clerk_a": PROCESSES_A,
    "committee_a": PROCESSES_A,
    "secretary_a": PROCESSES_A,
    "higher": PROCESSES_A | PROCESSES_B,
    "outsider": {"b1", "rec_b"},
    "clerk_b": PROCESSES_B,
}
QUEUE = {
    "anonymous": set(),
    "member_a": set(),
    "clerk_a": {"record_a"},
    "committee_a": {"review_a", "decide_a"},
    "secretary_a": {"review_a", "decide_a"},
    "higher": {"file_b"},
    "outsider": set(),
    "clerk_b": {"record_b"},
}
INBOX = {persona: set() for persona in PERSONAS} | {"member_a": {"revise_a"}}
# Names a persona must never read on a workflow page.
UNSEEN_NAMES = {
    "member_a": ("王芳", "赵磊", "第二党支部"),
    "clerk_a": ("赵磊", "第二党支部"),
    "committee_a": ("赵磊", "第二党支部"),
    "secretary_a": ("赵磊", "第二党支部"),
    "higher": (),
    "outsider": ("张伟", "王芳", "第一党支部"),
    "clerk_b": ("张伟", "王芳", "第一党支部"),
}


@pytest.fixture
def scene(world, rules_2026, monkeypatch):
    return Scene(world, monkeypatch)


def login(client, world, persona):
    if persona == "anonymous":
        return None
    user = (
        world.member_a.user
        if persona == "member_a"
        else world.outsider.user
        if persona == "outsider"
        else None
    )
    user = user or getattr(world, persona)
    client.force_login(user)
    return user


def mentions(content: str, text: str) -> bool:
    """``text`` on the page, as HTML or inside the JSON of viewflow's widgets (``\\u5f20\\u4f1f``)."""
    return text in content or json.dumps(text)[1:-1] in content


def process_marker(scene, name) -> str:
    """Every link to a process or one of its tasks starts with this."""
    process = scene.process(name)
    return flow_url(process.flow_class, "process_detail", process.pk)


def task_marker(task) -> str:
    return task_url(task, "index")


def list_pages() -> list[str]:
    pages = ["/workflow/inbox/", "/workflow/queue/", "/workflow/archive/"]
    for flow_class in FLOWS:
        pages += [flow_url(flow_class, name) for name in ("index", "process_list", "task_list")]
    return pages


# --- Lists, boards and queues ------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_lists_and_boards_show_only_the_processes_the_persona_may_see(client, world, scene, persona):
    login(client, world, persona)
    for url in list_pages():
        response = client.get(url)
        if persona == "anonymous":
            assert response.status_code == 302 and "/accounts/login/" in response["Location"], url
            continue
        assert response.status_code == 200, url
        content = response.content.decode()
        for name in (PROCESSES_A | PROCESSES_B) - VISIBLE[persona]:
            assert process_marker(scene, name) not in content, (url, name)
        for unseen in UNSEEN_NAMES[persona]:
            assert not mentions(content, unseen), (url, unseen)


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_each_flows_process_list_shows_every_process_the_persona_may_see(client, world, scene, persona):
    login(client, world, persona)
    content = "".join(
        client.get(flow_url(flow_class, "process_list")).content.decode() for flow_class in FLOWS
    )
    for name in VISIBLE[persona]:
        assert process_marker(scene, name) in content, name


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_the_queue_holds_the_tasks_the_persona_may_take_and_the_inbox_their_own(
    client, world, scene, persona
):
    login(client, world, persona)
    queue = client.get("/workflow/queue/").content.decode()
    inbox = client.get("/workflow/inbox/").content.decode()
    for name, task in scene.open_tasks.items():
        assert (task_marker(task) in queue) == (name in QUEUE[persona]), ("queue", name)
        assert (task_marker(task) in inbox) == (name in INBOX[persona]), ("inbox", name)


def test_the_clerk_sees_the_branchs_claims_to_record(client, world, scene):
    login(client, world, "clerk_a")
    queue = client.get("/workflow/queue/").content.decode()
    assert "张伟" in queue and task_marker(scene.open_tasks["record_a"]) in queue


def test_the_committee_sees_its_reviews_and_appeals(client, world, scene):
    login(client, world, "committee_a")
    queue = client.get("/workflow/queue/").content.decode()
    assert task_marker(scene.open_tasks["review_a"]) in queue
    assert task_marker(scene.open_tasks["decide_a"]) in queue


def test_the_member_sees_their_returned_claim_in_the_inbox(client, world, scene):
    login(client, world, "member_a")
    inbox = client.get("/workflow/inbox/").content.decode()
    assert task_marker(scene.open_tasks["revise_a"]) in inbox


def test_the_archive_holds_only_the_personas_own_finished_tasks(client, world, scene):
    login(client, world, "clerk_a")
    archive = client.get("/workflow/archive/").content.decode()
    recorded = Task.objects.filter(owner=world.clerk_a, status=STATUS.DONE)
    assert recorded.exists() and all(task_marker(task) in archive for task in recorded)
    others = Task.objects.filter(status=STATUS.DONE, flow_task_type="HUMAN").exclude(owner=world.clerk_a)
    assert others.exists() and not any(task_marker(task) in archive for task in others)


def test_the_branch_filter_offers_only_the_personas_organizations(client, world, scene):
    # The filter is a text box completed from the picker (workflows/views/organizations.py), which
    # suggests only the persona's own organizations; the page itself names none.
    login(client, world, "clerk_b")
    queue = client.get("/workflow/queue/").content.decode()
    assert not mentions(queue, "第一党支部")
    offered = client.get("/workflow/organizations/", {"q": "C01"}).json()["results"]
    assert [row["name"] for row in offered] == ["第二党支部"]
    login(client, world, "clerk_a")
    filtered = client.get("/workflow/queue/", {"organization": world.branch_b.code}).content.decode()
    assert task_marker(scene.open_tasks["record_b"]) not in filtered
    own = client.get("/workflow/queue/", {"organization": world.branch_a.code}).content.decode()
    assert task_marker(scene.open_tasks["record_a"]) in own


# --- Details, charts, BPMN ----------------------------------------------------------------------


def detail_urls(scene, name) -> list[str]:
    process = scene.process(name)
    flow_class = process.flow_class
    urls = [
        flow_url(flow_class, "process_detail", process.pk),
        flow_url(flow_class, "process_chart", process.pk),
        flow_url(flow_class, "process_chart", process.pk) + "?format=bpmn",
    ]
    urls += [task_url(task, "detail") for task in Task.objects.filter(process_id=process.pk)]
    return urls


@pytest.mark.parametrize("persona", PERSONAS)
def test_details_charts_and_task_pages_open_only_for_those_who_may_see_the_process(
    client, world, scene, persona
):
    login(client, world, persona)
    for name in PROCESSES_A | PROCESSES_B:
        for url in detail_urls(scene, name):
            response = client.get(url)
            if persona == "anonymous":
                assert response.status_code in (302, 403), url
                assert "张伟" not in response.content.decode()
            elif name in VISIBLE[persona]:
                assert response.status_code == 200, (url, response.status_code)
            else:
                assert response.status_code in (403, 404), (url, response.status_code)
                for unseen in ("张伟", "王芳", "赵磊"):
                    assert not mentions(response.content.decode(), unseen), (url, unseen)


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_bare_flow_diagrams_show_no_process(client, world, scene, persona):
    login(client, world, persona)
    for flow_class in FLOWS:
        for suffix in ("", "?format=bpmn"):
            response = client.get(flow_url(flow_class, "chart") + suffix)
            if persona == "anonymous":
                assert response.status_code in (302, 403)
            else:
                assert response.status_code == 200
                assert "张伟" not in response.content.decode()


# --- Taking and doing tasks ---------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_those_whose_queue_holds_a_task_may_take_it(client, world, scene, persona):
    login(client, world, persona)
    for name, task in scene.open_tasks.items():
        page = client.get(task_url(task, "assign"))
        if name in QUEUE[persona]:
            assert page.status_code == 200, name
            continue
        if persona == "member_a" and name == "revise_a":
            assert page.status_code == 409  # already theirs: told so
            continue
        assert page.status_code in (302, 403, 404), (name, page.status_code)
        with nothing_changes():
            post = client.post(task_url(task, "assign"))
        assert post.status_code in (302, 403, 404) and post.status_code != 200, name
        if persona == "anonymous":
            assert "/accounts/login/" in post.get("Location", "/accounts/login/")


@pytest.mark.parametrize("persona", PERSONAS)
def test_only_the_owner_opens_or_submits_a_task(client, world, scene, persona):
    login(client, world, persona)
    for name, task in scene.open_tasks.items():
        page = client.get(task_url(task))
        if persona == "member_a" and name == "revise_a":
            assert page.status_code == 200 and "请补充签到表" in page.content.decode()
            continue
        assert page.status_code in (302, 403, 404), (name, page.status_code)
        with nothing_changes():
            post = client.post(task_url(task), {"action": "record", "decision": "approve", "reason": "x"})
        assert post.status_code in (302, 403, 404), (name, post.status_code)
        if post.status_code == 302:
            assert "/accounts/login/" in post["Location"]


def test_a_task_of_one_flow_is_not_reachable_through_another_flows_url(client, world, scene):
    """viewflow finds tasks by pk in one shared table: the URL's flow must be the task's own."""
    login(client, world, "committee_a")
    decide = scene.open_tasks["decide_a"]
    foreign = ClaimFlow.review.reverse("assign", args=[decide.process_id, decide.pk])
    with nothing_changes():
        assert client.post(foreign).status_code == 404


# --- Bulk actions -------------------------------------------------------------------------------


def all_open(scene) -> list[int]:
    return [task.pk for task in scene.open_tasks.values()]


@pytest.mark.parametrize("persona", PERSONAS)
def test_bulk_take_takes_only_the_tasks_in_the_personas_queue(client, world, scene, persona):
    user = login(client, world, persona)
    confirm = client.post("/workflow/queue/assign/", {"pk": all_open(scene)})
    if persona != "anonymous":
        listed = confirm.content.decode()
        for name, task in scene.open_tasks.items():
            if name not in QUEUE[persona]:
                assert f">#{task.process_id}/{task.pk}<" not in listed, name
    client.post("/workflow/queue/assign/", {"pk": all_open(scene), "_confirm": "1"})
    client.post("/workflow/queue/assign/", {"select_all": "1", "_confirm": "1"})
    taken = {
        name for name, task in scene.open_tasks.items() if user and Task.objects.get(pk=task.pk).owner == user
    }
    assert taken == QUEUE[persona] | INBOX[persona]


@pytest.fixture
def review_taken(client, world, scene):
    """刘洋 (committee_a) has taken 王芳's claim for review."""
    task = scene.open_tasks["review_a"]
    assert assign(client, world.committee_a, task).status_code == 302
    client.logout()
    return task


@pytest.mark.parametrize("persona", [p for p in PERSONAS if p != "committee_a"])
def test_bulk_approve_and_bulk_release_touch_no_one_elses_tasks(client, world, scene, review_taken, persona):
    login(client, world, persona)
    if persona == "clerk_b":
        client.force_login(scene.committee_b)  # branch B's committee, who may bulk-approve B's reviews
    with nothing_changes():
        for url in ("/workflow/inbox/approve/", "/workflow/inbox/unassign/"):
            client.post(url, {"pk": [review_taken.pk], "_confirm": "1"})
            client.post(url, {"select_all": "1", "_confirm": "1"})
    assert not LedgerEntry.objects.filter(claim=scene.rev_a).exists()


def test_bulk_approve_approves_the_committee_members_own_reviews(client, world, scene, review_taken):
    held = meeting_of_branch_a(world)  # 批量审核通过 names the committee meeting that decided it
    login(client, world, "committee_a")
    response = client.post(
        "/workflow/inbox/approve/", {"pk": [review_taken.pk], "_confirm": "1", "meeting": held.pk}
    )
    assert response.status_code == 302
    scene.rev_a.refresh_from_db()
    assert scene.rev_a.status == "approved" and scene.rev_a.ledger_entry is not None
    assert scene.rev_a.meeting == held


# --- The higher committee's filings -----------------------------------------------------------


def test_the_higher_committee_sees_the_filings_of_every_branch_below(client, world, rules_2026, monkeypatch):
    freeze(monkeypatch, 2026, 3, 20, 10)
    other = committee_b(world), secretary_b(world)
    approved_claim(world, world.member_a)
    approved_claim(world, world.outsider, clerk=world.clerk_b, reviewer=other[0])
    freeze(monkeypatch, 2026, 4, 2, 9)
    reviews = [
        period_start(branch=world.branch_a, period=Q1, by=world.clerk_a),
        period_start(branch=world.branch_b, period=Q1, by=world.clerk_b),
    ]
    publicity_closed(monkeypatch)
    for review, secretary in zip(reviews, (world.secretary_a, other[1]), strict=True):
        approve = open_task(review.process, PeriodReviewFlow.approve)
        perform(approve, secretary, lambda review=review, **kw: period_approve(review=review, **kw))
    filings = [open_task(review.process, PeriodReviewFlow.file) for review in reviews]

    login(client, world, "higher")
    queue = client.get("/workflow/queue/").content.decode()
    assert all(task_marker(task) in queue for task in filings)
    assert mentions(queue, "第一党支部") and mentions(queue, "第二党支部")
    for persona in ("secretary_a", "clerk_a", "clerk_b", "member_a"):
        login(client, world, persona)
        queue = client.get("/workflow/queue/").content.decode()
        assert not any(task_marker(task) in queue for task in filings), persona


def test_the_members_returned_claim_stays_theirs(client, world, scene):
    """The revision holds no permission: released, anyone could take it — so it is never released."""
    revise = scene.open_tasks["revise_a"]
    login(client, world, "member_a")
    with nothing_changes():
        assert client.post(task_url(revise, "unassign")).status_code == 403
        client.post("/workflow/inbox/unassign/", {"pk": [revise.pk], "_confirm": "1"})
        client.post("/workflow/inbox/unassign/", {"select_all": "1", "_confirm": "1"})
    for persona in ("clerk_a", "committee_a", "outsider"):
        login(client, world, persona)
        with nothing_changes():
            assert client.post(task_url(revise, "assign")).status_code == 403
            assert client.post(task_url(revise, "unassign")).status_code == 403


def test_finished_tasks_are_not_offered_back_to_the_queue(client, world, scene):
    login(client, world, "clerk_a")
    with nothing_changes():
        response = client.post("/workflow/inbox/unassign/", {"select_all": "1", "_confirm": "1"})
    assert response.status_code == 302


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_the_menu_counts_what_the_queue_and_inbox_hold(client, world, scene, persona):
    login(client, world, persona)
    content = client.get("/workflow/archive/").content.decode()
    menu = re.findall(
        r'item__content">(待办|待认领)</span>\s*<span class="mdc-list-item__meta">(\d+)<', content
    )
    counts = dict(menu)
    assert counts == {"待办": str(len(INBOX[persona])), "待认领": str(len(QUEUE[persona]))}


@pytest.mark.parametrize("persona", PERSONAS[1:])
def test_cancelling_undoing_or_reviving_steps_is_for_administrators_only(client, world, scene, persona):
    login(client, world, persona)
    process = scene.process("rec_a")
    task = scene.open_tasks["record_a"]
    done = Task.objects.filter(process_id=scene.process("a1").pk, flow_task=ClaimFlow.record).get()
    with nothing_changes():
        cancel = client.post(flow_url(ClaimFlow, "process_cancel", process.pk), {"_cancel_process": "1"})
        assert cancel.status_code in (403, 404)
        assert client.post(task_url(task, "cancel")).status_code in (403, 404)
        assert client.post(task_url(done, "undo")).status_code in (403, 404)
        assert client.post(task_url(done, "revive")).status_code in (403, 404)


@pytest.mark.parametrize("persona", ["outsider", "clerk_b"])
def test_a_task_link_of_another_branch_leads_nowhere(client, world, scene, persona):
    login(client, world, persona)
    for task in (scene.open_tasks["record_a"], scene.open_tasks["review_a"]):
        response = client.get(task_url(task, "index"))
        assert response.status_code == 302 and response["Location"] == "/"


def test_every_step_with_a_duty_names_the_organization_it_is_held_in():
    """待认领 matches a task's organization on the task row (``owner_permission_obj``, indexed for open
    tasks): a step whose permission named no organization would wait in nobody's queue."""
    from viewflow.workflow import flow as viewflow_flow

    from workflows.viewsets import FLOWS

    unnamed = [
        f"{flow_class.__name__}.{node.name}"
        for flow_class in FLOWS
        for node in flow_class.instance.nodes()
        if isinstance(node, viewflow_flow.View)
        and getattr(node, "_owner_permission", None)
        and getattr(node, "_owner_permission_obj", None) is None
    ]
    assert unnamed == []
