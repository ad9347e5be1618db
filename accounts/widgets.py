"""Form widgets shared by every app."""

from django import forms


class DatePicker(forms.DateInput):
    """The phone's own date picker (``<input type="date">``). Its value must be ISO (2026-03-20): the
    browser drops any other, so a localized default (2026/03/20 under zh-hans) would show an empty field
    and make a member re-enter a date the form already knew."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%d")
