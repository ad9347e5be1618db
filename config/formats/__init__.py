"""The project's date formats (FORMAT_MODULE_PATH, zh_Hans/formats.py): how every page, PDF and message
writes a date. Python text (error messages, notifications) writes dates with the two functions below, so
the formats module alone decides; machine-read dates (CSV cells, API JSON, audit payloads) stay ISO."""

from __future__ import annotations

import datetime

from django.utils import formats, timezone


def day_text(value: datetime.date | datetime.datetime) -> str:
    """2026年12月3日 (a datetime: its local day)."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "DATE_FORMAT")


def moment_text(value: datetime.datetime) -> str:
    """2026年12月3日 14:05, in local time."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return formats.date_format(value, "DATETIME_FORMAT")
