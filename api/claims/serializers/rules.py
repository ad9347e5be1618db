"""积分细则 as the API shows them: the rule set, its categories and items, read from the scoring core.

Items are the core's ``Item`` values of the version's *effective* rules (a branch's own file merged onto the
unified one it extends), shown with the same wording the claim form uses.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from api.claims.fields import points_field
from api.schema import enum_field
from api.serializers import OrganizationBriefSerializer
from scoring.core.ruleset import EvaluationMode, Item, LimitPer
from scoring.core.ruleset import Evidence as EvidenceRule
from scoring.core.ruleset import Source as ItemSource
from workflows.views.member import item_rules_text, points_text

LIMIT_PER = [(LimitPer.MONTH, "每月"), (LimitPer.QUARTER, "每季度"), (LimitPer.YEAR, "每个积分年度")]
EVIDENCE = [
    (EvidenceRule.REQUIRED, "必须上传"),
    (EvidenceRule.OPTIONAL, "可以上传"),
    (EvidenceRule.NONE, "不需要"),
]
ITEM_SOURCE = [(ItemSource.MEMBER, "党员本人申报"), (ItemSource.BRANCH, "支部登记（组织委员记录）")]
EVALUATION_MODE = [(EvaluationMode.ADDED, "加入总分"), (EvaluationMode.WEIGHTED, "按权重折算")]


class ItemLimitSerializer(serializers.Serializer):
    per = enum_field("ItemLimitPerEnum", LIMIT_PER, help_text="频次限制的区间")
    times = serializers.IntegerField(help_text="区间内最多计分次数")


class RuleItemSerializer(serializers.Serializer):
    """积分项目: how many points, how often, on what proof, and who puts it in."""

    code = serializers.CharField()
    name = serializers.CharField()
    category = serializers.CharField(allow_null=True, help_text="所属类别编码")
    description = serializers.CharField(help_text="细则原文说明")
    points = points_field(allow_null=True, help_text="固定分值（每次）；分值区间项目与一票否决项目为 null")
    is_range = serializers.BooleanField(help_text="是否为分值区间项目（审核时在区间内确定）")
    points_min = points_field(allow_null=True, help_text="分值区间下限；非区间项目为 null")
    points_max = points_field(allow_null=True, help_text="分值区间上限；非区间项目为 null")
    veto = serializers.BooleanField(help_text="一票否决：一经记录，年度积分清零")
    cap = points_field(allow_null=True, help_text="本项目每个积分年度的分值上限（绝对值）")
    limit = ItemLimitSerializer(allow_null=True, help_text="频次限制；没有时为 null")
    evidence = enum_field("ItemEvidenceEnum", EVIDENCE, help_text="证明材料要求")
    source = enum_field("ItemSourceEnum", ITEM_SOURCE, help_text="由谁记录：党员申报或支部登记")
    points_text = serializers.CharField(help_text="分值的中文说明，如“2 分/次”")
    rules_text = serializers.CharField(help_text="上限、频次与材料要求的中文说明；没有时为空字符串")

    def to_representation(self, instance):
        return super().to_representation(item_data(instance) if isinstance(instance, Item) else instance)


def item_data(item: Item) -> dict[str, Any]:
    low, high = item.points_range if item.is_range else (None, None)
    return {
        "code": item.code,
        "name": item.name,
        "category": item.category,
        "description": item.description,
        "points": item.points,
        "is_range": item.is_range,
        "points_min": low,
        "points_max": high,
        "veto": item.veto,
        "cap": item.cap,
        "limit": {"per": item.limit.per, "times": item.limit.times} if item.limit else None,
        "evidence": item.evidence,
        "source": item.source,
        "points_text": points_text(item),
        "rules_text": item_rules_text(item),
    }


class RuleSetCategorySerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    cap = points_field(allow_null=True, help_text="类别分值上限（绝对值）；没有时为 null")
    description = serializers.CharField()


class EvaluationLevelSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="评议等次")
    points = points_field(help_text="该等次的评议分")

    def to_representation(self, instance):
        name, points = instance  # the core keeps levels as (name, points), best first
        return super().to_representation({"name": name, "points": points})


class RuleSetEvaluationSerializer(serializers.Serializer):
    """民主评议: the value of each level and how it enters the total."""

    mode = enum_field("EvaluationModeEnum", EVALUATION_MODE)
    weight = serializers.DecimalField(
        max_digits=4, decimal_places=3, allow_null=True, help_text="评议分权重（按权重折算时）"
    )
    levels = EvaluationLevelSerializer(many=True)


class RuleSetGradeSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="等次")
    min = points_field(allow_null=True, help_text="最低分；null 表示其余")


class RuleSetSerializer(serializers.Serializer):
    """积分细则 in force: who adopted it, for which cycle, in which version."""

    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    cycle = serializers.IntegerField(help_text="积分年度")
    organization = OrganizationBriefSerializer(help_text="制定组织")
    extends = serializers.CharField(
        source="parent.code", allow_null=True, default=None, help_text="继承的上级细则编码"
    )
    version = serializers.IntegerField(source="version_number", help_text="现行版本号")


class RuleSetDetailSerializer(RuleSetSerializer):
    """The rule set with its effective rules: categories, items, evaluation, grades."""

    description = serializers.CharField(source="rules.description")
    cycle_start_month = serializers.IntegerField(source="rules.cycle_start_month", help_text="积分年度起始月")
    base_points = points_field(source="rules.base_points", help_text="基础分")
    floor = points_field(source="rules.floor", allow_null=True, help_text="最低分；null 表示不设下限")
    carry_over = serializers.DecimalField(
        source="rules.carry_over",
        max_digits=4,
        decimal_places=3,
        allow_null=True,
        help_text="上年度积分结转比例；null 表示不结转",
    )
    categories = RuleSetCategorySerializer(source="rules.categories", many=True)
    items = RuleItemSerializer(source="rules.items", many=True)
    evaluation = RuleSetEvaluationSerializer(source="rules.evaluation", allow_null=True, help_text="民主评议")
    grades = RuleSetGradeSerializer(source="rules.grades", many=True)


class ClaimableItemsSerializer(serializers.Serializer):
    """申报积分: the items of the rule set in force for my branch on ``date`` that I may claim myself."""

    date = serializers.DateField(help_text="按该日期生效的细则列出")
    branch = OrganizationBriefSerializer(help_text="我所在的支部")
    ruleset = RuleSetSerializer(allow_null=True, help_text="该日期生效的细则；没有时为 null")
    items = RuleItemSerializer(many=True)
    notice = serializers.CharField(allow_null=True, help_text="没有可申报项目的原因；有项目时为 null")
