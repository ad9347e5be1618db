"""Filters of the proposals list (django-filter): they narrow the scoped queryset, never widen it."""

from __future__ import annotations

from django_filters import rest_framework as filters

from api.claims.filters import cycle_filter
from scoring.models import RuleProposal


class RuleProposalFilter(filters.FilterSet):
    branch = filters.CharFilter(field_name="organization__code", label="支部编码")
    status = filters.ChoiceFilter(choices=RuleProposal.Status.choices, label="状态")
    cycle = cycle_filter()

    class Meta:
        model = RuleProposal
        fields = ["branch", "status", "cycle"]
