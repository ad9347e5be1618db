"""未选择任务: what a bulk action page says when it is opened without a selection.

viewflow's bulk views answer such a GET with the hard-coded English "No objects selected"; ours say it in
Chinese and go back to the list the selection is made on.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponseRedirect
from django.utils.translation import gettext_lazy as _

NOTHING_SELECTED = _("未选择任何任务，请先在列表中勾选。")


class ChineseNothingSelectedMixin:
    """A bulk action opened by a link (GET) selects nothing: say so in Chinese, back to the list."""

    def get(self, request, *args, **kwargs):
        messages.info(request, NOTHING_SELECTED, fail_silently=True)
        return HttpResponseRedirect(self.get_success_url())
