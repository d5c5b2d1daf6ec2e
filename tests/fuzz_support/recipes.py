"""Fuzz inputs described as data: picklable, printable as repro code, built in the worker.

A numpy view's layout (misaligned, strided, read-only) does not survive pickling, so a
case carries a *recipe* and the worker builds the real object just before the call.
Every recipe's ``source()`` is a call of one of the ``make_*`` functions below, so a
printed repro runs as is after ``from fuzz_support.recipes import *`` (``tests/`` on
``sys.path``).
"""

from __future__ import annotations

import math
import os
import pickle
import tempfile
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["Arr", "Call", "File", "Frame", "Obj", "Recipe", "Token", "UserError", "build", "make_array", "make_file",
           "make_frame", "make_obj", "make_token", "source"]

LAYOUTS = ("c", "f", "strided", "reversed", "readonly", "misaligned", "transposed", "series", "frame", "list")


class Recipe:
    """Something built in the worker (``build``) and printed as code (``source``)."""

    def build(self) -> Any:
        raise NotImplementedError

    def source(self) -> str:
        raise NotImplementedError


def _numeric(values: list[Any], dtype: np.dtype) -> np.ndarray:
    if dtype.kind == "U":
        return np.array([str(v) for v in values], dtype=dtype)
    if dtype.kind == "O":
        return np.array(list(values) + [None], dtype=object)[:-1]
    if dtype.kind == "M":
        f = np.nan_to_num(np.array(values, dtype=np.float64), nan=-(2.0**63), posinf=2.0**62, neginf=-(2.0**62))
        return np.clip(f, -(2.0**63), 2.0**62).astype(np.int64).view("datetime64[ns]")
    with np.errstate(all="ignore"):
        f = np.array(values, dtype=np.complex128 if dtype.kind == "c" else np.float64)
        if dtype.kind in "iub":
            f = np.nan_to_num(f.real, nan=0.0, posinf=0.0, neginf=0.0)
            f = np.clip(f, -2.0**62, 2.0**62)
        return f.astype(dtype)


def make_array(values: list[Any], dtype: str, shape: tuple[int, ...], layout: str = "c") -> Any:
    """``values`` (flat) as an array of ``dtype`` and ``shape``, laid out as ``layout``."""
    dt = np.dtype(dtype)
    a = _numeric(list(values), dt).reshape(shape)
    if layout == "c":
        return np.ascontiguousarray(a)
    if layout == "f":
        return np.asfortranarray(a)
    if layout == "strided":
        return np.repeat(a, 2, axis=0)[::2] if a.ndim else a
    if layout == "reversed":
        return a[::-1].copy()[::-1] if a.ndim else a
    if layout == "readonly":
        b = a.copy()
        b.setflags(write=False)
        return b
    if layout == "misaligned":
        if dt.hasobject:
            return a
        buf = bytearray(a.nbytes + 1)
        b = np.frombuffer(buf, dtype=dt, count=a.size, offset=1).reshape(shape)
        b[...] = a
        return b
    if layout == "transposed":
        return np.ascontiguousarray(a.T).T
    if layout == "series":
        return pd.Series(a.ravel(), index=pd.date_range("2024-01-01", periods=a.size, freq="min", tz="UTC"))
    if layout == "frame":
        return pd.DataFrame(a.reshape(a.shape[0], -1) if a.ndim else a.reshape(1, 1))
    if layout == "list":
        return a.tolist()
    raise ValueError(layout)


def make_frame(n: int, seed: int = 0, corrupt: str = "none", tz: str | None = "UTC", freq: str = "D") -> Any:
    """A random-walk OHLCV frame of ``n`` bars, with one deliberate defect (``corrupt``)."""
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0.0, 0.005, n))
    high = np.maximum(open_, close) * (1.0 + rng.uniform(0.0, 0.01, n))
    low = np.minimum(open_, close) * (1.0 - rng.uniform(0.0, 0.01, n))
    vol = rng.integers(1, 10_000, n).astype(np.float64)
    idx = pd.date_range("2020-01-01", periods=n, freq=freq, tz=tz, name="time")
    df = pd.DataFrame({"open": open_, "high": high, "low": low, "close": close, "volume": vol}, index=idx)
    return _corrupt_frame(df, corrupt, rng)


def _corrupt_frame(df: pd.DataFrame, corrupt: str, rng: np.random.Generator) -> Any:
    n = len(df)
    if corrupt == "none" or n == 0:
        return df
    if corrupt == "nan":
        df.iloc[rng.integers(0, n), rng.integers(0, 5)] = np.nan
    elif corrupt == "inf":
        df.iloc[rng.integers(0, n), rng.integers(0, 4)] = np.inf
    elif corrupt == "negative":
        df.iloc[rng.integers(0, n), 3] = -5.0
    elif corrupt == "high_lt_low":
        df.iloc[rng.integers(0, n), 1] = df["low"].min() / 2
    elif corrupt == "unsorted":
        df = df.iloc[::-1]
    elif corrupt == "duplicate":
        df = pd.concat([df, df.iloc[:1]])
    elif corrupt == "naive":
        df.index = df.index.tz_localize(None)
    elif corrupt == "int_index":
        df = df.reset_index(drop=True)
    elif corrupt == "missing_column":
        df = df.drop(columns=["close"])
    elif corrupt == "str_column":
        df["close"] = df["close"].astype(str)
    elif corrupt == "object_column":
        df["open"] = df["open"].astype(object)
        df.iloc[0, 0] = "x"
    elif corrupt == "multiindex_columns":
        df.columns = pd.MultiIndex.from_tuples([("a", c) for c in df.columns])
    elif corrupt == "extra_column":
        df["extra"] = "x"
    elif corrupt == "huge":
        df.iloc[rng.integers(0, n), 3] = 1e308
    else:
        raise ValueError(corrupt)
    return df


_FILE_DIR: list[str] = []


def _tmpdir() -> str:
    if not _FILE_DIR:
        _FILE_DIR.append(tempfile.mkdtemp(prefix="threadx-fuzz-"))
    return _FILE_DIR[0]


def make_file(fmt: str, n: int, seed: int, corruption: str, at: int = 0, patch: bytes = b"") -> str:
    """A data file (csv / parquet / json) of an OHLCV frame, then damaged; returns its path."""
    df = make_frame(n, seed)
    path = os.path.join(_tmpdir(), f"case-{os.getpid()}-{seed}-{corruption}.{fmt}")
    if fmt == "csv":
        raw = df.to_csv().encode()
    elif fmt == "parquet":
        try:
            import io

            buf = io.BytesIO()
            df.to_parquet(buf)
            raw = buf.getvalue()
        except ImportError:
            raw = b"PAR1"
    else:
        raw = df.reset_index().to_json(orient="records", date_unit="ns").encode()
    raw = _damage(raw, corruption, at, patch)
    with open(path, "wb") as fh:
        fh.write(raw)
    return path


def _damage(raw: bytes, corruption: str, at: int, patch: bytes) -> bytes:
    pos = at % (len(raw) + 1)
    if corruption == "none":
        return raw
    if corruption == "truncate":
        return raw[:pos]
    if corruption == "overwrite":
        b = bytearray(raw)
        b[pos:pos + len(patch)] = patch
        return bytes(b)
    if corruption == "insert":
        return raw[:pos] + patch + raw[pos:]
    if corruption == "empty":
        return b""
    if corruption == "garbage":
        return patch * 64
    if corruption == "nested_json":
        return b"[" * 100_000 + b"]" * 100_000
    if corruption == "huge_field":
        return b"time,open,high,low,close,volume\n2020-01-01," + b"9" * 2_000_000 + b",1,1,1,1\n"
    if corruption == "bom":
        return b"\xef\xbb\xbf" + raw
    if corruption == "utf16":
        return raw.decode("latin-1").encode("utf-16")
    raise ValueError(corruption)


class UserError(RuntimeError):
    """Raised by fuzz objects standing for user code; ThreadX may let it through unchanged."""


class _Thing:
    """An object of no expected type (its repr names it)."""

    def __init__(self, kind: str) -> None:
        self.kind = kind

    def __repr__(self) -> str:
        return f"make_obj({self.kind!r})"


class _Raising:
    def __init__(self, exc: type[BaseException]) -> None:
        self.exc = exc

    def __repr__(self) -> str:
        return f"<object raising {self.exc.__name__}>"

    def __getattr__(self, name: str) -> Any:
        raise self.exc(name)

    def __len__(self) -> int:
        raise self.exc("__len__")

    def __iter__(self) -> Any:
        raise self.exc("__iter__")

    def __float__(self) -> float:
        raise self.exc("__float__")

    def __index__(self) -> int:
        raise self.exc("__index__")


class _NotFloat(float):
    """A float subclass with a hostile ``__eq__`` (checks that compare to a constant)."""

    def __eq__(self, other: object) -> bool:
        raise RuntimeError("__eq__ called")

    __hash__ = float.__hash__


def make_obj(kind: str) -> Any:
    """Objects that are not numbers, strings, arrays or frames."""
    if kind == "object":
        return _Thing("object")
    if kind == "raising":
        return _Raising(UserError)
    if kind == "lambda":
        return lambda *a, **k: None
    if kind == "raising_callable":
        def boom(*a: Any, **k: Any) -> Any:
            raise UserError("user callback failed")
        return boom
    if kind == "generator":
        return (i for i in range(3))
    if kind == "set":
        return {1.0, 2.0}
    if kind == "bytes":
        return b"\x00\xff"
    if kind == "ellipsis":
        return ...
    if kind == "nested":
        return [[[1.0]], [2.0]]
    if kind == "hostile_float":
        return _NotFloat(1.0)
    if kind == "big_int":
        return 10**400
    if kind == "slice":
        return slice(0, 3)
    if kind == "complex":
        return 1 + 2j
    if kind == "dict":
        return {"a": 1}
    if kind == "dtype":
        return np.dtype("float64")
    if kind == "np_float32":
        return np.float32(3.0)
    if kind == "np_int64":
        return np.int64(3)
    if kind == "np_bool":
        return np.bool_(True)
    if kind == "timestamp":
        return pd.Timestamp("2020-01-05", tz="UTC")
    if kind == "naive_timestamp":
        return pd.Timestamp("2020-01-05")
    if kind == "timedelta":
        return pd.Timedelta("3D")
    if kind == "nat":
        return pd.NaT
    if kind == "path_dir":
        return _tmpdir()
    if kind == "path_missing":
        return os.path.join(_tmpdir(), "does-not-exist.csv")
    raise ValueError(kind)


def make_token(state: str = "fresh") -> Any:
    """A ``CancelToken``: fresh, already cancelled, or past its deadline."""
    import threadx

    tok = threadx.CancelToken()
    if state == "cancelled":
        tok.cancel()
    elif state == "expired":
        tok.set_timeout(0.0)
    return tok


@dataclass(frozen=True)
class Arr(Recipe):
    values: tuple[Any, ...]
    dtype: str
    shape: tuple[int, ...]
    layout: str = "c"

    def build(self) -> Any:
        return make_array(list(self.values), self.dtype, self.shape, self.layout)

    def source(self) -> str:
        return f"make_array({source(list(self.values))}, {self.dtype!r}, {self.shape!r}, {self.layout!r})"


@dataclass(frozen=True)
class Frame(Recipe):
    n: int
    seed: int = 0
    corrupt: str = "none"
    tz: str | None = "UTC"
    freq: str = "D"

    def build(self) -> Any:
        return make_frame(self.n, self.seed, self.corrupt, self.tz, self.freq)

    def source(self) -> str:
        return f"make_frame({self.n}, {self.seed}, {self.corrupt!r}, {self.tz!r}, {self.freq!r})"


@dataclass(frozen=True)
class File(Recipe):
    fmt: str
    n: int
    seed: int
    corruption: str
    at: int = 0
    patch: bytes = b""

    def build(self) -> Any:
        return make_file(self.fmt, self.n, self.seed, self.corruption, self.at, self.patch)

    def source(self) -> str:
        return f"make_file({self.fmt!r}, {self.n}, {self.seed}, {self.corruption!r}, {self.at}, {self.patch!r})"


@dataclass(frozen=True)
class Obj(Recipe):
    kind: str

    def build(self) -> Any:
        return make_obj(self.kind)

    def source(self) -> str:
        return f"make_obj({self.kind!r})"


@dataclass(frozen=True)
class Token(Recipe):
    state: str = "fresh"

    def build(self) -> Any:
        return make_token(self.state)

    def source(self) -> str:
        return f"make_token({self.state!r})"


@dataclass(frozen=True)
class Call(Recipe):
    """``target(*args, **kwargs)`` evaluated in the worker (a value built by threadx itself)."""

    target: str
    args: tuple[Any, ...] = ()
    kwargs: tuple[tuple[str, Any], ...] = ()

    def build(self) -> Any:
        return resolve(self.target)(*build(self.args), **build(dict(self.kwargs)))

    def source(self) -> str:
        return call_source(self.target, self.args, dict(self.kwargs))


def resolve(dotted: str) -> Any:
    """The object a dotted name denotes (``threadx.rolling.mean``, ``fuzz_support.ops.x``)."""
    import importlib

    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for p in parts[i:]:
            obj = getattr(obj, p)
        return obj
    raise ImportError(dotted)


def build(value: Any) -> Any:
    """``value`` with every recipe inside replaced by what it builds."""
    if isinstance(value, Recipe):
        return value.build()
    if isinstance(value, tuple):
        return tuple(build(v) for v in value)
    if isinstance(value, list):
        return [build(v) for v in value]
    if isinstance(value, dict):
        return {k: build(v) for k, v in value.items()}
    return value


def _float_source(x: float) -> str:
    if math.isnan(x):
        return "float('nan')"
    if math.isinf(x):
        return "float('inf')" if x > 0 else "-float('inf')"
    return repr(x)


def source(value: Any) -> str:
    """Python source that evaluates to ``value`` (recipes as ``make_*`` calls)."""
    if isinstance(value, Recipe):
        return value.source()
    if isinstance(value, float):
        return _float_source(value)
    if isinstance(value, tuple):
        inner = ", ".join(source(v) for v in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, list):
        return "[" + ", ".join(source(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{source(k)}: {source(v)}" for k, v in value.items()) + "}"
    return repr(value)


def call_source(target: str, args: Any, kwargs: dict[str, Any]) -> str:
    parts = [source(a) for a in args] + [f"{k}={source(v)}" for k, v in kwargs.items()]
    return f"{target}({', '.join(parts)})"


def dumps(obj: Any) -> bytes:
    return pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
