"""The 支委会审核 task page's pointer to the committee meeting (支委会研究): where the branch's rules allow
no single reviewer it says so before the reviewer fills the form; elsewhere it offers the meeting page."""

from __future__ import annotations

from typing import Any

from django import template

from workflows.escalation import review_settings_for

register = template.Library()


@register.inclusion_tag("workflows/meetings/_review_note.html")
def review_meeting_note(claim: Any) -> dict[str, Any]:
    required = claim is not None and not review_settings_for(claim.branch).single_reviewer
    return {"claim": claim, "meeting_required": required}
