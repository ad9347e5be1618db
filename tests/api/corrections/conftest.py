"""The scores resources' quarter (branch A's Q1 approved, a Q2 entry of 张伟 pending; branch B's Q1 in
publicity), for the correction and reopening resources."""

from tests.api.scores.conftest import _flow_urls, both, claims_q1, march, quarter  # noqa: F401
