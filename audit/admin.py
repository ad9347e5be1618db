"""审计记录 in the admin: read-only, and scoped like the roster — a clerk or higher-committee officer
sees the records of the organizations where they hold ``manage_members``."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from accounts.admin import ScopedAdmin, person
from audit.models import AuditRecord


@admin.register(AuditRecord)
class AuditRecordAdmin(ScopedAdmin):
    scope_lookups = ("organization",)  # records of no organization: superusers only
    list_display = ("at", "actor_name", "action", "organization", "summary")
    list_filter = ("action",)
    list_select_related = ("actor__member", "organization")
    search_fields = ("summary",)
    date_hierarchy = "at"
    fields = ("at", "actor_name", "action", "organization", "target", "summary", "reason", "data")
    readonly_fields = fields

    @admin.display(description=_("操作人"), ordering="actor__username")
    def actor_name(self, record: AuditRecord) -> str:
        return person(record.actor) if record.actor_id else _("系统")

    @admin.display(description=_("对象"))
    def target(self, record: AuditRecord) -> str:
        if record.target_type_id is None:
            return ""
        return f"{record.target_type.name} #{record.target_id}"
