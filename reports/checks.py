"""A system check, so ``manage.py check``, ``migrate`` and ``runserver`` say when PDFs cannot be made."""

from django.core.checks import Warning, register

from reports.readiness import APT_HINT, pdf_problems


@register()
def pdf_prerequisites(app_configs, **kwargs) -> list[Warning]:
    return [Warning(problem, hint=APT_HINT, id="reports.W001") for problem in pdf_problems()]
