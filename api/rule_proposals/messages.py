"""The rule-proposal API's own messages (Chinese, translatable) — refusals of a request's shape or of who
may send it; the rules' refusals are the services' (``scoring.messages``)."""

from django.utils.translation import gettext_lazy as _

NOT_THE_PROPOSER = _("只有提出该申请的支部书记本人才能修改后重新提交。")
