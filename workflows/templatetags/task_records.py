"""``{% task_record task %}``: the record a task is about, on viewflow's own task pages (认领)."""

from django import template

from workflows.task_records import task_record_context

register = template.Library()


@register.inclusion_tag("workflows/_task_record.html", takes_context=True)
def task_record(context, task):
    return task_record_context(task, context["request"].user)
