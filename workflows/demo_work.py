"""演示：每个角色都有事可做 — the demo's last workflow step, so that every demo login finds work on the
workbench the day it is seeded, without first playing the other roles.

* 机关第二党支部 is behind with its quarters: the one three before the current was approved by
  ``secretary2`` and waits for ``higher``'s 备案; the next one's 公示 has closed and waits for
  ``secretary2``'s 审定; in the quarter in 公示 since yesterday 郑晓东 has appealed his deduction, which
  ``secretary2`` decides (申诉待处理); and this quarter's first claim waits for ``clerk2``'s 登记.
* Waiting tasks carry the day they arrived, not the seeding minute: a claim's 登记 and 审核 have waited
  since the claim came in (its 申报时间, moved back with it), so 待办 shows how long each has waited and the
  oldest are 超期 — and the branch secretary has been sent the 超期提醒 (``workflows.escalation``).
"""

from __future__ import annotations

import datetime
from datetime import timedelta

from django.db.models import Max
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.demo import SECOND_BRANCH_CODE, DemoState
from scoring.models import LedgerEntry
from workflows.appeals import appeal_file
from workflows.demo import (
    DemoClaim,
    _approve,
    _at,
    _calendar,
    _fire,
    _month_day,
    _record,
    _submit,
    carry_out,
    period_before,
)
from workflows.escalation import reviews_escalate
from workflows.flows import PeriodReviewFlow
from workflows.models import Claim, Notification, PeriodReview
from workflows.notifications import notification_mark_read
from workflows.periods import period_approve, period_start

# A claim reaches the clerk the day after the activity; the clerk records it two days later.
ARRIVES_AFTER = {"record": timedelta(days=1), "review": timedelta(days=3)}


def _branch_claims(first: datetime.date, photo: int) -> list[DemoClaim]:
    return [
        DemoClaim(
            "songjiaqi", "community-service", _month_day(first, 0, 20), "长兴路社区",
            "参加“文明城市共建”志愿服务，清理楼院杂物", photo=photo,
        ),
        DemoClaim(
            "xiehaitao", "innovative-activity", _month_day(first, 1, 15), "机关二楼党员活动室",
            "参加支部“党章知识微课堂”创新活动并主讲一课", photo=photo + 1,
        ),
        DemoClaim(
            "hanxiaomei", "adopted-proposal", _month_day(first, 2, 10), "街道办事处",
            "提出的“机关食堂节约粮食”建议被街道采纳", photo=photo + 2,
        ),
    ]  # fmt: skip


def _post_quarter(state: DemoState, period, photo: int) -> PeriodReview:
    """A quarter of 机关第二党支部: claims recorded and approved, 公示 opened the day after it ended and
    closed, no appeal — so it waits for 审定."""
    branch = state.organizations[SECOND_BRANCH_CODE]
    calendar = _calendar(branch)
    clerk, secretary = state.users["clerk2"], state.users["secretary2"]
    first, last = calendar.bounds(period)
    for spec in _branch_claims(first, photo):
        claim = _submit(state, spec)
        _record(claim, clerk)
        _approve(claim, secretary)
    review = period_start(branch=branch, period=period, by=clerk, now=_at(last + timedelta(days=1)))
    _fire(review.process, PeriodReviewFlow.publicity)
    _fire(review.process, PeriodReviewFlow.appeals_settled)
    review.refresh_from_db()
    return review


def _seed_second_branch_backlog(state: DemoState) -> None:
    """机关第二党支部: one quarter waiting for 备案, one for 审定, and an appeal in the open 公示."""
    branch = state.organizations[SECOND_BRANCH_CODE]
    calendar = _calendar(branch)
    waiting_approval = period_before(calendar.publicity)
    waiting_filing = period_before(waiting_approval)

    before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    filed = _post_quarter(state, waiting_filing, photo=31)
    carry_out(
        filed.process, PeriodReviewFlow.approve, state.users["secretary2"], period_approve,
        review=filed, note="公示期满无异议，经支委会研究同意本季度积分结果，报街道党工委备案",
    )  # fmt: skip
    _post_quarter(state, waiting_approval, photo=34)
    # Those quarters were posted months ago: the branch has read that news.
    for notification in Notification.objects.filter(pk__gt=before).select_related("recipient"):
        notification_mark_read(notification=notification, user=notification.recipient)

    deduction = LedgerEntry.objects.get(
        member=state.members["zhengxiaodong"], item_code="late-written-material", reverses__isnull=True
    )
    # This quarter's first claim, waiting for ``clerk2``'s 登记.
    first, _ = calendar.bounds(calendar.current)
    _submit(
        state,
        DemoClaim(
            "fengsiyu", "community-service", max(first, calendar.today - timedelta(days=3)), "康宁路社区",
            "参加“敬老月”志愿服务，为社区独居老人送餐", photo=37,
        ),
    )  # fmt: skip
    appeal_file(
        appellant=state.members["zhengxiaodong"],
        entry=deduction,
        reason="心得体会已于截止当天下午交给支部组织委员，因系统当天无法上传才补交电子版，请核实后撤销扣分",
        by=state.users["zhengxiaodong"],
    )


def _backdate_waiting_tasks(state: DemoState) -> None:
    """Open claim tasks carry the day the claim came in; the secretaries hear of the overdue ones."""
    now = timezone.now()
    waiting = Task.objects.filter(
        flow_task_type="HUMAN",
        status__in=(STATUS.NEW, STATUS.ASSIGNED),
        process__branchprocess__claim__isnull=False,
    ).select_related("process__branchprocess__claim")
    for task in waiting:
        claim: Claim = task.process.branchprocess.claim
        after = ARRIVES_AFTER.get(task.flow_task.name, ARRIVES_AFTER["review"])
        arrived = min(_at(claim.occurred_on + after), now - timedelta(hours=1))
        if arrived >= task.created:
            continue
        Task.objects.filter(pk=task.pk).update(created=arrived)
        submitted = min(_at(claim.occurred_on + ARRIVES_AFTER["record"]), arrived)
        Claim.objects.filter(pk=claim.pk, created_at__gt=submitted).update(created_at=submitted)
    reviews_escalate(now=now)


def seed_work_for_every_role(state: DemoState) -> None:
    _seed_second_branch_backlog(state)
    _backdate_waiting_tasks(state)
