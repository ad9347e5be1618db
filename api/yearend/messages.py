"""The year-end API's own messages (Chinese, translatable) — refusals of a request's shape; the rules'
refusals are the services' (``yearend.messages``)."""

from django.utils.translation import gettext_lazy as _

DUPLICATE_MEMBER = _("同一名党员（id %(id)s）只能出现一次。")
EVALUATION_NOT_POSTED = _("尚未公示：支委会评定后才有公示名单。")
ANNUAL_NOT_POSTED = _("尚未公示：支委会评定等次后才有公示名单。")
CYCLE_REQUIRED = _("请指定积分年度（cycle），如 2026。")
LEVEL_TOO_LONG = _("“%(level)s…”不是评议等次。")
