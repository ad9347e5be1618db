"""Filters that name workflow things in Chinese where viewflow shows codes (a duty, not a codename)."""

from __future__ import annotations

from django import template
from django.contrib.auth.models import Permission

register = template.Library()


@register.filter
def task_duty(task) -> str:
    """A task's permission as the duty it names and where it holds: ``审核积分 · 机关第一党支部``."""
    perm = task.owner_permission
    if not perm:
        return ""
    app_label, _, codename = perm.rpartition(".")
    name = (
        Permission.objects.filter(content_type__app_label=app_label, codename=codename)
        .values_list("name", flat=True)
        .first()
    )
    where = task.owner_permission_obj
    return " · ".join(str(part) for part in (name or codename, where) if part)
