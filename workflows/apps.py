from django.apps import AppConfig


class WorkflowsConfig(AppConfig):
    name = "workflows"
    verbose_name = "积分流程"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The demo seed lives in accounts, below this app: workflows adds its steps to it rather than
        # accounts importing workflows. Guarded, so a second ready() does not seed twice.
        from accounts.demo import SEED_STEPS
        from workflows.demo import DEMO_STEPS

        SEED_STEPS.extend(step for step in DEMO_STEPS if step not in SEED_STEPS)
