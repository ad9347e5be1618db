"""Small readers of a finished batch export, shared by the tests."""

from __future__ import annotations

import csv
import hashlib
import io
import zipfile
from pathlib import Path

from reports.jobs import files
from reports.models import ExportJob


def result_of(job: ExportJob) -> Path:
    return files.result_path(job.work_key)


def open_zip(source: Path | bytes) -> zipfile.ZipFile:
    return zipfile.ZipFile(io.BytesIO(source) if isinstance(source, bytes) else source)


def manifest_rows(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    text = archive.read("文件清单.csv").decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
