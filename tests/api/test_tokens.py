"""Tokens for phones: issued at login (through axes), hashed at rest, expire, revocable; 401 in one shape."""

from datetime import timedelta

import pytest
from django.test import override_settings
from django.utils import timezone

from api.models import ApiToken
from api.services import hash_key, token_issue, token_revoke
from audit.models import AuditRecord
from tests.api.conftest import PASSWORD

TOKEN_URL = "/api/v1/auth/token/"
ME_URL = "/api/v1/me/"


def _error(response, status, code=None):
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"code", "message", "fields"}
    if code:
        assert body["code"] == code
    return body


def test_login_issues_a_token_shown_once_and_stored_hashed(api, world):
    response = api.post(TOKEN_URL, {"username": "zhangwei", "password": PASSWORD}, format="json")
    assert response.status_code == 201
    key = response.json()["token"]
    token = ApiToken.objects.get(user=world.member_a.user)
    assert token.key_hash == hash_key(key) and key not in token.key_hash
    assert token.prefix == key[:8] == response.json()["prefix"]
    assert timedelta(days=29) < token.expires_at - timezone.now() <= timedelta(days=30)
    assert AuditRecord.objects.filter(action="api.token_issue", target_id=str(token.pk)).exists()

    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    me = api.get(ME_URL)
    assert me.status_code == 200
    assert me.json()["username"] == "zhangwei"
    token.refresh_from_db()
    assert token.last_used is not None


@override_settings(API_TOKEN_DAYS=3)
def test_token_lifetime_comes_from_the_setting(world):
    token, _ = token_issue(user=world.member_a.user)
    assert timedelta(days=2) < token.expires_at - timezone.now() <= timedelta(days=3)


def test_wrong_password_is_400_in_the_error_shape(api, world):
    body = _error(
        api.post(TOKEN_URL, {"username": "zhangwei", "password": "nope"}, format="json"),
        400,
        "invalid_credentials",
    )
    assert body["message"] == "用户名或密码错误"


def test_missing_fields_are_400_with_fields(api, world):
    body = _error(api.post(TOKEN_URL, {"username": "zhangwei"}, format="json"), 400, "invalid")
    assert body["message"] == body["fields"]["password"][0] == "该字段是必填项。"
    body = _error(api.post(TOKEN_URL, {}, format="json"), 400, "invalid")
    assert body["message"] == "提交的数据有误" and set(body["fields"]) == {"username", "password"}


def test_axes_locks_the_api_login_out(api, world):
    for _ in range(5):
        api.post(TOKEN_URL, {"username": "zhangwei", "password": "wrong"}, format="json")
    # Even the right password is refused while locked out, in the API's own shape (not axes' HTML page).
    response = api.post(TOKEN_URL, {"username": "zhangwei", "password": PASSWORD}, format="json")
    body = _error(response, 429, "locked_out")
    assert "锁定" in body["message"]
    assert not ApiToken.objects.exists()


def test_login_is_throttled(api, world):
    # Different usernames: axes never locks, the login throttle (10/min) answers the 11th attempt.
    for n in range(10):
        response = api.post(TOKEN_URL, {"username": f"nobody{n}", "password": "x"}, format="json")
        assert response.status_code == 400
    body = _error(api.post(TOKEN_URL, {"username": "x", "password": "x"}, format="json"), 429, "throttled")
    assert body["message"] == "请求过于频繁，请稍后再试"


def test_forged_x_forwarded_for_does_not_escape_the_throttle(api, world):
    # With no trusted proxy the header is the client's own writing: the throttle counts REMOTE_ADDR.
    for n in range(10):
        response = api.post(
            TOKEN_URL,
            {"username": f"nobody{n}", "password": "x"},
            format="json",
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
        assert response.status_code == 400
    forged = api.post(
        TOKEN_URL, {"username": "x", "password": "x"}, format="json", HTTP_X_FORWARDED_FOR="192.0.2.99"
    )
    _error(forged, 429, "throttled")


def test_behind_the_proxy_the_throttle_counts_the_address_the_proxy_saw(api, world, settings):
    settings.TRUSTED_PROXIES = 1
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}

    def login(n, forwarded_for):
        body = {"username": f"nobody{n}", "password": "x"}
        return api.post(
            TOKEN_URL, body, format="json", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for
        )

    for n in range(10):  # a forged entry on the left changes nothing: nginx appended 203.0.113.9
        assert login(n, f"192.0.2.{n}, 203.0.113.9").status_code == 400
    _error(login(10, "192.0.2.10, 203.0.113.9"), 429, "throttled")
    # Another client through the same proxy has its own count.
    assert login(11, "198.51.100.7").status_code == 400


def test_expired_token_is_401(as_user, world):
    client = as_user(world.member_a.user)
    ApiToken.objects.update(expires_at=timezone.now() - timedelta(seconds=1))
    response = client.get(ME_URL)
    body = _error(response, 401, "authentication_failed")
    assert body["message"] == "未登录或令牌已失效"
    assert response["WWW-Authenticate"] == "Token"


def test_unknown_token_and_no_credentials_are_401(api, world):
    _error(api.get(ME_URL), 401, "not_authenticated")
    api.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    _error(api.get(ME_URL), 401, "authentication_failed")


def test_delete_revokes_the_token_used(as_user, world):
    client = as_user(world.member_a.user)
    other, other_key = token_issue(user=world.member_a.user)
    assert client.delete(TOKEN_URL).status_code == 204
    revoked = ApiToken.objects.exclude(pk=other.pk).get()
    assert revoked.revoked_at is not None
    assert AuditRecord.objects.filter(action="api.token_revoke", target_id=str(revoked.pk)).exists()
    _error(client.get(ME_URL), 401, "authentication_failed")
    # The member's other token (another phone) still works.
    client.credentials(HTTP_AUTHORIZATION=f"Token {other_key}")
    assert client.get(ME_URL).status_code == 200


def test_revoke_is_idempotent(world):
    token, _ = token_issue(user=world.member_a.user)
    first = token_revoke(token=token, by=world.member_a.user).revoked_at
    assert token_revoke(token=token, by=world.member_a.user).revoked_at == first
    assert AuditRecord.objects.filter(action="api.token_revoke").count() == 1


def test_delete_with_a_session_is_400(api, world):
    api.force_login(world.member_a.user)
    _error(api.delete(TOKEN_URL), 400, "not_token_auth")


def test_inactive_user_token_is_401(as_user, world):
    user = world.member_a.user
    client = as_user(user)
    user.is_active = False
    user.save()
    _error(client.get(ME_URL), 401)


@pytest.mark.parametrize("header", ["Token", "Token a b"])
def test_malformed_header_is_401(api, world, header):
    api.credentials(HTTP_AUTHORIZATION=header)
    _error(api.get(ME_URL), 401)


# --- a new password or a disabled account ends the phone's session ----------------------------------


def test_changing_the_password_revokes_api_tokens(as_user, world):
    user = world.member_a.user
    client = as_user(user)
    assert client.get(ME_URL).status_code == 200

    user.set_password("Another-pass-2026")
    user.save()

    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    record = AuditRecord.objects.get(action="api.tokens_revoke_all")
    assert record.reason == "修改密码"
    _error(client.get(ME_URL), 401, "authentication_failed")
    # The new password issues a token that works.
    fresh = _login_token(user.get_username(), "Another-pass-2026")
    assert fresh.status_code == 201


def test_the_password_change_page_revokes_api_tokens(as_user, world, client):
    user = world.member_a.user
    api_client = as_user(user)
    client.force_login(user)
    from django.urls import reverse

    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "Another-pass-2026",
            "new_password2": "Another-pass-2026",
        },
    )
    assert response.status_code == 302
    _error(api_client.get(ME_URL), 401)


def test_deactivating_a_user_revokes_api_tokens(as_user, world):
    user = world.member_a.user
    client = as_user(user)
    as_user(user)  # a second phone

    user.is_active = False
    user.save(update_fields=["is_active"])

    assert ApiToken.objects.filter(user=user).count() == 2
    assert not ApiToken.objects.filter(user=user, revoked_at__isnull=True).exists()
    assert AuditRecord.objects.get(action="api.tokens_revoke_all").reason == "停用账号"
    # Active again, the old tokens stay revoked.
    user.is_active = True
    user.save()
    _error(client.get(ME_URL), 401)


def test_a_login_keeps_the_tokens(as_user, world):
    """Signing in on the web saves last_login only: the phone stays signed in."""
    user = world.member_a.user
    client = as_user(user)
    from django.test import Client

    Client().force_login(user)  # django.contrib.auth.login: user_logged_in saves last_login
    user.refresh_from_db()
    assert user.last_login is not None
    assert client.get(ME_URL).status_code == 200
    assert not AuditRecord.objects.filter(action="api.tokens_revoke_all").exists()


def _login_token(username, password):
    from rest_framework.test import APIClient

    return APIClient().post(TOKEN_URL, {"username": username, "password": password}, format="json")
