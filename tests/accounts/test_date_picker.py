"""A date a form already knows shows in the phone's date picker (ISO), not as an empty field."""

import datetime

from django.utils import translation

from accounts.widgets import DatePicker
from workflows.forms import ReviseClaimForm


def test_a_known_date_reaches_the_date_picker_in_the_only_form_browsers_accept():
    with translation.override("zh-hans"):
        html = DatePicker().render("occurred_on", datetime.date(2026, 3, 20))
    assert 'type="date"' in html and 'value="2026-03-20"' in html


def test_a_returned_claim_opens_for_revision_with_its_date_filled_in():
    form = ReviseClaimForm(initial={"occurred_on": datetime.date(2026, 11, 20)}, items=[])
    with translation.override("zh-hans"):
        assert 'value="2026-11-20"' in str(form["occurred_on"])
