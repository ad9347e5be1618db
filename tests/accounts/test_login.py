"""Signing in and out, in Chinese: login, password rules and change, lockout after repeated failures
(django-axes), logout; and the site chrome around them speaks Chinese too."""

import fcntl
import re
import tempfile
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils.translation import trans_real

# Every page here is checked for its Chinese, some of which comes from the project's catalogue.
pytestmark = pytest.mark.usefixtures("zh_catalogue")

PASSWORD = "Jifen-test-2026"  # tests.factories.UserFactory
CATALOGUE = settings.BASE_DIR / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


@pytest.fixture(scope="session")
def zh_catalogue():
    """The project's compiled catalogue. A clean checkout has no .mo (build output): compile it
    when it is missing or older than the .po, one worker at a time. Then drop Django's cached
    translations (this worker may have read an older .mo, or none) so the fresh one is read."""
    compiled = CATALOGUE.with_suffix(".mo")
    with open(Path(tempfile.gettempdir()) / "jifen-compilemessages.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not compiled.exists() or compiled.stat().st_mtime < CATALOGUE.stat().st_mtime:
            call_command(
                "compilemessages",
                locale=["zh_Hans"],
                ignore_patterns=[".venv", "var", "node_modules"],
                verbosity=0,
            )
    trans_real._translations = {}
    trans_real._default = None
    trans_real._active = trans_real.Local()
    return compiled


def text(response) -> str:
    """What a reader sees: the page text plus the labels, errors and help that viewflow's form
    fields carry as attributes of their web components."""
    html = response.content.decode()
    attributes = re.findall(r'(?:label|error|help-text)="([^"]*)"', html)
    visible = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", " ".join([visible, *attributes]))


def attempt(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password})


# --- login ---------------------------------------------------------------------------------------


def test_login_page_is_in_chinese(client, db):
    response = client.get(reverse("login"))
    assert response.status_code == 200
    page = text(response)
    assert '<html lang="zh-hans"' in response.content.decode()
    for words in ("党员积分管理", "请使用本人账号登录", "用户名", "密码", "登录"):
        assert words in page


def test_login_with_the_right_password_lands_on_my_page(client, world):
    response = client.post(reverse("login"), {"username": "zhangwei", "password": PASSWORD}, follow=True)
    assert response.request["PATH_INFO"] == reverse("accounts:home:index")
    assert "张伟" in text(response)


def test_login_with_a_wrong_password_says_so_in_chinese(client, world):
    response = attempt(client, "zhangwei", "wrong-password")
    assert response.status_code == 200
    assert "请输入一个正确的" in text(response)
    assert "_auth_user_id" not in client.session


# --- lockout -------------------------------------------------------------------------------------


def test_five_failures_lock_the_account_with_a_chinese_page(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "zhangwei", "wrong-password").status_code == 200
    locked = attempt(client, "zhangwei", "wrong-password")
    assert locked.status_code == 429
    page = text(locked)
    assert "账号已暂时锁定" in page
    assert f"连续 {settings.AXES_FAILURE_LIMIT} 次登录失败" in page
    assert f"请 {int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)} 分钟后再试" in page


def test_a_locked_account_stays_locked_even_with_the_right_password(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhangwei", "wrong-password")
    assert attempt(client, "zhangwei", PASSWORD).status_code == 429
    assert "_auth_user_id" not in client.session


def test_lockout_is_per_account_and_address_not_for_everyone(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, "zhangwei", "wrong-password")
    response = attempt(client, "wangfang", PASSWORD)
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(world.other_member_a.user.pk)


def test_fewer_failures_than_the_limit_then_success_resets_the_count(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, "zhangwei", "wrong-password")
    assert attempt(client, "zhangwei", PASSWORD).status_code == 302
    client.logout()
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert attempt(client, "zhangwei", "wrong-password").status_code == 200


def test_the_admin_login_is_locked_too(client, world):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        response = client.post(reverse("admin:login"), {"username": "lina", "password": "wrong-password"})
    assert response.status_code == 429
    assert client.post(reverse("admin:login"), {"username": "lina", "password": PASSWORD}).status_code == 429


# --- logout --------------------------------------------------------------------------------------


def test_logout_is_a_post_that_ends_the_session_and_returns_to_login(client, world):
    client.force_login(world.member_a.user)
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert "_auth_user_id" not in client.session
    assert client.get(reverse("accounts:home:index")).status_code == 302


def test_logout_by_get_is_refused(client, world):
    client.force_login(world.member_a.user)
    assert client.get(reverse("logout")).status_code == 405
    assert "_auth_user_id" in client.session


# --- password rules and change --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("new_password", "message"),
    [
        ("Ab1-xyz", "密码长度太短。密码必须包含至少 8 个字符。"),
        ("12345678913", "密码只包含数字。"),
        ("password123", "这个密码太常见了。"),
        ("zhangwei2024", "密码跟 用户名 太相似了。"),
    ],
    ids=["too-short", "all-digits", "too-common", "like-username"],
)
def test_password_change_enforces_the_rules_in_chinese(client, world, new_password, message):
    user = world.member_a.user
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 200
    assert message in text(response)
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_needs_the_old_password(client, world):
    client.force_login(world.member_a.user)
    response = client.post(
        reverse("password_change"),
        {"old_password": "not-it", "new_password1": "Hongqi-2026-xyz", "new_password2": "Hongqi-2026-xyz"},
    )
    assert "你的旧密码不正确" in text(response)


def test_password_change_with_a_good_password_works_and_keeps_the_session(client, world):
    user = world.member_a.user
    client.force_login(user)
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "Hongqi-2026-xyz", "new_password2": "Hongqi-2026-xyz"},
        follow=True,
    )
    assert response.request["PATH_INFO"] == reverse("password_change_done")
    assert "密码已修改" in text(response)
    user.refresh_from_db()
    assert user.check_password("Hongqi-2026-xyz")
    assert client.get(reverse("accounts:home:index")).status_code == 200


def test_password_change_page_is_in_chinese(client, world):
    client.force_login(world.member_a.user)
    page = text(client.get(reverse("password_change")))
    for words in ("修改密码", "旧密码", "新密码", "新密码确认"):
        assert words in page


# --- the chrome around it all, in Chinese (viewflow ships no Chinese: locale/ does) ----------------


def test_site_chrome_speaks_chinese(client, world):
    client.force_login(world.clerk_a)
    page = text(client.get(reverse("accounts:member:list")))
    chrome = ("应用", "退出登录", "筛选", "组织与党员", "我的", "党员名册", "组织", "名册导入")
    for words in (*chrome, "第 1–5 条，共 5 条"):
        assert words in page
    for english in ("Applications", "Log out", "Filter", "Django Material", " of 5"):
        assert english not in page


def test_the_workflow_words_are_translated_for_issue_4(world):
    from django.utils import translation

    with translation.override("zh-hans"):
        assert [translation.gettext(w) for w in ("Inbox", "Queue", "Archive", "Assign", "Unassign")] == [
            "待办",
            "待认领",
            "已办",
            "认领",
            "放弃认领",
        ]
        assert translation.pgettext("STATUS", "Done") == "已完成"
        assert translation.gettext("Process #%(pk)s has been canceled.") % {"pk": 7} == "流程 #7 已取消。"


def test_there_is_no_e_mail_password_reset_the_clerk_resets_a_forgotten_password(client):
    assert client.get("/accounts/password_reset/").status_code == 404
    assert "联系本支部组织委员" in client.get("/accounts/login/").content.decode()


# --- lockout per address, and addresses behind the reverse proxy ----------------------------------

PROXY = "10.0.0.2"  # nginx, as gunicorn sees it
VICTIM = "198.51.100.7"
GUESSER = "203.0.113.9"


def test_many_accounts_failed_from_one_address_lock_that_address(client, world):
    # Two tries at each of forty logins: never the account limit, far over the address limit.
    for n in range(40):
        for _ in range(2):
            attempt(client, f"user{n:02d}", "wrong-password")
    assert settings.AXES_ADDRESS_FAILURE_LIMIT < 80
    locked = attempt(client, "zhangwei", PASSWORD)
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert "从您所在网络地址登录失败的次数过多" in text(locked)
    # Another address is not concerned.
    elsewhere = client.post(
        reverse("login"), {"username": "zhangwei", "password": PASSWORD}, REMOTE_ADDR="192.0.2.50"
    )
    assert elsewhere.status_code == 302


def test_a_member_logging_in_does_not_clear_the_addresses_failures(client, world):
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT - 1):
        attempt(client, f"user{n:02d}", "wrong-password")
    assert attempt(client, "wangfang", PASSWORD).status_code == 302
    client.logout()
    attempt(client, "user99", "wrong-password")
    assert attempt(client, "zhangwei", PASSWORD).status_code == 429


def _via_proxy(client, username, password, forwarded_for):
    """A login as nginx passes it on: from the proxy's address, the client's appended to the header."""
    return client.post(
        reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=PROXY,
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )


def test_a_forged_address_cannot_lock_out_another_account(client, world, settings):
    settings.TRUSTED_PROXIES = 1
    # The guesser writes the victim's address into X-Forwarded-For; nginx appends the real one.
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _via_proxy(client, "zhangwei", "wrong-password", f"{VICTIM}, {GUESSER}")
    assert _via_proxy(client, "zhangwei", PASSWORD, f"{VICTIM}, {GUESSER}").status_code == 429
    # The member, from their own address through the same proxy, still gets in.
    assert _via_proxy(client, "zhangwei", PASSWORD, VICTIM).status_code == 302


def test_a_forged_address_does_not_escape_the_address_limit(client, world, settings):
    settings.TRUSTED_PROXIES = 1
    for n in range(settings.AXES_ADDRESS_FAILURE_LIMIT):
        _via_proxy(client, f"user{n:02d}", "wrong-password", f"192.0.2.{n}, {GUESSER}")
    assert _via_proxy(client, "zhangwei", PASSWORD, f"192.0.2.200, {GUESSER}").status_code == 429
    assert _via_proxy(client, "zhangwei", PASSWORD, VICTIM).status_code == 302


def test_without_a_trusted_proxy_the_header_is_ignored(client, world):
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(
            reverse("login"),
            {"username": "zhangwei", "password": "wrong-password"},
            HTTP_X_FORWARDED_FOR=f"192.0.2.{n}",
        )
    assert attempt(client, "zhangwei", PASSWORD).status_code == 429
