from django.apps import AppConfig


class YearEndConfig(AppConfig):
    """年终: the democratic evaluation (民主评议), the annual review (年度总评) and the grades (等次评定)."""

    name = "yearend"
    verbose_name = "年终评议与等次评定"
    default_auto_field = "django.db.models.BigAutoField"
