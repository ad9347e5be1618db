"""Configuration of the workflow in the admin: how often each organization's points are reviewed."""

from django.contrib import admin

from accounts.admin import STRUCTURE_PERM, ScopedAdmin, scope
from audit.services import audit_record
from workflows.models import ReviewSettings


@admin.register(ReviewSettings)
class ReviewSettingsAdmin(ScopedAdmin):
    """审定周期设置, set by the higher committee for its organizations; branches below inherit it."""

    scope_perm = STRUCTURE_PERM
    list_display = (
        "organization",
        "tally_kind",
        "period_kind",
        "ranking_kind",
        "annual_review",
        "publicity_days",
        "escalation_days",
        "auto_start",
        "committee_quorum_percent",
        "single_reviewer",
    )
    list_filter = ("period_kind", "ranking_kind", "annual_review", "auto_start", "single_reviewer")

    def has_add_permission(self, request) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_view_permission(request, obj)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "organization" and not request.user.is_superuser:
            kwargs["queryset"] = scope(request, STRUCTURE_PERM).order_by("path")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        audit_record(
            actor=request.user,
            action="review_settings.change" if change else "review_settings.create",
            summary=f"{obj.organization} 审定周期：{obj.get_period_kind_display()}",
            target=obj,
            organization=obj.organization,
            data={
                field: form.cleaned_data.get(field) for field in form.changed_data if field != "organization"
            },
        )
