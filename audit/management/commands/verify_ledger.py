"""manage.py verify_ledger — is the record intact?

Walks the hash chains of the audit trail (审计记录) and the ledger (积分台账), recomputing every row's
hash, and recomputes every 审定积分 from the ledger as it stood at its approval. Prints the first break
of each broken chain and every frozen score that differs (table and id, in Chinese and English) and
exits 1; exits 0 with the counts and the chains' heads when all is intact. The heads, kept somewhere
else (a log, the 备案 papers), show later whether rows were cut off the end of a chain.
"""

from django.core.management.base import BaseCommand, CommandError

from audit import messages
from audit.chain import verify_chain
from audit.models import AuditRecord
from scoring.models import LedgerEntry
from workflows.integrity import FrozenReport, frozen_score_breaks


class Command(BaseCommand):
    help = (
        "校验审计记录与积分台账的哈希链，并按台账重算审定积分"
        " (verify the audit and ledger chains and the frozen scores)"
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--heads", action="store_true", help="列出每条链的最后哈希 (print the head hash of every chain)"
        )
        parser.add_argument(
            "--no-scores", action="store_true", help="不重算审定积分 (skip the frozen scores)"
        )

    def handle(self, *args, heads: bool = False, no_scores: bool = False, **options):
        breaks = []
        for model in (AuditRecord, LedgerEntry):
            report = verify_chain(model)
            breaks += report.breaks
            if not report.breaks:
                self.stdout.write(
                    str(
                        messages.CHAIN_CLEAN
                        % {"table": report.table, "rows": report.rows, "chains": len(report.heads)}
                    )
                )
            if heads:
                for key, head in sorted(report.heads.items(), key=lambda item: item[0] or 0):
                    self.stdout.write(f"  {report.table} chain {key if key is not None else '-'}: {head}")
        if not no_scores:
            frozen = FrozenReport()
            differing = list(frozen_score_breaks(frozen))
            breaks += differing
            if not differing:
                self.stdout.write(
                    str(messages.FROZEN_CLEAN % {"approvals": frozen.approvals, "scores": frozen.scores})
                )
        for found in breaks:
            self.stderr.write(found.message)
        if breaks:
            raise CommandError(str(messages.VERIFY_BROKEN % {"count": len(breaks)}), returncode=1)
        self.stdout.write(str(messages.VERIFY_CLEAN))
