"""``manage.py import_ruleset FILE.yaml --organization CODE --cycle YEAR [--note TEXT] [--in-force]``.

A new rule set from the file, or a new version of the organization's rule set with the file's code.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from accounts.models import Organization
from scoring.core.ruleset_file import RuleSetError, load_yaml_mapping
from scoring.models import RuleSet
from scoring.services import ruleset_create, ruleset_revise, ruleset_set_in_force

NO_SUCH_ORGANIZATION = "找不到组织编码为“{code}”的组织。"
UNREADABLE = "{path}：无法读取（{error}）"
INVALID = "{path}：{message}"
CREATED = "已新建细则 {ruleset}（第 1 版）。"
REVISED = "细则 {ruleset} 已保存为第 {number} 版。"
UNCHANGED = "细则 {ruleset} 内容未变，未生成新版本（当前第 {number} 版）。"


class Command(BaseCommand):
    help = "从 YAML 文件导入积分细则：新建细则，或为同编码的细则新增一个版本。"

    def add_arguments(self, parser):
        parser.add_argument("file", help="细则文件 .yaml")
        parser.add_argument("--organization", required=True, help="组织编码")
        parser.add_argument("--cycle", type=int, required=True, help="积分年度")
        parser.add_argument("--note", default="", help="修改说明")
        parser.add_argument("--in-force", action="store_true", help="导入后设为现行细则")

    def handle(self, *args, file: str, organization: str, cycle: int, note: str, in_force: bool, **options):
        path = Path(file)
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(UNREADABLE.format(path=file, error=exc)) from None
        org = Organization.objects.filter(code=organization).first()
        if org is None:
            raise CommandError(NO_SUCH_ORGANIZATION.format(code=organization))
        try:
            existing = RuleSet.objects.filter(organization=org, cycle=cycle, code=_code_of(text)).first()
            if existing is None:
                ruleset = ruleset_create(
                    organization=org, cycle=cycle, text=text, by=None, note=note, source_name=path.name
                )
                self.stdout.write(CREATED.format(ruleset=ruleset))
            else:
                ruleset = existing
                before = existing.current_version
                version = ruleset_revise(
                    ruleset=existing, text=text, by=None, note=note, source_name=path.name
                )
                template = UNCHANGED if before is not None and before.pk == version.pk else REVISED
                self.stdout.write(template.format(ruleset=ruleset, number=version.number))
            if in_force:
                ruleset_set_in_force(ruleset=ruleset, in_force=True, by=None, reason=note)
        except ValidationError as exc:
            raise CommandError(
                "\n".join(INVALID.format(path=file, message=m) for m in exc.messages)
            ) from None


def _code_of(text: str) -> str | None:
    try:
        data, _ = load_yaml_mapping(text)
    except RuleSetError:
        return None  # the service reports the file's problems
    code = data.get("code")
    return code if isinstance(code, str) else None
