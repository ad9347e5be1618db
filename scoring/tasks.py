"""Celery tasks of the scoring domain. Each calls a service; each is idempotent."""

from celery import shared_task

from scoring import proposals


@shared_task(name="scoring.tasks.rule_proposals_apply")
def rule_proposals_apply() -> int:
    """自主设定项目: approved branch rules whose date has come take effect (each once)."""
    return proposals.rule_proposals_apply_due()
