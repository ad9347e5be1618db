"""What the batch exports say to people, in Chinese. Tests assert these exact texts."""

from django.utils.translation import gettext_lazy as _

NO_PERMISSION = _("您无权导出“%(organization)s”的积分台账。")
PERIOD_KIND_REFUSED = _("批量导出按季度、半年或年度进行，不支持按月（%(code)s）。")
NOT_RESTARTABLE = _("只有失败或已取消的导出任务可以重新开始。")
NOT_CANCELLABLE = _("只有排队中或生成中的导出任务可以取消。")
NO_BRANCHES = _("“%(organization)s”下没有可导出的支部。")

STEP_QUEUED = _("排队中，等待后台开始生成…")
STEP_PLANNING = _("正在整理要导出的支部和党员（%(number)s/%(count)s）：%(branch)s")
STEP_PART = _("正在生成（%(number)s/%(total)s）：%(name)s")
STEP_ZIPPING = _("正在打包并校验 ZIP 文件…")
STEP_DONE = _("已完成，共 %(total)s 个文件。")
STEP_CANCELLED = _("已取消。")
STEP_REQUEUED = _("后台任务中断，已重新排队，将从中断处继续…")
STEP_RESTARTED = _("已重新排队，已生成的文件不会重复生成…")

PART_UNAVAILABLE = _("“%(name)s”所需的生成功能尚未提供（%(function)s），请联系系统管理员。")
PART_FAILED = _("生成“%(name)s”时出错：%(reason)s")
PART_CRASHED = _("生成“%(name)s”时发生内部错误（%(error)s），请联系系统管理员。")
PART_CHANGED = _("已生成的文件“%(name)s”在打包前被改动，请重新开始，系统会重新生成它。")
ZIP_INVALID = _("打包后的 ZIP 文件校验失败（%(name)s），请重新开始。")
TOO_MANY_ATTEMPTS = _(
    "后台任务已连续中断 %(attempts)s 次（可能是服务器重启或内存不足），已停止。请稍后点击“重新开始”。"
)
ROLE_LOST = _("申请人已无权导出“%(organization)s”的积分台账，任务已停止。")

APPROVED = _("已审定")
DRAFT = _("草稿")
