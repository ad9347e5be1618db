"""The scoring core is plain Python: nothing in ``scoring.core`` imports Django."""

import re
import subprocess
import sys
from pathlib import Path

import scoring.core

CORE_DIR = Path(scoring.core.__file__).parent


def test_no_module_of_the_core_mentions_django_imports():
    offenders = [
        path.name
        for path in CORE_DIR.rglob("*.py")
        if re.search(r"^\s*(from|import)\s+django\b", path.read_text(encoding="utf-8"), re.MULTILINE)
    ]
    assert offenders == []


def test_importing_the_whole_core_loads_no_django_module():
    modules = [f"scoring.core.{path.stem}" for path in CORE_DIR.glob("*.py") if path.stem != "__init__"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        "print(sorted(m for m in sys.modules if m == 'django' or m.startswith('django.')))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=CORE_DIR.parent.parent
    )
    assert output.stdout.strip() == "[]"
