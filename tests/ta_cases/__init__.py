"""Parameter cases of every indicator, one module per family (see each module)."""

from __future__ import annotations

import importlib
import pkgutil

CASES: dict[str, list[dict]] = {}
for _mod in pkgutil.iter_modules(__path__):
    _cases = getattr(importlib.import_module(f"{__name__}.{_mod.name}"), "CASES", {})
    for _name, _kwargs in _cases.items():
        CASES.setdefault(_name, []).extend(_kwargs)
