"""Flow nodes as the project draws them: viewflow's own, with Chinese captions on the process diagram."""

from django.utils.translation import gettext_lazy as _
from viewflow.workflow import flow
from viewflow.workflow.base import Edge


class If(flow.If):
    """条件分支: viewflow's ``If``, its diagram edges captioned 是 / 否 instead of ``yes`` / ``no``."""

    def _outgoing(self):
        yield Edge(src=self, dst=self._on_true, edge_class="cond_true", label=str(_("是")))
        yield Edge(src=self, dst=self._on_false, edge_class="cond_false", label=str(_("否")))
