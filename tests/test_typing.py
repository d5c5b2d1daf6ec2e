"""The package's annotations and the _core stub type-check (mypy, as in CI)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "python" / "threadx"


def test_mypy_clean() -> None:
    pytest.importorskip("mypy")
    r = subprocess.run(
        [sys.executable, "-m", "mypy", str(PACKAGE), "--ignore-missing-imports", "--no-incremental"],
        capture_output=True, text=True, timeout=600,
    )
    assert r.returncode == 0, r.stdout + r.stderr


def test_stub_matches_extension() -> None:
    import threadx._core as core

    stub = (PACKAGE / "_core.pyi").read_text()
    public = [name for name in dir(core) if not name.startswith("_")]
    missing = [name for name in public if f"def {name}(" not in stub and f"class {name}" not in stub]
    assert not missing, f"_core.pyi lacks {missing}"
