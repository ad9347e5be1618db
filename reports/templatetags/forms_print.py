"""Filters of the printed forms: points as the paper writes them (12, 0.5, -1; +2 for an entry)."""

from decimal import Decimal

from django import template

from reports.documents.layout import chinese_date, points, signed_points

register = template.Library()


@register.filter
def pts(value: Decimal | None) -> str:
    return points(value)


@register.filter
def signed(value: Decimal | None) -> str:
    return "" if value is None else signed_points(value)


@register.filter
def cndate(value) -> str:
    """2027年1月15日 (a datetime in local time), as the forms write dates."""
    return chinese_date(value)
