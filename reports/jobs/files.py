"""Where a batch export keeps its files, and how they are written so that no half file ever counts.

Each job has a directory ``MEDIA_ROOT/report-jobs/<work_key>/`` (the media volume is the one directory
web and worker share): ``parts/`` holds one file per part, named by its position, and ``result.zip`` the
finished ZIP. Every file is written under a temporary name private to the run, flushed to disk, and
renamed into place (an atomic step on one file system): a reader sees the whole old file, the whole new
file, or none — never a part of one. Files are never served from ``MEDIA_URL``.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings

JOBS_DIRECTORY = "report-jobs"
RESULT_NAME = "result.zip"
# PDF and Excel files are compressed already: storing them is as small and much faster.
STORED_SUFFIXES = (".pdf", ".xlsx", ".zip", ".png", ".jpg")


def jobs_root() -> Path:
    return Path(settings.MEDIA_ROOT) / JOBS_DIRECTORY


def job_dir(work_key: str) -> Path:
    return jobs_root() / work_key


def part_path(work_key: str, position: int, extension: str) -> Path:
    return job_dir(work_key) / "parts" / f"{position:06d}{extension}"


def result_path(work_key: str) -> Path:
    return job_dir(work_key) / RESULT_NAME


def sha256_of_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_of_file(path: Path) -> str:
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def file_matches(path: Path, sha256: str) -> bool:
    """Whether ``path`` exists and holds exactly the bytes whose SHA-256 was recorded."""
    return bool(sha256) and path.is_file() and sha256_of_file(path) == sha256


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _publish(temporary: Path, target: Path) -> None:
    """Make a fully written temporary file the target, durably."""
    with temporary.open("rb+") as handle:
        os.fsync(handle.fileno())
    os.replace(temporary, target)
    _fsync_dir(target.parent)


def write_atomically(target: Path, data: bytes, *, run: str) -> None:
    """Write ``data`` to ``target`` through a temporary file of this run (``run`` keeps two runs of one
    job, should they overlap, from writing into each other's temporary file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.{run}.partial")
    temporary.write_bytes(data)
    _publish(temporary, target)


@dataclass(frozen=True)
class ZipEntry:
    arcname: str
    data: bytes
    modified: datetime  # local time, shown by archive tools


def _zip_info(entry: ZipEntry) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(entry.arcname, date_time=entry.modified.timetuple()[:6])
    stored = entry.arcname.lower().endswith(STORED_SUFFIXES)
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    info.external_attr = 0o644 << 16
    return info


class ZipInvalid(Exception):
    """The ZIP just written does not read back: a member's CRC is wrong."""


def write_zip_atomically(target: Path, entries: Iterable[ZipEntry], *, run: str) -> None:
    """Write the ZIP under a temporary name, check every member reads back (``testzip``), then rename it
    into place. Names are stored in UTF-8 with the flag that tells unzip tools so."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f"{target.name}.{run}.partial")
    try:
        with zipfile.ZipFile(temporary, "w") as archive:
            for entry in entries:
                archive.writestr(_zip_info(entry), entry.data)
        with zipfile.ZipFile(temporary) as archive:
            bad = archive.testzip()
        if bad is not None:
            raise ZipInvalid(bad)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _publish(temporary, target)


def remove_parts(work_key: str) -> None:
    """The parts are in the ZIP now; only the ZIP is kept."""
    shutil.rmtree(job_dir(work_key) / "parts", ignore_errors=True)


def remove_job_files(work_key: str) -> None:
    shutil.rmtree(job_dir(work_key), ignore_errors=True)
