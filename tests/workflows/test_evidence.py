"""证明材料: accepted by content, size and count limits, SHA-256, reuse warnings, serving by permission."""

import datetime
import hashlib
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import include, path, reverse
from django.utils import timezone
from PIL import Image

import config.urls
from scoring.core.presets import preset_path
from scoring.models import LedgerEntry
from scoring.selectors import ruleset_version_current
from scoring.services import ledger_record, ruleset_create
from workflows.evidence import evidence_attach, evidence_check, evidence_reuse, human_size
from workflows.models import Appeal, Claim, Evidence, PeriodReview, PublicityWindow

# The serving view is mounted here as the project will mount it, in front of the project's URLs.
urlpatterns = [path("evidence/", include("workflows.views_evidence")), *config.urls.urlpatterns]

PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
ZIP = b"PK\x03\x04" + bytes(60)
EXE = b"MZ" + b"\x90" * 100


def image_bytes(fmt: str, color: str = "red") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "image/jpeg") -> SimpleUploadedFile:
    # The browser's content type is deliberately whatever the name suggests: it must not matter.
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def version(world):
    ruleset = ruleset_create(
        organization=world.committee,
        cycle=2026,
        text=preset_path("erqi-2021").read_text(encoding="utf-8"),
        by=world.higher,
        in_force=True,
    )
    return ruleset_version_current(ruleset)


def make_claim(member, version, day=datetime.date(2026, 3, 1), item="innovative-activity") -> Claim:
    return Claim.objects.create(
        member=member,
        branch=member.branch,
        ruleset_version=version,
        item_code=item,
        occurred_on=day,
        created_by=member.user,
    )


@pytest.fixture
def claim(world, version):
    return make_claim(world.member_a, version, datetime.date(2026, 2, 1))


# --- Checks ----------------------------------------------------------------------------------


def test_images_and_pdf_are_stored_with_hash_type_size_and_a_random_name(world, claim):
    png, jpeg = image_bytes("PNG"), image_bytes("JPEG")
    stored = evidence_attach(
        claim=claim,
        files=[upload("签到表.png", png), upload("活动照片.jpg", jpeg), upload("扫描件.pdf", PDF)],
        by=world.member_a.user,
    )

    assert [e.content_type for e in stored] == ["image/png", "image/jpeg", "application/pdf"]
    assert [e.original_name for e in stored] == ["签到表.png", "活动照片.jpg", "扫描件.pdf"]
    assert [e.size for e in stored] == [len(png), len(jpeg), len(PDF)]
    assert [e.sha256 for e in stored] == [hashlib.sha256(c).hexdigest() for c in (png, jpeg, PDF)]
    for evidence, ext, content in zip(stored, ("png", "jpg", "pdf"), (png, jpeg, PDF), strict=True):
        stored_name = evidence.file.name.rsplit("/", 1)[-1]
        assert evidence.file.name.startswith("evidence/")
        assert stored_name.endswith(f".{ext}") and len(stored_name) == 32 + 1 + len(ext)
        with evidence.file.open("rb") as f:
            assert f.read() == content
    assert list(claim.evidence.all()) == stored
    assert all(e.uploaded_by == world.member_a.user for e in stored)


def test_the_type_comes_from_the_content_not_the_name():
    checked = evidence_check(upload("scan.pdf", image_bytes("PNG"), content_type="application/pdf"))

    assert (checked.content_type, checked.extension) == ("image/png", "png")


@pytest.mark.parametrize(
    ("name", "content"),
    [("x.exe", EXE), ("photo.jpg", ZIP), ("photo.jpg", EXE), ("scan.pdf", b"just some text, not a PDF")],
)
def test_anything_but_an_image_or_pdf_is_refused(name, content):
    with pytest.raises(ValidationError) as error:
        evidence_check(upload(name, content))

    assert error.value.message_dict == {
        "evidence": [f"文件“{name}”不是图片或 PDF，只能上传照片、扫描件或 PDF 文件。"]
    }


def test_a_file_over_the_size_limit_is_refused(settings):
    settings.EVIDENCE_MAX_BYTES = 10 * 1024 * 1024
    big = image_bytes("JPEG") + bytes(12_900_000)

    with pytest.raises(ValidationError) as error:
        evidence_check(upload("a.jpg", big))

    assert error.value.message_dict == {"evidence": ["文件“a.jpg”大小 12.3 MB，超过 10 MB 的上限。"]}


def test_a_file_at_the_limit_is_accepted(settings):
    content = image_bytes("PNG")
    settings.EVIDENCE_MAX_BYTES = len(content)

    assert evidence_check(upload("a.png", content)).size == len(content)


def test_an_empty_file_is_refused():
    with pytest.raises(ValidationError) as error:
        evidence_check(upload("empty.jpg", b""))

    assert error.value.message_dict == {"evidence": ["文件“empty.jpg”是空文件，请重新选择。"]}


@pytest.mark.parametrize(
    ("size", "text"), [(512, "512 字节"), (2048, "2 KB"), (10 * 1024 * 1024, "10 MB"), (1_300_000, "1.2 MB")]
)
def test_human_size(size, text):
    assert human_size(size) == text


def test_one_bad_file_stores_none_and_every_bad_file_is_named(world, claim):
    with pytest.raises(ValidationError) as error:
        evidence_attach(
            claim=claim,
            files=[upload("good.png", image_bytes("PNG")), upload("a.jpg", ZIP), upload("b.jpg", b"")],
            by=world.member_a.user,
        )

    assert error.value.message_dict == {
        "evidence": [
            "文件“a.jpg”不是图片或 PDF，只能上传照片、扫描件或 PDF 文件。",
            "文件“b.jpg”是空文件，请重新选择。",
        ]
    }
    assert not Evidence.objects.exists()


def test_a_claim_holds_at_most_the_configured_number_of_files(world, claim, settings):
    settings.EVIDENCE_MAX_FILES = 2
    evidence_attach(claim=claim, files=[upload("1.png", image_bytes("PNG"))], by=world.member_a.user)

    with pytest.raises(ValidationError) as error:
        evidence_attach(
            claim=claim,
            files=[upload("2.png", image_bytes("PNG", "blue")), upload("3.png", image_bytes("PNG", "green"))],
            by=world.member_a.user,
        )

    assert error.value.message_dict == {
        "evidence": ["证明材料最多 2 个（已有 1 个，本次上传 2 个），请删减后再上传。"]
    }
    assert claim.evidence.count() == 1


def test_no_files_store_nothing(world, claim):
    assert evidence_attach(claim=claim, files=[], by=world.member_a.user) == []


def test_evidence_belongs_to_exactly_one_claim_or_appeal(world):
    with pytest.raises(TypeError):
        evidence_attach(files=[upload("a.png", image_bytes("PNG"))], by=world.member_a.user)


# --- Reuse -----------------------------------------------------------------------------------


@pytest.fixture
def reused(world, version):
    """The same photo behind a claim of 张伟, one of 王芳 (same branch) and one of 赵磊 (branch B)."""
    photo = image_bytes("JPEG", "navy")
    claims = {}
    for key, member, day in (
        ("first", world.member_a, datetime.date(2026, 3, 1)),
        ("same_branch", world.other_member_a, datetime.date(2026, 3, 8)),
        ("other_branch", world.outsider, datetime.date(2026, 3, 9)),
    ):
        claims[key] = make_claim(member, version, day)
        evidence_attach(
            claim=claims[key],
            files=[upload("photo.jpg", photo), upload(f"{key}.png", image_bytes("PNG", "white"))]
            if key == "same_branch"
            else [upload("photo.jpg", photo)],
            by=member.user,
        )
    return claims


def test_reuse_in_the_reviewers_branch_is_shown_in_full_and_elsewhere_only_counted(world, reused):
    found = evidence_reuse(reused["same_branch"], viewer=world.committee_a)

    assert len(found) == 1  # the second file (a plain white PNG) is its own
    (reuse,) = found
    assert reuse.evidence.original_name == "photo.jpg"
    assert reuse.claims == (reused["first"],)
    assert reuse.elsewhere == 1
    assert reuse.messages == [
        "证明材料“photo.jpg”与以下申报中的文件完全相同：张伟 2026-03-01 innovative-activity（待登记）。",
        "证明材料“photo.jpg”与其他支部 1 条申报中的文件完全相同。",
    ]
    assert "赵磊" not in " ".join(reuse.messages)


def test_a_reviewer_of_another_branch_learns_only_the_count(world, reused):
    (reuse,) = evidence_reuse(reused["other_branch"], viewer=world.clerk_b)

    assert reuse.claims == ()
    assert reuse.elsewhere == 2
    assert reuse.messages == ["证明材料“photo.jpg”与其他支部 2 条申报中的文件完全相同。"]


def test_a_member_sees_only_their_own_claims(world, reused):
    (reuse,) = evidence_reuse(reused["first"], viewer=world.member_a.user)

    assert reuse.claims == ()
    assert reuse.elsewhere == 2


def test_a_claim_without_shared_files_has_no_reuse(world, claim, reused):
    evidence_attach(
        claim=claim, files=[upload("own.png", image_bytes("PNG", "olive"))], by=world.member_a.user
    )

    assert evidence_reuse(claim, viewer=world.committee_a) == []


# --- Serving ---------------------------------------------------------------------------------


@pytest.fixture
def stored(world, claim) -> Evidence:
    (evidence,) = evidence_attach(
        claim=claim, files=[upload("签到表.png", image_bytes("PNG"))], by=world.member_a.user
    )
    return evidence


def fetch(client, user, evidence):
    if user is not None:
        client.force_login(user)
    return client.get(reverse("evidence:serve", args=[evidence.pk]))


@pytest.mark.urls(__name__)
def test_anonymous_visitors_are_sent_to_log_in(client, stored):
    response = fetch(client, None, stored)

    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("who", ["member", "clerk", "committee", "secretary"])
def test_the_member_and_the_branch_officers_get_the_file_inline(client, world, stored, who):
    user = {
        "member": world.member_a.user,
        "clerk": world.clerk_a,
        "committee": world.committee_a,
        "secretary": world.secretary_a,
    }[who]

    response = fetch(client, user, stored)

    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "sandbox"
    assert b"".join(response.streaming_content) == image_bytes("PNG")


@pytest.mark.urls(__name__)
def test_a_pdf_is_served_sandboxed_so_its_scripts_cannot_act_as_the_site(client, world, claim):
    (pdf,) = evidence_attach(
        claim=claim, files=[upload("证明.pdf", PDF, "application/pdf")], by=world.member_a.user
    )

    response = fetch(client, world.clerk_a, pdf)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Security-Policy"] == "sandbox"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.urls(__name__)
@pytest.mark.parametrize("who", ["other_member", "outsider", "clerk_b", "higher"])
def test_anyone_else_gets_404(client, world, stored, who):
    user = {
        "other_member": world.other_member_a.user,
        "outsider": world.outsider.user,
        "clerk_b": world.clerk_b,
        "higher": world.higher,
    }[who]

    assert fetch(client, user, stored).status_code == 404


@pytest.mark.urls(__name__)
def test_an_unknown_file_is_404(client, world):
    client.force_login(world.member_a.user)

    assert client.get(reverse("evidence:serve", args=[999999])).status_code == 404


@pytest.fixture
def appeal_evidence(world, version) -> Evidence:
    """王芳 appeals an entry of 张伟 in branch A's publicity, with a photo."""
    entry = ledger_record(
        member=world.member_a,
        item_code="branch-meeting",
        occurred_on=datetime.date(2026, 2, 10),
        source=LedgerEntry.Source.RECORD,
        by=world.clerk_a,
        ruleset_version=version,
    )
    review = PeriodReview.objects.create(
        branch=world.branch_a,
        cycle=2026,
        period_kind="quarter",
        period_index=1,
        starts_on=datetime.date(2026, 1, 1),
        ends_on=datetime.date(2026, 3, 31),
    )
    now = timezone.now()
    window = PublicityWindow.objects.create(
        branch=world.branch_a, review=review, opens_at=now, closes_at=now + datetime.timedelta(days=5)
    )
    appeal = Appeal.objects.create(
        window=window, appellant=world.other_member_a, entry=entry, reason="当天未到会"
    )
    (evidence,) = evidence_attach(
        appeal=appeal, files=[upload("签到表.jpg", image_bytes("JPEG"))], by=world.other_member_a.user
    )
    return evidence


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(
    ("who", "status"),
    [("appellant", 200), ("committee", 200), ("secretary", 200), ("clerk", 404), ("outsider", 404)],
)
def test_appeal_evidence_is_for_the_appellant_and_those_deciding_appeals(
    client, world, appeal_evidence, who, status
):
    user = {
        "appellant": world.other_member_a.user,
        "committee": world.committee_a,
        "secretary": world.secretary_a,
        "clerk": world.clerk_a,
        "outsider": world.outsider.user,
    }[who]

    assert fetch(client, user, appeal_evidence).status_code == status
