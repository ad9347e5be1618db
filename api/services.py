"""Issuing and revoking API tokens. The plain key is returned once, at issue, and never stored."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from api.models import ApiToken
from audit.services import audit_record

PREFIX_LENGTH = 8


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user, days: int | None = None) -> tuple[ApiToken, str]:
    """A new token for ``user``; returns the row and the plain key (shown to the caller once)."""
    days = days if days is not None else getattr(settings, "API_TOKEN_DAYS", 30)
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        key_hash=hash_key(key),
        prefix=key[:PREFIX_LENGTH],
        user=user,
        expires_at=timezone.now() + timedelta(days=days),
    )
    audit_record(
        actor=user,
        action="api.token_issue",
        summary=f"签发接口令牌 {token.prefix}…",
        target=token,
        data={"expires_at": token.expires_at.isoformat()},
    )
    return token, key


@transaction.atomic
def token_revoke(*, token: ApiToken, by) -> ApiToken:
    """Revoke ``token`` (idempotent: a revoked token stays revoked at its first revocation time)."""
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit_record(
            actor=by, action="api.token_revoke", summary=f"吊销接口令牌 {token.prefix}…", target=token
        )
    return token


def token_lookup(key: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
