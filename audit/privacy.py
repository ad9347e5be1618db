"""No full phone or ID number in the audit trail (严格保护党员个人信息).

The audit admin is read by officers who may not see members' private data (a 上级党委 officer, say),
and the trail is kept for ever: a private field's value is stored masked, as everyone but the member and
the branch clerk sees it anyway. ``audit_record`` applies ``masked`` to every record's data, so a
service recording a field's before and after cannot leak it by forgetting; migration 0003 did the
same to the records written before.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from accounts.masking import mask_id_number, mask_phone

# Field name → its mask, wherever the name appears as a key in a record's data (at any depth).
PRIVATE_FIELDS: dict[str, Callable[[str], str]] = {"phone": mask_phone, "id_number": mask_id_number}


def masked(data: Any) -> Any:
    """``data`` with the values of private fields masked; everything else as it was."""
    if isinstance(data, dict):
        return {
            key: _mask(key, value) if key in PRIVATE_FIELDS else masked(value) for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [masked(item) for item in data]
    return data


def _mask(field: str, value: Any) -> Any:
    if isinstance(value, str) and value:
        return PRIVATE_FIELDS[field](value)
    return value  # empty, None: nothing to hide
