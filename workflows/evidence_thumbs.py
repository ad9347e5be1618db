"""缩略图: small JPEG previews of evidence photos for the queue and the task pages.

A preview is made once per file content (its SHA-256) and kept in the default storage next to the
evidence; re-encoding through Pillow also means the browser is never handed the member's original
bytes just to draw a 96-pixel square. Files Pillow cannot read (HEIC, a damaged photo, a PDF) have no
preview: the page shows an icon for them instead.
"""

from __future__ import annotations

import io
import warnings

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from workflows.models import Evidence

THUMB_SIZE = 192  # pixels, the longer side: sharp at 96 CSS pixels on a phone's 2× screen
THUMB_TYPES = frozenset({"image/jpeg", "image/png", "image/gif", "image/webp"})
MAX_PIXELS = 60_000_000  # beyond any phone camera: a larger "photo" is a decompression bomb


def has_thumbnail(evidence: Evidence) -> bool:
    return evidence.content_type in THUMB_TYPES


def thumbnail_name(evidence: Evidence) -> str:
    return f"evidence/thumbs/{evidence.sha256}-{THUMB_SIZE}.jpg"


def thumbnail_bytes(evidence: Evidence) -> bytes | None:
    """The preview's JPEG bytes, made and stored on first use; None when the file has no preview."""
    if not has_thumbnail(evidence):
        return None
    name = thumbnail_name(evidence)
    if default_storage.exists(name):
        with default_storage.open(name, "rb") as stored:
            return stored.read()
    data = _render(evidence)
    if data is not None and not default_storage.exists(name):
        default_storage.save(name, ContentFile(data))
    return data


def _render(evidence: Evidence) -> bytes | None:
    from PIL import Image, ImageOps

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with evidence.file.open("rb") as source, Image.open(source) as image:
                if image.width * image.height > MAX_PIXELS:
                    return None
                image.draft("RGB", (THUMB_SIZE, THUMB_SIZE))  # JPEG: decode at a fraction of the size
                image = ImageOps.exif_transpose(image)  # phones store portrait photos turned
                image.thumbnail((THUMB_SIZE, THUMB_SIZE))
                out = io.BytesIO()
                image.convert("RGB").save(out, "JPEG", quality=80)
                return out.getvalue()
    except Exception:
        return None
