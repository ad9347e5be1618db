"""待认领 in a real browser, on a desktop and on a phone: the clerk sees each claim's item, points, photo
and days waiting in the list, opens a photo in the lightbox (zooms, closes it), then opens the task and
reads the claim — and the member's standing for the item — before taking it (认领)."""

from __future__ import annotations

import datetime
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image
from viewflow.workflow.models import Task

from workflows.claims import claim_submit

pytestmark = pytest.mark.e2e

ITEM_NAME = "创新型特色党员活动"


def clock(monkeypatch, *args: int) -> None:
    now = timezone.make_aware(datetime.datetime(*args))
    monkeypatch.setattr(timezone, "now", lambda: now)


def jpeg(name: str, blue: int) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    image = Image.merge(
        "RGB", [Image.linear_gradient("L").resize((1200, 800))] * 2 + [Image.new("L", (1200, 800), blue)]
    )
    image.save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def pdf(name: str) -> SimpleUploadedFile:
    """A one-page scan, as a PDF."""
    buffer = io.BytesIO()
    page = Image.linear_gradient("L").resize((600, 840)).convert("RGB")
    page.save(buffer, "PDF")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="application/pdf")


def viewer_attached(page, tries: int = 75) -> None:
    for _ in range(tries):
        if any(frame.url.startswith("chrome-extension://") for frame in page.frames):
            return
        page.wait_for_timeout(200)
    raise AssertionError("the PDF viewer did not open in the lightbox")


@pytest.mark.parametrize("width", [1280, 390], ids=["desktop", "phone"])
def test_the_clerk_reads_the_claim_and_its_photo_from_the_queue_before_taking_it(
    page_for, world, rules_2026, monkeypatch, width
):
    clock(monkeypatch, 2026, 4, 6, 9)
    claim = claim_submit(
        member=world.member_a,
        item_code="innovative-activity",
        occurred_on=datetime.date(2026, 4, 4),
        evidence=[jpeg("活动照片.jpg", 90), pdf("签到表.pdf")],
        by=world.member_a.user,
    )
    Task.objects.filter(process=claim.process).update(created=timezone.now())
    clock(monkeypatch, 2026, 4, 9, 9)

    page = page_for(world.clerk_a, "/workflow/queue/")
    page.set_viewport_size({"width": width, "height": 900 if width > 600 else 844})
    page.goto("/workflow/queue/")
    row = page.get_by_role("row").filter(has_text="张伟")
    for text in (ITEM_NAME, "2026年4月4日", "3 天"):
        assert row.get_by_text(text).count(), text

    # The photo opens in place, zooms on a click (a tap), and closes.
    row.locator("a[data-lightbox=image]").click()
    lightbox = page.locator(".jf-lightbox")
    photo = lightbox.locator("img")
    photo.wait_for()
    assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 1200
    photo.click()
    assert "jf-lightbox--zoomed" in lightbox.get_attribute("class")
    lightbox.get_by_role("button", name="关闭").click()
    lightbox.wait_for(state="hidden")

    # The PDF opens in place too, in a frame of the lightbox.
    row.locator("a[data-lightbox=pdf]").click()
    frame = lightbox.locator("iframe")
    frame.wait_for()
    assert frame.get_attribute("src").endswith(
        f"/evidence/{claim.evidence.get(content_type='application/pdf').pk}/"
    )
    # Chromium's PDF viewer takes the file in the frame, its ``CSP: sandbox`` notwithstanding.
    viewer_attached(page)
    lightbox.get_by_role("button", name="关闭").click()
    lightbox.wait_for(state="hidden")

    # The task page shows the claim before 认领.
    row.get_by_role("link", name="登记").click()
    page.wait_for_url("**/assign/")
    card = page.locator(".jf-record")
    for text in ("张伟", ITEM_NAME, "2026年4月4日", "本周期已计 0 次，共 0 分；上限 10 分"):
        card.get_by_text(text).first.wait_for()
    assert card.locator("img.jf-thumb").count() == 1
    page.get_by_role("button", name="认领", exact=True).wait_for()
    page.get_by_role("button", name="认领并继续").wait_for()
