"""``manage.py load_presets [--organization CODE] [--cycle YEAR] [--in-force CODE]``.

Loads every preset of ``scoring/presets/*.yaml`` as a rule set of the organization for the cycle. Running
it again creates nothing when a preset's text is unchanged, and a new version when it changed.
"""

from __future__ import annotations

from collections.abc import Iterable

import yaml
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from accounts.models import Organization
from scoring.core.presets import preset_codes, preset_path
from scoring.models import RuleSet
from scoring.services import ruleset_create, ruleset_revise, ruleset_set_in_force

NO_SUCH_ORGANIZATION = "找不到组织编码为“{code}”的组织。"
NOT_ONE_ROOT = "系统中有 {count} 个顶层组织，请用 --organization 指定要载入的组织。"
NOT_A_PRESET = "--in-force：“{code}”不是预置细则（可选：{codes}）。"
PRESET_INVALID = "预置细则 {code} 无法载入：{errors}"
SUMMARY = "{organization} {cycle} 年度：新建 {created} 套，更新 {revised} 套，未变 {unchanged} 套。"
NOTE = "载入预置细则 {file}"


class Command(BaseCommand):
    help = "把 scoring/presets/ 下的全部预置积分细则载入数据库（重复执行不会重复创建）。"

    def add_arguments(self, parser):
        parser.add_argument("--organization", help="组织编码（默认：唯一的顶层组织）")
        parser.add_argument("--cycle", type=int, help="积分年度（默认：今年）")
        parser.add_argument("--in-force", dest="in_force", help="载入后设为现行细则的预置细则编码")

    def handle(self, *args, organization: str | None, cycle: int | None, in_force: str | None, **options):
        org = _organization(organization)
        cycle = cycle or timezone.localdate().year
        if in_force and in_force not in preset_codes():
            raise CommandError(NOT_A_PRESET.format(code=in_force, codes="、".join(preset_codes())))
        counts = {"created": 0, "revised": 0, "unchanged": 0}
        with transaction.atomic():
            for code in _parents_first(preset_codes()):
                counts[_load(org, cycle, code)] += 1
            if in_force:
                ruleset = RuleSet.objects.get(organization=org, cycle=cycle, code=in_force)
                ruleset_set_in_force(
                    ruleset=ruleset, in_force=True, by=None, reason="load_presets --in-force"
                )
        self.stdout.write(SUMMARY.format(organization=org.name, cycle=cycle, **counts))


def _organization(code: str | None) -> Organization:
    if code:
        try:
            return Organization.objects.get(code=code)
        except Organization.DoesNotExist:
            raise CommandError(NO_SUCH_ORGANIZATION.format(code=code)) from None
    roots = list(Organization.objects.get_root_nodes()[:2])
    if len(roots) != 1:
        raise CommandError(NOT_ONE_ROOT.format(count=Organization.objects.get_root_nodes().count()))
    return roots[0]


def _extends(code: str) -> str | None:
    data = yaml.safe_load(preset_path(code).read_text(encoding="utf-8"))
    return data.get("extends") if isinstance(data, dict) else None


def _parents_first(codes: Iterable[str]) -> list[str]:
    """A preset that extends another is loaded after it, so that its parent is found in the database."""
    pending = {code: _extends(code) for code in codes}
    ordered: list[str] = []
    while pending:
        ready = sorted(code for code, parent in pending.items() if parent not in pending)
        if not ready:  # a cycle of extends: let the service report it
            ready = sorted(pending)
        for code in ready:
            ordered.append(code)
            del pending[code]
    return ordered


def _load(org: Organization, cycle: int, code: str) -> str:
    path = preset_path(code)
    text = path.read_text(encoding="utf-8")
    note = NOTE.format(file=path.name)
    existing = RuleSet.objects.filter(organization=org, cycle=cycle, code=code).first()
    try:
        if existing is None:
            ruleset_create(
                organization=org, cycle=cycle, text=text, by=None, note=note, source_name=path.name
            )
            return "created"
        before = existing.current_version
        after = ruleset_revise(ruleset=existing, text=text, by=None, note=note, source_name=path.name)
    except ValidationError as exc:
        raise CommandError(PRESET_INVALID.format(code=code, errors="；".join(exc.messages))) from None
    return "unchanged" if before is not None and after.pk == before.pk else "revised"
