"""The demo seed's living system (workflows.demo): rules in force, one branch mid-quarter with a quarter
filed behind it and claims in every state, another branch in 公示 — on whatever day it is seeded."""

import datetime
import hashlib
import json
from collections import Counter
from decimal import Decimal
from unittest import mock

import filetype
import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count
from django.utils import timezone
from viewflow.workflow.models import Task
from viewflow.workflow.status import STATUS

from accounts.demo import MAIN_BRANCH_CODE, SECOND_BRANCH_CODE, SEED_STEPS, demo_seed
from accounts.models import Member, Organization
from audit.models import AuditRecord
from scoring.core.periods import Period, PeriodKind
from scoring.models import LedgerEntry, RuleSet
from scoring.selectors import effective_ruleset, ruleset_for, ruleset_version_current
from workflows.demo import DEMO_STEPS, demo_calendar, demo_photo
from workflows.escalation import review_settings_for
from workflows.evidence import evidence_check
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Appeal, Claim, Evidence, FrozenScore, Notification, PeriodReview
from workflows.viewsets import FLOWS, inbox_of, queue_for

WINTER_DAY = datetime.date(2026, 2, 11)  # first quarter: the quarters behind it are last year's
EARLY_JULY = datetime.date(2026, 7, 3)  # the previous quarter's 公示 would still be open
SEEDED_AT = datetime.time(10, 30)
# Change only when the demo's workflow data is changed on purpose (screenshots and the e2e test rely on it).
# Last changed for 不得办理涉及本人积分的事项: the clerk's own row of a meeting waits for another's 登记.
DEMO_FINGERPRINTS = {
    WINTER_DAY: "b9ce3a2812df841b152565fd288dc12f7c267899195261643dee76c7f3660f51",
    EARLY_JULY: "c53d5658701d370a32e46a67d1361693c79be1684a3d7a4f6d2bf33251bd8256",
}


def Q(cycle, index):  # reads like the regulation's 第N季度
    return Period(cycle, PeriodKind.QUARTER, index)


# --- The calendar (no database) ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "walked", "publicity", "current", "cycles"),
    [
        (datetime.date(2026, 11, 21), Q(2026, 3), Q(2026, 3), Q(2026, 4), [2025, 2026]),
        (WINTER_DAY, Q(2025, 4), Q(2025, 4), Q(2026, 1), [2024, 2025, 2026]),
        (EARLY_JULY, Q(2026, 1), Q(2026, 2), Q(2026, 3), [2025, 2026]),
        (datetime.date(2026, 1, 1), Q(2025, 3), Q(2025, 4), Q(2026, 1), [2024, 2025, 2026]),
        (datetime.date(2026, 4, 8), Q(2026, 1), Q(2026, 1), Q(2026, 2), [2025, 2026]),
    ],
)
def test_demo_walks_the_last_quarter_whose_publicity_closed_before_the_seeding_day(
    today, walked, publicity, current, cycles
):
    calendar = demo_calendar(today, start_month=1)
    assert (calendar.walked, calendar.publicity, calendar.current) == (walked, publicity, current)
    assert calendar.cycles == cycles


def test_demo_photos_are_small_pngs_the_evidence_check_accepts_and_differ_by_seed():
    photos = [demo_photo(seed) for seed in range(30)]
    assert len(set(photos)) == len(photos)
    for photo in photos[:3]:
        assert filetype.guess(photo).mime == "image/png" and len(photo) < 2048
        checked = evidence_check(
            SimpleUploadedFile("照片.png", photo, content_type="application/octet-stream")
        )
        assert checked.content_type == "image/png"
    assert photos[0] == demo_photo(0)


def test_the_workflow_steps_follow_the_accounts_steps_once_and_the_year_end_follows_them():
    from yearend.demo import YEAR_END_STEPS

    assert SEED_STEPS[-len(DEMO_STEPS) - len(YEAR_END_STEPS) :] == DEMO_STEPS + YEAR_END_STEPS
    assert all(SEED_STEPS.count(step) == 1 for step in DEMO_STEPS)


# --- Seeded on a given day -----------------------------------------------------------------------


@pytest.fixture(scope="module", params=[WINTER_DAY, EARLY_JULY], ids=["winter", "early-july"])
def seeding_day(request, django_db_setup, django_db_blocker):
    """Seed once per day for the module's tests, with the clock at that day; roll it all back after."""
    day = request.param
    seeded_at = timezone.make_aware(datetime.datetime.combine(day, SEEDED_AT))
    with django_db_blocker.unblock(), transaction.atomic():
        with mock.patch.object(timezone, "now", lambda: seeded_at):
            assert demo_seed() is not None
        yield day
        transaction.set_rollback(True)


@pytest.fixture
def seeded(seeding_day, db):
    return seeding_day


def _main_claims():
    return Claim.objects.filter(branch__code=MAIN_BRANCH_CODE)


def _calendar(day):
    return demo_calendar(day, start_month=1)


def test_the_main_branch_has_claims_in_every_state(seeded):
    statuses = Counter(_main_claims().values_list("status", flat=True))
    assert set(statuses) == set(Claim.Status.values)
    assert statuses[Claim.Status.RECORDED] >= 5, "enough waiting reviews to try bulk approval"


def test_the_current_quarter_is_under_way_with_every_state_and_one_attendance_sheet(seeded):
    first, _ = _calendar(seeded).bounds(_calendar(seeded).current)
    current = _main_claims().filter(occurred_on__gte=first)
    assert set(current.values_list("status", flat=True)) == set(Claim.Status.values)
    assert current.order_by().values("sheet").exclude(sheet=None).distinct().count() == 1
    assert all(first <= day <= seeded for day in current.values_list("occurred_on", flat=True))


def test_the_demo_member_has_a_claim_with_a_photo_waiting_for_the_clerk_and_one_returned_to_revise(seeded):
    member = Member.objects.get(user__username="member")
    waiting = member.claims.get(status=Claim.Status.SUBMITTED)
    assert waiting.evidence.get().content_type == "image/png"
    returned = member.claims.get(status=Claim.Status.RETURNED)
    assert returned.decision_reason
    revise = Task.objects.get(process=returned.process, flow_task=ClaimFlow.revise)
    assert revise.status == STATUS.ASSIGNED and revise.owner == member.user


def test_the_clerk_and_the_committee_find_work_in_their_queues_but_not_their_own_points(seeded):
    clerk_queue = queue_for(Member.objects.get(user__username="clerk").user, FLOWS)
    assert clerk_queue.filter(flow_task=ClaimFlow.record).count() >= 2
    committee = Member.objects.get(user__username="committee").user
    committee_queue = queue_for(committee, FLOWS)
    recorded = _main_claims().filter(status=Claim.Status.RECORDED)
    others = recorded.exclude(member__user=committee)
    assert committee_queue.filter(flow_task=ClaimFlow.review).count() == others.count() < recorded.count()
    # 李丽娟's own attendance at the meeting waits for the secretary, the other reviewer.
    own = recorded.get(member__user=committee)
    secretary_queue = queue_for(Member.objects.get(user__username="secretary").user, FLOWS)
    assert secretary_queue.filter(process__branchprocess__claim=own).exists()


def test_one_waiting_review_shares_its_photo_with_an_approved_claim_so_the_reviewer_is_warned(seeded):
    shared = (
        Evidence.objects.filter(claim__branch__code=MAIN_BRANCH_CODE)
        .values("sha256")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert shared.count() == 1
    statuses = set(
        Claim.objects.filter(evidence__sha256=shared[0]["sha256"]).values_list("status", flat=True)
    )
    assert statuses == {Claim.Status.APPROVED, Claim.Status.RECORDED}


def _walked_review(seeded):
    """The main branch's walked quarter (its last cycle's four quarters are yearend.demo's)."""
    walked = _calendar(seeded).walked
    return PeriodReview.objects.get(
        branch__code=MAIN_BRANCH_CODE, cycle=walked.cycle, period_kind="quarter", period_index=walked.index
    )


def test_the_walked_quarter_is_archived_with_frozen_scores_and_ranks_for_the_main_branch(seeded):
    walked = _calendar(seeded).walked
    review = _walked_review(seeded)
    assert (review.cycle, review.period_index, review.status) == (
        walked.cycle,
        walked.index,
        PeriodReview.Status.ARCHIVED,
    )
    assert review.approvals.get().approved_by.username == "secretary"
    assert review.approvals.get().filing.decided_by.username == "higher"
    assert review.process.status == "DONE"
    scores = FrozenScore.objects.filter(approval__review=review)
    assert scores.count() == Member.objects.filter(branch__code=MAIN_BRANCH_CODE).count()
    mine = scores.get(member__user__username="member")
    assert mine.period_total > 0 and mine.period_rank is not None
    assert not review.branch.claims.filter(
        status__in=Claim.OPEN, occurred_on__range=(review.starts_on, review.ends_on)
    ).exists()


def test_the_walked_quarter_had_two_meetings_one_appeal_upheld_and_one_dismissed(seeded):
    review = _walked_review(seeded)
    in_quarter = _main_claims().filter(occurred_on__range=(review.starts_on, review.ends_on))
    assert in_quarter.order_by().values("sheet").exclude(sheet=None).distinct().count() == 2
    assert in_quarter.filter(status=Claim.Status.REJECTED, source=Claim.Source.MEMBER).count() == 1
    appeals = {a.status: a for a in Appeal.objects.filter(window__review=review)}
    assert set(appeals) == {Appeal.Status.UPHELD, Appeal.Status.DISMISSED}
    upheld = appeals[Appeal.Status.UPHELD]
    assert upheld.correction.reverses == upheld.entry
    assert upheld.entry.member != upheld.appellant
    frozen = FrozenScore.objects.get(approval__review=review, member=upheld.entry.member)
    assert upheld.entry.item_code not in {k for k, v in frozen.breakdown["items"].items() if Decimal(v)}


def test_the_second_branch_posted_its_last_quarter_yesterday_for_five_days(seeded):
    publicity = _calendar(seeded).publicity
    review = PeriodReview.objects.get(
        branch__code=SECOND_BRANCH_CODE, cycle=publicity.cycle, period_index=publicity.index
    )
    assert review.status == PeriodReview.Status.PUBLICITY
    window = review.window
    seeded_at = timezone.make_aware(datetime.datetime.combine(seeded, SEEDED_AT))
    assert timezone.localtime(window.opens_at).date() == seeded - datetime.timedelta(days=1)
    assert window.closes_at - window.opens_at == datetime.timedelta(days=5)
    assert window.is_open(at=seeded_at)
    entries = LedgerEntry.objects.filter(
        branch=review.branch, occurred_on__range=(review.starts_on, review.ends_on)
    )
    assert entries.filter(points__gt=0).count() >= 3 and entries.filter(points__lt=0).exists()


def test_the_committee_rules_and_the_branch_item_are_in_force_for_every_cycle_the_demo_touches(seeded):
    cycles = _calendar(seeded).cycles
    committee = RuleSet.objects.filter(organization__code="CXL", code="erqi-2021", in_force=True)
    assert sorted(committee.values_list("cycle", flat=True)) == cycles
    main = Member.objects.get(user__username="member").branch
    rules = effective_ruleset(ruleset_version_current(ruleset_for(main, seeded)))
    snow = rules.item("snow-clearing")
    assert (snow.name, snow.points, snow.cap, snow.source.value) == (
        "义务扫雪",
        Decimal(1),
        Decimal(5),
        "member",
    )
    second = Member.objects.get(user__username="clerk2").branch
    assert ruleset_for(second, seeded).code == "erqi-2021"


def test_members_have_read_the_filed_quarters_news_but_not_the_current_ones(seeded):
    unread = Notification.objects.filter(read_at=None)
    # In winter the year's 民主评议 is open too (yearend.demo): that news is new.
    expected = {"claim_returned", "evaluation_opened"} if seeded == WINTER_DAY else {"claim_returned"}
    assert set(unread.filter(recipient__username="member").values_list("kind", flat=True)) == expected
    assert unread.filter(recipient__username="clerk2", kind="publicity_opened").count() == 1
    assert not unread.filter(kind__in=["filing_archived", "appeal_decided"]).exists()


def test_no_demo_claim_is_dated_after_the_seeding_day(seeded):
    assert max(Claim.objects.values_list("occurred_on", flat=True)) <= seeded


def test_every_demo_step_left_an_audit_record(seeded):
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    expected = {
        "ruleset.create", "claim.submit", "claim.record", "claim.return", "claim.approve", "claim.reject",
        "attendance.record", "period.publicity_open", "appeal.file", "appeal.uphold", "appeal.dismiss",
        "period.approve", "filing.archive",
    }  # fmt: skip
    assert expected <= actions


def test_seeding_again_adds_nothing(seeded):
    models = (Claim, LedgerEntry, Task, PeriodReview, Appeal, FrozenScore, RuleSet, AuditRecord, Evidence)
    before = {model.__name__: model.objects.count() for model in models}
    assert demo_seed() is None
    assert {model.__name__: model.objects.count() for model in models} == before


def test_seeding_on_a_given_day_always_gives_the_same_demo(seeded):
    rows = [
        [c.member.user.username, c.item_code, str(c.occurred_on), c.status, c.source, str(c.points_approved)]
        for c in Claim.objects.select_related("member__user")
    ]
    rows += [
        [e.member.user.username, e.item_code, str(e.occurred_on), str(e.points), e.source]
        for e in LedgerEntry.objects.select_related("member__user")
    ]
    rows += [
        [s.member.user.username, str(s.period_total), str(s.period_rank), str(s.cycle_total)]
        for s in FrozenScore.objects.select_related("member__user")
    ]
    digest = hashlib.sha256(json.dumps(sorted(rows), ensure_ascii=False).encode()).hexdigest()
    assert digest == DEMO_FINGERPRINTS[seeded], f"the demo changed: its fingerprint is now {digest}"


# --- Work for every role (workflows.demo_work) ----------------------------------------------------

# What each demo login finds waiting on the day the demo is seeded: (flow node, at least how many).
WORK_WAITING = {
    "member": [(ClaimFlow.revise, 1)],
    "clerk": [(ClaimFlow.record, 2)],
    "committee": [(ClaimFlow.review, 5)],
    "secretary": [(ClaimFlow.review, 5), (ClaimFlow.record, 1)],
    "clerk2": [(ClaimFlow.record, 1)],
    "secretary2": [(AppealFlow.decide, 1), (PeriodReviewFlow.approve, 1)],
    "higher": [(PeriodReviewFlow.file, 1)],
}


@pytest.mark.parametrize("username", WORK_WAITING)
def test_every_demo_login_finds_work_waiting_the_day_the_demo_is_seeded(seeded, username):
    user = get_user_model().objects.get(username=username)
    waiting = queue_for(user, FLOWS) | inbox_of(user, FLOWS)
    for node, at_least in WORK_WAITING[username]:
        assert waiting.filter(flow_task=node).count() >= at_least, (username, node)


def test_the_second_branch_has_a_quarter_for_filing_one_for_approval_and_an_appeal_in_its_open_publicity(
    seeded,
):
    reviews = PeriodReview.objects.filter(branch__code=SECOND_BRANCH_CODE).order_by("starts_on")
    statuses = [review.status for review in reviews]
    approved, closed, posted = reviews[len(statuses) - 3 :]
    seeded_at = timezone.make_aware(datetime.datetime.combine(seeded, SEEDED_AT))
    assert approved.status == PeriodReview.Status.APPROVED
    assert closed.status == PeriodReview.Status.PUBLICITY and closed.window.closes_at < seeded_at
    assert posted.status == PeriodReview.Status.PUBLICITY and posted.window.closes_at > seeded_at
    appeal = Appeal.objects.get(window=posted.window)
    assert appeal.appellant.user.username == "zhengxiaodong" and appeal.status == Appeal.Status.OPEN


def test_waiting_tasks_carry_the_day_their_claim_came_in_and_the_oldest_were_escalated(seeded):
    seeded_at = timezone.make_aware(datetime.datetime.combine(seeded, SEEDED_AT))
    waiting = Task.objects.filter(
        flow_task=ClaimFlow.review,
        status=STATUS.NEW,
        process__branchprocess__claim__branch__code=MAIN_BRANCH_CODE,
    ).select_related("process__branchprocess__claim")
    assert waiting.exists()
    for task in waiting:
        claim = task.process.branchprocess.claim
        # Recorded two days after it came in, the day after the activity — or, if that is yet to come, now.
        assert timezone.localtime(task.created).date() == min(
            claim.occurred_on + datetime.timedelta(days=3), seeded
        )
        assert task.created < seeded_at and claim.created_at <= task.created
    overdue_after = datetime.timedelta(
        days=review_settings_for(Organization.objects.get(code=MAIN_BRANCH_CODE)).escalation_days
    )
    overdue = [task for task in waiting if seeded_at - task.created > overdue_after]
    told = Notification.objects.filter(recipient__username="secretary", kind="review_overdue")
    # In a quarter's first days nothing has waited that long yet; in winter the quarter is six weeks old.
    assert told.count() >= len(overdue) and (overdue or seeded != WINTER_DAY)
