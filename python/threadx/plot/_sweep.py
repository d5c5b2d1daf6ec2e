"""``threadx.plot.heatmap`` and ``distribution``: a sweep table's metric (the table stays a DataFrame)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors
from threadx._optional import require

__all__ = ["distribution", "heatmap"]

AGGREGATES = ("max", "mean", "median", "min")


def _metric(table: Any, metric: str, errors: FieldErrors) -> pd.Series | None:
    """The table's ``metric`` column (a stat name, or sweep's short name such as ``"sharpe"``)."""
    from threadx.backtest._sweep import METRICS

    if not isinstance(table, pd.DataFrame):
        errors.add("table", type(table).__name__, "must be a sweep table (a DataFrame)")
        return None
    col = METRICS.get(metric, metric) if isinstance(metric, str) else None
    if col not in table.columns:
        errors.add("metric", metric, f"must be a column of the table or one of {', '.join(METRICS)}")
        return None
    values = pd.to_numeric(table[col], errors="coerce").astype(np.float64)
    if not np.isfinite(values.to_numpy()).any():
        errors.add("metric", metric, f"is NaN for every one of the {len(values)} combinations: nothing to draw")
        return None
    return values


def _figure(ax: Any, figsize: tuple[float, float]) -> tuple[Any, Any]:
    if ax is not None:
        return ax.figure, ax
    figure = require("matplotlib.figure", extra="plot", feature="plotting")
    fig = figure.Figure(figsize=figsize, layout="constrained")
    return fig, fig.add_subplot()


def heatmap(table: Any, x: str, y: str, metric: str = "sharpe", *, agg: str = "max",
            fixed: Mapping[str, Any] | None = None, ax: Any = None, figsize: tuple[float, float] = (8.0, 6.0)) -> Any:
    """A heatmap of ``metric`` over two parameters of a sweep table (``x`` across, ``y`` up).
    ``fixed={name: value}`` keeps the rows where other parameters (or ``symbol``) have those
    values; the rest are aggregated per cell with ``agg`` ("max", "mean", "median", "min"; NaN
    skipped, a cell with no finite value left blank).  Returns the Figure."""
    errors = FieldErrors()
    names = [str(n) for n in (table.index.names if isinstance(table, pd.DataFrame) else []) if n is not None]
    table = _fixed(table, fixed, names, errors)
    values = _metric(table, metric, errors) if table is not None else None
    for field, name in (("x", x), ("y", y)):
        if not isinstance(name, str) or name not in names:
            errors.add(field, name, f"must be a parameter of the table's index: {names}")
    if isinstance(x, str) and isinstance(y, str) and x == y:
        errors.add("y", y, "must differ from x")
    if not (isinstance(agg, str) and agg in AGGREGATES):
        errors.add("agg", agg, f"must be one of {list(AGGREGATES)}")
    errors.raise_if_any()
    assert values is not None
    frame = pd.DataFrame({"x": table.index.get_level_values(x), "y": table.index.get_level_values(y),
                          "v": values.to_numpy()})
    grid = frame.pivot_table(index="y", columns="x", values="v", aggfunc=agg,  # type: ignore[arg-type]
                             dropna=False).sort_index().sort_index(axis=1)
    fig, ax = _figure(ax, figsize)
    image = ax.imshow(np.ma.masked_invalid(grid.to_numpy()), origin="lower", aspect="auto", cmap="viridis")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v)
                                         for v in grid.columns], rotation=90 if grid.shape[1] > 12 else 0)
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, (int, float, np.number)) else str(v)
                                         for v in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    fig.colorbar(image, ax=ax, label=f"{values.name} ({agg})")
    return fig


def _fixed(table: Any, fixed: Any, names: list[str], errors: FieldErrors) -> Any:
    """The rows of ``table`` whose index levels have the ``fixed`` values (all rows for None)."""
    if fixed is None or not isinstance(table, pd.DataFrame):
        return table
    if not isinstance(fixed, Mapping):
        errors.add("fixed", fixed, "must be a dict {parameter: value} or None")
        return None
    mask = np.ones(len(table), dtype=bool)
    for name, value in fixed.items():
        if name not in names:
            errors.add(f"fixed[{name!r}]", value, f"must name a parameter of the table's index: {names}")
            continue
        level = table.index.get_level_values(name)
        hit = np.asarray(level == value, dtype=bool)
        if not hit.any():
            errors.add(f"fixed[{name!r}]", value, f"is none of the table's values: {sorted(set(level))[:10]}")
        mask &= hit
    return table[mask]


def distribution(table: Any, metric: str = "sharpe", *, bins: int = 50, ax: Any = None,
                 figsize: tuple[float, float] = (8.0, 4.0)) -> Any:
    """A histogram of ``metric`` over every combination of a sweep table, with the best and the
    median marked (NaN combinations counted in the title).  Returns the Figure."""
    errors = FieldErrors()
    values = _metric(table, metric, errors)
    if isinstance(bins, bool) or not isinstance(bins, (int, np.integer)) or bins < 1:
        errors.add("bins", bins, "must be an integer >= 1")
    errors.raise_if_any()
    assert values is not None
    v = values.to_numpy()
    finite = v[np.isfinite(v)]
    fig, ax = _figure(ax, figsize)
    ax.hist(finite, bins=int(bins), color="#90a4ae")
    ax.axvline(float(np.max(finite)), color="#c62828", label=f"best {np.max(finite):.3g}")
    ax.axvline(float(np.median(finite)), color="#1565c0", linestyle="--", label=f"median {np.median(finite):.3g}")
    ax.set_xlabel(str(values.name))
    ax.set_ylabel("combinations")
    ax.set_title(f"{len(finite):,} combinations" + (f" ({len(v) - len(finite):,} NaN)" if len(finite) < len(v) else ""))
    ax.legend()
    return fig
