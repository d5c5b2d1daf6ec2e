"""Column names: the standard OHLCV names, snake_case and aliases, positions of headerless files."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from threadx.data._rows import Rows, cell_text
from threadx.data._times import TIME_OF_DAY
from threadx.errors import DataError, ValidationError

OHLCV: tuple[str, ...] = ("open", "high", "low", "close", "volume")
PRICES = ("open", "high", "low", "close")
_ALIASES = {
    "o": "open", "h": "high", "l": "low", "c": "close", "v": "volume", "vol": "volume",
    "adjclose": "adj_close", "adjusted_close": "adj_close",
    "openinterest": "open_interest", "oi": "open_interest",
}


def snake(name: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.strip())
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    return _ALIASES.get(s, s)


def rename(rows: Rows, columns: Mapping[Any, str] | None) -> list[str]:
    """Standard names of the source columns, after the user's mapping."""
    raw = list(rows.names)
    headerless = bool(raw) and all(isinstance(x, int) for x in raw)
    if headerless:
        base = _positional_names(rows, strict=not columns)
    else:
        base = [("time" if k == 0 else f"unnamed_{k + 1}") if not str(x).strip() else snake(str(x))
                for k, x in enumerate(raw)]
    if columns:
        missing = []
        for key, target in columns.items():
            if key in raw and not isinstance(key, bool):
                base[raw.index(key)] = snake(target)
            elif isinstance(key, str) and snake(key) in base:
                base[base.index(snake(key))] = snake(target)
            else:
                missing.append(key)
        if missing:
            raise ValidationError([{"field": "columns", "value": repr(k),
                                    "message": f"no such column in the source; its columns are {raw!r}"}
                                   for k in missing])
    return base


def _positional_names(rows: Rows, strict: bool) -> list[str]:
    width = len(rows.names)
    first = next((v for v in rows.cols[1].map(cell_text) if v), "") if width > 1 else ""
    lead = ["date", "time"] if TIME_OF_DAY.match(first) else ["time"]
    rest = width - len(lead)
    if rest < 4:
        if strict:
            raise DataError(f"a headerless file needs a timestamp and at least open, high, low, close; "
                            f"found {width} fields per row (name them with columns={{position: name}})")
        return [f"column_{k + 1}" for k in range(width)]
    std = ["open", "high", "low", "close", "volume", "open_interest"]
    return lead + std[:rest] + [f"column_{k + 1}" for k in range(len(lead) + len(std), width)]

