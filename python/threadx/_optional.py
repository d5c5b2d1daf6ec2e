"""Optional dependencies: imported where a feature needs them, refused with the extra that installs them."""

from __future__ import annotations

import importlib
from types import ModuleType

from threadx.errors import MissingDependencyError

__all__ = ["require"]


def require(module: str, *, extra: str, feature: str) -> ModuleType:
    """``module`` imported, or ``MissingDependencyError`` naming the package and ``threadx[extra]``.

    ``feature`` says what needs it ("reading Parquet"); ``extra`` is the
    ``[project.optional-dependencies]`` group of ThreadX that installs it.
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        package = module.partition(".")[0]
        raise MissingDependencyError(
            f"{feature} needs {package}, an optional dependency of ThreadX that is not installed: "
            f"pip install 'threadx[{extra}]'", name=package) from exc
