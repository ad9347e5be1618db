"""A changed password or a deactivated account revokes the user's API tokens.

Hooked on the user's save rather than on each screen that changes a password (the password-change page,
the admin's user and password forms, ``manage.py changepassword``, a service calling ``set_password``):
every one of them ends in ``user.save()``. ``pre_save`` compares with the stored row — only when the
save may touch ``password`` or ``is_active`` (``update_last_login`` saves ``last_login`` alone) — and
``post_save`` revokes, in the save's transaction.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models.signals import post_save, pre_save

from api.services import REVOKED_FOR_DEACTIVATION, REVOKED_FOR_PASSWORD, tokens_revoke_all

WATCHED = {"password", "is_active"}


def note_credential_change(sender, instance, update_fields=None, **kwargs) -> None:
    instance._jifen_tokens_revoked_for = None
    if instance._state.adding or instance.pk is None:
        return
    if update_fields is not None and not WATCHED & set(update_fields):
        return
    stored = sender._base_manager.filter(pk=instance.pk).values("password", "is_active").first()
    if stored is None:
        return
    if stored["is_active"] and not instance.is_active:
        instance._jifen_tokens_revoked_for = REVOKED_FOR_DEACTIVATION
    elif stored["password"] != instance.password:
        instance._jifen_tokens_revoked_for = REVOKED_FOR_PASSWORD


def revoke_tokens_on_credential_change(sender, instance, created=False, **kwargs) -> None:
    reason = getattr(instance, "_jifen_tokens_revoked_for", None)
    if reason:
        instance._jifen_tokens_revoked_for = None
        tokens_revoke_all(user=instance, reason=reason)


def connect() -> None:
    user_model = get_user_model()
    pre_save.connect(note_credential_change, sender=user_model, dispatch_uid="api.tokens.note")
    post_save.connect(revoke_tokens_on_credential_change, sender=user_model, dispatch_uid="api.tokens.revoke")
