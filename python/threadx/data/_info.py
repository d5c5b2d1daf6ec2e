"""``threadx.data.info``: what an OHLCV file holds and what is wrong with it (``threadx data info``)."""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np
import pandas as pd

from threadx.data._load import load
from threadx.data._resample import bar_step, duration_text
from threadx.errors import DataError

__all__ = ["info"]

TOP_GAPS = 5


def info(path_or_buffer: Any, *, format: str | None = None, tz: Any = None) -> dict[str, Any]:  # noqa: A002
    """A summary of an OHLCV file: ``rows``, ``first``/``last`` time, ``bar`` (the most common
    spacing), ``gaps`` (the ``TOP_GAPS`` longest intervals longer than the bar, with the time
    after which each starts, and how many intervals exceed the bar), ``problems`` (the rows
    :func:`threadx.data.load` refuses, counted by rule, with the first few) and ``repairs``.

    The file is read as ``load`` reads it; a file with refused rows is read again with
    ``on_unsorted="sort", on_duplicate="drop", on_invalid="drop"`` so the summary describes
    what would load after those repairs.  A file that cannot be read at all (no such file,
    not a table, naive times without ``tz``) raises ``DataError``/``ValidationError`` as
    ``load`` does."""
    problems: list[dict[str, Any]] = []
    try:
        df = load(path_or_buffer, format=format, tz=tz)
    except DataError as exc:
        problems = list(getattr(exc, "problems", None) or [])
        if not problems:
            raise
        df = load(path_or_buffer, format=format, tz=tz, on_unsorted="sort", on_duplicate="drop", on_invalid="drop")
    index = df.index
    out: dict[str, Any] = {"rows": len(df), "columns": list(df.columns), "first": index[0] if len(df) else None,
                           "last": index[-1] if len(df) else None, "bar": None, "gaps": [], "longer_than_bar": 0,
                           "problems": Counter(str(p.get("rule")) for p in problems),
                           "first_problems": problems[:5], "repairs": list(df.attrs.get("repairs", [])),
                           "notes": list(df.attrs.get("notes", []))}
    step = bar_step(index) if isinstance(index, pd.DatetimeIndex) and len(index) > 1 else None
    if step is not None and isinstance(index, pd.DatetimeIndex):
        out["bar"] = step
        diffs = np.diff(index.as_unit("ns").asi8)
        longer = np.flatnonzero(diffs > step.value)
        out["longer_than_bar"] = int(len(longer))
        top = longer[np.argsort(-diffs[longer], kind="stable")[:TOP_GAPS]]
        out["gaps"] = [(index[k], pd.Timedelta(int(diffs[k]), unit="ns")) for k in top]
    return out


def info_text(source: str, summary: dict[str, Any]) -> str:
    """``threadx data info``'s lines."""
    s = summary
    lines = [f"{source}: {s['rows']:,} rows, columns {', '.join(s['columns'])}"]
    if s["rows"]:
        lines.append(f"span: {s['first']} .. {s['last']}")
    if s["bar"] is not None:
        lines.append(f"bar: {duration_text(s['bar'])}; {s['longer_than_bar']:,} intervals longer than a bar "
                     "(weekends and holidays included)")
        for start, length in s["gaps"]:
            lines.append(f"  gap of {duration_text(length)} after {start}")
    if s["problems"]:
        total = sum(s["problems"].values())
        lines.append(f"problems: {total:,} rows refused by threadx.data.load ("
                     + ", ".join(f"{rule}: {n:,}" for rule, n in s["problems"].most_common()) + "); first:")
        lines += [f"  row {p.get('row')}: {p.get('message')}" for p in s["first_problems"]]
        lines.append("the summary above is of the file after load's repairs (sort, drop duplicates, drop invalid)")
    else:
        lines.append("problems: none (threadx.data.load reads it as it is)")
    for r in s["repairs"]:
        rows = r.get("rows", r.get("rows_out_of_order", []))
        lines.append(f"repair: {r.get('action')} ({len(rows)} row{'s' if len(rows) != 1 else ''}: "
                     f"{', '.join(str(k) for k in rows[:10])}{' ...' if len(rows) > 10 else ''})")
    lines += [f"note: {n}" for n in s["notes"]]
    return "\n".join(lines)
