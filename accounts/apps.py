from django.apps import AppConfig


def _user_display_name(user) -> str:
    """A person is shown by name (姓名), never by login: task owners, 办理记录 and audit summaries read as
    people, and a login such as a phone number or ``clerk`` is neither Chinese nor meant for display."""
    return f"{user.last_name}{user.first_name}".strip() or user.get_username()


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "组织与党员"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model

        get_user_model().__str__ = _user_display_name
