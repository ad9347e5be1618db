"""批量导出 in Debian's Chromium: the clerk starts an export on the page, watches the progress bar reach
100 % and downloads a valid ZIP. (Here, beside the other browser tests, because one process can run only
one Playwright: the browser fixture is shared. The export's other tests are in ``tests/reports/jobs/``.)

Celery is eager in tests, so an export started from the form is finished before its page loads: the first
test sees the page done on first load. The second puts the job behind a "broker" the test drives: each poll
of the progress endpoint is held while the test lets the job make a few parts (as a worker would between
two polls), so the bar is seen moving by the page's own script, from the real endpoint, up to 100 %.
"""

from __future__ import annotations

import contextlib
import re
import zipfile

import pytest
from django.db import connections

from reports.jobs import services
from reports.models import ExportJob
from tests.reports.jobs.fakes import FakeParts, WorkerKilled, install

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake_parts(monkeypatch, settings, tmp_path) -> FakeParts:
    """The job machinery is under test here, not the forms: parts are made by fakes
    (``tests/reports/jobs/`` has the tests with the real forms and Excel)."""
    return install(monkeypatch, settings, tmp_path / "media")


ZIP_NAME = "第一党支部_2026年度第3季度_积分台账.zip"


def start_export(page) -> None:
    page.get_by_label("组织").select_option(label="第一党支部（党支部）")
    page.get_by_label("周期").select_option("2026-Q3")
    page.get_by_role("button", name="开始导出").click()
    page.wait_for_url(re.compile(r"/reports/jobs/\d+/$"))


def download_zip(page, tmp_path) -> zipfile.ZipFile:
    with page.expect_download() as info:
        page.get_by_role("link", name="下载 ZIP").click()
    download = info.value
    assert download.suggested_filename == ZIP_NAME
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    return zipfile.ZipFile(path)


def test_an_export_started_on_the_page_is_downloaded(page_for, world, fake_parts, tmp_path):
    page = page_for(world.clerk_a, "/reports/jobs/")
    start_export(page)

    bar = page.get_by_role("progressbar", name="导出进度")
    assert bar.get_attribute("aria-valuenow") == "100"
    page.get_by_text("已完成，共 7 个文件。").wait_for()
    with download_zip(page, tmp_path) as archive:
        assert archive.testzip() is None
        assert len(archive.namelist()) == 2 + 7
        assert "第一党支部/张伟_2026年度第3季度_党员季度积分明细登记表.pdf" in archive.namelist()

    page.get_by_role("link", name="返回我的导出").click()
    page.locator(f"[data-job='{ExportJob.objects.get().pk}'][data-status='done']").wait_for()


def test_the_progress_bar_moves_by_itself_to_100(page_for, world, fake_parts, monkeypatch, tmp_path):
    monkeypatch.setattr(services, "_enqueue", lambda job: None)  # queued; the "worker" is driven below
    # Between polls the "worker" dies on the 3rd call of a part function (2 of 7 parts made), then on the
    # 6th (the 3rd part again, the 4th, and dies on the 5th: 4 made), then makes the rest.
    stops = iter([3, 6, None])
    seen: list[int] = []

    def worker_then_poll(route):
        fake_parts.crash_on = next(stops, None)
        try:
            # The worker stops here until the next poll; the job stays running.
            with contextlib.suppress(WorkerKilled):
                services.export_job_run(job_id=ExportJob.objects.get().pk)
            seen.append(ExportJob.objects.get().percent)
        finally:
            # Playwright calls this in a greenlet of its own, where Django opened a connection of its own.
            connections.close_all()
        route.continue_()

    page = page_for(world.clerk_a, "/reports/jobs/")
    start_export(page)
    bar = page.get_by_role("progressbar", name="导出进度")
    assert bar.get_attribute("aria-valuenow") == "0"
    page.get_by_text("排队中，等待后台开始生成…").wait_for()

    page.route(re.compile(r"/progress/$"), worker_then_poll)
    page.locator("#jf-job-progress[aria-valuenow='28']").wait_for()
    page.get_by_text("正在生成（3/7）").wait_for()
    page.locator("#jf-job-progress[aria-valuenow='57']").wait_for()
    # Done: the page reloads itself to offer the download.
    page.get_by_role("link", name="下载 ZIP").wait_for()
    assert bar.get_attribute("aria-valuenow") == "100"
    assert seen[:3] == [28, 57, 100]

    with download_zip(page, tmp_path) as archive:
        assert archive.testzip() is None and len(archive.namelist()) == 9
