"""Writing the audit trail. Every service that changes state calls ``audit_record`` in its transaction."""

from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models

from audit.models import AuditRecord
from audit.privacy import masked


def audit_record(
    *,
    actor: Any | None,
    action: str,
    summary: str,
    target: models.Model | None = None,
    organization: Any | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> AuditRecord:
    return AuditRecord.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        summary=str(summary)[:300],
        organization=organization,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        reason=reason,
        data=masked(data or {}),  # never a full phone or ID number (audit.privacy)
    )


def audit_trail(target: models.Model):
    """The audit records of one object, oldest first."""
    return AuditRecord.objects.filter(
        target_type=ContentType.objects.get_for_model(target), target_id=str(target.pk)
    ).order_by("at", "id")
