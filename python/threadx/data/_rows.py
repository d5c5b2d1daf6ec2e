"""A source's raw cells before typing, and the problems found in its rows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd

from threadx.errors import DataError

Unit = Literal["s", "ms", "us", "ns"]
#: Cells read as missing.
MISSING = frozenset({"", "nan", "NaN", "NAN", "NA", "N/A", "n/a", "null", "NULL", "None", "none", "-"})
_MAX_LISTED = 30


@dataclass
class Rows:
    """Raw cells of a source, one column of objects per source column, before typing."""

    names: list[Any]  # source column names (str, or int positions for a headerless file)
    cols: list[pd.Series]
    lines: np.ndarray | None  # file line number of each data row (text sources)
    problems: list[dict[str, Any]] = field(default_factory=list)  # structural, per row
    notes: list[str] = field(default_factory=list)
    time_index: pd.Index | None = None  # a DatetimeIndex carried by the source (Parquet)
    epoch_unit: Unit | None = None  # None: chosen by the values' magnitude
    stored: dict[str, Any] = field(default_factory=dict)  # attrs saved by save()

    @property
    def n(self) -> int:
        return len(self.cols[0]) if self.cols else (0 if self.time_index is None else len(self.time_index))


def problem(rows: Rows, i: int, rule: str, message: str, column: str | None = None,
             value: Any = None) -> dict[str, Any]:
    return {
        "row": i + 1,
        "line": None if rows.lines is None else int(rows.lines[i]),
        "column": column,
        "rule": rule,
        "value": None if value is None else str(value),
        "message": message,
    }


def _where(p: Mapping[str, Any]) -> str:
    return f"row {p['row']}" + (f" (line {p['line']})" if p.get("line") is not None else "")


def raise_problems(source: str, problems: list[dict[str, Any]], has_lines: bool) -> None:
    problems = sorted(problems, key=lambda p: (p["row"], p["rule"]))
    counts: dict[str, int] = {}
    for p in problems:
        counts[p["rule"]] = counts.get(p["rule"], 0) + 1
    n = len(problems)
    numbering = ("row = data row, 1-based, header not counted; line = line number in the file, 1-based"
                 if has_lines else "row = data row, 1-based")
    head = (f"{source}: {n} problem{'s' if n != 1 else ''} "
            f"({', '.join(f'{k}: {v}' for k, v in counts.items())}); {numbering}")
    body = [f"  {_where(p)}: " + (f"{p['column']}: " if p["column"] else "") + p["message"]
            for p in problems[:_MAX_LISTED]]
    if n > _MAX_LISTED:
        body.append(f"  ... and {n - _MAX_LISTED} more (all are in the exception's .problems)")
    err = DataError("\n".join([head, *body]))
    err.problems = problems  # type: ignore[attr-defined]
    raise err



def cell_text(v: Any) -> str:
    if v is None or (isinstance(v, float) and np.isnan(v)):
        return ""
    return str(v).strip()


def fast_float(col: pd.Series) -> np.ndarray | None:
    """float64 of a column that converts cleanly (None/'nan' are missing), else None."""
    if col.dtype.kind in "iuf":
        return col.to_numpy(dtype=np.float64, na_value=np.nan)
    values = col.to_numpy(dtype=object)
    if any(isinstance(v, (bool, np.bool_)) for v in values[:1]):
        return None
    try:
        return np.asarray(values, dtype=np.float64)
    except (ValueError, TypeError):
        return None

