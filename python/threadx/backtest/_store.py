"""Results that last: ``save(result, path)`` / ``load(path)`` (docs/store.md).

One folder per result: ``manifest.json`` (the kind, the format version, a SHA-256 of every
other file), ``result.json`` (parameters, provenance and every scalar, with references to the
tables) and one Parquet file per table, series, index or group of arrays.  Loading reads only
data (Parquet and JSON, no pickle): a saved result cannot run code when it is loaded.

Each result class says what it keeps (``_saved_state``) and builds itself again from it
(``_from_saved_state``), so every table, series and stat of a loaded result is computed by the
same code from the same numbers as the saved one's.

Writing is atomic: the folder is written beside the target under a temporary name, then
renamed into place.  Replacing a result renames the old folder aside (``.NAME.old-*``),
renames the new one in, then deletes the old one; a crash between the two renames leaves the
old result aside, which :func:`load` reads when the target is missing.  A failure while
writing deletes the temporary folder and leaves the old result as it was.

A sweep's ``out=`` folder (``manifest.json`` + ``chunk-NNNNNN.parquet``) loads with the same
:func:`load`, into the table the sweep returned.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import shutil
import tempfile
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from threadx import __version__
from threadx._inputs import FieldErrors
from threadx._optional import require
from threadx.errors import DataError, ValidationError

__all__ = ["FORMAT", "KINDS", "load", "save"]

FORMAT = 1  # the layout of a saved result (manifest.json "format")
MANIFEST = "manifest.json"
STATE = "result.json"
MARK = "threadx_result"  # the manifest key naming the kind of a saved result
KINDS = ("backtest", "orders", "portfolio", "table", "walk_forward")


class Unstorable(Exception):
    """A value the store has no lossless encoding for (``where``: its place in the result)."""

    def __init__(self, where: str, value: Any, why: str) -> None:
        super().__init__(why)
        self.where, self.value, self.why = where, value, why


def _pyarrow(feature: str) -> tuple[Any, Any]:
    pa = require("pyarrow", extra="parquet", feature=feature)
    pq = require("pyarrow.parquet", extra="parquet", feature=feature)
    return pa, pq


# ---- encoding: values as JSON, arrays and frames as Parquet files ---------------------------

class Writer:
    """Encodes a state tree as JSON, putting every array, index, series and frame in Parquet
    files of the folder ``root`` (arrays grouped by length, one file per group)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pa, self.pq = _pyarrow("saving a result")
        self.groups: dict[int, dict[str, np.ndarray]] = {}
        self.files: list[str] = []

    def _name(self, where: str) -> str:
        stem = re.sub(r"[^A-Za-z0-9_.-]+", "_", where.strip(".")) or "value"
        name, k = f"{stem}.parquet", 1
        while name in self.files:
            k += 1
            name = f"{stem}-{k}.parquet"
        self.files.append(name)
        return name

    def value(self, v: Any, where: str) -> Any:
        if v is None or isinstance(v, (bool, str)):
            return v
        if isinstance(v, (int, float)) and type(v) in (int, float):
            return v if isinstance(v, int) or math.isfinite(v) else {"$float": repr(v)}
        if isinstance(v, np.generic) and not isinstance(v, (np.datetime64, np.timedelta64)):
            if v.dtype.kind not in "biuf":
                raise Unstorable(where, v, f"a numpy {v.dtype} scalar has no lossless encoding")
            return {"$np": v.dtype.str, "v": self.value(v.item(), where)}
        if v is pd.NaT:
            return {"$ts": None, "tz": None}
        if isinstance(v, pd.Timestamp):
            return {"$ts": int(v.as_unit("ns").value), "tz": None if v.tz is None else _zone(v, where)}
        if isinstance(v, pd.Timedelta):
            return {"$td": int(v.as_unit("ns").value)}
        if isinstance(v, tuple):
            return {"$tuple": [self.value(x, f"{where}[{k}]") for k, x in enumerate(v)]}
        if isinstance(v, list):
            return [self.value(x, f"{where}[{k}]") for k, x in enumerate(v)]
        if isinstance(v, dict):
            if all(isinstance(k, str) and not k.startswith("$") for k in v):
                return {k: self.value(x, f"{where}.{k}") for k, x in v.items()}
            return {"$dict": [[self.value(k, f"{where}<key>"), self.value(x, f"{where}[{k!r}]")] for k, x in v.items()]}
        if isinstance(v, np.ndarray):
            return self.array(v, where)
        if isinstance(v, pd.Index):
            return {"$index": self.index(v, where)}
        if isinstance(v, pd.Series):
            return self.series(v, where)
        if isinstance(v, pd.DataFrame):
            return self.frame(v, where)
        from threadx.research import PartitionSums

        if isinstance(v, PartitionSums):
            return {"$partition_sums": {k: self.value(getattr(v, k), f"{where}.{k}")
                                        for k in ("count", "sum", "sumsq", "n_rows", "trials")}}
        raise Unstorable(where, v, f"a {type(v).__name__} has no lossless encoding (numbers, strings, "
                         "timestamps, arrays and pandas objects do)")

    def array(self, a: np.ndarray, where: str) -> dict[str, Any]:
        if a.dtype.kind not in "biuf":
            raise Unstorable(where, a, f"a {a.dtype} array has no lossless encoding (numbers and booleans do)")
        flat = np.ascontiguousarray(a).reshape(-1)
        group = self.groups.setdefault(len(flat), {})
        col = f"a{len(group)}"
        group[col] = flat
        return {"$array": f"arrays-{len(flat)}.parquet", "column": col, "dtype": a.dtype.str, "shape": list(a.shape)}

    def _table(self, frame: pd.DataFrame, where: str) -> str:
        name = self._name(where)
        try:
            table = self.pa.Table.from_pandas(frame, preserve_index=None)
            self.pq.write_table(table.replace_schema_metadata(_drop_attrs(table.schema.metadata)), self.root / name)
        except OSError:
            raise
        except (self.pa.ArrowException, TypeError, ValueError) as exc:
            raise Unstorable(where, frame, f"Parquet cannot store it ({exc})") from exc
        return name

    def index(self, idx: pd.Index, where: str) -> dict[str, Any]:
        frame = pd.DataFrame({"_": np.zeros(len(idx), dtype=np.int8)}, index=idx)
        return {"file": self._table(frame, where), **_dtypes(idx), "freq": _freq(idx)}

    def labels(self, idx: pd.Index, where: str) -> dict[str, Any]:
        """Column labels or categories: a JSON list when they are strings, else an index file."""
        if not isinstance(idx, pd.MultiIndex) and all(type(x) is str for x in idx):
            return {"$labels": list(idx), "dtype": str(idx.dtype), "name": self.value(idx.name, f"{where}.name")}
        return {"$index": self.index(idx, where)}

    def frame(self, df: pd.DataFrame, where: str) -> dict[str, Any]:
        """A frame in a Parquet file; string column labels kept there (the file reads alone), others
        stored beside it."""
        body = df.copy(deep=False)
        body.attrs = {}
        columns = self.labels(df.columns, f"{where}.columns")
        reserved = {str(n) for n in df.index.names}
        if "$index" in columns or not df.columns.is_unique or any(
                c in reserved or str(c).startswith("__index_level_") for c in df.columns):
            body.columns = pd.Index([f"__column_{k}__" for k in range(df.shape[1])])
        categories = {str(k): {"categories": self.labels(d.categories, f"{where}.categories-{k}"),
                               "ordered": bool(d.ordered)}
                      for k, d in enumerate(df.dtypes) if isinstance(d, pd.CategoricalDtype)}
        return {"$frame": self._table(body, where), "columns": columns, "dtypes": [str(d) for d in df.dtypes],
                "categories": categories, "index": _dtypes(df.index), "freq": _freq(df.index)}

    def series(self, s: pd.Series, where: str) -> dict[str, Any]:
        name = self.value(s.name, f"{where}.name")
        if s.dtype == object:  # mixed values (a stats Series): each value encoded by its type
            return {"$series": [self.value(x, f"{where}[{k!r}]") for k, x in s.items()],
                    "index": self.labels(s.index, f"{where}.index"), "name": name}
        out = self.frame(s.to_frame(s.name if type(s.name) is str else "value"), where)
        out["name"] = name
        return {"$series": out}

    def finish(self) -> None:
        for n, cols in self.groups.items():
            name = f"arrays-{n}.parquet"
            self.pq.write_table(self.pa.table({k: self.pa.array(v) for k, v in cols.items()}), self.root / name)
            self.files.append(name)


def _zone(ts: pd.Timestamp, where: str) -> str:
    """The name of ``ts``'s time zone, which reads back as the same zone."""
    name = str(ts.tz)
    try:
        same = pd.Timestamp(0, tz=name).tz == ts.tz or pd.Timestamp(ts.value, tz=name) == ts
    except (ValueError, TypeError, KeyError):
        same = False
    if not same:
        raise Unstorable(where, ts, f"its time zone {name!r} has no name that reads back (convert it to UTC or an "
                         "IANA zone)")
    return name


def _drop_attrs(meta: Mapping[bytes, bytes] | None) -> dict[bytes, bytes]:
    return {k: v for k, v in (meta or {}).items() if k != b"PANDAS_ATTRS"}


def _dtypes(idx: pd.Index) -> dict[str, Any]:
    """The dtypes Parquet may not give back as they were (object columns read as strings)."""
    return {"levels": [str(idx.get_level_values(k).dtype) for k in range(idx.nlevels)]}


def _freq(idx: pd.Index) -> str | None:
    freq = getattr(idx, "freq", None)
    return None if freq is None else str(freq.freqstr)


class Reader:
    """Decodes what :class:`Writer` wrote; every failure a ``DataError`` naming the file."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.pa, self.pq = _pyarrow("loading a result")
        self.groups: dict[str, Any] = {}

    def _read(self, name: Any) -> Any:
        if not isinstance(name, str) or "/" in name or name.startswith("."):
            raise ValueError(f"bad file reference {name!r}")
        try:
            return self.pq.read_table(self.root / name)
        except Exception as exc:  # noqa: BLE001 - any unreadable file is reported by name
            raise DataError(f"{self.root / name}: not a readable Parquet file of this result ({exc})") from exc

    def value(self, v: Any) -> Any:
        if isinstance(v, list):
            return [self.value(x) for x in v]
        if not isinstance(v, dict):
            return v
        tags = [k for k in v if k.startswith("$")]
        if not tags:
            return {k: self.value(x) for k, x in v.items()}
        tag = tags[0]
        if tag == "$float":
            return float(v["$float"])
        if tag == "$np":
            return np.dtype(v["$np"]).type(self.value(v["v"]))
        if tag == "$ts":
            return pd.NaT if v["$ts"] is None else pd.Timestamp(v["$ts"], unit="ns", tz=v["tz"])
        if tag == "$td":
            return pd.Timedelta(v["$td"], unit="ns")
        if tag == "$tuple":
            return tuple(self.value(x) for x in v["$tuple"])
        if tag == "$dict":
            return {self.value(k): self.value(x) for k, x in v["$dict"]}
        if tag == "$array":
            return self.array(v)
        if tag == "$index":
            return self.index(v["$index"])
        if tag == "$labels":
            return pd.Index([str(x) for x in v["$labels"]], dtype=str(v["dtype"]), name=self.value(v["name"]))
        if tag == "$frame":
            return self.frame(v)
        if tag == "$series" and isinstance(v["$series"], list):  # an object Series: each value encoded
            return pd.Series([self.value(x) for x in v["$series"]], index=self.value(v["index"]),
                             name=self.value(v["name"]), dtype=object)
        if tag == "$series":
            return self.series(v["$series"])
        if tag == "$partition_sums":
            from threadx.research import PartitionSums

            return PartitionSums(**{k: self.value(x) for k, x in v["$partition_sums"].items()})
        raise ValueError(f"unknown tag {tag!r}")

    def array(self, v: dict[str, Any]) -> np.ndarray:
        name = v["$array"]
        if name not in self.groups:
            self.groups[name] = self._read(name)
        a = self.groups[name].column(v["column"]).to_numpy(zero_copy_only=False)
        return np.ascontiguousarray(a.astype(np.dtype(v["dtype"]), copy=False).reshape(v["shape"]))

    def _pandas(self, name: Any) -> pd.DataFrame:
        frame: pd.DataFrame = self._read(name).to_pandas()
        frame.attrs = {}
        return frame

    def index(self, v: dict[str, Any]) -> pd.Index:
        return _restored(self._pandas(v["file"]).index, v["levels"], v["freq"])

    def frame(self, v: dict[str, Any]) -> pd.DataFrame:
        df = self._pandas(v["$frame"])
        df.index = _restored(df.index, v["index"]["levels"], v["freq"])
        for k, dtype in enumerate(v["dtypes"]):
            if dtype == "object" and df.dtypes.iloc[k] != object:
                df.isetitem(k, df.iloc[:, k].to_numpy(dtype=object))
        for k, cat in v["categories"].items():  # Parquet drops the categories of an empty column
            dt = pd.CategoricalDtype(self.value(cat["categories"]), ordered=bool(cat["ordered"]))
            df.isetitem(int(k), pd.Categorical(df.iloc[:, int(k)], dtype=dt))
        df.columns = self.value(v["columns"])
        return df

    def series(self, v: dict[str, Any]) -> pd.Series:
        return self.frame(v).iloc[:, 0].rename(self.value(v["name"]))


def _restored(idx: pd.Index, levels: list[str], freq: str | None) -> pd.Index:
    """``idx`` with its object levels object again and its frequency back."""
    if any(d == "object" for d in levels):
        if isinstance(idx, pd.MultiIndex):
            new: list[Any] = [lv.astype(object) if d == "object" else lv
                              for lv, d in zip(idx.levels, levels, strict=True)]
            idx = idx.set_levels(new, verify_integrity=False)
        elif levels[0] == "object":
            idx = idx.astype(object)
    if freq is not None and isinstance(idx, (pd.DatetimeIndex, pd.TimedeltaIndex)):
        idx = type(idx)(idx, freq=freq)
    return idx


# ---- the folder ---------------------------------------------------------------------------

def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _field_error(field: str, value: Any, message: str) -> ValidationError:
    errors = FieldErrors()
    errors.add(field, value, message)
    return ValidationError(errors.items)


def _path_of(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)) or not str(path):
        raise _field_error("path", path, "must be a folder path (str or Path)")
    return Path(path)


def kind_of(obj: Any) -> str | None:
    """The kind of result ``obj`` is (None: not one the store keeps)."""
    from threadx.backtest._engine import BacktestResult
    from threadx.backtest._from_orders import OrdersResult
    from threadx.backtest._portfolio import PortfolioResult
    from threadx.research._walk_forward import WalkForwardResult

    kinds: tuple[tuple[str, type], ...] = (("backtest", BacktestResult), ("orders", OrdersResult),
                                           ("portfolio", PortfolioResult), ("walk_forward", WalkForwardResult),
                                           ("table", pd.DataFrame))
    return next((k for k, cls in kinds if isinstance(obj, cls)), None)


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest of folder ``path`` (None: there is none); DataError naming it when unreadable."""
    f = path / MANIFEST
    if not f.is_file():
        return None
    try:
        m = json.loads(f.read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"{f}: not a readable ThreadX manifest ({exc})") from exc
    if not isinstance(m, dict):
        raise DataError(f"{f}: not a ThreadX manifest (a JSON object)")
    return m


def _is_result(path: Path) -> bool:
    try:
        m = read_manifest(path)
    except DataError:
        return False
    return m is not None and m.get(MARK) in KINDS


def _check_target(path: Path) -> None:
    """``path`` may be written: missing, an empty folder, or a ThreadX result (replaced)."""
    if path.is_symlink() or (path.exists() and not path.is_dir()):
        raise _field_error("path", str(path), "exists and is not a folder (a file or a symbolic link): save() "
                           "writes a folder (refused, nothing overwritten)")
    if path.is_dir() and any(path.iterdir()) and not _is_result(path):
        raise _field_error("path", str(path), "exists and is not a saved ThreadX result: refused (nothing "
                           "overwritten); give a new or empty folder")


def save(result: Any, path: Any) -> Path:
    """Save a backtest result, a sweep table or a walk-forward result in folder ``path``.

    ``result``: what ``run``, ``from_orders`` (or ``run(strategy=...)``), ``rebalance``,
    ``sweep`` (the table, ``attrs["partition_sums"]`` kept) or
    ``threadx.research.walk_forward`` returned.  ``path``: a new or empty folder, or a
    saved result, which is replaced atomically (docs/store.md); anything else is refused.
    Returns the folder.  ``threadx.backtest.load(path)`` gives the result back.
    """
    kind = kind_of(result)
    if kind is None:
        raise _field_error("result", type(result).__name__, "must be a result of run, from_orders, rebalance, "
                           "walk_forward or a sweep table (a DataFrame)")
    target = _path_of(path)
    _pyarrow("saving a result")
    _check_target(target)
    state = _state_of(kind, result)
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(_mkdtemp(parent, target.name))
    except OSError as exc:
        raise _field_error("path", str(target), f"cannot be written ({exc.strerror or exc})") from exc
    try:
        _write(tmp, kind, state)
        _commit(tmp, target)
    except Unstorable as exc:
        raise _field_error(f"result{exc.where}" if exc.where.startswith((".", "[")) else f"result.{exc.where}",
                           exc.value, exc.why) from exc
    except OSError as exc:
        raise _field_error("path", str(target), f"cannot be written ({exc.strerror or exc})") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _mkdtemp(parent: Path, name: str) -> str:
    """A new folder beside the target (same file system: the rename is atomic)."""
    return tempfile.mkdtemp(prefix=f".{name}.tmp-", dir=parent)


def _state_of(kind: str, result: Any) -> dict[str, Any]:
    if kind == "table":
        return {"table": result, "attrs": dict(result.attrs)}
    state: dict[str, Any] = result._saved_state()
    return state


def _write(folder: Path, kind: str, state: dict[str, Any]) -> None:
    """The files of a result in ``folder``: its tables, its state, then its manifest."""
    w = Writer(folder)
    tree = w.value(state, "")
    w.finish()
    (folder / STATE).write_text(json.dumps(tree, indent=1, allow_nan=False))
    files = {name: _sha256(folder / name) for name in [*w.files, STATE]}
    manifest = {MARK: kind, "format": FORMAT, "threadx": __version__, "files": files}
    (folder / MANIFEST).write_text(json.dumps(manifest, indent=1))


def _commit(tmp: Path, target: Path) -> None:
    """Rename the written folder ``tmp`` to ``target``; an old result there is renamed aside
    first and deleted after (a crash between the renames leaves it aside, where load finds it)."""
    if not target.exists():
        os.replace(tmp, target)
        _drop_asides(target)
        return
    aside = target.with_name(f".{target.name}.old-{uuid.uuid4().hex}")
    os.rename(target, aside)
    try:
        os.rename(tmp, target)
    except BaseException:
        os.rename(aside, target)
        raise
    _drop_asides(target)


def _asides(target: Path, what: str = "old") -> list[Path]:
    """The folders a replace of ``target`` set aside (``what="tmp"``: written), oldest first."""
    return sorted(target.parent.glob(f".{glob_escape(target.name)}.{what}-*"), key=lambda p: p.stat().st_mtime)


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _drop_asides(target: Path) -> None:
    """After a commit: the old result and what a killed save left (one writer per folder)."""
    for old in [*_asides(target), *_asides(target, "tmp")]:
        shutil.rmtree(old, ignore_errors=True)


def load(path: Any) -> Any:
    """A result saved by :func:`save`, or the table of a finished sweep's ``out=`` folder.

    The loaded result equals the saved one (every table, series and stat) and behaves the
    same (``stats``, ``trades``, ``orders``, ``returns()``, ``plot()``).  ``DataError`` names
    the file when one is missing, corrupted or of another kind or format.
    """
    folder = _path_of(path)
    _pyarrow("loading a result")
    if not folder.exists():
        aside = _asides(folder)
        if not aside:
            raise _field_error("path", str(folder), "does not exist")
        folder = aside[-1]  # a replace interrupted between its two renames: the old result
    manifest = read_manifest(folder) if folder.is_dir() else None
    if manifest is None:
        inner = sorted(p.parent.name for p in folder.glob("*/manifest.json")) if folder.is_dir() else []
        hint = f"; its folders {', '.join(inner[:3])}{', ...' if len(inner) > 3 else ''} have one (a " \
            "walk-forward's out= holds a sweep folder per fold)" if inner else ""
        raise _field_error("path", str(folder), f"is not a saved ThreadX result (no manifest.json){hint}")
    if manifest.get(MARK) is None and (manifest.get("kind") == "sweep" or "fingerprint" in manifest):
        from threadx.backtest._chunked import load_sweep

        return load_sweep(folder, manifest)
    return _load_result(folder, manifest)


def _load_result(folder: Path, manifest: dict[str, Any]) -> Any:
    f = folder / MANIFEST
    kind = manifest.get(MARK)
    if kind not in KINDS:
        raise DataError(f"{f}: names a {kind!r}, not a kind of ThreadX result ({', '.join(KINDS)})")
    if manifest.get("format") != FORMAT:
        raise DataError(f"{f}: format {manifest.get('format')!r}, this ThreadX ({__version__}) reads format "
                        f"{FORMAT}")
    files = manifest.get("files")
    if not isinstance(files, dict) or STATE not in files:
        raise DataError(f"{f}: lists no files")
    for name, sha in files.items():
        if not isinstance(name, str) or "/" in name or "\\" in name or name.startswith("."):
            raise DataError(f"{f}: lists {name!r}, not a file of this folder")
        p = folder / name
        if not p.is_file():
            raise DataError(f"{p}: missing (the result is incomplete)")
        if _sha256(p) != sha:
            raise DataError(f"{p}: corrupted (its SHA-256 differs from the manifest's)")
    try:
        tree = json.loads((folder / STATE).read_text())
    except ValueError as exc:
        raise DataError(f"{folder / STATE}: not readable JSON ({exc})") from exc
    try:
        state = Reader(folder).value(tree)
        return _built(str(kind), state)
    except DataError:
        raise
    except Exception as exc:  # noqa: BLE001 - a file that decodes to something else than it should
        raise DataError(f"{folder / STATE}: does not describe a {kind} result ({type(exc).__name__}: {exc})") \
            from exc


def _built(kind: str, state: dict[str, Any]) -> Any:
    if kind == "table":
        table: pd.DataFrame = state["table"]
        table.attrs = dict(state["attrs"])
        return table
    from threadx.backtest._engine import BacktestResult
    from threadx.backtest._from_orders import OrdersResult
    from threadx.backtest._portfolio import PortfolioResult
    from threadx.research._walk_forward import WalkForwardResult

    classes: dict[str, Callable[[dict[str, Any]], Any]] = {
        "backtest": BacktestResult._from_saved_state, "orders": OrdersResult._from_saved_state,
        "portfolio": PortfolioResult._from_saved_state, "walk_forward": WalkForwardResult._from_saved_state}
    return classes[kind](state)
