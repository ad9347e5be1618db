"""Every role's day on the demo, in Debian's Chromium, on a phone and on a desktop: each demo login lands on
the 工作台, reads how many items wait at a step, taps it, reaches the one that has waited longest and decides
it there — then, on the other device, finds one fewer and decides the next.

The demo is seeded as ``scripts/run`` seeds it (``workflows/demo_work.py`` gives every role work).
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from accounts.demo import demo_seed
from tests.e2e.conftest import RESULTS, TIMEOUT_MS

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

DEMO_PASSWORD = "Jifen@2026"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def photo(tmp_path: Path) -> Path:
    buffer = io.BytesIO()
    Image.new("RGB", (60, 40), "green").save(buffer, "PNG")
    path = tmp_path / "签到表.png"
    path.write_bytes(buffer.getvalue())
    return path


def sign_in(browser, served, username: str, viewport: dict):
    context = browser.new_context(base_url=served.url, locale="zh-CN", viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto("/accounts/login/", wait_until="commit")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url("**/accounts/home/")
    return page


def waiting(page, step: str) -> int:
    """The count the workbench shows at ``step`` (0 when the step is not shown: nothing waits there)."""
    tile = page.locator(f'a.wb-step[data-step="{step}"]')
    return int(tile.first.locator(".wb-count").inner_text()) if tile.count() else 0


def open_oldest(page, step: str) -> None:
    """Tap the step: it opens the item that has waited longest; take it from the queue if it is there."""
    page.locator(f'a.wb-step[data-step="{step}"]').first.click()
    page.wait_for_url(re.compile(r"/(assign|execute)/"))
    if "/assign/" in page.url:
        page.get_by_role("button", name="认领并继续").click()
        page.wait_for_url("**/execute/")


def done(page, task: str, button: str = "提交") -> None:
    page.get_by_role("button", name=button, exact=True).click()
    try:
        page.get_by_text(f"已完成：{task}").wait_for()
    except Exception:
        RESULTS.mkdir(exist_ok=True)
        page.screenshot(path=RESULTS / f"every-role-{task}.png", full_page=True)
        raise


def record(page, _tmp) -> None:
    page.get_by_label("登记，提交支委会审核").check()
    done(page, "登记")


def review(page, _tmp) -> None:
    page.get_by_label("审核通过").check()
    done(page, "支委会审核")


def revise(page, tmp_path) -> None:
    page.locator("input[type=file]").first.set_input_files(photo(tmp_path))
    done(page, "补充材料")


def decide_appeal(page, _tmp) -> None:
    page.get_by_label("申诉不成立").check()
    page.get_by_label("处理意见").fill("经核实，材料确系截止后补交，维持扣分")
    done(page, "处理申诉")


def approve(page, _tmp) -> None:
    page.get_by_label("审定意见").fill("公示期满无异议，同意")
    done(page, "审定", button="审定")


def file(page, _tmp) -> None:
    page.get_by_label("予以备案").check()
    done(page, "备案")


Decide = Callable[..., None]
# Per login: what they decide on the phone, then on the desktop — (step, decision); None: nothing more waits
# at the phone's step, which the desktop shows by no longer offering it.
DAYS: dict[str, tuple[tuple[str, Decide], tuple[str, Decide] | None]] = {
    "member": (("revise", revise), None),
    "clerk": (("record", record), ("record", record)),
    "committee": (("review", review), ("review", review)),
    "secretary": (("record", record), ("review", review)),
    "clerk2": (("record", record), None),
    "secretary2": (("decide", decide_appeal), ("approve", approve)),
    "higher": (("file", file), None),
}


def test_every_role_lands_on_its_work_and_decides_the_oldest_item_on_a_phone_and_a_desktop(
    browser, served, tmp_path
):
    assert demo_seed() is not None
    for username, (on_phone, on_desktop) in DAYS.items():
        phone = sign_in(browser, served, username, PHONE)
        step, decide = on_phone
        before = waiting(phone, step)
        assert before >= 1, f"{username}: nothing waits at {step} on the workbench"
        open_oldest(phone, step)
        decide(phone, tmp_path)
        phone.context.close()

        desktop = sign_in(browser, served, username, DESKTOP)
        assert waiting(desktop, step) == before - 1, f"{username}: {step} did not go down by one"
        if on_desktop is not None:
            step, decide = on_desktop
            assert waiting(desktop, step) >= 1, f"{username}: nothing waits at {step} on the workbench"
            open_oldest(desktop, step)
            decide(desktop, tmp_path)
        desktop.context.close()
