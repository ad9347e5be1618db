"""User-facing messages of the accounts domain (Chinese, translatable)."""

from django.utils.translation import gettext_lazy as _

TRANSFER_SAME_BRANCH = _("转入支部与当前支部相同，无需转接。")
TRANSFER_NOT_A_BRANCH = _("党员只能转入党支部，“%(name)s”不是党支部。")
TRANSFER_BEFORE_CURRENT = _("转接日期不能早于当前组织关系的转入日期（%(start)s）。")
MEMBER_BRANCH_REQUIRED = _("党员必须属于一个党支部。")
ROLE_UNTIL_BEFORE_FROM = _("任职结束日期不能早于开始日期。")
RANKINGS_SWITCH_NOT_ALLOWED = _(
    "您没有设置“%(name)s”党员端排名显示的权限（需在该组织或其上级管理积分细则）。"
)
OWN_POINTS = _("不能办理涉及本人积分的事项（%(action)s）：请由支部其他负责同志或上级党委办理。")
# Uploaded spreadsheets (名册, 签到表) too big to read safely; the other file-level messages are in
# ``accounts.spreadsheets``.
FILE_XLSX_UNPACKS_TOO_BIG = _(
    "该 Excel 文件解压后超过 %(limit)s，系统不予读取。请只保留需要导入的工作表和数据行，另存为新文件后上传。"
)
FILE_XLSX_ODD_COMPRESSION = _(
    "该 Excel 文件的压缩比异常（内容大量重复），系统不予读取。"
    "请把需要导入的数据复制到新建的 Excel 文件后上传。"
)
SHEET_TOO_MANY_ROWS = _("表格超过 %(limit)s 行，系统不予读取。请分成几份文件分别导入。")
