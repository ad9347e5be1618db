"""Dates as members read them: 2026年12月3日, 2026年12月3日 14:05, 12月3日.

Templates say ``{{ day|date }}``, ``{{ moment|date:"DATETIME_FORMAT" }}`` or ``|date:"MONTH_DAY_FORMAT"``
(Python: ``django.utils.formats.date_format``), so this file alone decides how a date is written. Django's
own zh_Hans formats say the same except the month of MONTH_DAY_FORMAT, which it pads (09月5日).
Machine-read dates stay ISO and do not come here: ``<input type="date">`` values, query strings,
data-* attributes, CSV/Excel cells, API JSON, file names and audit payloads.
Only the display formats are set; input formats (parsing) fall through to Django's zh_Hans module.
"""

DATE_FORMAT = "Y年n月j日"  # 2026年12月3日
TIME_FORMAT = "H:i"  # 14:05
DATETIME_FORMAT = "Y年n月j日 H:i"  # 2026年12月3日 14:05
YEAR_MONTH_FORMAT = "Y年n月"  # 2026年12月
MONTH_DAY_FORMAT = "n月j日"  # 12月3日
SHORT_DATE_FORMAT = "Y年n月j日"
SHORT_DATETIME_FORMAT = "Y年n月j日 H:i"
