"""Every download URL for every persona: anonymous → login, outside the scope → 404, inside → a PDF with a
Chinese file name. A member gets their own 申报表, 明细登记表 and 台账 and their branch's 公示, nothing else.

The forms' rendering is tested elsewhere; here WeasyPrint is replaced by a stub that names the template, so
the matrix checks who gets which form (the form's data is still gathered, so it still has to work)."""

from __future__ import annotations

from urllib.parse import unquote

import pytest
from django.urls import reverse

from reports import readiness
from reports.readiness import CJK_FONT_MISSING

ALL = ["claim", "publicity", "filing", "detail", "ledger", "review", "branch_ledger", "grades"]
MEMBERS_OWN = {"claim", "publicity", "detail", "ledger"}  # 张伟's own forms and his branch's 公示


@pytest.fixture
def stub_pdf(monkeypatch):
    monkeypatch.setattr(
        "reports.documents.forms.render_sheet",
        lambda template, sheet, **context: b"%PDF-stub " + template.encode(),
    )


@pytest.fixture
def urls(world, small_quarter) -> dict[str, str]:
    quarter = small_quarter
    """One URL of each download, all about 张伟 and branch A."""
    member, branch = world.member_a.pk, world.branch_a.pk
    name = "reports:documents:"
    return {
        "claim": reverse(name + "claim_pdf", args=[quarter.claim.pk]),
        "publicity": reverse(name + "publicity_pdf", args=[quarter.review.pk]),
        "filing": reverse(name + "filing_pdf", args=[quarter.approval.filing.pk]),
        "detail": reverse(name + "quarter_detail_pdf", args=[member, "2026-Q1"]),
        "ledger": reverse(name + "member_ledger_pdf", args=[member, 2026]),
        "review": reverse(name + "democratic_review_pdf", args=[member, 2026]),
        "branch_ledger": reverse(name + "branch_ledger_pdf", args=[branch, "2026-Q1"]),
        "grades": reverse(name + "year_grade_pdf", args=[branch, 2026]),
    }


def persona(world, who: str):
    members = {"member_a": world.member_a, "other_member_a": world.other_member_a, "outsider": world.outsider}
    return members[who].user if who in members else getattr(world, who)


def test_anonymous_visitors_are_sent_to_log_in(client, urls, stub_pdf):
    for key, url in urls.items():
        response = client.get(url)
        assert response.status_code == 302, key
        assert response["Location"].startswith("/accounts/login/"), key


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("member_a", MEMBERS_OWN),
        ("other_member_a", {"publicity"}),  # the same branch's 公示, none of 张伟's own forms
        ("outsider", set()),  # a member of branch B
        ("clerk_b", set()),  # branch B's clerk
        ("clerk_a", set(ALL)),
        ("committee_a", set(ALL)),
        ("secretary_a", set(ALL)),
        ("higher", set(ALL)),  # the committee above both branches
    ],
)
def test_each_download_answers_only_inside_the_scope(client, world, urls, stub_pdf, who, allowed):
    client.force_login(persona(world, who))
    for key, url in urls.items():
        response = client.get(url)
        if key in allowed:
            assert response.status_code == 200, (who, key)
            assert response["Content-Type"] == "application/pdf"
            assert b"".join(response.streaming_content).startswith(b"%PDF-")
        else:
            assert response.status_code == 404, (who, key, response.status_code)


def test_downloads_carry_a_chinese_file_name(client, world, urls, stub_pdf):
    client.force_login(world.clerk_a)
    expected = {
        "claim": "张伟_20260310_党员积分申报表.pdf",
        "publicity": "第一党支部_2026年度第1季度_积分公示.pdf",
        "filing": "第一党支部_2026年度第1季度_党员季度积分备案表.pdf",
        "detail": "张伟_2026年度第1季度_党员季度积分明细登记表.pdf",
        "ledger": "张伟_2026年度_党员积分量化管理台账.pdf",
        "review": "张伟_2026年度_党员民主评议表.pdf",
        "branch_ledger": "第一党支部_2026年度第1季度_党员积分量化管理台账.pdf",
        "grades": "第一党支部_2026年度_党员年终等次评定审批表.pdf",
    }
    for key, url in urls.items():
        disposition = client.get(url)["Content-Disposition"]
        assert disposition.startswith("attachment; filename*=utf-8''"), disposition
        assert unquote(disposition.split("''", 1)[1]) == expected[key]


def test_each_download_renders_its_own_form(client, world, urls, stub_pdf):
    client.force_login(world.clerk_a)
    templates = {
        "claim": "claim_form",
        "publicity": "publicity_notice",
        "filing": "filing",
        "detail": "quarter_detail",
        "ledger": "member_ledger",
        "review": "democratic_review",
        "branch_ledger": "branch_ledger",
        "grades": "year_grade_approval",
    }
    for key, url in urls.items():
        body = b"".join(client.get(url).streaming_content)
        assert body == f"%PDF-stub reports/pdf/{templates[key]}.html".encode(), key


def test_a_bad_period_code_or_a_year_without_rules_is_refused_in_chinese(client, world, rules_2026):
    client.force_login(world.clerk_a)
    bad = client.get(reverse("reports:documents:branch_ledger_pdf", args=[world.branch_a.pk, "2026-Q5"]))
    assert bad.status_code == 400
    assert "周期代码“2026-Q5”无效" in bad.content.decode()

    no_rules = client.get(reverse("reports:documents:member_ledger_pdf", args=[world.member_a.pk, 2031]))
    assert no_rules.status_code == 400
    assert "2031 年度" in no_rules.content.decode() and "没有生效的积分细则" in no_rules.content.decode()


def test_a_machine_that_cannot_render_pdfs_answers_503_with_the_reason(
    client, world, rules_2026, monkeypatch
):
    monkeypatch.setattr(readiness, "pdf_problems", lambda: [CJK_FONT_MISSING])
    client.force_login(world.clerk_a)

    response = client.get(reverse("reports:documents:member_ledger_pdf", args=[world.member_a.pk, 2026]))

    assert response.status_code == 503
    assert "未找到中文字体" in response.content.decode()
