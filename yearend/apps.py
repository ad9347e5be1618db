from django.apps import AppConfig


class YearEndConfig(AppConfig):
    """年终: the democratic evaluation (民主评议), the annual review (年度总评) and the grades (等次评定)."""

    name = "yearend"
    verbose_name = "年终评议与等次评定"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # After the quarter's demo steps (this app comes after workflows): last year's year-end and the
        # year now ending need the rules and the people those steps seed.
        from accounts.demo import SEED_STEPS
        from yearend.demo import YEAR_END_STEPS

        SEED_STEPS.extend(step for step in YEAR_END_STEPS if step not in SEED_STEPS)
