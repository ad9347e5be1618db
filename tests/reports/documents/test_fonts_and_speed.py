"""The forms embed a subset of the Noto CJK font and stay small — these fail on a machine without the
CJK font or without HarfBuzz subsetting (whose absence makes rendering ten times slower; the speed
itself is measured by ``benchmarks/pdf_forms.py``, not asserted here) — and PDF work stops with the
reason when it can't."""

from __future__ import annotations

import re

import pytest

from reports import readiness
from reports.documents.forms import filing_pdf, member_ledger_pdf
from reports.readiness import HARFBUZZ_SUBSET_MISSING, PdfUnavailable, pdf_problems

SUBSET_NOTO_CJK = re.compile(r"[A-Z]{6}\+Noto-Sans-CJK-SC(-Bold)?")


def test_forms_embed_only_subsets_of_noto_cjk_and_stay_small(world, quarter, read_pdf):
    assert pdf_problems() == []  # Pango, a CJK font and libharfbuzz-subset are all there

    for data in (member_ledger_pdf(world.member_a, 2026), filing_pdf(quarter.approval.filing)):
        fonts = read_pdf(data).fonts
        assert fonts, "no embedded font: the Chinese text would not show"
        assert all(SUBSET_NOTO_CJK.fullmatch(name) for name in fonts), fonts
        # The full Noto Sans CJK face is 16 MB; a subset of a one-page form is a few hundred KB.
        assert len(data) < 500_000, len(data)


def test_forms_refuse_with_the_reason_when_harfbuzz_subsetting_is_missing(world, quarter, monkeypatch):
    monkeypatch.setattr(readiness, "pdf_problems", lambda: [HARFBUZZ_SUBSET_MISSING])

    with pytest.raises(PdfUnavailable) as excinfo:
        member_ledger_pdf(world.member_a, 2026)

    assert excinfo.value.problems == [HARFBUZZ_SUBSET_MISSING]
    assert "libharfbuzz-subset0" in str(excinfo.value)
