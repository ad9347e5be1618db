"""待认领 / 待办 lists a reviewer can decide from, and the task page that shows the claim before 认领.

Each row names the member, the item (by its name in the rule set), the points, the day it happened, the
evidence as thumbnails, how many days the task has waited, and the warnings: a photo already used for
another claim, the member already at the item's cap. A page costs the same queries for any number of rows.
"""

import datetime
import io
import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from scoring.core.ruleset import Item
from scoring.models import LedgerEntry
from workflows.claims import claim_submit
from workflows.evidence import evidence_attach
from workflows.flows import ClaimFlow
from workflows.queue_rows import points_text, task_rows

from .helpers import approved_claim, freeze, open_task, task_url

D = datetime.date
ITEM = "innovative-activity"  # 创新型特色党员活动: 2 points a time, at most 10 in the cycle
ITEM_NAME = "创新型特色党员活动"
DAY = D(2026, 4, 6)


def real_photo(shade: int = 128) -> SimpleUploadedFile:
    """A photo Pillow can read; a different ``shade`` is a different file (another SHA-256)."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (640, 480), (shade, 80, 40)).save(out, "JPEG")
    return SimpleUploadedFile(f"活动照片{shade}.jpg", out.getvalue(), content_type="image/jpeg")


def submit(member, day=DAY, evidence=None, item=ITEM):
    claim = claim_submit(
        member=member, item_code=item, occurred_on=day, evidence=evidence or [real_photo()], by=member.user
    )
    # viewflow stamps a task with the real clock (its field's default), not the frozen one
    Task.objects.filter(process=claim.process).update(created=timezone.now())
    return claim


def row_of(claim):
    task = open_task(claim.process, ClaimFlow.record)
    return task_rows([task])[task.pk]


@pytest.fixture
def frozen(monkeypatch):
    freeze(monkeypatch, 2026, 4, 6, 9)
    return monkeypatch


# --- The rows ----------------------------------------------------------------------------------


def test_a_claims_row_names_the_member_the_item_its_points_day_and_evidence(world, rules_2026, frozen):
    claim = submit(world.member_a)
    row = row_of(claim)
    assert (row.member, row.item, row.points, row.occurred_on) == ("张伟", ITEM_NAME, "2", D(2026, 4, 6))
    assert [file.original_name for file in row.evidence] == ["活动照片128.jpg"]
    assert row.warnings == []


def test_a_row_counts_the_whole_days_the_task_has_waited(world, rules_2026, frozen):
    claim = submit(world.member_a)
    freeze(frozen, 2026, 4, 9, 8)
    assert row_of(claim).days_waiting == 3


def test_a_range_item_shows_the_points_asked_for_and_the_items_range():
    ranged = Item(code="x", name="酌情加分", points_range=(Decimal(2), Decimal(5)))
    assert points_text(ranged, Decimal(3)) == "3 / 2～5"
    assert points_text(ranged, None) == "— / 2～5"
    assert points_text(Item(code="y", name="固定", points=Decimal("1.5")), None) == "1.5"


def test_a_photo_already_used_for_another_claim_is_flagged_on_both_rows(world, rules_2026, frozen):
    first = submit(world.member_a, evidence=[real_photo(10)])
    second = submit(world.other_member_a, evidence=[real_photo(10)])
    own = submit(world.member_a, D(2026, 4, 5), evidence=[real_photo(200)])
    assert row_of(first).warnings == ["1 个证明材料与其他申报相同"]
    assert row_of(second).warnings == ["1 个证明材料与其他申报相同"]
    assert row_of(own).warnings == []


def test_a_member_already_at_the_items_cap_is_flagged_with_the_standing(world, rules_2026, frozen):
    entry = approved_claim(world, world.member_a, D(2026, 3, 2)).ledger_entry
    for n in range(1, 5):  # four more occurrences already in the ledger: 10 points, the item's cap
        LedgerEntry.objects.create(
            member=entry.member,
            branch=entry.branch,
            ruleset_version=entry.ruleset_version,
            item_code=ITEM,
            occurred_on=D(2026, 3, 2 + n),
            points=entry.points,
            source=entry.source,
            idempotency_key=f"earlier:{n}",
        )
    claim = claim_submit(
        member=world.member_a,
        item_code=ITEM,
        occurred_on=D(2026, 4, 6),
        evidence=[real_photo()],
        cap_acknowledged=True,
        by=world.member_a.user,
    )
    row = row_of(claim)
    assert "本周期该项目已达上限" in row.warnings
    assert row.standing.text == "本周期已计 5 次，共 10 分；上限 10 分"
    other = row_of(submit(world.other_member_a, evidence=[real_photo(30)]))
    assert other.warnings == [] and other.standing.count == 0


def test_an_appeal_and_a_filing_read_as_who_and_what_in_the_same_columns(world, rules_2026, monkeypatch):
    from .test_queue_scoping import Scene  # 公示 with an appeal in branch A, a 备案 waiting in branch B

    scene = Scene(world, monkeypatch)
    decide, filing = scene.open_tasks["decide_a"], scene.open_tasks["file_b"]
    rows = task_rows([decide, filing])
    appeal = rows[decide.pk]
    assert (appeal.member, appeal.item) == ("王芳", f"申诉：张伟 的“{ITEM_NAME}”")
    assert (appeal.points, appeal.occurred_on) == ("2", D(2026, 3, 10))
    assert rows[filing.pk].member == "第二党支部" and rows[filing.pk].item.startswith("第二党支部 ")


# --- The page ------------------------------------------------------------------------------------


def test_the_clerks_queue_shows_item_points_thumbnails_days_and_warnings(client, world, rules_2026, frozen):
    submit(world.member_a, evidence=[real_photo(10)])
    submit(world.other_member_a, D(2026, 4, 3), evidence=[real_photo(10)])
    freeze(frozen, 2026, 4, 8, 9)
    client.force_login(world.clerk_a)
    content = client.get("/workflow/queue/").content.decode()
    assert ITEM_NAME in content and "张伟" in content and "王芳" in content
    assert 'src="/evidence/' in content and "?size=thumb" in content and 'loading="lazy"' in content
    assert "2 天" in content
    assert "证明材料与其他申报相同" in content
    assert not re.search(r">#\d+/\d+<", content)  # no more bare process/task numbers


def test_the_queue_lists_the_oldest_task_first(client, world, rules_2026, frozen):
    older = submit(world.other_member_a, D(2026, 4, 1))
    freeze(frozen, 2026, 4, 7, 9)
    newer = submit(world.member_a, D(2026, 4, 2), evidence=[real_photo(20)])
    client.force_login(world.clerk_a)
    content = client.get("/workflow/queue/").content.decode()
    first = task_url(open_task(older.process, ClaimFlow.record), "index")
    second = task_url(open_task(newer.process, ClaimFlow.record), "index")
    assert content.index(first) < content.index(second)


def queue_queries(client, user) -> int:
    client.force_login(user)
    client.get("/workflow/queue/")  # warm: sessions, content types, the rule set's first read
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/workflow/queue/").status_code == 200
    return len(queries)


def test_the_queue_costs_the_same_queries_for_three_times_the_rows(client, world, rules_2026, frozen):
    members = [world.member_a, world.other_member_a]
    for n in range(2):
        submit(members[n % 2], D(2026, 4, 1 + n), evidence=[real_photo(n)])
    few = queue_queries(client, world.clerk_a)
    for n in range(2, 6):
        submit(members[n % 2], D(2026, 4, 1 + n), evidence=[real_photo(n % 3)])
    assert queue_queries(client, world.clerk_a) == few


# --- The task page before 认领 ------------------------------------------------------------------------


def test_the_task_page_shows_the_claim_and_the_standing_before_it_is_taken(client, world, rules_2026, frozen):
    claim = submit(world.member_a)
    task = open_task(claim.process, ClaimFlow.record)
    client.force_login(world.clerk_a)
    response = client.get(task_url(task, "index"), follow=True)
    content = response.content.decode()
    assert response.redirect_chain and response.redirect_chain[-1][0] == task_url(task, "assign")
    assert "张伟" in content and ITEM_NAME in content and "2026年4月6日" in content
    assert f"/evidence/{claim.evidence.get().pk}/?size=thumb" in content
    assert "本周期已计 0 次，共 0 分；上限 10 分" in content
    assert "认领" in content
    task.refresh_from_db()
    assert task.status == STATUS.NEW and task.owner_id is None


def test_another_branchs_officer_never_sees_the_claim_on_its_task_page(client, world, rules_2026, frozen):
    claim = submit(world.member_a)
    task = open_task(claim.process, ClaimFlow.record)
    client.force_login(world.clerk_b)
    response = client.get(task_url(task, "assign"))
    assert response.status_code in (403, 404)
    assert "张伟" not in response.content.decode() and ITEM_NAME not in response.content.decode()


# --- Thumbnails -------------------------------------------------------------------------------------


def test_a_photo_has_a_small_jpeg_thumbnail_and_a_pdf_none(client, world, rules_2026, frozen):
    from PIL import Image

    claim = submit(world.member_a)
    pdf = SimpleUploadedFile("扫描件.pdf", b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")
    [scan] = evidence_attach(claim=claim, files=[pdf], by=world.member_a.user)
    client.force_login(world.clerk_a)
    response = client.get(f"/evidence/{claim.evidence.first().pk}/?size=thumb")
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Security-Policy"] == "sandbox"
    assert max(Image.open(io.BytesIO(response.content)).size) <= 192
    assert client.get(f"/evidence/{scan.pk}/?size=thumb").status_code == 404
    # The PDF itself may be framed by the site's own task pages, by no other site.
    assert client.get(f"/evidence/{scan.pk}/")["X-Frame-Options"] == "SAMEORIGIN"


def test_a_thumbnail_is_refused_to_whoever_may_not_see_the_claim(client, world, rules_2026, frozen):
    claim = submit(world.member_a)
    client.force_login(world.clerk_b)
    assert client.get(f"/evidence/{claim.evidence.get().pk}/?size=thumb").status_code == 404
