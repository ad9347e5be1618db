"""Query and body parameters shared by the scores, ledger and periods resources."""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework import status

from api.errors import ApiError
from scoring.core.periods import Period, parse_period

PERIOD_REQUIRED = "请指定周期（period），如 2026-Q1"
PERIOD_HELP = (
    "周期代码：2026（年度）、2026-H1（半年）、2026-Q3（季度）、2026-M07（月）。"
    "序号在积分周期内计数：周期自 12 月起始时，2026-Q1 为上年 12 月至 2 月。"
)

ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="id")
PERIOD_PARAMETER = OpenApiParameter(
    "period", OpenApiTypes.STR, OpenApiParameter.QUERY, required=True, description=PERIOD_HELP
)


def invalid(field: str, message: str) -> ApiError:
    """400 in the API's error shape, the message on the field it concerns."""
    return ApiError(
        message, code="invalid", status_code=status.HTTP_400_BAD_REQUEST, fields={field: [message]}
    )


def period_param(code: str | None, field: str = "period") -> Period:
    """The period named by ``code``; 400 with the core's Chinese message when it names none."""
    if not code:
        raise invalid(field, PERIOD_REQUIRED)
    try:
        return parse_period(code)
    except ValueError as error:
        raise invalid(field, str(error)) from None
