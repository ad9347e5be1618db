"""Filters of pages and printed forms: points as members read them (12, 0.5, -1; +2 for an entry)."""

from decimal import Decimal, InvalidOperation

from django import template

from reports.documents.layout import chinese_date
from scoring.core.ruleset import fmt, fmt_signed

register = template.Library()


@register.filter
def pts(value: Decimal | None) -> str:
    """Points as pages and forms write them: 12, 0.5, -1, 106.95; empty for none."""
    number = _number(value)
    return str(value or "") if number is None else fmt(number)


@register.filter
def signed(value: Decimal | None) -> str:
    """An entry's points with their sign: +2, -0.5, 0; empty for none."""
    number = _number(value)
    return str(value or "") if number is None else fmt_signed(number)


def _number(value) -> Decimal | None:
    """The value as a Decimal; None for none or for text that is no number (shown as it is: a filter on a
    page fails quietly, as Django's own do)."""
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


@register.filter
def cndate(value) -> str:
    """2027年1月15日 (a datetime in local time), as the forms write dates."""
    return chinese_date(value)
