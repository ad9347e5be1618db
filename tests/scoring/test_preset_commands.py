"""load_presets, import_ruleset and export_ruleset."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from scoring.core import parse_ruleset
from scoring.core.presets import load_preset, preset_codes
from scoring.models import RuleSet, RuleSetVersion
from scoring.selectors import effective_ruleset, ruleset_in_force
from tests.scoring.conftest import BRANCH_A_LOCAL, preset_text


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_every_preset_loads_into_the_database_as_the_same_rules(world):
    output = run("load_presets", "--cycle", "2026")
    assert output.strip() == f"某区机关党委 2026 年度：新建 {len(preset_codes())} 套，更新 0 套，未变 0 套。"
    loaded = RuleSet.objects.filter(organization=world.committee, cycle=2026)
    assert sorted(loaded.values_list("code", flat=True)) == preset_codes()
    for ruleset in loaded:
        version = RuleSetVersion.objects.get(pk=ruleset.current_version.pk)
        assert effective_ruleset(version) == load_preset(ruleset.code), ruleset.code


def test_loading_the_presets_twice_creates_nothing_new(world):
    run("load_presets", "--cycle", "2026")
    output = run("load_presets", "--cycle", "2026")
    assert output.strip() == f"某区机关党委 2026 年度：新建 0 套，更新 0 套，未变 {len(preset_codes())} 套。"
    assert RuleSetVersion.objects.count() == len(preset_codes())


def test_presets_load_into_a_chosen_organization_and_one_is_put_in_force(world):
    run("load_presets", "--organization", "C01-G1", "--cycle", "2025", "--in-force", "erqi-2021")
    assert RuleSet.objects.filter(organization=world.general_branch, cycle=2025).count() == len(
        preset_codes()
    )
    assert ruleset_in_force(world.branch_a, 2025).code == "erqi-2021"


def test_load_presets_refuses_an_unknown_organization(world):
    with pytest.raises(CommandError, match="找不到组织编码为“nowhere”的组织。"):
        run("load_presets", "--organization", "nowhere")


def test_a_branch_file_imports_under_the_committee_rules_and_exports_back(world, tmp_path):
    run("load_presets", "--cycle", "2026", "--in-force", "erqi-2021")
    path = tmp_path / "branch-a.yaml"
    path.write_text(BRANCH_A_LOCAL, encoding="utf-8")
    args = ("import_ruleset", str(path), "--organization", "C01-G1-A", "--cycle", "2026")
    assert run(*args, "--in-force").strip() == "已新建细则 第一党支部积分细则（2026）（第 1 版）。"
    assert run(*args).strip() == "细则 第一党支部积分细则（2026） 内容未变，未生成新版本（当前第 1 版）。"
    export = ("export_ruleset", "branch-a-2026", "--organization", "C01-G1-A", "--cycle", "2026")
    assert run(*export) == BRANCH_A_LOCAL
    rules = parse_ruleset(run(*export, "--effective"))
    assert rules.item("snow-clearing") is not None and rules.item("branch-meeting") is not None


def test_import_reports_the_file_errors_in_chinese(world, tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text(preset_text("erqi-2021").replace("cycle_start_month: 1", "cycle_start_month: 13"))
    with pytest.raises(CommandError) as excinfo:
        run("import_ruleset", str(path), "--organization", "C01", "--cycle", "2026")
    assert str(excinfo.value) == f"{path}：第 9 行 cycle_start_month：周期起始月份应为 1 至 12 的整数"
