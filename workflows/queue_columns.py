"""The 待认领 / 待办 list columns: who, what, how much, when, the evidence, days waiting, warnings.

Mixed into viewflow's queue and inbox list views. The page's rows are read in one batch
(``workflows.queue_rows.task_rows``) before viewflow asks the columns for their cells, so a page costs
the same number of queries for 10 rows as for 100.
"""

from __future__ import annotations

from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _
from viewflow.workflow.models import Task

from workflows.evidence_thumbs import has_thumbnail
from workflows.queue_rows import TaskRow, task_rows


def evidence_links(files, *, size: str = "thumb") -> SafeString:
    """Evidence as thumbnails that open in the lightbox (``workflows/lightbox.js``): a photo's preview,
    a PDF's or an unpreviewable file's icon."""
    links = []
    for file in files:
        url = reverse("evidence:serve", args=[file.pk])
        kind = "pdf" if file.content_type == "application/pdf" else "image" if has_thumbnail(file) else "file"
        if kind == "image":
            inner = format_html(
                '<img class="jf-thumb" src="{}?size=thumb" alt="{}" loading="lazy" width="48" height="48">',
                url,
                file.original_name,
            )
        else:
            icon = "picture_as_pdf" if kind == "pdf" else "insert_drive_file"
            inner = format_html('<i class="material-icons jf-thumb jf-thumb--icon">{}</i>', icon)
        links.append(
            format_html(
                '<a class="jf-evidence-link" href="{}" data-lightbox="{}" title="{}" target="_blank" '
                'rel="noopener">{}</a>',
                url,
                kind,
                file.original_name,
                inner,
            )
        )
    return format_html(
        '<span class="jf-thumbs">{}</span>', format_html_join("", "{}", ((link,) for link in links))
    )


class TaskRowColumns:
    """Column methods for viewflow's list views of tasks (``columns`` names them)."""

    columns = ("task_title", "member", "item", "points", "occurred", "evidence", "waiting", "warnings")
    ordering = ("created", "pk")  # 按等待时间: the oldest first
    template_name = "workflows/task_queue.html"

    _rows: dict[int, TaskRow]

    def get_page_data(self, page):
        self._rows = task_rows(page)
        return super().get_page_data(page)

    def row(self, task: Task) -> TaskRow:
        rows = getattr(self, "_rows", None)
        if rows is None or task.pk not in rows:
            self._rows = rows = {**(rows or {}), **task_rows([task])}
        return rows[task.pk]

    def task_title(self, task: Task):
        url = task.flow_task.reverse("index", args=[task.process_id, task.pk])
        return format_html('<a href="{}">{}</a>', url, task.flow_task.task_title or task.flow_task.name)

    task_title.short_description = _("任务")

    def member(self, task: Task):
        return self.row(task).member

    member.short_description = _("党员")

    def item(self, task: Task):
        return self.row(task).item

    item.short_description = _("事项")

    def points(self, task: Task):
        return self.row(task).points

    points.short_description = _("分值")

    def occurred(self, task: Task):
        day = self.row(task).occurred_on
        # One line: a wrapped "2026年10月 / 16日" reads as two values in a narrow column.
        return format_html('<span class="jf-nowrap">{}</span>', date_format(day)) if day else ""

    occurred.short_description = _("发生日期")

    def evidence(self, task: Task):
        return evidence_links(self.row(task).evidence)

    evidence.short_description = _("证明材料")

    def waiting(self, task: Task):
        return _("%(days)s 天") % {"days": self.row(task).days_waiting}

    waiting.short_description = _("等待")
    waiting.orderby_column = "created"

    def warnings(self, task: Task):
        found = self.row(task).warnings
        if not found:
            return ""
        return format_html_join(
            "",
            '<span class="jf-flag"><i class="material-icons">warning</i>{}</span>',
            ((text,) for text in found),
        )

    warnings.short_description = _("提示")
