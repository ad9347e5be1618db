"""本支部细则 (``/clerk/<branch>/rules/``): the rules in force for the branch — inherited and its own — the
branch committee's proposals, and the form to propose its local version; and the two task pages of the
proposal's process (上级党委审批, 修改细则)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ValidationError
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views import generic

from accounts import access
from accounts.models import Organization
from accounts.widgets import DatePicker
from scoring import proposals
from scoring.core.ruleset import fmt
from scoring.models import RuleProposal
from scoring.selectors import effective_ruleset, ruleset_in_force, ruleset_version_current
from workflows.views.clerk import get_branch_for_user
from workflows.views.tasks import TaskFormView, add_service_errors

STARTER = """\
# 本支部自主设定项目：继承上级统一细则（extends），只写本支部增加或细化的项目。
code: {code}
name: {name}
extends: {parent}
items:
  - code: my-item
    name: 项目名称
    category: {category}
    points: 1
    cap: 5
    evidence: required
    source: member
    description: 说明何时记分、以什么为证明。
"""


class ProposalForm(forms.Form):
    source = forms.CharField(
        label=_("本支部细则（YAML）"),
        # The rule set's source (its keys are the YAML schema's): marked as not to be translated.
        widget=forms.Textarea(
            attrs={"rows": 18, "spellcheck": "false", "translate": "no", "style": "font-family: monospace"}
        ),
    )
    effective_from = forms.DateField(label=_("生效日期"), widget=DatePicker())
    note = forms.CharField(
        label=_("说明"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        help_text=_("支委会研究情况和理由"),
    )


def rules_summary(rules) -> list[dict]:
    """The items of effective rules, in a table a member can read."""
    categories = {category.code: category.name for category in rules.categories}
    rows = []
    for item in rules.items:
        if item.points_range is not None:
            points = f"{fmt(item.points_range[0])}～{fmt(item.points_range[1])}"
        elif item.points is not None:
            points = fmt(item.points)
        else:
            points = "一票否决"
        rows.append(
            {
                "code": item.code,
                "name": item.name,
                "category": categories.get(item.category or "", ""),
                "points": points,
                "cap": fmt(item.cap) if item.cap is not None else "",
                "veto": item.veto,
            }
        )
    return rows


class BranchRulesView(LoginRequiredMixin, generic.FormView):
    """The branch's rules in force and its proposals; the secretary proposes the branch's own."""

    template_name = "workflows/clerk/rules.html"
    form_class = ProposalForm

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            self.branch = get_branch_for_user(request.user, kwargs["pk"])
            self.cycle = int(request.GET.get("cycle") or timezone.localdate().year)
        return super().dispatch(request, *args, **kwargs)

    def in_force(self):
        ruleset = ruleset_in_force(self.branch, self.cycle)
        return ruleset, (effective_ruleset(ruleset_version_current(ruleset)) if ruleset else None)

    def get_initial(self):
        ruleset, rules = self.in_force()
        if ruleset is None:
            return {}
        if ruleset.organization_id == self.branch.pk:
            text = ruleset_version_current(ruleset).source
        else:
            category = rules.categories[-1].code if rules.categories else ""
            text = STARTER.format(
                code=f"{self.branch.code.lower()}-{self.cycle}".replace("_", "-"),
                name=f"{self.branch.name}积分细则（{rules.name} + 自主设定项目）",
                parent=rules.code,
                category=category,
            )
        return {"source": text, "effective_from": timezone.localdate()}

    def get_context_data(self, **kwargs):
        ruleset, rules = self.in_force()
        return super().get_context_data(
            **kwargs,
            branch=self.branch,
            cycle=self.cycle,
            ruleset=ruleset,
            rules=rules,
            items=rules_summary(rules) if rules else [],
            proposals=RuleProposal.objects.filter(organization=self.branch).select_related(
                "proposed_by__member", "decided_by__member"
            )[:20],
            may_propose=access.may(self.request.user, "approve_period", self.branch),
        )

    def form_valid(self, form):
        try:
            proposals.rule_proposal_submit(
                branch=self.branch,
                cycle=self.cycle,
                text=form.cleaned_data["source"],
                effective_from=form.cleaned_data["effective_from"],
                note=form.cleaned_data["note"],
                by=self.request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
            return self.form_invalid(form)
        messages.success(self.request, gettext("已提交上级党委审批。"))
        return redirect("clerk:rules", pk=self.branch.pk)


class ProposalTaskMixin:
    def proposal(self) -> RuleProposal:
        return self.request.activation.process.rule_proposal

    def get_context_data(self, **kwargs):
        proposal = self.proposal()
        merged, errors = None, []
        try:
            proposals.proposal_check(branch=proposal.organization, cycle=proposal.cycle, text=proposal.source)
            from scoring.services import ruleset_parse

            merged = ruleset_parse(
                organization=proposal.organization, cycle=proposal.cycle, text=proposal.source
            )
        except ValidationError as error:
            errors = error.messages
        above = Organization.objects.get_parent(proposal.organization) or proposal.organization
        inherited = ruleset_in_force(above, proposal.cycle)
        known = set()
        if inherited is not None:
            known = {item.code for item in effective_ruleset(ruleset_version_current(inherited)).items}
        items = rules_summary(merged.effective) if merged else []
        for row in items:
            row["new"] = row["code"] not in known
        return super().get_context_data(proposal=proposal, items=items, check_errors=errors, **kwargs)


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批意见"),
        choices=[("approve", _("同意，按生效日期施行")), ("return", _("退回修改"))],
        widget=forms.RadioSelect,
        initial="approve",
    )
    reason = forms.CharField(
        label=_("意见 / 退回原因"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )


class DecideRuleProposalView(ProposalTaskMixin, TaskFormView):
    form_class = DecisionForm
    template_name = "workflows/task_rule_proposal.html"

    def perform(self, data):
        proposals.rule_proposal_decide(
            proposal=self.proposal(),
            by=self.request.user,
            approve=data["decision"] == "approve",
            reason=data["reason"],
            activation=self.request.activation,
        )


class ReviseRuleProposalView(ProposalTaskMixin, TaskFormView):
    form_class = ProposalForm
    template_name = "workflows/task_rule_proposal.html"

    def get_initial(self):
        proposal = self.proposal()
        return {"source": proposal.source, "effective_from": proposal.effective_from, "note": proposal.note}

    def perform(self, data):
        proposals.rule_proposal_resubmit(
            proposal=self.proposal(),
            text=data["source"],
            effective_from=data["effective_from"],
            note=data["note"],
            by=self.request.user,
            activation=self.request.activation,
        )
