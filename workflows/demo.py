"""演示流程数据: rule sets in force and branches in the middle of their work, seeded after the people.

The accounts seed writes the organization, its people and roles; these steps (appended to
``accounts.demo.SEED_STEPS`` by ``WorkflowsConfig.ready``) make the system look alive on the day it is
seeded, whatever that day is:

* the committee adopts the 二七区 rules (``erqi-2021``) for the cycle containing today, and 机关第一党支部
  adds one item of its own (义务扫雪, 004: 自主设定项目);
* 机关第一党支部 (the demo logins ``member``, ``clerk``, ``committee``, ``secretary``) has a quarter fully
  walked — meetings, claims approved and rejected, 公示, one appeal upheld and one dismissed, 审定 by
  ``secretary``, 备案 by ``higher`` — and the current quarter under way, with claims in every state;
* 机关第二党支部 (``clerk2``, ``secretary2``) has its last quarter in 公示 since yesterday, so anyone in
  it can file an appeal.

Everything goes through the workflow services and the flows' own tasks, so the demo has real processes,
tasks, ledger entries, notifications and audit records. Every date, name and photo is computed from
the seeding day alone: the same day always seeds the same data.
"""

from __future__ import annotations

import datetime
import struct
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from viewflow.workflow.models import Task

from accounts.demo import COMMITTEE_CODE, HIGHER_USERNAME, MAIN_BRANCH_CODE, SECOND_BRANCH_CODE, DemoState
from accounts.duties import concerns, holders_of
from accounts.models import Member, Organization
from scoring.core.periods import MONTHS_IN, Period, PeriodKind, period_of
from scoring.core.presets import load_preset, preset_path
from scoring.services import ruleset_create
from workflows.appeals import appeal_decide, appeal_file
from workflows.claims import (
    attendance_record,
    branch_record,
    claim_approve,
    claim_record,
    claim_reject,
    claim_return,
    claim_submit,
)
from workflows.escalation import review_settings_for
from workflows.execution import open_task, task_carry_out
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import AttendanceSheet, Claim, Notification, PeriodReview
from workflows.notifications import notification_mark_read
from workflows.periods import filing_archive, period_approve, period_start
from workflows.selectors import members_concerned

PRESET_CODE = "erqi-2021"
PUBLICITY_OPENS_AT = datetime.time(9, 0)  # the clerk posts the list in the morning

# 004: each branch may refine the unified rules with items of its own (自主设定项目).
BRANCH_RULES = """\
# 机关第一党支部自主设定项目：在街道党工委统一施行的二七区办法基础上增加一项。
code: jiguan-diyi
name: 机关第一党支部党员积分细则（二七区办法 + 自主设定项目）
extends: erqi-2021
items:
  - code: snow-clearing
    name: 义务扫雪
    category: special
    points: 1
    cap: 5
    evidence: required
    source: member
    description: 降雪后义务清扫机关院内及周边道路积雪，每次记1分，最高积5分（以现场照片为准）。
"""
COMMITTEE_NOTE = "街道党工委会议研究决定，本年度施行二七区纪委监委机关党员积分制管理办法"
BRANCH_NOTE = "机关第一党支部支委会提出、街道党工委审核同意的自主设定项目"


# --- The calendar ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoCalendar:
    """Which periods the demo fills in, seen from the seeding day.

    ``walked`` is the main branch's last quarter whose 公示 (opened the day after it ended) has closed
    before today: the previous quarter, or the one before it in the first days of a quarter. ``publicity``
    is the previous quarter, whose 公示 opened yesterday in the second branch.
    """

    today: datetime.date
    start_month: int
    current: Period
    walked: Period
    publicity: Period

    def bounds(self, period: Period) -> tuple[datetime.date, datetime.date]:
        return period.bounds(self.start_month)

    @property
    def completed(self) -> int:
        """The last cycle wholly before the quarters the demo walks: its year-end is done (yearend.demo)."""
        return min(self.current.cycle, self.walked.cycle, self.publicity.cycle) - 1

    @property
    def cycles(self) -> list[int]:
        """The cycles the demo's dates fall in; each needs its rules in force."""
        return sorted({self.completed, self.current.cycle, self.walked.cycle, self.publicity.cycle})


def period_before(period: Period) -> Period:
    """The period before ``period``, in the previous cycle for the first one."""
    previous = period.previous()
    if previous is not None:
        return previous
    return Period(period.cycle - 1, period.kind, 12 // MONTHS_IN[period.kind])


def demo_calendar(today: datetime.date, *, start_month: int, publicity_days: int = 5) -> DemoCalendar:
    current = period_of(today, PeriodKind.QUARTER, start_month)
    previous = period_before(current)
    walked = previous
    # The walked quarter's 公示 opens the day after it ends and must have closed before today.
    if previous.bounds(start_month)[1] + timedelta(days=1 + publicity_days) >= today:
        walked = period_before(previous)
    return DemoCalendar(
        today=today, start_month=start_month, current=current, walked=walked, publicity=previous
    )


def _calendar(branch: Organization) -> DemoCalendar:
    # A fresh database has no review settings: quarterly periods (the default) and the default window.
    return demo_calendar(
        timezone.localdate(),
        start_month=load_preset(PRESET_CODE).cycle_start_month,
        publicity_days=review_settings_for(branch).publicity_days,
    )


def _month_day(first: datetime.date, months_after: int, day: int) -> datetime.date:
    """Day ``day`` of the month ``months_after`` months after ``first``'s (day ≤ 28: valid every month)."""
    index = first.year * 12 + first.month - 1 + months_after
    return datetime.date(index // 12, index % 12 + 1, day)


def _between(first: datetime.date, last: datetime.date, numerator: int, denominator: int) -> datetime.date:
    """The day ``numerator / denominator`` of the way from ``first`` to ``last``."""
    return first + timedelta(days=(last - first).days * numerator // denominator)


def _at(day: datetime.date, time: datetime.time = PUBLICITY_OPENS_AT) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, time))


def _seasonal_item(day: datetime.date) -> str:
    """The branch's own item when it snows in Zhengzhou, an ordinary one otherwise."""
    return "snow-clearing" if day.month in (12, 1, 2) else "community-service"


# --- Evidence ----------------------------------------------------------------------------------


def demo_photo(seed: int, *, width: int = 48, height: int = 32) -> bytes:
    """A small valid PNG (a sky, a field and a red banner), different for every ``seed``."""
    sky = (90 + 37 * seed % 120, 150 + 13 * seed % 80, 220)
    field = (60 + 29 * seed % 90, 140 + 17 * seed % 90, 70)
    rows = []
    for y in range(height):
        row = bytearray([0])  # filter: none
        for x in range(width):
            if 6 + seed % 20 <= x < 22 + seed % 20 and 6 <= y < 12:
                row += bytes((200, 30, 30))
            else:
                row += bytes(sky if y < height * 2 // 3 else field)
        rows.append(bytes(row))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


def _photos(seed: int, name: str = "活动照片") -> list[SimpleUploadedFile]:
    return [SimpleUploadedFile(f"{name}{seed:02d}.png", demo_photo(seed), content_type="image/png")]


# --- Carrying out tasks ------------------------------------------------------------------------


def carry_out(process: Any, flow_task: Any, user: Any, service: Callable[..., Any], **kwargs: Any) -> Any:
    """Do a human task as ``user`` does on its page (see :mod:`workflows.execution`) — or, when it is about
    ``user``'s own points, as the officer it goes to instead does (``accounts.duties``)."""
    task = open_task(process, flow_task)
    return task_carry_out(task, _not_concerned(task, user), service, **kwargs)


def _not_concerned(task: Task, user: Any) -> Any:
    """``user``, or for a task about their own points the first other holder of its permission (the other
    reviewer, or the secretary standing in for the branch's only clerk)."""
    concerned = [member for member in members_concerned(task.process) if member.user_id]
    if not any(concerns(user, member) for member in concerned):
        return user
    holders = holders_of(task.owner_permission, task.process.branchprocess.organization)
    return holders.exclude(pk__in=[member.user_id for member in concerned]).order_by("pk").first()


def _fire(process: Any, flow_task: Any) -> None:
    """Fire the process's timer or conditional catch, as the beat job does once it is due."""
    with flow_task.flow_class.lock(process.pk), transaction.atomic():
        task = Task.objects.get(process=process, flow_task=flow_task)
        activation = flow_task.activation_class(task)
        activation.start()
        activation.execute()


def _record(claim: Claim, clerk: Any, note: str = "") -> Claim:
    return carry_out(claim.process, ClaimFlow.record, clerk, claim_record, claim=claim, note=note)


def _approve(claim: Claim, reviewer: Any, reason: str = "") -> Claim:
    return carry_out(claim.process, ClaimFlow.review, reviewer, claim_approve, claim=claim, reason=reason)


def _reject(claim: Claim, reviewer: Any, reason: str) -> Claim:
    return carry_out(claim.process, ClaimFlow.review, reviewer, claim_reject, claim=claim, reason=reason)


# --- Claims ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoClaim:
    username: str
    item: str
    on: datetime.date
    place: str
    description: str
    photo: int  # the seed of its photo; two claims with one seed share a photo
    points: Decimal | None = None


def _submit(state: DemoState, spec: DemoClaim) -> Claim:
    member = state.members[spec.username]
    return claim_submit(
        member=member,
        item_code=spec.item,
        occurred_on=spec.on,
        place=spec.place,
        description=spec.description,
        points=spec.points,
        evidence=_photos(spec.photo),
        by=member.user,
    )


def _meeting(
    state: DemoState,
    branch: Organization,
    *,
    title: str,
    on: datetime.date,
    item: str,
    on_leave: Sequence[str] = (),
    absent: Sequence[str] = (),
    clerk: str,
) -> AttendanceSheet:
    """活动签到: every active member attends except those on leave and those absent without leave; 流动党员
    report by phone or letter and are not marked at all."""
    away = set(on_leave) | set(absent)
    members = Member.objects.filter(branch=branch, status=Member.Status.ACTIVE).select_related("user")
    present = [m for m in members.order_by("pk") if m.user.username not in away]
    return attendance_record(
        branch=branch,
        title=title,
        occurred_on=on,
        item_present=item,
        item_absent="absent-without-leave",
        item_leave="absent-on-leave",
        present=present,
        on_leave=[state.members[username] for username in on_leave],
        by=state.users[clerk],
    )


def _approve_sheet(sheet: AttendanceSheet, reviewer: Any) -> None:
    for claim in sheet.claims.order_by("pk"):
        if claim.status == Claim.Status.SUBMITTED:  # the clerk's own row: recorded by the secretary
            _record(claim, sheet.created_by)
        _approve(claim, reviewer)


# --- Step 1: the rules -------------------------------------------------------------------------


def _seed_rules(state: DemoState) -> None:
    """The committee's unified rules and the main branch's own item, in force for every demo cycle."""
    committee = state.organizations[COMMITTEE_CODE]
    branch = state.organizations[MAIN_BRANCH_CODE]
    higher = state.users[HIGHER_USERNAME]
    text = preset_path(PRESET_CODE).read_text(encoding="utf-8")
    for cycle in _calendar(branch).cycles:
        ruleset_create(
            organization=committee, cycle=cycle, text=text, by=higher, note=COMMITTEE_NOTE, in_force=True
        )
        ruleset_create(
            organization=branch, cycle=cycle, text=BRANCH_RULES, by=higher, note=BRANCH_NOTE, in_force=True
        )


# --- Step 2: the main branch, one quarter done and one under way --------------------------------


def _walked_claims(first: datetime.date) -> dict[str, DemoClaim]:
    snowy = _month_day(first, 2, 12)
    return {
        "innovative": DemoClaim(
            "member", "innovative-activity", _month_day(first, 0, 18), "机关三楼会议室",
            "参加支部“学思践悟”读书分享会并作交流发言", photo=1,
        ),
        "community": DemoClaim(
            "chenhaoran", "community-service", _month_day(first, 0, 25), "长兴路社区",
            "参加“结对服务进社区”活动，协助社区开展政策宣传", photo=2,
        ),
        "competition": DemoClaim(
            "yangchunhua", "competition", _month_day(first, 1, 6), "二七区委党校",
            "代表区纪委参加区级廉政知识竞赛，获三等奖", photo=3, points=Decimal(2),
        ),
        "proposal": DemoClaim(
            "clerk", "adopted-proposal", _month_day(first, 1, 20), "街道办事处",
            "提出的“党员积分线上申报”建议被街道采用，已在各支部推行", photo=4,
        ),
        "appealed": DemoClaim(
            "zhouguilan", "community-service", _month_day(first, 2, 8), "福寿街社区",
            "参加城市精细化管理志愿服务，清理小区楼道小广告", photo=5,
        ),
        "seasonal": DemoClaim(
            "huyuzhen", _seasonal_item(snowy), snowy, "机关院内及长兴路",
            "与支部党员一起义务清扫机关院内和门前道路", photo=6,
        ),
        "rejected": DemoClaim(
            "huanghongxia", "innovative-activity", _month_day(first, 2, 15), "机关三楼会议室",
            "参加支部创新型特色党员活动", photo=7,
        ),
    }  # fmt: skip


def _walk_quarter(state: DemoState, branch: Organization, calendar: DemoCalendar) -> PeriodReview:
    """One quarter through every step: 申报 → 登记 → 审核 → 公示 → 申诉 → 审定 → 备案."""
    clerk, committee = state.users["clerk"], state.users["committee"]
    first, last = calendar.bounds(calendar.walked)
    sheets = [
        _meeting(
            state, branch, title=f"{first.month}月支部党员大会", on=_month_day(first, 0, 10),
            item="branch-meeting", on_leave=["huanghongxia"], absent=["xujingyi"], clerk="clerk",
        ),
        _meeting(
            state, branch, title=f"{_month_day(first, 1, 12).month}月支部党课", on=_month_day(first, 1, 12),
            item="party-lecture", on_leave=["zhujiahao"], clerk="clerk",
        ),
    ]  # fmt: skip
    for sheet in sheets:
        _approve_sheet(sheet, committee)
    claims = {key: _submit(state, spec) for key, spec in _walked_claims(first).items()}
    for claim in claims.values():
        _record(claim, clerk)
    for key, claim in claims.items():
        if key == "rejected":
            _reject(claim, committee, "活动签到表上没有本人签名，照片中也无法确认本人参加，不予认定")
        else:
            _approve(claim, committee, "名次证书已核对" if key == "competition" else "")

    opens = _at(last + timedelta(days=1))
    review = period_start(branch=branch, period=calendar.walked, by=clerk, now=opens)
    _appeals(state, claims["appealed"], sheets[0], opens + timedelta(days=1, hours=1))
    _fire(review.process, PeriodReviewFlow.publicity)
    _fire(review.process, PeriodReviewFlow.appeals_settled)
    carry_out(
        review.process, PeriodReviewFlow.approve, state.users["secretary"], period_approve,
        review=review, note="公示期满，申诉均已处理，经支委会研究同意本季度积分结果",
    )  # fmt: skip
    carry_out(
        review.process, PeriodReviewFlow.file, state.users[HIGHER_USERNAME], filing_archive,
        review=review, note="材料齐全，同意备案",
    )  # fmt: skip
    review.refresh_from_db()
    return review


def _appeals(state: DemoState, appealed: Claim, meeting: AttendanceSheet, at: datetime.datetime) -> None:
    """One appeal upheld (another member's points cancelled), one dismissed (an own deduction stands)."""
    committee = state.users["committee"]
    appealed.refresh_from_db()
    upheld = appeal_file(
        appellant=state.members["wuminghui"],
        entry=appealed.ledger_entry,
        reason="当天我负责活动签到，周桂兰同志请假未到场，所附照片是上个月活动的照片",
        by=state.users["wuminghui"],
        now=at,
    )
    absence = meeting.claims.get(member=state.members["xujingyi"], item_code="absent-without-leave")
    dismissed = appeal_file(
        appellant=state.members["xujingyi"],
        entry=absence.ledger_entry,
        reason="会议当天我在社区值班，属于因公缺席，不应按无故缺席扣分",
        by=state.users["xujingyi"],
        now=at + timedelta(hours=2),
    )
    decisions = (
        (upheld, True, "经核对签到表和活动照片，周桂兰同志当日未参加活动，取消该项积分"),
        (dismissed, False, "经核实，值班安排在会议通知之后，且会前未向支部请假，按无故缺席处理"),
    )
    for appeal, uphold, reason in decisions:
        carry_out(appeal.process, AppealFlow.decide, committee, appeal_decide, appeal=appeal, uphold=uphold,
                  reason=reason)  # fmt: skip


def _current_claims(first: datetime.date, today: datetime.date) -> dict[str, DemoClaim]:
    def on(numerator: int, denominator: int) -> datetime.date:
        return _between(first, today, numerator, denominator)

    return {
        "approved": DemoClaim(
            "chenhaoran", "innovative-activity", on(1, 3), "二七纪念塔",
            "参加支部“重温入党誓词”主题党日创新活动", photo=11,
        ),
        "approved-proposal": DemoClaim(
            "yangchunhua", "adopted-proposal", on(2, 5), "街道办事处",
            "提出的“楼院党员责任区”建议被街道采纳并在辖区推广", photo=12,
        ),
        "rejected": DemoClaim(
            "zhaopengfei", "community-service", on(1, 2), "长兴路社区",
            "参加社区志愿服务活动", photo=13,
        ),
        "recorded-seasonal": DemoClaim(
            "huyuzhen", _seasonal_item(on(3, 5)), on(3, 5), "机关院内及长兴路",
            "义务清扫机关院内和门前道路", photo=14,
        ),
        "recorded-competition": DemoClaim(
            "zhujiahao", "competition", on(2, 3), "二七区文化馆",
            "代表区纪委参加区级“清廉二七”主题演讲比赛", photo=15, points=Decimal(1),
        ),
        # The same group photo as 陈浩然's approved claim: the reviewer is warned that it was used before.
        "recorded-shared-photo": DemoClaim(
            "wuminghui", "innovative-activity", on(1, 3), "二七纪念塔",
            "参加支部“重温入党誓词”主题党日创新活动", photo=11,
        ),
        "returned": DemoClaim(
            "member", "community-service", on(4, 5), "长兴路社区",
            "参加“一个组织一面旗”结对服务，帮助困难群众打扫卫生", photo=16,
        ),
        "submitted": DemoClaim(
            "member", "innovative-activity", on(9, 10), "机关三楼会议室",
            "参加支部“微党课”创新活动并讲授一课", photo=17,
        ),
        "submitted-other": DemoClaim(
            "xujingyi", "community-service", today, "福寿街社区",
            "参加城市精细化管理志愿服务，劝导文明停车", photo=18,
        ),
    }  # fmt: skip


def _quarter_under_way(state: DemoState, branch: Organization, calendar: DemoCalendar) -> None:
    """The current quarter: a meeting waiting for review, and claims in every state."""
    clerk, committee = state.users["clerk"], state.users["committee"]
    first, _ = calendar.bounds(calendar.current)
    today = calendar.today
    meeting_on = _between(first, today, 1, 4)
    _meeting(
        state, branch, title=f"{meeting_on.month}月支部党员大会", on=meeting_on, item="branch-meeting",
        on_leave=["gaomengyao"], clerk="clerk",
    )  # fmt: skip
    claims = {key: _submit(state, spec) for key, spec in _current_claims(first, today).items()}
    for key, claim in claims.items():
        if key.startswith(("approved", "rejected", "recorded")):
            _record(claim, clerk)
    for key, claim in claims.items():
        if key.startswith("approved"):
            _approve(claim, committee)
        elif key == "rejected":
            _reject(claim, committee, "所附照片与申报的活动不符，请核实后另行申报")
    carry_out(
        claims["returned"].process, ClaimFlow.record, clerk, claim_return, claim=claims["returned"],
        reason="照片中看不到本人参加活动的情况，请补充社区出具的签到表或现场照片",
    )  # fmt: skip


def _seed_living_branch(state: DemoState) -> None:
    """机关第一党支部: the last quarter approved and filed, the current one under way."""
    branch = state.organizations[MAIN_BRANCH_CODE]
    calendar = _calendar(branch)
    before = Notification.objects.aggregate(last=Max("pk"))["last"] or 0
    _walk_quarter(state, branch, calendar)
    # That quarter's news is months old: its members have read it. The current quarter's is new.
    for notification in Notification.objects.filter(pk__gt=before).select_related("recipient"):
        notification_mark_read(notification=notification, user=notification.recipient)
    _quarter_under_way(state, branch, calendar)


# --- Step 3: the second branch, its last quarter in publicity ----------------------------------


def _seed_open_publicity(state: DemoState) -> None:
    """机关第二党支部: the last quarter's list posted yesterday (default 5 days), open for appeals."""
    branch = state.organizations[SECOND_BRANCH_CODE]
    calendar = _calendar(branch)
    clerk, secretary = state.users["clerk2"], state.users["secretary2"]
    first, _ = calendar.bounds(calendar.publicity)
    claims = [
        _submit(state, spec)
        for spec in (
            DemoClaim(
                "songjiaqi", "innovative-activity", _month_day(first, 0, 22), "机关二楼党员活动室",
                "参加支部“红色故事我来讲”创新活动", photo=21,
            ),
            DemoClaim(
                "liangdesheng", "competition", _month_day(first, 1, 16), "二七区委党校",
                "代表区纪委参加区级党史知识竞赛", photo=22, points=Decimal(1),
            ),
            DemoClaim(
                "fengsiyu", "community-service", _month_day(first, 2, 14), "康宁路社区",
                "参加结对服务进社区活动，为老年人讲解防诈骗知识", photo=23,
            ),
        )
    ]  # fmt: skip
    for claim in claims:
        _record(claim, clerk)
    late = branch_record(
        member=state.members["zhengxiaodong"],
        item_code="late-written-material",
        occurred_on=_month_day(first, 1, 25),
        by=clerk,
        description="未按时报送主题教育心得体会",
    )
    for claim in [*claims, late]:
        _approve(claim, secretary)
    period_start(
        branch=branch, period=calendar.publicity, by=clerk, now=_at(calendar.today - timedelta(days=1))
    )


def _seed_work_for_every_role(state: DemoState) -> None:
    """Step 4 (``workflows.demo_work``, which builds on this module): a backlog, an appeal, waiting days."""
    from workflows.demo_work import seed_work_for_every_role

    seed_work_for_every_role(state)


DEMO_STEPS: list[Callable[[DemoState], None]] = [
    _seed_rules,
    _seed_living_branch,
    _seed_open_publicity,
    _seed_work_for_every_role,
]
