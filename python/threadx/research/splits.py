"""Splitters over a bar index, without look-ahead: walk-forward, purged k-fold, combinatorial purged k-fold.

A splitter knows its options; ``split(index)`` turns them into :class:`Split` objects for one
bar index (a pandas ``Index``, a Series/DataFrame whose index is used, or an ``int`` number of
bars).  Every split gives *positions* (``iloc``), never labels: ``train`` and ``test`` are sorted
int64 arrays, and ``warmup_start`` is the first bar the test fold's indicators may read.

Words (the same in every splitter; docs/research.md "Splits"):

- **purge** (bars): train bars removed just before each test span, ``[start - purge, start)``.
  For a strategy: its longest indicator lookback plus its longest holding period, so that no
  train decision or trade reads or holds into the test span.
- **embargo** (bars): train bars removed just after each test span, ``[stop, stop + embargo)``
  (López de Prado, *Advances in Financial Machine Learning*, ch. 7).  A walk-forward split has
  no train bar after its test, so there the embargo removes nothing.
- **warmup** (bars): the history each test span's indicators may read before it:
  ``warmup_start = max(0, start - warmup)``.  A test fold is run on ``[warmup_start, stop)``
  and scored on ``[start, stop)``: no NaN warm-up eats the test window and no bar after the
  fold's end is read.
- **time spans**: a window given as a fixed-length pandas offset (``"730D"``, ``"26W"``,
  ``"12h"``) needs a DatetimeIndex and is the half-open interval ``[t, t + offset)`` of
  timestamps, in absolute time (``"1D"`` is 24 hours, also across a DST change).  Bar ``j``
  covers ``[t_j, t_{j+1})``; the data covers ``[t_0, t_last + bar)``, where ``bar`` is the
  smallest spacing of the index.

Every bad option or index is a :class:`threadx.errors.ValidationError` naming the field and
its value, all of them at once, before any split is returned.
"""

from __future__ import annotations

import datetime as _dt
import itertools
import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar, Union

import numpy as np
import pandas as pd

from threadx._inputs import FieldErrors, _is_int, as_int, checked_keywords
from threadx._optional import require

if TYPE_CHECKING:
    from matplotlib.axes import Axes

__all__ = ["MAX_SPLITS", "CombinatorialPurgedKFold", "PurgedKFold", "Span", "Split", "WalkForward"]

#: The most splits one ``split()`` returns (each holds arrays as long as the data): C(N, k) grows fast.
MAX_SPLITS = 100_000

Length = Union[int, str, pd.Timedelta, _dt.timedelta, np.timedelta64]
"""A window: a number of bars, or a fixed-length time offset ("730D", "26W", a Timedelta)."""

IndexLike = Union[pd.Index, pd.Series, pd.DataFrame, int]
"""What ``split`` takes: a bar index, a Series/DataFrame (its index), or a number of bars."""

T = TypeVar("T")


# ---------------------------------------------------------------------------------------------
# Split


class Span(NamedTuple):
    """One contiguous run of test bars ``[start, stop)`` and the first bar its indicators may read."""

    warmup_start: int
    start: int
    stop: int

    @property
    def read(self) -> slice:
        """The bars a backtest of this span may read: ``[warmup_start, stop)``."""
        return slice(self.warmup_start, self.stop)


def _checked(cls: type[T]) -> type[T]:
    """``cls`` whose constructor names a keyword it does not take (a ValidationError, not a TypeError)."""
    setattr(cls, "__init__", checked_keywords(cls.__init__))  # noqa: B010 - mypy refuses a method assignment
    return cls


@_checked
@dataclass(frozen=True, eq=False, repr=False)
class Split:
    """One fold: train and test positions and the warm-up of the test fold.

    ``train`` and ``test`` are read-only, strictly increasing int64 position arrays (``iloc``;
    a slice, range or sequence of ints given to the constructor is converted).  ``warmup`` is
    the number of bars of history the test fold's indicators may read before each test span;
    ``warmup_start`` (``max(0, test[0] - warmup)``) is the first of them.  The constructor
    checks a split built by hand the same way the splitters' own are: non-empty, non-negative,
    no test bar in train.
    """

    fold: int
    train: np.ndarray
    test: np.ndarray
    warmup: int = 0

    def __post_init__(self) -> None:
        errors = FieldErrors()
        as_int(self.fold, "fold", errors, 0, minimum=0)
        as_int(self.warmup, "warmup", errors, 0, minimum=0)
        train = _positions(self.train, "train", errors)
        test = _positions(self.test, "test", errors)
        if train is not None and test is not None:
            both = np.intersect1d(train, test, assume_unique=True)
            if both.size:
                errors.add("test", _runs_text(test), f"overlaps train at {both.size} bar(s), first {int(both[0])}")
        errors.raise_if_any()
        object.__setattr__(self, "fold", int(self.fold))
        object.__setattr__(self, "warmup", int(self.warmup))
        object.__setattr__(self, "train", train)
        object.__setattr__(self, "test", test)

    @property
    def warmup_start(self) -> int:
        """The first bar the test fold's indicators may read (at or before ``test[0]``)."""
        return self.spans[0].warmup_start

    @property
    def test_start(self) -> int:
        """The first test position."""
        return int(self.test[0])

    @property
    def test_stop(self) -> int:
        """One past the last test position (the fold's end: no bar from here on may be read)."""
        return int(self.test[-1]) + 1

    @property
    def spans(self) -> tuple[Span, ...]:
        """The contiguous runs of test bars, each with its own warm-up (CPCV tests several)."""
        return tuple(Span(max(0, a - self.warmup), a, b) for a, b in _runs(self.test))

    def __repr__(self) -> str:
        return (f"Split(fold={self.fold}, train={_runs_text(self.train)} ({self.train.size} bars), "
                f"test={_runs_text(self.test)} ({self.test.size} bars), warmup_start={self.warmup_start})")


def _positions(value: Any, name: str, errors: FieldErrors) -> np.ndarray | None:
    """``value`` (slice, range, ints) as a read-only, strictly increasing, non-empty int64 array."""
    if isinstance(value, slice):
        if not (_is_int(value.start) and _is_int(value.stop)) or value.step not in (None, 1):
            errors.add(name, value, "a slice of positions needs an integer start and stop and no step")
            return None
        value = range(value.start, value.stop)
    try:  # a range becomes an arange at once (its size checked by numpy), not a Python loop
        arr = np.arange(value.start, value.stop, value.step) if isinstance(value, range) else np.asarray(value)
    except (TypeError, ValueError, OverflowError, MemoryError):
        arr = np.asarray([None])
    if arr.ndim != 1 or not (arr.dtype.kind in "iu" or arr.size == 0):
        errors.add(name, value, "must be positions: a 1-D sequence of integers, a range or a slice")
        return None
    arr = np.array(arr, dtype=np.int64)  # a copy the caller cannot change
    if arr.size == 0:
        errors.add(name, "[]", "is empty")
        return None
    if arr[0] < 0 or (arr.size > 1 and not bool(np.all(np.diff(arr) > 0))):
        errors.add(name, _runs_text(arr), "must be non-negative and strictly increasing")
        return None
    arr.setflags(write=False)
    return arr


def _runs(positions: np.ndarray) -> list[tuple[int, int]]:
    """The contiguous runs ``[start, stop)`` of sorted positions."""
    if positions.size == 0:
        return []
    breaks = np.flatnonzero(np.diff(positions) != 1) + 1
    starts = np.concatenate(([0], breaks))
    stops = np.concatenate((breaks, [positions.size]))
    return [(int(positions[a]), int(positions[b - 1]) + 1) for a, b in zip(starts, stops)]


def _runs_text(positions: np.ndarray, most: int = 3) -> str:
    runs = _runs(positions)
    text = "+".join(f"[{a}:{b})" for a, b in runs[:most])
    return text + (f"+...({len(runs) - most} more)" if len(runs) > most else "")


# ---------------------------------------------------------------------------------------------
# the bar index


@dataclass(frozen=True)
class _Bars:
    """The bar index as the splitters read it."""

    n: int
    index: pd.Index | None  # None: a plain number of bars
    ns: np.ndarray | None  # int64 nanoseconds (UTC) of a DatetimeIndex

    def end_ns(self) -> int:
        """The end of the data in time: the last bar plus one bar (the index's smallest spacing)."""
        assert self.ns is not None
        bar = int(np.diff(self.ns).min()) if self.n > 1 else 0
        return int(self.ns[-1]) + bar

    def at(self, t: int) -> int:
        """The first bar at or after time ``t`` (nanoseconds)."""
        assert self.ns is not None
        return int(np.searchsorted(self.ns, t, side="left"))


def _as_bars(index: Any, errors: FieldErrors) -> _Bars | None:
    if _is_int(index):
        if int(index) < 1:
            errors.add("index", index, "a number of bars must be >= 1")
            return None
        return _Bars(int(index), None, None)
    if isinstance(index, (pd.Series, pd.DataFrame)):
        index = index.index
    if not isinstance(index, pd.Index) or isinstance(index, pd.MultiIndex):
        errors.add("index", index, "must be a pandas Index (a Series or DataFrame: its index) or a number of bars")
        return None
    if len(index) == 0:
        errors.add("index", index, "has no bars")
        return None
    if index.hasnans:
        errors.add("index", index, "must not contain NaN/NaT")
        return None
    if not (index.is_monotonic_increasing and index.is_unique):
        errors.add("index", index, "must be strictly increasing (sorted, no duplicates)")
        return None
    ns = index.as_unit("ns").asi8 if isinstance(index, pd.DatetimeIndex) else None
    return _Bars(len(index), index, ns)


def _as_length(value: Any, name: str, errors: FieldErrors) -> int | pd.Timedelta | None:
    """A window: a positive number of bars or a positive fixed-length duration."""
    if _is_int(value):
        before = len(errors.items)
        bars = as_int(value, name, errors, 0, minimum=1)
        return bars if len(errors.items) == before else None
    if value is None:
        errors.add(name, value, "is required: a number of bars (int) or a time offset such as '730D'")
        return None
    if isinstance(value, str) and value.strip().lstrip("+-").replace(".", "", 1).isdigit():
        errors.add(name, value, "is a number without a unit (pandas would read nanoseconds): give a number of bars "
                   f"as an int, or a time offset such as '{value.strip()}D'")
        return None
    if isinstance(value, (str, pd.Timedelta, _dt.timedelta, np.timedelta64)):
        try:
            span = pd.Timedelta(value)
        except (ValueError, TypeError, OverflowError):
            span = None
        if span is None or pd.isna(span) or span <= pd.Timedelta(0):
            errors.add(name, value, "must be a positive fixed-length time offset such as '730D', '26W' or '12h' "
                       "(months and business days have no fixed length)")
            return None
        return span
    errors.add(name, value, "must be a number of bars (int) or a fixed-length time offset such as '730D' or '26W'")
    return None


def _bars_of_data(value: int, name: str, bars: _Bars, errors: FieldErrors) -> None:
    """A purge or an embargo must be shorter than the data."""
    if value >= bars.n:
        errors.add(name, value, f"is larger than the data: must be < the number of bars ({bars.n})")


def _check_warmup(warmup: int, sizes: Iterable[int], errors: FieldErrors) -> None:
    """The warm-up may not be longer than a test window (``sizes``: each window's bars)."""
    shortest = min(sizes, default=warmup)
    if warmup > shortest:
        errors.add("warmup", warmup, f"is longer than the shortest test window ({shortest} bars)")


def _train_mask(n: int, test_runs: Iterable[tuple[int, int]], purge: int, embargo: int) -> np.ndarray:
    """True for each bar left to train on: not tested, not purged before a test run, not embargoed after one."""
    keep = np.ones(n, dtype=bool)
    for a, b in test_runs:
        keep[max(0, a - purge):min(n, b + embargo)] = False
    return keep


# ---------------------------------------------------------------------------------------------
# the splitters


class _Splitter:
    """What every splitter shares: ``split``, ``get_n_splits``, ``describe`` and ``plot``."""

    purge: int
    embargo: int
    warmup: int

    def split(self, index: IndexLike) -> list[Split]:
        """The splits over ``index`` (a pandas Index, a Series/DataFrame, or a number of bars), in fold order.

        Every problem is a ``ValidationError`` naming the field and its value, raised before any
        split is returned: the options were checked when the splitter was made; the index, then
        purge and embargo against it, then the folds' layout (each stage listing all its problems).
        """
        errors = FieldErrors()
        bars = _as_bars(index, errors)
        errors.raise_if_any()
        assert bars is not None
        _bars_of_data(self.purge, "purge", bars, errors)
        _bars_of_data(self.embargo, "embargo", bars, errors)
        errors.raise_if_any()  # the checks of the folds below take purge and embargo as valid
        splits = self._split(bars, errors)
        errors.raise_if_any()
        return splits

    def _split(self, bars: _Bars, errors: FieldErrors) -> list[Split]:
        raise NotImplementedError

    def _split_of(self, fold: int, n: int, test_runs: list[tuple[int, int]], *, train_from: int = 0,
                  train_to: int | None = None) -> Split:
        """A split testing ``test_runs``, training on ``[train_from, train_to)`` less test, purge and embargo."""
        keep = _train_mask(n, test_runs, self.purge, self.embargo)
        keep[:train_from] = False
        if train_to is not None:
            keep[train_to:] = False
        test = np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in test_runs])
        return Split(fold=fold, train=np.flatnonzero(keep), test=test, warmup=self.warmup)

    def get_n_splits(self, index: IndexLike) -> int:
        """The number of splits over ``index`` (sklearn's name)."""
        return len(self.split(index))

    def describe(self, index: IndexLike) -> pd.DataFrame:
        """One row per fold: first and last train and test bars (labels of ``index``, or positions
        when it is a number of bars), the warm-up's first bar, and the sizes."""
        errors = FieldErrors()
        bars = _as_bars(index, errors)
        errors.raise_if_any()
        assert bars is not None
        rows = [self._row(s, bars) for s in self.split(index)]
        return pd.DataFrame(rows).set_index("fold")

    def _row(self, s: Split, bars: _Bars) -> dict[str, Any]:
        def label(pos: int) -> Any:
            return pos if bars.index is None else bars.index[pos]

        return {"fold": s.fold, "train_start": label(int(s.train[0])), "train_end": label(int(s.train[-1])),
                "n_train": s.train.size, "warmup_start": label(s.warmup_start),
                "test_start": label(s.test_start), "test_end": label(s.test_stop - 1), "n_test": s.test.size,
                "test_spans": len(s.spans)}

    def plot(self, index: IndexLike, *, ax: Axes | None = None) -> Axes:
        """The folds as bars over the index (needs matplotlib, the ``plot`` extra).

        One row per fold: train in blue, test in orange, the test fold's warm-up as a thin
        black line under it; the gaps around a test span are the purge and the embargo.
        """
        plt = require("matplotlib.pyplot", extra="plot", feature="plotting splits")
        from matplotlib.axes import Axes as _Axes

        errors = FieldErrors()
        if ax is not None and not isinstance(ax, _Axes):
            errors.add("ax", ax, "must be None or a matplotlib Axes")
        errors.raise_if_any()
        splits = self.split(index)
        if ax is None:
            _, ax = plt.subplots(figsize=(10, 0.35 * len(splits) + 1.2))
        assert ax is not None
        for s in splits:
            y = s.fold
            ax.broken_barh([(a, b - a) for a, b in _runs(s.train)], (y - 0.35, 0.7), color="tab:blue")
            ax.broken_barh([(a, b - a) for a, b in _runs(s.test)], (y - 0.35, 0.7), color="tab:orange")
            ax.hlines([y + 0.45] * len(s.spans), [sp.warmup_start for sp in s.spans], [sp.start for sp in s.spans],
                      color="black", linewidth=2)
        _plot_axes(ax, splits, index)
        return ax


def _plot_axes(ax: Axes, splits: list[Split], index: IndexLike) -> None:
    from matplotlib.patches import Patch

    ax.set_yticks([s.fold for s in splits])
    ax.set_ylim(len(splits) - 0.4, -0.6)
    ax.set_ylabel("fold")
    ax.legend(handles=[Patch(color="tab:blue", label="train"), Patch(color="tab:orange", label="test"),
                       Patch(color="black", label="warm-up")], loc="upper left", bbox_to_anchor=(1.0, 1.0))
    labels = index.index if isinstance(index, (pd.Series, pd.DataFrame)) else index
    if isinstance(labels, pd.Index):
        ticks = np.linspace(0, len(labels) - 1, num=min(6, len(labels))).round().astype(int)
        ax.set_xticks(ticks, [str(labels[i]) for i in ticks], rotation=30, ha="right")
        ax.set_xlabel(str(labels.name or "bar"))
    else:
        ax.set_xlabel("bar")


def _validate_gaps(obj: Any, errors: FieldErrors) -> None:
    """purge, embargo and warmup: integers >= 0 (bars)."""
    for name in ("purge", "embargo", "warmup"):
        as_int(getattr(obj, name), name, errors, 0, minimum=0)


@_checked
@dataclass(frozen=True, kw_only=True)
class WalkForward(_Splitter):
    """Walk-forward splits: a train window, then a test window right after it, stepped forward.

    Fold ``k`` tests ``[t_k, t_k + test)`` with ``t_0 = start + train`` and ``t_k = t_0 + k * step``
    (bars, or time spans when the windows are offsets: then ``start`` is the first timestamp).
    Its train window is ``[t_k - train, t_k)`` (rolling) or ``[start, t_k)`` (``anchored``),
    less the last ``purge`` bars.  A fold is made only when its whole test window lies in the
    data; the tail after the last whole window is not tested.  No train bar lies at or after
    its test's start.  ``embargo`` is accepted for the splitters' common signature but removes
    nothing here (no train bar follows the test); use ``purge`` for a gap before the test.

    ``train``, ``test`` and ``step`` (default: ``test``, back-to-back test windows) are all bars
    (int) or all fixed-length offsets (``"730D"``, ``"26W"``, ``pd.Timedelta``; these need a
    DatetimeIndex); ``purge``, ``embargo`` and ``warmup`` are bars.
    """

    train: Length = None  # type: ignore[assignment]  # required: None is refused, naming the field
    test: Length = None  # type: ignore[assignment]
    step: Length | None = None
    anchored: bool = False
    purge: int = 0
    embargo: int = 0
    warmup: int = 0
    _windows: tuple[Any, Any, Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        errors = FieldErrors()
        train = _as_length(self.train, "train", errors)
        test = _as_length(self.test, "test", errors)
        step = test if self.step is None else _as_length(self.step, "step", errors)
        if not isinstance(self.anchored, (bool, np.bool_)):
            errors.add("anchored", self.anchored, "must be True or False")
        _validate_gaps(self, errors)
        for name, value in (("test", test), ("step", None if self.step is None else step)):
            if train is not None and value is not None and isinstance(value, pd.Timedelta) != isinstance(
                    train, pd.Timedelta):
                errors.add(name, getattr(self, name), "must be of the same kind as train: all bars (int) or all "
                           "time offsets")
        purge, warmup = self.purge, self.warmup
        if isinstance(train, int) and _is_int(purge) and int(purge) >= train:
            errors.add("purge", purge, f"leaves no train bar: must be < train ({train})")
        if isinstance(test, int) and _is_int(warmup):
            _check_warmup(int(warmup), [test], errors)
        errors.raise_if_any()
        object.__setattr__(self, "_windows", (train, test, step))

    def _split(self, bars: _Bars, errors: FieldErrors) -> list[Split]:
        train, test, step = self._windows
        if isinstance(train, pd.Timedelta):
            if bars.ns is None:
                for name in ("train", "test", "step"):
                    if getattr(self, name) is not None:
                        errors.add(name, getattr(self, name), "a time offset needs a DatetimeIndex, not "
                                   + ("a number of bars" if bars.index is None else type(bars.index).__name__))
                return []
            first, last, stride = int(bars.ns[0]) + train.value, bars.end_ns() - test.value, step.value
        else:
            first, last, stride = train, bars.n - test, step
        count = 0 if last < first else (last - first) // stride + 1
        if count > MAX_SPLITS:
            errors.add("step", self.step, f"makes {count} folds, more than {MAX_SPLITS}")
            return []
        if isinstance(train, pd.Timedelta):
            starts = self._time_folds(bars, first, count, train.value, test.value, stride)
        else:
            starts = [(p, p + test, 0 if self.anchored else p - train) for p in range(first, last + 1, stride)]
        if not starts:
            errors.add("train", self.train, f"with test={self.test!r} leaves no whole test window in the data "
                       f"({bars.n} bars{self._span_text(bars)})")
            return []
        self._check_folds(starts, errors)
        if errors.items:
            return []
        return [self._split_of(k, bars.n, [(a, b)], train_from=lo, train_to=a) for k, (a, b, lo) in enumerate(starts)]

    def _time_folds(self, bars: _Bars, first: int, count: int, train: int, test: int,
                    step: int) -> list[tuple[int, int, int]]:
        """(test start, test stop, train window start) positions of the ``count`` folds whose test
        spans ``[t, t + test)``, ``t = first + k * step``, are whole."""
        folds = []
        for k in range(count):
            t = first + k * step
            folds.append((bars.at(t), bars.at(t + test), 0 if self.anchored else bars.at(t - train)))
        return folds

    def _check_folds(self, folds: list[tuple[int, int, int]], errors: FieldErrors) -> None:
        """Empty test or train windows (gaps in timed data) and a warm-up longer than a test window."""
        for k, (a, b, lo) in enumerate(folds):
            if a == b:
                errors.add("test", self.test, f"fold {k}'s test window holds no bar (a gap in the data)")
                return
            if a - self.purge <= lo:
                field_ = "train" if a == lo else "purge"
                errors.add(field_, getattr(self, field_), f"fold {k}'s train window holds {a - lo} bar(s): "
                           f"none left after purge={self.purge}")
                return
        _check_warmup(self.warmup, (b - a for a, b, _ in folds), errors)

    @staticmethod
    def _span_text(bars: _Bars) -> str:
        if bars.index is None or bars.ns is None:
            return ""
        return f" from {bars.index[0]} to {bars.index[-1]}"


@_checked
@dataclass(frozen=True, kw_only=True)
class PurgedKFold(_Splitter):
    """K-fold over contiguous groups of bars, each tested once, purged and embargoed (AFML ch. 7).

    The bars are cut into ``n_splits`` contiguous groups (the first ``n % n_splits`` one bar
    longer, as ``numpy.array_split`` and sklearn's ``KFold``); fold ``i`` tests group ``i`` and
    trains on every other bar except the ``purge`` bars before the group and the ``embargo``
    bars after it.  Train bars follow the test here: this is cross-validation, not a
    walk-forward.
    """

    n_splits: int
    purge: int = 0
    embargo: int = 0
    warmup: int = 0

    def __post_init__(self) -> None:
        errors = FieldErrors()
        as_int(self.n_splits, "n_splits", errors, 2, minimum=2)
        _validate_gaps(self, errors)
        errors.raise_if_any()

    def _split(self, bars: _Bars, errors: FieldErrors) -> list[Split]:
        groups = _groups(bars.n, self.n_splits, "n_splits", errors)
        if not groups:
            return []
        _check_warmup(self.warmup, (b - a for a, b in groups), errors)
        splits = [self._split_of(i, bars.n, [g]) for i, g in enumerate(groups) if _has_train(bars.n, [g], self)]
        _check_trains(len(splits), len(groups), self, errors)
        return splits


@_checked
@dataclass(frozen=True, kw_only=True)
class CombinatorialPurgedKFold(_Splitter):
    """Combinatorial purged cross-validation (AFML ch. 12): every choice of ``n_test_groups`` of
    ``n_groups`` contiguous groups is tested once, trained on the rest less purge and embargo.

    Folds are the combinations in lexicographic order (``itertools.combinations``), C(N, k) of
    them.  :meth:`paths` assigns them to the book's φ = C(N, k)·k/N backtest paths: each path
    tests every group exactly once.
    """

    n_groups: int
    n_test_groups: int
    purge: int = 0
    embargo: int = 0
    warmup: int = 0

    def __post_init__(self) -> None:
        errors = FieldErrors()
        n = as_int(self.n_groups, "n_groups", errors, 0, minimum=2)
        k = as_int(self.n_test_groups, "n_test_groups", errors, 0, minimum=1)
        if n and k and k >= n:
            errors.add("n_test_groups", self.n_test_groups, f"must be < n_groups ({n}): some group must train")
        elif n and k and (n > MAX_SPLITS or math.comb(n, k) > MAX_SPLITS):  # C(n, k) >= n: no huge binomial
            errors.add("n_groups", self.n_groups, f"with n_test_groups={k} makes C({n}, {k}) splits, "
                       f"more than {MAX_SPLITS}")
        _validate_gaps(self, errors)
        errors.raise_if_any()

    @property
    def n_paths(self) -> int:
        """φ = C(N, k)·k/N = C(N-1, k-1) backtest paths."""
        return math.comb(self.n_groups - 1, self.n_test_groups - 1)

    def combinations(self) -> list[tuple[int, ...]]:
        """The test groups of each fold, in fold order."""
        return list(itertools.combinations(range(self.n_groups), self.n_test_groups))

    def paths(self) -> np.ndarray:
        """The backtest paths: ``paths()[p, g]`` is the fold whose test of group ``g`` belongs to path ``p``.

        Shape ``(n_paths, n_groups)``.  Group ``g`` is tested by C(N-1, k-1) folds; in fold order,
        the first goes to path 0, the second to path 1, and so on (AFML 12.4).  Each path's
        folds, each scored on its own group, cover every bar once.
        """
        out = np.empty((self.n_paths, self.n_groups), dtype=np.int64)
        seen = [0] * self.n_groups
        for fold, combo in enumerate(self.combinations()):
            for g in combo:
                out[seen[g], g] = fold
                seen[g] += 1
        return out

    def describe(self, index: IndexLike) -> pd.DataFrame:
        """:meth:`_Splitter.describe` plus ``test_groups``, the groups each fold tests."""
        table = super().describe(index)
        table["test_groups"] = self.combinations()
        return table

    def groups(self, index: IndexLike) -> list[range]:
        """The positions of each group over ``index``."""
        errors = FieldErrors()
        bars = _as_bars(index, errors)
        bounds = [] if bars is None else _groups(bars.n, self.n_groups, "n_groups", errors)
        errors.raise_if_any()
        return [range(a, b) for a, b in bounds]

    def _split(self, bars: _Bars, errors: FieldErrors) -> list[Split]:
        groups = _groups(bars.n, self.n_groups, "n_groups", errors)
        if not groups:
            return []
        _check_warmup(self.warmup, (b - a for a, b in groups), errors)
        tests = [_merged([groups[g] for g in combo]) for combo in self.combinations()]
        splits = [self._split_of(i, bars.n, runs) for i, runs in enumerate(tests) if _has_train(bars.n, runs, self)]
        _check_trains(len(splits), len(tests), self, errors)
        return splits


def _groups(n: int, k: int, name: str, errors: FieldErrors) -> list[tuple[int, int]]:
    """``n`` bars cut into ``k`` contiguous groups, the first ``n % k`` one bar longer."""
    if k > n:
        errors.add(name, k, f"is more than the number of bars ({n})")
        return []
    size, extra = divmod(n, k)
    stops = np.cumsum([size + (i < extra) for i in range(k)])
    return [(int(b) - (size + (i < extra)), int(b)) for i, b in enumerate(stops)]


def _merged(runs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Sorted runs with adjacent ones joined: one test span each."""
    out: list[tuple[int, int]] = []
    for a, b in sorted(runs):
        if out and out[-1][1] == a:
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _has_train(n: int, runs: list[tuple[int, int]], s: _Splitter) -> bool:
    return bool(_train_mask(n, runs, s.purge, s.embargo).any())


def _check_trains(made: int, wanted: int, s: _Splitter, errors: FieldErrors) -> None:
    if made < wanted:
        errors.add("purge", s.purge, f"with embargo={s.embargo} leaves {wanted - made} fold(s) with no train bar")
