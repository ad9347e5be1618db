"""证明材料: photos, scans and PDFs backing a claim or an appeal.

Files are accepted by what their bytes say (``filetype`` reads the magic numbers), never by their
name or the content type the browser sent. Each stored file keeps its SHA-256, so a reviewer is
warned when the same photo was already used for another claim (falsified points are a documented
problem), without telling a branch reviewer whose claim in another branch it was.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.access import may, organizations_where
from workflows.models import Appeal, Claim, Evidence

if TYPE_CHECKING:
    from accounts.access import AnyUser

# Detected MIME type → the extension the stored file gets.
ALLOWED_TYPES: dict[str, str] = {
    "image/jpeg": "jpg",
    "image/png": "png",
    "image/gif": "gif",
    "image/webp": "webp",
    "image/heic": "heic",
    "application/pdf": "pdf",
}
# Who besides the member may see a claim's evidence: those who handle the claim in its branch.
CLAIM_VIEW_PERMISSIONS = ("record_claims", "review_claims", "decide_appeals")
HEAD_BYTES = 8192  # filetype looks at no more than this
ORIGINAL_NAME_MAX = 200

NOT_ALLOWED = _("文件“%(name)s”不是图片或 PDF，只能上传照片、扫描件或 PDF 文件。")
TOO_LARGE = _("文件“%(name)s”大小 %(size)s，超过 %(limit)s 的上限。")
EMPTY = _("文件“%(name)s”是空文件，请重新选择。")
TOO_MANY = _("证明材料最多 %(limit)s 个（已有 %(existing)s 个，本次上传 %(count)s 个），请删减后再上传。")
REUSED = _("证明材料“%(name)s”与以下申报中的文件完全相同：%(claims)s。")
REUSED_ELSEWHERE = _("证明材料“%(name)s”与其他支部 %(count)s 条申报中的文件完全相同。")


@dataclass(frozen=True)
class CheckedFile:
    """An upload that passed the checks, with what its content says it is."""

    file: UploadedFile
    original_name: str
    content_type: str
    extension: str
    size: int


@dataclass(frozen=True)
class Reuse:
    """One evidence file of a claim that other claims used too.

    ``claims`` are the other claims the viewer may see; ``elsewhere`` counts the ones they may not
    (another branch), which are never named.
    """

    evidence: Evidence
    claims: tuple[Claim, ...] = field(default=())
    elsewhere: int = 0

    @property
    def messages(self) -> list[str]:
        found = []
        if self.claims:
            described = "；".join(_describe(claim) for claim in self.claims)
            found.append(REUSED % {"name": self.evidence.original_name, "claims": described})
        if self.elsewhere:
            found.append(REUSED_ELSEWHERE % {"name": self.evidence.original_name, "count": self.elsewhere})
        return found


def _describe(claim: Claim) -> str:
    return f"{claim.member.real_name} {claim.occurred_on} {claim.item_code}（{claim.get_status_display()}）"


def human_size(size: int) -> str:
    """``12.3 MB``, ``10 MB``, ``512 KB``: how the limit reads in a message."""
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} 字节"


def _display_name(file: UploadedFile) -> str:
    return (file.name or gettext("未命名文件"))[-ORIGINAL_NAME_MAX:]


def _read_head(file: UploadedFile) -> bytes:
    file.seek(0)
    head = file.read(HEAD_BYTES)
    file.seek(0)
    return head


def evidence_check(file: UploadedFile) -> CheckedFile:
    """Accept an image or a PDF within the size limit, judged by content; else ``ValidationError``."""
    name = _display_name(file)
    size = file.size or 0
    if size == 0:
        raise ValidationError({"evidence": [EMPTY % {"name": name}]}, code="empty")
    limit = settings.EVIDENCE_MAX_BYTES
    if size > limit:
        raise ValidationError(
            {"evidence": [TOO_LARGE % {"name": name, "size": human_size(size), "limit": human_size(limit)}]},
            code="too_large",
        )
    kind = filetype.guess(_read_head(file))
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationError({"evidence": [NOT_ALLOWED % {"name": name}]}, code="not_allowed")
    return CheckedFile(
        file=file, original_name=name, content_type=kind.mime, extension=ALLOWED_TYPES[kind.mime], size=size
    )


def _check_all(files: Sequence[UploadedFile]) -> list[CheckedFile]:
    """Every file is checked before any is stored; every refusal is reported at once."""
    checked: list[CheckedFile] = []
    errors: list[Any] = []
    for file in files:
        try:
            checked.append(evidence_check(file))
        except ValidationError as error:
            errors.extend(error.message_dict["evidence"])
    if errors:
        raise ValidationError({"evidence": errors})
    return checked


def _check_count(existing: int, count: int) -> None:
    limit = settings.EVIDENCE_MAX_FILES
    if existing + count > limit:
        raise ValidationError(
            {"evidence": [TOO_MANY % {"limit": limit, "existing": existing, "count": count}]},
            code="too_many",
        )


def sha256_of(file: UploadedFile) -> str:
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    return digest.hexdigest()


@transaction.atomic
def evidence_attach(
    *,
    claim: Claim | None = None,
    appeal: Appeal | None = None,
    files: Sequence[UploadedFile],
    by: Any,
    already: int | None = None,
) -> list[Evidence]:
    """Store the files as evidence of one claim or one appeal: all of them, or none. ``already``: how
    many it holds, when the caller knows (0 for a claim just made); else they are counted."""
    if (claim is None) == (appeal is None):
        raise TypeError("evidence_attach needs exactly one of claim= or appeal=")
    files = list(files)
    if not files:
        return []
    owner = claim if claim is not None else appeal
    _check_count(owner.evidence.count() if already is None else already, len(files))
    stored = []
    for checked in _check_all(files):
        evidence = Evidence(
            claim=claim,
            appeal=appeal,
            original_name=checked.original_name,
            content_type=checked.content_type,
            size=checked.size,
            sha256=sha256_of(checked.file),
            uploaded_by=by,
        )
        # The stored name never comes from the user: no path tricks, no guessable names.
        evidence.file.save(f"{uuid.uuid4().hex}.{checked.extension}", checked.file, save=False)
        evidence.save()
        stored.append(evidence)
    return stored


# --- Reads -----------------------------------------------------------------------------------


def claims_with_evidence_visible_to(user: AnyUser) -> Q:
    """Claims whose evidence ``user`` may see: their own, and those of branches they handle."""
    if not user.is_authenticated:
        return Q(pk__in=[])
    visible = Q(member__user=user)
    for perm in CLAIM_VIEW_PERMISSIONS:
        visible |= Q(branch__in=organizations_where(user, perm))
    return visible


def evidence_reuse(claim: Claim, *, viewer: AnyUser) -> list[Reuse]:
    """For each evidence file of ``claim``, the other claims that used a file with the same SHA-256."""
    own = list(claim.evidence.all())
    if not own:
        return []
    matches = (
        Evidence.objects.filter(sha256__in={e.sha256 for e in own}, claim__isnull=False)
        .exclude(claim=claim)
        .values_list("sha256", "claim_id")
    )
    claim_ids_by_hash: dict[str, set[int]] = {}
    for sha, claim_id in matches:
        claim_ids_by_hash.setdefault(sha, set()).add(claim_id)
    if not claim_ids_by_hash:
        return []
    all_ids = set().union(*claim_ids_by_hash.values())
    visible = {
        c.pk: c
        for c in Claim.objects.filter(pk__in=all_ids)
        .filter(claims_with_evidence_visible_to(viewer))
        .select_related("member")
    }
    found = []
    for evidence in own:
        ids = claim_ids_by_hash.get(evidence.sha256)
        if not ids:
            continue
        shown = tuple(sorted((visible[i] for i in ids if i in visible), key=lambda c: (c.occurred_on, c.pk)))
        found.append(Reuse(evidence=evidence, claims=shown, elsewhere=len(ids) - len(shown)))
    return found


def _may_see_claim(user: AnyUser, claim: Claim) -> bool:
    if claim.member.user_id == user.pk:
        return True
    return any(may(user, perm, claim.branch) for perm in CLAIM_VIEW_PERMISSIONS)


def _may_see_appeal(user: AnyUser, appeal: Appeal) -> bool:
    if appeal.appellant.user_id == user.pk:
        return True
    return may(user, "decide_appeals", appeal.window.branch)


def get_evidence_for_user(user: AnyUser, pk: int) -> Evidence:
    """The evidence file, if ``user`` may see the claim (or appeal) it backs; else 404."""
    evidence = (
        Evidence.objects.select_related(
            "claim__member", "claim__branch", "appeal__appellant", "appeal__window__branch"
        )
        .filter(pk=pk)
        .first()
    )
    if evidence is None or not user.is_authenticated:
        raise Http404
    if evidence.claim is not None and _may_see_claim(user, evidence.claim):
        return evidence
    if evidence.appeal is not None and _may_see_appeal(user, evidence.appeal):
        return evidence
    raise Http404
