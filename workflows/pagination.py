"""A paginator for the daily lists that never counts the whole list (分页不计总数).

Django's paginator runs ``COUNT(*)`` over every matching row to number the pages; on a province's
million tasks that count costs more than the page itself. This one reads one row more than a page to
know whether there is a next page ("更多"), so a page costs the same whatever the list's length.
"""

from __future__ import annotations

from django.core.paginator import EmptyPage, Page, PageNotAnInteger, Paginator
from django.utils.translation import gettext_lazy as _


class UncountedPage(Page):
    """A page that knows whether another follows, not how many."""

    def __init__(self, object_list, number: int, paginator: UncountedPaginator, more: bool):
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def next_page_number(self) -> int:
        if not self.more:
            raise EmptyPage(_("没有更多了"))
        return self.number + 1

    def start_index(self) -> int:
        if not self.object_list:
            return 0
        return (self.number - 1) * self.paginator.per_page + 1

    def end_index(self) -> int:
        return self.start_index() + len(self.object_list) - 1 if self.object_list else 0


class UncountedPaginator(Paginator):
    """``page(n)`` reads rows ``[(n-1)·size, n·size]`` — one more than shown — and nothing else.

    ``count`` and ``num_pages`` are unknown (``None``): templates show "更多" instead of a page count."""

    @property
    def count(self):  # type: ignore[override]
        return None

    @property
    def num_pages(self):  # type: ignore[override]
        return None

    def validate_number(self, number) -> int:
        try:
            number = int(number)
        except (TypeError, ValueError):
            raise PageNotAnInteger(_("页码须为整数")) from None
        if number < 1:
            raise EmptyPage(_("页码须大于 0"))
        return number

    def page(self, number) -> UncountedPage:
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom : bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(_("该页没有内容"))
        return UncountedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)
