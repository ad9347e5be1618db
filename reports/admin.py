"""批量导出任务 in the admin, for system administrators only and read-only: to see which exports are stuck or
failed and why. Everyone else sees their own exports on /reports/jobs/; the files are never served here."""

from django.contrib import admin

from reports.models import ExportJob, ExportJobPart


class ExportJobPartInline(admin.TabularInline):
    model = ExportJobPart
    fields = ("position", "arcname", "sha256", "size", "draft", "generated_at")
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ExportJob)
class ExportJobAdmin(admin.ModelAdmin):
    list_display = ("pk", "user", "organization", "period_code", "status", "parts_done", "total_parts")
    list_display += ("created_at", "heartbeat_at", "attempts")
    list_filter = ("status",)
    list_select_related = ("user", "organization")
    search_fields = ("organization__name", "user__username", "period_code")
    date_hierarchy = "created_at"
    inlines = [ExportJobPartInline]

    def get_readonly_fields(self, request, obj=None):
        return [field.name for field in self.model._meta.fields]

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
