"""Batch export fixtures: the job files in a temporary MEDIA_ROOT, and fake part functions
(``tests.reports.jobs.fakes``) in place of the forms, the Excel exports and the ledger data."""

from __future__ import annotations

import pytest

from tests.reports.jobs.fakes import FakeParts, install


@pytest.fixture
def job_media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def fake_parts(monkeypatch, settings, job_media) -> FakeParts:
    return install(monkeypatch, settings, job_media)
