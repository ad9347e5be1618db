"""流程列表的列名: a flow's process list headed in Chinese.

viewflow's process list names its columns from its method names ("Process id", "Brief", "Active tasks");
the same columns here carry Chinese headings.
"""

from __future__ import annotations

from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _


class ChineseProcessColumnsMixin:
    """The process list's 编号, 摘要 and 进行中任务 columns."""

    def process_id(self, process):
        url = self.request.resolver_match.flow_viewset.reverse("process_detail", args=[process.pk])
        return format_html('<a href="{}">{}</a>', url, process.pk)

    process_id.short_description = _("编号")

    def brief(self, process):
        return process.brief

    brief.short_description = _("摘要")

    def active_tasks(self, process):
        return process.active_tasks_count

    active_tasks.short_description = _("进行中任务")


__all__ = ["ChineseProcessColumnsMixin"]


class ChineseTaskColumnsMixin:
    """A flow's task list: each task named by its step (登记, 支委会审核), not by viewflow's node code."""

    def flow_task(self, task):
        return task.flow_task.task_title or task.flow_task.name

    flow_task.short_description = _("步骤")

    def process_summary(self, task):
        return task.process.coerced.brief

    process_summary.short_description = _("流程摘要")
