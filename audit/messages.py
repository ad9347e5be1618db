from django.utils.translation import gettext_lazy as _

APPEND_ONLY_MESSAGE = _("该记录只能追加，不能修改或删除；更正请新增一条冲正记录并注明原因。")
