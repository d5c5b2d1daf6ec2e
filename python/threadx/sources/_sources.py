"""The sources that come with ThreadX: frames in memory, a user function, a directory of files."""

from __future__ import annotations

import os
import string
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import pandas as pd

from threadx._inputs import FieldErrors
from threadx.data import load
from threadx.errors import DataError, ValidationError
from threadx.sources._checks import check_frame, check_symbol, fetch_args, fetched, names_list


@runtime_checkable
class DataSource(Protocol):
    """Anything that returns the bars of one symbol in ``[start, end)``."""

    def fetch(self, symbol: str, start: pd.Timestamp, end: pd.Timestamp, timeframe: str) -> pd.DataFrame:
        """Bars with a UTC DatetimeIndex and the OHLCV columns; raise DataError when it cannot."""
        ...


class InMemorySource:
    """Frames held in a dict, one per symbol; ``fetch`` returns a copy of the slice at the timeframe."""

    def __init__(self, frames: Mapping[str, pd.DataFrame]) -> None:
        errors = FieldErrors()
        if not isinstance(frames, Mapping):
            errors.add("frames", frames, "must be a mapping of symbol -> DataFrame")
            errors.raise_if_any()
        checked: dict[str, pd.DataFrame] = {}
        for key, df in frames.items():
            sym = check_symbol(key, errors, "frames")
            try:
                check_frame(df, source="memory", symbol=str(key))
            except DataError as exc:
                errors.add(f"frames[{key!r}]", df, str(exc))
                continue
            if sym is not None:
                checked[sym] = df
        errors.raise_if_any()
        self._frames = checked

    @property
    def symbols(self) -> list[str]:
        return sorted(self._frames)

    def fetch(self, symbol: str, start: Any, end: Any, timeframe: str) -> pd.DataFrame:
        symbol, t0, t1, timeframe = fetch_args(symbol, start, end, timeframe)
        try:
            df = self._frames[symbol]
        except KeyError:
            raise DataError(f"no data for symbol {symbol!r} (has {names_list(self.symbols)})") from None
        return fetched(df, t0, t1, timeframe, source="memory", symbol=symbol).copy()

    def __repr__(self) -> str:
        return f"InMemorySource(symbols={names_list(self.symbols)})"


class CallableSource:
    """A user function ``func(symbol, start, end, timeframe) -> DataFrame`` as a source.

    ``start``/``end`` arrive as UTC Timestamps; the result is checked
    (:func:`check_frame`), sliced to ``[start, end)`` and brought to ``timeframe``
    (:func:`threadx.sources.at_timeframe`).
    """

    def __init__(self, func: Callable[[str, pd.Timestamp, pd.Timestamp, str], pd.DataFrame], *,
                 name: str | None = None) -> None:
        if not callable(func):
            raise ValidationError([{"field": "func", "value": repr(func), "message": "must be callable"}])
        self.func = func
        self.name: str = name or str(getattr(func, "__name__", type(func).__name__))

    def fetch(self, symbol: str, start: Any, end: Any, timeframe: str) -> pd.DataFrame:
        symbol, t0, t1, timeframe = fetch_args(symbol, start, end, timeframe)
        return fetched(self.func(symbol, t0, t1, timeframe), t0, t1, timeframe, source=self.name, symbol=symbol)

    def __repr__(self) -> str:
        return f"CallableSource({self.name})"


_PLACEHOLDERS = frozenset({"symbol", "timeframe"})


class DirectorySource:
    """One file per symbol under ``root``, named by ``pattern`` (``{symbol}``, optionally ``{timeframe}``).

    Files are read with ``loader(path, **load_kwargs)`` -- by default
    ``threadx.data.load`` (so ``load_kwargs`` may hold ``tz=``, ``label=``,
    ``format=``...) -- checked, sliced to ``[start, end)`` and brought to ``timeframe``
    like every source's bars (finer bars aggregated, coarser ones refused; see
    :func:`threadx.sources.at_timeframe`); ``{timeframe}`` in the pattern picks the
    file.  A missing file is a permanent DataError.
    """

    def __init__(self, root: str | os.PathLike[str], pattern: str = "{symbol}.csv", *,
                 loader: Callable[..., pd.DataFrame] | None = None,
                 load_kwargs: Mapping[str, Any] | None = None) -> None:
        errors = FieldErrors()
        try:
            path = Path(root)
        except TypeError:
            errors.add("root", root, "must be a path")
            path = Path(".")
        else:
            if not path.is_dir():
                errors.add("root", str(root), "is not a directory")
        if not isinstance(pattern, str):
            errors.add("pattern", pattern, "must be a string such as '{symbol}.csv'")
        else:
            try:
                names = {f for _, f, _, _ in string.Formatter().parse(pattern) if f is not None}
            except ValueError as exc:
                errors.add("pattern", pattern, f"is not a valid format string ({exc})")
            else:
                if "symbol" not in names:
                    errors.add("pattern", pattern, "must contain '{symbol}'")
                elif names - _PLACEHOLDERS:
                    errors.add("pattern", pattern,
                               f"may only use {{symbol}} and {{timeframe}}, not {sorted(names - _PLACEHOLDERS)}")
        if loader is not None and not callable(loader):
            errors.add("loader", loader, "must be callable or None")
        if load_kwargs is not None and not isinstance(load_kwargs, Mapping):
            errors.add("load_kwargs", load_kwargs, "must be a mapping or None")
        errors.raise_if_any()
        self.root = path
        self.pattern = pattern
        self.loader = loader
        self.load_kwargs = dict(load_kwargs or {})

    def path_for(self, symbol: str, timeframe: str = "1d") -> Path:
        """The file that holds ``symbol`` (it may not exist)."""
        if any(sep in symbol for sep in ("/", "\\", os.sep, "\0")) or symbol in (".", ".."):
            raise DataError(f"symbol {symbol!r} cannot name a file under {str(self.root)!r}")
        return self.root / self.pattern.format(symbol=symbol, timeframe=timeframe)

    def _load(self, path: Path) -> pd.DataFrame:
        loader = self.loader if self.loader is not None else load
        return loader(path, **self.load_kwargs)

    def fetch(self, symbol: str, start: Any, end: Any, timeframe: str) -> pd.DataFrame:
        symbol, t0, t1, timeframe = fetch_args(symbol, start, end, timeframe)
        path = self.path_for(symbol, timeframe)
        if not path.is_file():
            raise DataError(f"no file for symbol {symbol!r}: {str(path)!r} does not exist")
        return fetched(self._load(path), t0, t1, timeframe, source=repr(self), symbol=symbol)

    def __repr__(self) -> str:
        return f"DirectorySource({str(self.root)!r}, pattern={self.pattern!r})"
