"""The batch export with the real forms (E's PDFs), the real Excel (F's) and the real ledger data: branch A's
first quarter of 2026 approved (审定) by 陈静, branch B's not — so A's files are approved, B's drafts."""

from __future__ import annotations

import datetime
import io
import subprocess

import openpyxl
import pytest

from reports.jobs import services
from reports.models import ExportJob
from tests.reports.jobs.helpers import manifest_rows, open_zip, result_of, sha256
from tests.workflows.helpers import (
    approved_claim,
    freeze,
    open_task,
    perform,
    publicity_closed,
    publicity_opened,
)
from workflows.flows import PeriodReviewFlow
from workflows.periods import period_approve

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _flow_urls():
    """viewflow names its task URLs when the site's URLconf is built."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


@pytest.fixture
def branch_a_q1_approved(world, rules_2026, monkeypatch, job_media):
    freeze(monkeypatch, 2026, 3, 20, 10)
    approved_claim(world, world.member_a, datetime.date(2026, 3, 10))  # 张伟: innovative activity, +2
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    task = open_task(review.process, PeriodReviewFlow.approve)
    perform(task, world.secretary_a, lambda **kw: period_approve(review=review, note="同意", **kw))


def pdf_text(data: bytes, tmp_path) -> str:
    path = tmp_path / "part.pdf"
    path.write_bytes(data)
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return "".join(text.stdout.split())


def test_the_committee_zip_holds_real_ledgers_and_details(world, branch_a_q1_approved, tmp_path):
    job, _ = services.export_job_start(user=world.higher, organization=world.committee, period_code="2026-Q1")

    assert services.export_job_run(job_id=job.pk) == "done"

    job.refresh_from_db()
    assert (job.status, job.total_parts) == (ExportJob.Status.DONE, 2 * 2 + 5 + 2)
    with open_zip(result_of(job)) as archive:
        assert archive.testzip() is None
        rows = {row["文件"]: row for row in manifest_rows(archive)}
        for name, row in rows.items():
            assert row["SHA-256"] == sha256(archive.read(name))

        ledger_a = "第一党支部/第一党支部_2026年度第1季度_支部积分台账.pdf"
        text = pdf_text(archive.read(ledger_a), tmp_path)
        assert "第一党支部" in text and "张伟" in text and "草稿" not in text
        assert rows[ledger_a]["状态"] == "已审定"
        assert "陈静" in rows[ledger_a]["审定情况"]

        detail = "第一党支部/张伟_2026年度第1季度_党员季度积分明细登记表.pdf"
        text = pdf_text(archive.read(detail), tmp_path)
        assert "党员季度积分明细登记表" in text and "张伟" in text
        assert rows[detail]["状态"] == "已审定"

        ledger_b = "第二党支部/第二党支部_2026年度第1季度_支部积分台账.pdf"
        assert "草稿" in pdf_text(archive.read(ledger_b), tmp_path)
        assert rows[ledger_b]["状态"] == "草稿" and rows[ledger_b]["审定情况"] == ""
        assert rows["第二党支部/赵磊_2026年度第1季度_党员季度积分明细登记表.pdf"]["状态"] == "草稿"

        sheet = openpyxl.load_workbook(
            io.BytesIO(archive.read("第一党支部/第一党支部_2026年度第1季度_支部积分台账.xlsx"))
        ).active
        cells = [str(c) for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        assert any("第一党支部" in c for c in cells) and "张伟" in cells
