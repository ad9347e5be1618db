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


# Why all of a user's tokens were revoked, as the audit record says it.
REVOKED_FOR_PASSWORD = "修改密码"
REVOKED_FOR_DEACTIVATION = "停用账号"


@transaction.atomic
def tokens_revoke_all(*, user, reason: str, by=None) -> int:
    """Revoke every token of ``user`` still unrevoked (a new password or a disabled account must not
    leave a phone logged in for the token's remaining days). One audit record; returns how many."""
    tokens = list(ApiToken.objects.select_for_update().filter(user=user, revoked_at__isnull=True))
    if not tokens:
        return 0
    now = timezone.now()
    ApiToken.objects.filter(pk__in=[t.pk for t in tokens]).update(revoked_at=now)
    audit_record(
        actor=by,
        action="api.tokens_revoke_all",
        summary=f"吊销 {user.get_username()} 的全部接口令牌（{len(tokens)} 个）：{reason}",
        target=user,
        reason=reason,
        data={"tokens": [t.prefix for t in tokens]},
    )
    return len(tokens)


def token_lookup(key: str) -> ApiToken | None:
    return ApiToken.objects.select_related("user").filter(key_hash=hash_key(key)).first()
