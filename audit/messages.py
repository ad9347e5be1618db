from django.utils.translation import gettext_lazy as _

APPEND_ONLY_MESSAGE = _("该记录只能追加，不能修改或删除；更正请新增一条冲正记录并注明原因。")

# verify_ledger: what it reports, in Chinese and English (the output is read by operators and by CI logs).
CHAIN_ROW_ALTERED = _(
    "%(table)s #%(pk)s：内容与其哈希不符，该记录被改动过。"
    " (content does not match its hash: the row was altered)"
)
CHAIN_ROW_MISSING = _(
    "%(table)s #%(pk)s：与链上前一条记录的哈希接不上，其前的记录被删除或改动过。"
    " (does not follow the hash of the row before it: a row before it was deleted or altered)"
)
CHAIN_CLEAN = _(
    "%(table)s：%(rows)s 条记录，%(chains)s 条链，完整。 (%(rows)s rows in %(chains)s chains: intact)"
)
FROZEN_SCORE_DIFFERS = _(
    "workflows_frozenscore #%(pk)s（%(member)s，%(period)s 第%(round)s次审定）：审定积分 本期 %(frozen)s、"
    "年度累计 %(frozen_cycle)s，按审定时的台账重算为 %(ledger)s、%(ledger_cycle)s。"
    " (the approved score differs from the ledger as it stood at approval)"
)
FROZEN_CLEAN = _(
    "workflows_frozenscore：%(approvals)s 次审定的 %(scores)s 个审定积分与台账相符。"
    " (%(scores)s approved scores of %(approvals)s approvals agree with the ledger)"
)
VERIFY_BROKEN = _("完整性校验未通过：%(count)s 处问题。 (verification failed: %(count)s problems)")
VERIFY_CLEAN = _("完整性校验通过。 (clean)")
