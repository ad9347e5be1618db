from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "报表与打印"

    def ready(self) -> None:
        from reports import checks  # noqa: F401  (registers the PDF readiness check)
