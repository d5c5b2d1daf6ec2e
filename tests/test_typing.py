"""The package's annotations and the _core stubs type-check (mypy, as in CI)."""

from __future__ import annotations

import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "python" / "threadx"


def test_mypy_strict_clean() -> None:
    """``mypy --strict python/threadx`` with the project's [tool.mypy] settings: no error."""
    pytest.importorskip("mypy")
    r = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--config-file", str(ROOT / "pyproject.toml"),
         "--no-incremental", str(PACKAGE)],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize("area", ["", "rolling", "ta", "backtest", "research"])
def test_stub_matches_extension(area: str) -> None:
    import importlib

    core = importlib.import_module("threadx._core" + (f".{area}" if area else ""))
    stub = (PACKAGE / "_core" / f"{area or '__init__'}.pyi").read_text()
    public = [name for name in dir(core) if not name.startswith("_")]
    missing = [name for name in public
               if f"def {name}(" not in stub and f"class {name}" not in stub and f"import {name} as {name}" not in stub]
    assert not missing, f"_core/{area or '__init__'}.pyi lacks {missing}"


def test_core_submodules_import() -> None:
    import threadx._core.ta
    from threadx import _core
    from threadx._core import backtest, rolling, ta

    assert (rolling, ta, backtest) == (_core.rolling, _core.ta, _core.backtest)
    assert threadx._core.ta is ta
