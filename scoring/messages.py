"""User-facing messages of the scoring domain (Chinese, translatable)."""

from django.utils.translation import gettext_lazy as _

# Rule sets
RULESET_FIELD_ERROR = _("%(path)s：%(message)s")
RULESET_AT_LINE = _("第 %(line)s 行 %(message)s")
RULESET_CODE_CHANGED = _("code：细则编码不能修改（原为“%(old)s”，现为“%(new)s”）；如需新细则请另行新建。")
RULESET_CODE_TAKEN = _("code：%(organization)s %(cycle)s 年度已有编码为“%(code)s”的细则。")
RULESET_PARENT_NOT_FOUND = _(
    "extends：在本组织及上级组织 %(cycle)s 年度的细则中找不到编码为“%(code)s”的细则。"
)
RULESET_EXTENDS_CYCLE = _("extends：细则不能直接或间接继承自身。")
RULESET_REBASED_NOTE = _("上级细则“%(parent)s”更新为第 %(number)s 版，本细则随之更新。")
RULESET_CHILD_BROKEN = _("上级细则修改后，继承它的细则“%(child)s”（%(organization)s）不再有效：%(errors)s")
RULESET_ITEM_IN_USE = _("items：项目 %(items)s 已有台账记录，不能从细则中删除。")
RULESET_UPLOAD_NOT_UTF8 = _("上传的文件不是 UTF-8 编码的文本文件。")
RULESET_UPLOAD_TOO_LARGE = _("上传的文件过大（不能超过 1 MB）。")
RULESET_TEXT_REQUIRED = _("请填写细则内容，或上传细则文件。")
RULESET_NO_VERSION = _("该细则尚无任何版本。")
RULESET_IN_FORCE_NEEDS_VERSION = _("尚无版本的细则不能设为现行细则。")

# Ledger
LEDGER_MEMBER_EXEMPT = _("%(member)s 已经批准免于积分，不能记分。")
LEDGER_NO_BRANCH_ON_DATE = _("%(date)s 时 %(member)s 不在任何党支部，无法记分。")
LEDGER_NO_RULESET = _("%(branch)s 在 %(date)s 没有现行的积分细则。")
LEDGER_VERSION_NOT_FOR_BRANCH = _("细则“%(ruleset)s”不适用于 %(branch)s。")
LEDGER_REVERSAL_VIA_SERVICE = _("冲正记录只能通过冲正操作生成。")
LEDGER_REASON_REQUIRED = _("冲正或更正必须注明原因。")
LEDGER_ALREADY_REVERSED = _("该记录已被冲正，不能重复冲正。")
LEDGER_CANNOT_REVERSE_REVERSAL = _("冲正记录本身不能再冲正；如需恢复，请重新登记一条记录。")
LEDGER_IMPORT_NOT_ALLOWED = _("您无权向%(branch)s的台账导入记录。")
LEDGER_POINTS_INVALID = _("分值须为绝对值小于 100000、最多两位小数的数。")

# Scores
SCORES_NO_RULESET = _("%(branch)s %(cycle)s 年度没有现行的积分细则。")
SCORES_ITEMS_UNKNOWN = _("台账中的积分项目 %(items)s 不在细则“%(ruleset)s”中，无法计算积分。")

# Admin
ADMIN_REVERSE_DONE = _("已提出 %(count)d 件台账更正，待支委会决定；决定同意后方以冲正记录抵销原记录。")
ADMIN_REVERSE_NOT_ALLOWED = _("您无权对%(branch)s的台账记录提出更正。")
ADMIN_REVERSE_FAILED = _("未能提出更正（记录 %(entry)s）：%(error)s")
ADMIN_VERSION_SAVED = _("已保存为第 %(number)d 版。")
ADMIN_VERSION_UNCHANGED = _("细则内容未变，未生成新版本。")

# Branch rule proposals (自主设定项目)
PROPOSAL_NOT_ALLOWED = _("只有支部书记（支委会）可以提出本支部的细则，由上级党委审批。")
PROPOSAL_NOT_LOCAL = _("本支部细则须以 extends 继承上级细则，只写本支部增加或细化的项目。")
PROPOSAL_NOT_A_BRANCH = _("只有党支部可以提出自主设定项目。")
PROPOSAL_DATE_OUTSIDE = _("生效日期应在 %(first)s 至 %(last)s 之间（本积分年度内，且不早于今天）。")
PROPOSAL_PENDING = _("本支部已有一份待审批的细则申请，请等审批后再提出。")
PROPOSAL_NOT_OPEN = _("该申请当前状态为“%(status)s”，不能进行此操作。")
PROPOSAL_REASON_REQUIRED = _("退回必须说明原因。")
PROPOSAL_OWN = _("不能审批自己提出的细则申请。")
