"""The preset rule sets shipped with the system (``scoring/presets/*.yaml``), read from disk.

A preset's file name is its code. A preset may ``extends`` another preset.
"""

from __future__ import annotations

from pathlib import Path

from scoring.core.inherit import read_ruleset_file
from scoring.core.ruleset import RuleSet

PRESETS_DIR = Path(__file__).resolve().parent.parent / "presets"
UNKNOWN_PRESET = "未知的预置规则集:{code}(可用:{codes})"


def preset_codes() -> list[str]:
    """Codes of the shipped presets, sorted."""
    return sorted(path.stem for path in PRESETS_DIR.glob("*.yaml"))


def preset_path(code: str) -> Path:
    if code not in preset_codes():
        raise KeyError(UNKNOWN_PRESET.format(code=code, codes="、".join(preset_codes())))
    return PRESETS_DIR / f"{code}.yaml"


def load_preset(code: str) -> RuleSet:
    """The preset rule set ``code`` (``KeyError`` with a Chinese message for an unknown code)."""
    return read_ruleset_file(preset_path(code), resolve=find_preset)


def find_preset(code: str) -> RuleSet | None:
    """The preset ``code``, or None: the resolver to pass to :func:`scoring.core.inherit.read_ruleset`."""
    return load_preset(code) if code in preset_codes() else None
