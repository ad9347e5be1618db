"""The first quarter of 2026 of branch A walked through the services (sign-in sheets, claims, an appeal
upheld, 公示, 审定), and tools to read a PDF back: its text with ``pdftotext -layout``, its pages, its fonts.

Q1 2026, branch A (二七区 rules, 民主评议 weighted 30 %):
  张伟  activity day 2 Feb (+1), branch meeting 5 Mar (+1), innovative activity claim 10 Mar (+2)   4
  王芳  absent 2 Feb (−1), community service claim 12 Feb (+2), meeting 5 Mar (+1, cancelled on appeal)  1
  李娜  on leave 2 Feb (−0.5), absent 5 Mar (−1)                                                  −1.5
  刘洋, 陈静  absent twice                                                                          −2
"""

from __future__ import annotations

import datetime
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

from scoring.core.periods import Period, PeriodKind
from scoring.models import LedgerEntry
from tests.workflows.helpers import (
    approved_claim,
    freeze,
    open_task,
    perform,
    publicity_closed,
    publicity_opened,
)
from workflows.appeals import appeal_decide, appeal_file
from workflows.claims import attendance_record, claim_approve, claim_record
from workflows.flows import AppealFlow, ClaimFlow, PeriodReviewFlow
from workflows.models import Claim, PeriodApproval, PeriodReview, ReviewSettings
from workflows.periods import filing_archive, period_approve, period_start


@pytest.fixture(autouse=True)
def _flow_urls():
    """viewflow names its task URLs when the site's URLconf is built."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018


# ---------------------------------------------------------------- reading PDFs back


def _run(args: list[str], data: bytes, tmp_path: Path) -> str:
    path = tmp_path / "form.pdf"
    path.write_bytes(data)
    return subprocess.run([*args, str(path), "-"], capture_output=True, text=True, check=True).stdout


class Pdf:
    """A rendered form, read back the way a person would see it."""

    def __init__(self, data: bytes, tmp_path: Path) -> None:
        self.data = data
        self._tmp = tmp_path

    @property
    def text(self) -> str:
        return _run(["pdftotext", "-layout"], self.data, self._tmp)

    def page(self, number: int) -> str:
        return _run(["pdftotext", "-layout", "-f", str(number), "-l", str(number)], self.data, self._tmp)

    @property
    def squeezed(self) -> str:
        """The laid-out text without spaces, so that a phrase reads the same whatever the column gaps."""
        return "".join(self.text.split())

    @property
    def flow(self) -> str:
        """The text in reading order without spaces: a table cell's wrapped lines stay together."""
        return "".join(_run(["pdftotext"], self.data, self._tmp).split())

    def row(self, name: str) -> list[str]:
        """The cells of the first table row where ``name`` stands as a cell of its own."""
        return self.text.splitlines()[self.row_number(name)].split()

    def row_number(self, name: str) -> int:
        for number, line in enumerate(self.text.splitlines()):
            if name in line.split():
                return number
        raise AssertionError(f"no row for {name!r} in:\n{self.text}")

    def line(self, *parts: str) -> str:
        """The first laid-out line holding every part, in order (spaces ignored); fails if there is none."""
        for line in self.text.splitlines():
            squeezed, at = "".join(line.split()), 0
            for part in parts:
                at = squeezed.find(part, at)
                if at < 0:
                    break
                at += len(part)
            else:
                return line
        raise AssertionError(f"no line with {parts!r} in:\n{self.text}")

    @property
    def pages(self) -> int:
        path = self._tmp / "info.pdf"
        path.write_bytes(self.data)
        info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True).stdout
        return int(next(line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")))

    @property
    def fonts(self) -> list[str]:
        """The embedded font names (``pdffonts``), e.g. ``TSPJMR+Noto-Sans-CJK-SC``."""
        path = self._tmp / "fonts.pdf"
        path.write_bytes(self.data)
        out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
        return [line.split()[0] for line in out.splitlines()[2:] if line.strip()]


@pytest.fixture
def read_pdf(tmp_path):
    return lambda data: Pdf(data, tmp_path)


# ---------------------------------------------------------------- a walked quarter

Q1 = Period(2026, PeriodKind.QUARTER, 1)


@dataclass
class Quarter:
    review: PeriodReview
    approval: PeriodApproval
    claim: Claim  # 张伟's innovative activity, 申报 → 登记 → 审核


def sign_in(world, day: datetime.date, item: str, present, on_leave=()) -> None:
    """A sign-in sheet recorded by the clerk, every line approved by the committee."""
    sheet = attendance_record(
        branch=world.branch_a,
        title=f"{day.month}月{item}",
        occurred_on=day,
        item_present=item,
        item_absent="absent-without-leave",
        item_leave="absent-on-leave",
        present=present,
        on_leave=on_leave,
        by=world.clerk_a,
    )
    # Nobody acts on their own points: the secretary records the clerk's own line and reviews the committee
    # member's own (accounts.duties).
    for claim in sheet.claims.select_related("member"):
        if claim.status == Claim.Status.SUBMITTED:
            perform(
                open_task(claim.process, ClaimFlow.record),
                world.secretary_a,
                lambda claim=claim, **kw: claim_record(claim=claim, **kw),
            )
        reviewer = world.secretary_a if claim.member.user == world.committee_a else world.committee_a
        perform(
            open_task(claim.process, ClaimFlow.review),
            reviewer,
            lambda claim=claim, **kw: claim_approve(claim=claim, **kw),
        )


def approve(world, review: PeriodReview) -> PeriodApproval:
    task = open_task(review.process, PeriodReviewFlow.approve)
    return perform(task, world.secretary_a, lambda **kw: period_approve(review=review, note="同意", **kw))


def archive(world, review: PeriodReview):
    task = open_task(review.process, PeriodReviewFlow.file)
    return perform(task, world.higher, lambda **kw: filing_archive(review=review, note="材料齐全", **kw))


@pytest.fixture
def entries_q1(world, rules_2026, monkeypatch) -> Claim:
    freeze(monkeypatch, 2026, 3, 20, 10)
    lina = world.branch_a.members.get(real_name="李娜")
    sign_in(world, datetime.date(2026, 2, 2), "activity-day", present=[world.member_a], on_leave=[lina])
    sign_in(
        world, datetime.date(2026, 3, 5), "branch-meeting", present=[world.member_a, world.other_member_a]
    )
    claim = approved_claim(world, world.member_a, datetime.date(2026, 3, 10))
    approved_claim(world, world.other_member_a, datetime.date(2026, 2, 12), item="community-service")
    return claim


@pytest.fixture
def in_publicity(world, entries_q1, monkeypatch) -> PeriodReview:
    """公示 opened on 2 April 2026 at 09:00, for five days; 张伟 appeals 王芳's meeting point."""
    review = publicity_opened(world, monkeypatch)
    entry = LedgerEntry.objects.get(member=world.other_member_a, item_code="branch-meeting")
    appeal = appeal_file(appellant=world.member_a, entry=entry, reason="王芳提前离会", by=world.member_a.user)
    perform(
        open_task(appeal.process, AppealFlow.decide),
        world.committee_a,
        lambda **kw: appeal_decide(appeal=appeal, uphold=True, reason="核实签到表，提前离会不计分", **kw),
    )
    return review


@pytest.fixture
def quarter(world, entries_q1, in_publicity, monkeypatch) -> Quarter:
    """Q1 approved (审定) by 陈静 on 8 April 2026 at 09:00."""
    publicity_closed(monkeypatch)
    approval = approve(world, in_publicity)
    in_publicity.refresh_from_db()
    return Quarter(review=in_publicity, approval=approval, claim=entries_q1)


@pytest.fixture
def small_quarter(world, rules_2026, monkeypatch) -> Quarter:
    """Q1 with 张伟's one approved claim, 公示 and 审定 — what the permission and page tests need."""
    freeze(monkeypatch, 2026, 3, 20, 10)
    claim = approved_claim(world, world.member_a, datetime.date(2026, 3, 10))
    review = publicity_opened(world, monkeypatch)
    publicity_closed(monkeypatch)
    approval = approve(world, review)
    review.refresh_from_db()
    return Quarter(review=review, approval=approval, claim=claim)


@pytest.fixture
def archived(world, quarter, monkeypatch) -> Quarter:
    """The higher committee archives the filing on 9 April 2026."""
    freeze(monkeypatch, 2026, 4, 9, 15)
    archive(world, quarter.review)
    quarter.review.refresh_from_db()
    return quarter


@pytest.fixture
def whole_year(world, rules_2026, monkeypatch) -> list[PeriodReview]:
    """Branch A reviews by half-year; both halves of 2026 approved, so the year is final."""
    ReviewSettings.objects.create(organization=world.branch_a, period_kind=ReviewSettings.PeriodKind.HALF)
    freeze(monkeypatch, 2026, 5, 20, 10)
    sign_in(world, datetime.date(2026, 5, 6), "branch-meeting", present=[world.member_a])
    reviews = []
    for half, (opens, closes) in {
        1: ((2026, 7, 2, 9), (2026, 7, 8, 9)),
        2: ((2027, 1, 4, 9), (2027, 1, 10, 9)),
    }.items():
        freeze(monkeypatch, *opens)
        review = period_start(
            branch=world.branch_a, period=Period(2026, PeriodKind.HALF, half), by=world.clerk_a
        )
        publicity_closed(monkeypatch, *closes)
        approve(world, review)
        review.refresh_from_db()
        reviews.append(review)
    return reviews


# -------------------------------------------------------- a year walked to its end (民主评议, 年度总评)

from .year import (  # noqa: E402, F401 — fixtures, found by name
    evaluation_done,
    evaluation_posted,
    evaluation_voted,
    xingji_year,
    year_approved,
    year_archived,
    year_posted,
    year_ratified,
)
