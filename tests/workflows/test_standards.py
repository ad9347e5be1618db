"""积分标准 and 积分手册 (/me/standards/, /me/handbook/): every preset reads as a member's standards page; the
higher committee's items and the branch's own are told apart; caps, limits, deductions and veto items show;
the PDFs carry the same words; the booklet's running totals add up month by month; and each page is scoped
(a member of branch B opens neither branch A's standards nor an A member's booklet)."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scoring.core.presets import load_preset, preset_codes, preset_path
from scoring.core.ruleset import fmt
from scoring.models import LedgerEntry, RuleSetVersion
from scoring.services import ledger_record, ledger_reverse, ruleset_create
from tests.reports.test_pdf import pdf_text
from workflows.handbook import handbook_of
from workflows.models import PeriodApproval, PeriodReview
from workflows.standards import standards_for

from .helpers import freeze

D = datetime.date

BRANCH_A_LOCAL = """\
code: branch-a-2026
name: 第一党支部积分细则
extends: erqi-2021
items:
  - {code: study, cap: 20}
  - code: snow-clearing
    name: 义务扫雪
    category: special
    points: 1
    cap: 5
    source: member
"""


@pytest.fixture(autouse=True)
def march(monkeypatch):
    return freeze(monkeypatch, 2026, 3, 20, 10)


def committee_rules(world, code="erqi-2021"):
    return ruleset_create(
        organization=world.committee,
        cycle=2026,
        text=preset_path(code).read_text(encoding="utf-8"),
        by=world.higher,
        in_force=True,
    )


@pytest.fixture
def unified(world):
    return committee_rules(world)


@pytest.fixture
def local_a(world, unified):
    """Branch A's own rules: the unified study item capped lower, and its own 义务扫雪."""
    return ruleset_create(
        organization=world.branch_a, cycle=2026, text=BRANCH_A_LOCAL, by=world.higher, in_force=True
    )


def page(client, user, url):
    client.force_login(user)
    return client.get(url)


def text_of(response) -> str:
    return response.content.decode()


def shows(response, text) -> bool:
    return escape(str(text)) in text_of(response)


def row(response, code: str) -> str:
    """The HTML of the item's row on the standards page."""
    html = text_of(response)
    start = html.index(f'data-item="{code}"')
    return html[start : html.index("</tr>", start)]


# --- 积分标准 -------------------------------------------------------------------------------


@pytest.mark.parametrize("code", preset_codes())
def test_every_preset_reads_as_a_members_standards_page(world, client, code):
    committee_rules(world, code)
    rules = load_preset(code)

    response = page(client, world.member_a.user, "/me/standards/")

    assert response.status_code == 200
    standards = response.context["standards"]
    assert standards is not None and standards.rules.code == code
    for item in rules.items:
        assert shows(response, item.name), item.code
        if item.cap is not None:
            assert f"{fmt(item.cap)} 分" in row(response, item.code), item.code
        if item.veto:
            assert 'data-veto="true"' in row(response, item.code)
    for category in rules.categories:
        if any(item.category == category.code for item in rules.items):
            assert shows(response, category.name)
    assert sorted(item.code for item in standards.items) == sorted(item.code for item in rules.items)
    assert all(item.origin.label == "上级" for item in standards.items)
    if any(item.veto for item in rules.items):
        assert 'data-section="veto"' in text_of(response)
        assert shows(response, "当年积分清零")


def test_range_items_read_as_a_range_decided_at_review(world, client, unified):
    response = page(client, world.member_a.user, "/me/standards/")

    assert "+1～2 分/次（审核时确定）" in row(response, "competition")
    assert "扣 0.5 分/次" in row(response, "absent-on-leave")


def test_caps_per_year_and_limits_per_month_are_shown(world, client, unified):
    response = page(client, world.member_a.user, "/me/standards/")

    assert "全年最多 12 分；每月最多计 1 次" in row(response, "branch-meeting")
    assert "每年最多计 1 次" in row(response, "democratic-review")
    assert shows(response, "本类全年最多 100 分")  # 基础积分
    assert shows(response, "本类全年最多 40 分")  # 特色积分
    assert "须附证明材料" in row(response, "innovative-activity")
    assert "支部登记" in row(response, "dues")
    assert "党员申报" in row(response, "innovative-activity")


def test_deductions_and_veto_items_and_what_a_veto_does(world, client, unified):
    response = page(client, world.member_a.user, "/me/standards/")
    html = text_of(response)
    deductions = html[html.index('data-section="deductions"') :]
    veto = html[html.index('data-section="veto"') :]

    for name in ("不按时按要求报送文字资料", "无故不参加会议、活动", "受到区委和委机关通报批评"):
        assert escape(name) in deductions
    assert "受到党政纪处分" in veto
    assert "发生任一一票否决事项，当年积分清零。" in veto
    assert escape("年终等次只能评定为“不合格”，不得评先评优。") in veto
    assert shows(response, "连续 4 次支部内季度排名最后的党员，定位“不合格”等次。")
    assert shows(response, "优秀：90 分及以上")


def test_branch_items_are_marked_as_the_branchs_own_and_refinements_as_such(world, client, local_a):
    response = page(client, world.member_a.user, "/me/standards/")

    assert 'data-origin="本支部"' in row(response, "snow-clearing")
    assert 'data-origin="上级（本支部细化）"' in row(response, "study")
    assert "全年最多 20 分" in row(response, "study")
    assert 'data-origin="上级"' in row(response, "branch-meeting")
    assert response.context["standards"].local_count == 1


def test_branch_b_reads_the_unified_rules_without_branch_as_own_items(world, client, local_a):
    response = page(client, world.outsider.user, "/me/standards/")

    assert response.status_code == 200
    assert not shows(response, "义务扫雪")
    assert "全年最多 40 分" in row(response, "study")
    assert 'data-origin="上级"' in row(response, "study")


def test_a_member_of_branch_b_cannot_open_branch_as_standards(world, client, local_a):
    """Branch A's own items are branch A's: B's member and B's clerk are refused A's page and its PDF."""
    a = world.branch_a.pk
    for url in (f"/clerk/{a}/standards/", f"/clerk/{a}/standards/pdf/"):
        assert page(client, world.outsider.user, url).status_code in (403, 404)
        assert page(client, world.clerk_b, url).status_code == 404
    assert page(client, world.clerk_b, f"/clerk/{world.branch_b.pk}/standards/").status_code == 200


def test_officers_read_the_standards_of_the_branches_they_follow(world, client, local_a):
    for user in (world.clerk_a, world.higher):
        response = page(client, user, f"/clerk/{world.branch_a.pk}/standards/")
        assert response.status_code == 200
        assert shows(response, "义务扫雪")


def test_anonymous_visitors_are_sent_to_log_in(world, client, unified):
    urls = ("/me/standards/", "/me/handbook/", f"/clerk/{world.branch_a.pk}/standards/")
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"]


def test_the_standards_of_another_day_are_those_in_force_then(world, client, unified):
    response = page(client, world.member_a.user, "/me/standards/?on=2025-06-30")
    assert response.context["standards"] is None
    assert shows(response, "2025年6月30日没有生效的积分细则。")

    response = page(client, world.member_a.user, "/me/standards/?on=2026-13-01")
    assert response.context["standards"] is not None
    assert shows(response, "日期格式不正确")


def test_the_claim_form_shows_the_standard_of_each_item_and_links_to_all(world, client, local_a):
    response = page(client, world.member_a.user, "/me/claims/new/")

    assert response.status_code == 200
    html = text_of(response)
    assert 'href="/me/standards/"' in html
    assert 'id="jf-item-standards"' in html
    assert "义务扫雪" in html and "本支部" in html


def test_the_members_menu_links_to_the_standards_and_the_handbook(world, client, unified):
    html = text_of(page(client, world.member_a.user, "/me/"))

    assert 'href="/me/standards/"' in html
    assert 'href="/me/handbook/"' in html


def test_the_standards_pdf_prints_the_items_their_origin_and_the_veto(world, client, local_a, tmp_path):
    response = page(client, world.member_a.user, "/me/standards/pdf/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(b"".join(response.streaming_content), tmp_path)
    assert "党员积分内容和标准" in text
    for words in ("义务扫雪", "支部党员大会", "受到党政纪处分", "一票否决", "本支部", "当年积分清零"):
        assert words in text, words


# --- 积分手册 -------------------------------------------------------------------------------


def record(world, item: str, day: datetime.date, points=None) -> LedgerEntry:
    return ledger_record(
        member=world.member_a,
        item_code=item,
        occurred_on=day,
        points=points,
        source="record",
        by=world.clerk_a,
    )


def approve_quarter(world, index: int) -> PeriodReview:
    first = D(2026, 3 * index - 2, 1)
    last = D(2026, 3 * index + 1, 1) - datetime.timedelta(days=1) if index < 4 else D(2026, 12, 31)
    review = PeriodReview.objects.create(
        branch=world.branch_a,
        cycle=2026,
        period_kind="quarter",
        period_index=index,
        starts_on=first,
        ends_on=last,
        status=PeriodReview.Status.APPROVED,
    )
    PeriodApproval.objects.create(
        review=review, ruleset_version=RuleSetVersion.objects.get(), approved_by=world.secretary_a
    )
    return review


def test_the_handbook_runs_month_by_month(world, client, unified):
    record(world, "study", D(2026, 1, 8))
    record(world, "study", D(2026, 1, 20))
    record(world, "late-written-material", D(2026, 2, 3))
    record(world, "study", D(2026, 3, 5))

    response = page(client, world.member_a.user, "/me/handbook/")

    handbook = response.context["handbook"]
    assert [(m.month, m.subtotal, m.running) for m in handbook.months[:4]] == [
        (1, Decimal(4), Decimal(4)),
        (2, Decimal(-1), Decimal(3)),
        (3, Decimal(2), Decimal(5)),
        (4, Decimal(0), Decimal(5)),
    ]
    assert handbook.months[-1].running == handbook.total == Decimal(5)
    assert len(handbook.months[0].entries) == 2
    assert shows(response, "2026年2月")


def test_approved_months_and_pending_ones_are_marked(world, client, unified):
    record(world, "study", D(2026, 2, 3))
    record(world, "study", D(2026, 4, 3))
    approve_quarter(world, 1)

    response = page(client, world.member_a.user, "/me/handbook/")

    handbook = response.context["handbook"]
    february, april = handbook.months[1], handbook.months[3]
    assert february.approved and february.entries[0].approved
    assert not april.approved and not april.entries[0].approved
    assert (handbook.approved_points, handbook.pending_points) == (Decimal(2), Decimal(2))
    html = text_of(response)
    assert 'data-month="2026-2"' in html
    month_2 = html[html.index('data-month="2026-2"') : html.index('data-month="2026-3"')]
    month_4 = html[html.index('data-month="2026-4"') : html.index('data-month="2026-5"')]
    assert "已审定" in month_2 and "待审定" not in month_2
    assert "待审定" in month_4
    assert handbook.months[3].future and not handbook.months[2].future  # it is 20 March
    month_5 = html[html.index('data-month="2026-5"') : html.index('data-month="2026-6"')]
    assert "待审定" not in month_5 and "尚未到本月。" in month_5


def test_a_reversal_is_shown_as_such_and_the_entry_it_cancels_struck_through(world, client, unified):
    entry = record(world, "study", D(2026, 1, 8))
    reversal = ledger_reverse(entry=entry, by=world.secretary_a, reason="当天未参加")

    response = page(client, world.member_a.user, "/me/handbook/")

    january = response.context["handbook"].months[0]
    assert january.subtotal == 0 and january.running == 0
    lines = {line.pk: line for line in january.entries}
    assert lines[entry.pk].reversed and lines[entry.pk].note == "已冲正"
    assert lines[reversal.pk].reversal and lines[reversal.pk].note == "冲正 1月8日 的记录（+2 分）"
    html = text_of(response)
    assert f'data-entry="{reversal.pk}" class="jf-reversal" data-kind="reversal"' in html
    assert f'data-entry="{entry.pk}" data-kind="reversed"' in html
    assert "当天未参加" in html


@settings(max_examples=12, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(
    counts=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 2)), min_size=12, max_size=12),
)
def test_running_totals_are_the_months_added_up(world, unified, counts):
    """Any month's 累计 is the subtotals up to that month added up, and a month's subtotal is its entries
    added up unless the rules cut it (学习教育 is capped at 40 a year); at the year's end the running total is
    the capped study points less the deductions, and the year's total is that, floored at 0."""
    with transaction.atomic():
        for month, (studies, lates) in enumerate(counts, start=1):
            for day in range(studies):
                record(world, "study", D(2026, month, day + 1))
            for day in range(lates):
                record(world, "late-written-material", D(2026, month, day + 10))
        handbook = handbook_of(world.member_a, 2026)
        running = Decimal(0)
        for month in handbook.months:
            assert (
                month.subtotal == sum((entry.points for entry in month.entries), Decimal(0)) or month.capped
            )
            running += month.subtotal
            assert month.running == running
        study_points = min(sum(s for s, _ in counts) * 2, 40)
        assert handbook.months[-1].running == study_points - sum(lates for _, lates in counts)
        assert handbook.total == max(handbook.months[-1].running, Decimal(0))
        transaction.set_rollback(True)


def test_the_handbook_page_costs_the_same_queries_for_10_and_30_entries(world, client, unified):
    client.force_login(world.member_a.user)
    items = ("study", "late-written-material", "absent-on-leave")

    def add(count: int, start: int) -> None:
        for n in range(start, start + count):
            record(world, items[n % 3], D(2026, 1 + n % 3, 1 + n // 3))

    add(10, 0)
    with CaptureQueriesContext(connection) as ten:
        assert client.get("/me/handbook/").context["handbook"].entry_count == 10
    add(20, 10)
    with CaptureQueriesContext(connection) as thirty:
        assert client.get("/me/handbook/").context["handbook"].entry_count == 30

    assert len(thirty) == len(ten)


def test_a_member_reads_only_their_own_handbook(world, client, unified):
    member_a = world.member_a
    urls = (f"/clerk/members/{member_a.pk}/handbook/", f"/clerk/members/{member_a.pk}/handbook/2026/pdf/")
    for url in urls:
        for user in (world.outsider.user, world.other_member_a.user):
            assert page(client, user, url).status_code in (403, 404)
        assert page(client, world.clerk_b, url).status_code == 404
    response = page(client, member_a.user, "/me/handbook/")
    assert response.status_code == 200 and response.context["member"] == member_a
    assert page(client, world.outsider.user, "/me/handbook/").context["member"] == world.outsider


def test_officers_read_the_handbooks_of_their_branches_members(world, client, unified):
    record(world, "study", D(2026, 1, 8))
    for user in (world.secretary_a, world.clerk_a, world.higher):
        response = page(client, user, f"/clerk/members/{world.member_a.pk}/handbook/")
        assert response.status_code == 200
        assert response.context["handbook"].entry_count == 1


def test_the_handbook_pdf_prints_the_months_and_the_running_totals(world, client, unified, tmp_path):
    record(world, "study", D(2026, 1, 8))
    record(world, "late-written-material", D(2026, 2, 3))

    response = page(client, world.member_a.user, "/me/handbook/2026/pdf/")

    assert response.status_code == 200
    text = pdf_text(b"".join(response.streaming_content), tmp_path)
    assert "党员积分手册" in text
    assert "学习教育" in text and "不按时按要求报送文字资料" in text
    assert "2026年1月" in text and "本月小计" in text and "待审定" in text
    assert "草稿" in text


def test_standards_for_reads_the_unified_and_the_local_items_apart(world, local_a):
    standards = standards_for(world.branch_a, D(2026, 3, 20))

    origins = {item.code: item.origin.label for item in standards.items}
    assert origins["snow-clearing"] == "本支部"
    assert origins["study"] == "上级（本支部细化）"
    assert origins["dues"] == "上级"


def test_officers_find_the_standards_and_the_handbooks_from_their_pages(world, client, unified):
    rules_page = text_of(page(client, world.secretary_a, f"/clerk/{world.branch_a.pk}/rules/"))
    assert f'href="/clerk/{world.branch_a.pk}/standards/"' in rules_page

    forms = text_of(page(client, world.secretary_a, f"/reports/documents/members/{world.member_a.pk}/"))
    assert f'href="/clerk/members/{world.member_a.pk}/handbook/2026/pdf/"' in forms
    assert f'href="/clerk/members/{world.member_a.pk}/handbook/?year=2026"' in forms

    own = text_of(page(client, world.member_a.user, "/reports/documents/"))
    assert 'href="/me/handbook/2026/pdf/"' in own


def test_a_december_to_november_year_opens_with_the_base_points_and_december(world, client):
    """质检 (002): the cycle runs December → November and every member starts from 基础分 60."""
    committee_rules(world, "zhijian")
    record(world, "theme-day-late", D(2025, 12, 5))
    record(world, "volunteer-service", D(2026, 1, 9))

    response = page(client, world.member_a.user, "/me/handbook/")

    handbook = response.context["handbook"]
    assert handbook.opening == 60
    assert [m.label for m in handbook.months][:2] == ["2025年12月", "2026年1月"]
    assert [m.running for m in handbook.months[:2]] == [Decimal(59), Decimal(61)]
    assert handbook.months[-1].label == "2026年11月"
    assert shows(response, "基础分（自然获得）")


def test_a_corrected_entry_shows_its_reversal_and_its_replacement(world, client, unified):
    from scoring.services import ledger_correct

    entry = record(world, "competition", D(2026, 2, 3), points=Decimal(1))
    reversal, replacement = ledger_correct(
        entry=entry, points=Decimal(2), by=world.secretary_a, reason="取得名次，应记 2 分"
    )

    february = page(client, world.member_a.user, "/me/handbook/").context["handbook"].months[1]

    lines = {line.pk: line for line in february.entries}
    assert lines[entry.pk].reversed
    assert lines[reversal.pk].reversal and lines[reversal.pk].points == -1
    assert lines[replacement.pk].source == "申诉更正" and lines[replacement.pk].points == 2
    assert february.subtotal == february.running == 2
