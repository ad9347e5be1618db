"""积分标准 and 积分手册 in Debian's Chromium, on a phone and on a desktop: the pages fit the screen (tables
wrap, nothing scrolls sideways), the member picking an item on the claim form sees its standard, and the
booklet shows the months with their running totals."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from scoring.core.presets import preset_path
from scoring.services import ledger_record, ruleset_create

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 740}
DESKTOP = {"width": 1280, "height": 900}
NO_SIDEWAYS_SCROLL = "() => document.documentElement.scrollWidth <= window.innerWidth + 1"


@pytest.fixture
def year(world, monkeypatch):
    now = timezone.make_aware(datetime.datetime(2026, 3, 20, 10))
    monkeypatch.setattr(timezone, "now", lambda: now)
    ruleset_create(
        organization=world.committee,
        cycle=2026,
        text=preset_path("erqi-2021").read_text(encoding="utf-8"),
        by=world.higher,
        in_force=True,
    )
    for day, item in ((8, "study"), (20, "study")):
        ledger_record(
            member=world.member_a,
            item_code=item,
            occurred_on=datetime.date(2026, 1, day),
            source="record",
            by=world.clerk_a,
        )
    ledger_record(
        member=world.member_a,
        item_code="late-written-material",
        occurred_on=datetime.date(2026, 2, 3),
        source="record",
        by=world.clerk_a,
    )


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_a_member_reads_the_standards_and_the_handbook(world, year, page_for, viewport):
    page = page_for(world.member_a.user, "/me/standards/")
    page.set_viewport_size(viewport)

    page.goto("/me/standards/")
    page.get_by_role("heading", name="积分内容和标准").wait_for()
    assert page.locator('[data-item="branch-meeting"]').inner_text().count("全年最多 12 分") == 1
    assert page.locator('[data-section="veto"]').is_visible()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    page.goto("/me/claims/new/")
    page.locator("#id_item_code").select_option("competition")
    standard = page.locator("#jf-item-standard")
    standard.wait_for()
    assert "+1～2 分/次（审核时确定）" in standard.inner_text()
    assert "全年最多 10 分" in standard.inner_text()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)

    page.goto("/me/handbook/")
    february = page.locator('[data-month="2026-2"]')
    february.wait_for()
    assert february.locator('[data-value="subtotal"]').inner_text() == "-1"
    assert february.locator('[data-value="running"]').inner_text() == "3"
    assert "待审定" in february.inner_text()
    assert page.evaluate(NO_SIDEWAYS_SCROLL)
