"""Screenshots of each role's 工作台, of a queue and of the dashboards, from the demo data, in Debian's
headless Chromium.

    .venv/bin/python docs/make_screenshots.py            # writes docs/screenshots/*.png

It seeds the demo (``seed_demo``) into a throwaway embedded database and, as seeded, logs in through the login
page as each demo login and saves its 工作台 (``workbench-<login>``) and the committee member's 待认领
(``queue-committee``). Then it lets five days pass so that 机关第二党支部's 公示 (opened by the demo the day
before seeding) closes — its secretary (``secretary2``) first dismisses the appeal filed in it — and approves
the quarter through the workflow, after which 长兴路街道机关党总支 has it approved in both its branches
and a complete ranking; it saves each dashboard on the quarter the demo walked through once every chart has
drawn. Every page is shot at desktop (1280 px) and phone (390 px) width. It fails when a chart did not draw,
Chart.js did not come from /static/, or the browser console shows an error.
Never run against a real database: it uses its own temporary one.
"""

from __future__ import annotations

import datetime
import os
import sys
import tempfile
import threading
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "docs" / "screenshots"
PASSWORD = "Jifen@2026"  # the demo's public password
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
DAYS_LATER = 5  # the second branch's 5-day window, opened the day before seeding, has closed


def setup_django(var_dir: str) -> None:
    for name in ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "DEBUG"):
        os.environ.pop(name, None)
    os.environ["JIFEN_VAR_DIR"] = var_dir
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API in this thread
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def seed() -> None:
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("seed_demo", verbosity=0)


def move_on() -> datetime.datetime:
    """Five days after seeding, with 机关第二党支部's quarter approved."""
    from django.utils import timezone

    later = timezone.now() + datetime.timedelta(days=DAYS_LATER)
    timezone.now = lambda: later  # the server threads below see the same clock
    approve_second_branch()
    return later


def approve_second_branch() -> None:
    from django.contrib.auth import get_user_model
    from viewflow.workflow.timers import fire_due_conditions, fire_due_timers

    from accounts.demo import SECOND_BRANCH_CODE
    from workflows.appeals import appeal_decide
    from workflows.execution import open_task, task_carry_out
    from workflows.flows import AppealFlow, PeriodReviewFlow
    from workflows.models import Appeal, PeriodReview
    from workflows.periods import period_approve

    secretary = get_user_model().objects.get(username="secretary2")
    review = PeriodReview.objects.filter(
        branch__code=SECOND_BRANCH_CODE, status=PeriodReview.Status.PUBLICITY
    ).latest("starts_on")
    for appeal in Appeal.objects.filter(window=review.window, status=Appeal.Status.OPEN):
        task = open_task(appeal.process, AppealFlow.decide)
        task_carry_out(
            task,
            secretary,
            lambda appeal=appeal, **kw: appeal_decide(
                appeal=appeal, uphold=False, reason="经核实，材料确系截止后补交，维持扣分", **kw
            ),
        )
    fire_due_timers()
    fire_due_conditions(flows=[PeriodReviewFlow])
    task = open_task(review.process, PeriodReviewFlow.approve)
    task_carry_out(task, secretary, lambda **kw: period_approve(review=review, note="公示无异议，同意", **kw))


def serve() -> str:
    from django.core.servers.basehttp import (
        ThreadedWSGIServer,
        WSGIRequestHandler,
        get_internal_wsgi_application,
    )

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=True)
    server.set_app(get_internal_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


# The demo logins whose 工作台 is shown, as seeded (workflows/demo_work.py gives each work).
WORKBENCH_LOGINS = ("member", "clerk", "committee", "secretary", "clerk2", "secretary2", "higher")


def work_pages() -> list[tuple[str, str, str]]:
    """(file stem, login, path) of each 工作台, and of the committee member's 待认领."""
    pages = [(f"workbench-{username}", username, "/accounts/home/") for username in WORKBENCH_LOGINS]
    return [*pages, ("queue-committee", "committee", "/workflow/queue/")]


def pages() -> list[tuple[str, str, str]]:
    """(file stem, login, path) of each dashboard to shoot, all on the quarter the demo walked through."""
    from accounts.demo import COMMITTEE_CODE, MAIN_BRANCH_CODE
    from accounts.models import Organization
    from reports.dashboards.data import approved_reviews, review_period

    branch = Organization.objects.get(code=MAIN_BRANCH_CODE)
    committee = Organization.objects.get(code=COMMITTEE_CODE)
    general = Organization.objects.get(path=branch.path[: -Organization.steplen])
    period = review_period(approved_reviews(branch)[0]).code
    return [
        ("dashboard-branch", "secretary", f"/reports/dashboards/branches/{branch.pk}/?period={period}"),
        (
            "dashboard-committee",
            "higher",
            f"/reports/dashboards/organizations/{committee.pk}/?period={period}",
        ),
        (
            "dashboard-general-branch",
            "higher",
            f"/reports/dashboards/organizations/{general.pk}/?period={period}",
        ),
    ]


def shoot(browser, base_url: str, stem: str, username: str, path: str, *, charts: bool = True) -> list[Path]:
    return [
        shoot_at(browser, base_url, OUT / f"{stem}-{suffix}.png", viewport, username, path, charts=charts)
        for suffix, viewport in (("desktop", DESKTOP), ("phone", PHONE))
    ]


def shoot_at(
    browser, base_url: str, target: Path, viewport: dict, username: str, path: str, *, charts: bool
) -> Path:
    context = browser.new_context(base_url=base_url, locale="zh-CN", viewport=viewport)
    page = context.new_page()
    errors: list[str] = []
    scripts: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "request", lambda request: scripts.append(request.url) if request.resource_type == "script" else None
    )
    page.goto(f"/accounts/login/?{urlencode({'next': path})}")
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda url: url.endswith(path))
    if not charts:
        page.wait_for_load_state("networkidle")
        if errors:
            raise SystemExit(f"{target.name}: browser console errors: {errors}")
        page.screenshot(path=str(target), full_page=True)
        context.close()
        return target
    page.wait_for_function(
        "document.querySelectorAll('canvas[data-chart]').length > 0 && "
        "document.querySelectorAll('canvas[data-chart]').length === "
        "document.querySelectorAll('canvas[data-drawn]').length"
    )
    if errors:
        raise SystemExit(f"{target.name}: browser console errors: {errors}")
    if base_url + "/static/reports/vendor/chart.umd.min.js" not in scripts:
        raise SystemExit(f"{target.name}: Chart.js was not loaded from /static/: {scripts}")
    page.screenshot(path=str(target), full_page=True)
    context.close()
    return target


def main() -> None:
    from playwright.sync_api import sync_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="jifen-screenshots-") as var_dir:
        setup_django(var_dir)
        seed()
        base_url = serve()
        chromium = os.environ.get("JIFEN_CHROMIUM", "/usr/bin/chromium")
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for stem, username, path in work_pages():
                for target in shoot(browser, base_url, stem, username, path, charts=False):
                    print(target.relative_to(ROOT))
            later = move_on()
            for stem, username, path in pages():
                for target in shoot(browser, base_url, stem, username, path):
                    print(target.relative_to(ROOT))
            browser.close()
    print(f"demo seeded, then shown as on {later:%Y-%m-%d}")


if __name__ == "__main__":
    main()
