from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "积分流程"
    default_auto_field = "django.db.models.BigAutoField"
