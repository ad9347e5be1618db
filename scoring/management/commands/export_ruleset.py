"""``manage.py export_ruleset CODE --organization ORG --cycle YEAR [--number N] [--effective]``.

Writes a version's YAML to stdout: the text as edited, or with ``--effective`` the merged, self-contained
rules (the file ``score_simulate`` reads).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from scoring.models import RuleSet
from scoring.selectors import ruleset_export, ruleset_export_effective

NOT_FOUND = "找不到组织“{organization}” {cycle} 年度编码为“{code}”的细则。"
NO_VERSION = "细则“{code}”没有第 {number} 版。"


class Command(BaseCommand):
    help = "把积分细则的某一版本导出为 YAML（默认当前版本）。"

    def add_arguments(self, parser):
        parser.add_argument("code", help="细则编码")
        parser.add_argument("--organization", required=True, help="组织编码")
        parser.add_argument("--cycle", type=int, required=True, help="积分年度")
        parser.add_argument("--number", dest="number", type=int, help="版本号（默认当前版本）")
        parser.add_argument("--effective", action="store_true", help="导出合并上级细则后的完整细则")

    def handle(
        self, *args, code: str, organization: str, cycle: int, number: int | None, effective: bool, **opts
    ):
        ruleset = RuleSet.objects.filter(organization__code=organization, cycle=cycle, code=code).first()
        if ruleset is None:
            raise CommandError(NOT_FOUND.format(organization=organization, cycle=cycle, code=code))
        versions = ruleset.versions.order_by("-number")
        version = versions.filter(number=number).first() if number else versions.first()
        if version is None:
            raise CommandError(NO_VERSION.format(code=code, number=number))
        text = ruleset_export_effective(version) if effective else ruleset_export(version)
        self.stdout.write(text, ending="" if text.endswith("\n") else "\n")
