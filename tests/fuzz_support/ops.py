"""Multi-step fuzz operations (a stream's life, a corrupted checkpoint, a coordinator job...).

Each is a plain function of plain data (recipes already built), so a failing case
prints as one call: ``fuzz_support.ops.stream_corrupt('MOM', {}, 300, 4112, b'...')``.
A result that disagrees with its twin (a view and its contiguous copy, a stream and its
pickled copy) raises ``WrongAnswer``: the harness reports it as a silent wrong answer.
"""

from __future__ import annotations

import asyncio
import pickle
from typing import Any

import numpy as np
import pandas as pd

from fuzz_support.recipes import UserError, resolve


class _UserKeyError(UserError, KeyError):
    pass

__all__ = ["WrongAnswer", "as_strings", "coordinator_submit", "duck_request", "gather", "live_book", "live_ticks", "ma_type", "pipeline_run",
           "registered", "request_from_dict", "request_roundtrip", "rolling_quantile_life", "rolling_rank_life", "same_on_copy", "selftest",
           "stepper_life", "stream_corrupt", "stream_life", "tmp_path", "token_life", "unstable_period", "with_threads"]


class WrongAnswer(AssertionError):
    """Two computations that must agree did not."""


def _plain(value: Any) -> Any:
    if isinstance(value, (pd.Series, pd.DataFrame)):
        return value.to_numpy(dtype=np.float64, na_value=np.nan) if value.size else np.zeros(value.shape)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (tuple, list)):
        return [_plain(v) for v in value]
    return value


def _equal(a: Any, b: Any) -> bool:
    a, b = _plain(a), _plain(b)
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, (np.ndarray, float, np.floating)) and isinstance(b, (np.ndarray, float, np.floating)):
        x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
        return x.shape == y.shape and bool(np.array_equal(x, y, equal_nan=True))
    return bool(a == b) if not isinstance(a, np.ndarray) else False


def _contiguous(value: Any) -> Any:
    if isinstance(value, np.ndarray) and not value.dtype.hasobject:
        return np.array(value, copy=True, order="C")
    return value


def same_on_copy(target: str, *args: Any, **kwargs: Any) -> Any:
    """``target(*args, **kwargs)``, checked equal to the same call on contiguous copies of the arrays."""
    fn = resolve(target)
    got = fn(*args, **kwargs)
    ref = fn(*[_contiguous(a) for a in args], **{k: _contiguous(v) for k, v in kwargs.items()})
    if not _equal(got, ref):
        raise WrongAnswer(f"{target}: result on the given views differs from the result on contiguous copies")
    return got


def _bars(n: int, arity: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    cols = [close * (1.0 + 0.01 * rng.uniform(0.0, 1.0, n)), close * (1.0 - 0.01 * rng.uniform(0.0, 1.0, n)),
            close, rng.uniform(1.0, 1000.0, n), close * 1.001]
    order = {1: [2], 2: [0, 1], 3: [0, 1, 2], 4: [0, 1, 2, 3], 5: [4, 0, 1, 2, 3]}[arity]
    return np.stack([cols[i] for i in order], axis=1)


def stream_life(name: str, args: list[Any], kwargs: dict[str, Any], updates: list[tuple[Any, ...]],
                many: list[Any] | None, seed: int = 0) -> Any:
    """Make ``stream.<name>(*args, **kwargs)``, feed ``updates`` then ``many``; a copy and a
    pickled twin, fed the same next bars, must give the same outputs."""
    from threadx import stream

    s = getattr(stream, name)(*args, **kwargs)
    for u in updates:
        s.update(*u)
    if many is not None:
        s.update_many(*many)
    arity = len(s.spec.inputs)
    twins = [s.copy(), pickle.loads(pickle.dumps(s))]
    for bar in _bars(5, arity, seed):
        want = s.update(*bar)
        for t in twins:
            if not _equal(t.update(*bar), want):
                raise WrongAnswer(f"stream.{name}: a copied/unpickled stream disagrees with the original")
    return s.bars


def stream_corrupt(name: str, kwargs: dict[str, Any], n_updates: int, offset: int, patch: bytes,
                   seed: int = 0) -> Any:
    """Pickle ``stream.<name>`` after ``n_updates`` bars, overwrite the bytes of its state at
    ``offset`` with ``patch``, unpickle and keep updating."""
    from threadx import stream

    s = getattr(stream, name)(**kwargs)
    arity = len(s.spec.inputs)
    bars = _bars(n_updates + 5, arity, seed)
    for bar in bars[:n_updates]:
        s.update(*bar)
    state = s._save()
    raw = bytearray(pickle.dumps(s))
    start = bytes(raw).find(state)
    assert start >= 0 and len(state) > 0
    at = start + offset % len(state)
    end = min(at + len(patch), start + len(state))
    raw[at:end] = patch[:end - at]
    t = pickle.loads(bytes(raw))
    out = [t.update(*bar) for bar in bars[n_updates:]]
    out.append(t.update_many(*[bars[n_updates:, j] for j in range(arity)]))
    return len(out)


def stream_load(name: str, n_updates: int, offset: int, patch: bytes, seed: int = 0) -> Any:
    """``stream.load`` of the bytes ``stream.<name>().save()`` gives after ``n_updates`` bars,
    ``patch`` written at ``offset`` (mod size); then the loaded indicator keeps updating."""
    from threadx import stream

    if name not in stream.__all__:
        return None  # a batch-only function
    s = getattr(stream, name)()
    arity = len(s.spec.inputs)
    bars = _bars(n_updates + 5, arity, seed)
    for bar in bars[:n_updates]:
        s.update(*bar)
    raw = bytearray(s.save())
    at = offset % len(raw)
    raw[at:at + len(patch)] = patch[:len(raw) - at]
    t = stream.load(bytes(raw))
    return [t.update(*bar) for bar in bars[n_updates:]]


def unstable_period(name: Any, period: Any, indicator: str | None = None) -> Any:
    """``ta.set_unstable_period(name, period)`` then an indicator; resets the global afterwards."""
    from threadx import ta

    try:
        ta.set_unstable_period(name, period)
        got = ta.get_unstable_period(name)
        if indicator is not None:
            getattr(ta, indicator)(np.linspace(1.0, 2.0, 40))
        return got
    finally:
        ta.set_unstable_period("ALL", 0)


def candle_settings(name: str, setting: Any, rangetype: Any, avgperiod: Any, factor: Any) -> Any:
    """A candle-settings call of threadx.ta (``name``), then a pattern; the defaults are restored afterwards."""
    from threadx import ta

    try:
        if name == "set_candle_settings":
            ta.set_candle_settings(setting, rangetype, avgperiod, factor)
        elif name == "restore_candle_default_settings":
            ta.restore_candle_default_settings(setting)
        got = ta.get_candle_settings()
        x = np.linspace(10.0, 12.0, 40)
        ta.CDLDOJI(x, x + 1, x - 1, x[::-1].copy())
        return got
    finally:
        ta.restore_candle_default_settings()


def with_threads(n: Any) -> Any:
    """``threadx.set_num_threads(n)``, restored afterwards."""
    import threadx

    before = threadx.get_num_threads()
    try:
        return threadx.set_num_threads(n)
    finally:
        threadx.set_num_threads(before)


def pipeline_run(nodes: dict[str, Any], columns: Any, data: Any, max_workers: Any = None,
                 named: dict[str, Any] | None = None) -> Any:
    """``Pipeline({k: Node(**spec)}, columns=...).run(data, max_workers=...)``."""
    from threadx.ta import Node, Pipeline

    built = {k: Node(**spec) if isinstance(spec, dict) else spec for k, spec in nodes.items()}
    extra = {k: Node(**spec) if isinstance(spec, dict) else spec for k, spec in (named or {}).items()}
    kw = {} if columns is None else {"columns": columns}
    return Pipeline(built, **kw, **extra).run(data, max_workers=max_workers)


async def _submit(request: Any, options: dict[str, Any], submit_kw: dict[str, Any]) -> Any:
    from threadx import Coordinator

    async with Coordinator(**options) as co:
        job = await co.submit(request, **submit_kw)
        return await asyncio.wait_for(job, 8.0)


def coordinator_submit(request: Any, options: dict[str, Any] | None = None,
                       submit_kw: dict[str, Any] | None = None) -> Any:
    """``await Coordinator(**options).submit(request, **submit_kw)`` and its result."""
    return asyncio.run(_submit(request, options or {}, submit_kw or {}))


def gather(fn: str, requests: list[Any], kwargs: dict[str, Any]) -> Any:
    """``threadx.run_jobs`` / ``gather_jobs`` (the latter awaited in a fresh loop)."""
    f = resolve(fn)
    out = f(requests, **kwargs)
    if asyncio.iscoroutine(out):
        return asyncio.run(out)
    return out


def rolling_quantile_life(args: tuple[Any, ...], kwargs: dict[str, Any], feed: list[Any], many: Any) -> Any:
    """``RollingQuantile(*args, **kwargs)`` fed value by value, then a block; a copy made
    by replaying the same values gives the same answers."""
    from threadx.rolling import RollingQuantile

    rq = RollingQuantile(*args, **kwargs)
    outs = [rq.update(v) for v in feed]
    if many is not None:
        outs.append(rq.update_many(many))
    return len(outs), rq.nobs


def rolling_rank_life(args: tuple[Any, ...], kwargs: dict[str, Any], feed: list[Any], many: Any) -> Any:
    """``RollingRank(*args, **kwargs)`` fed value by value, then a block."""
    from threadx.rolling import RollingRank

    rr = RollingRank(*args, **kwargs)
    outs = [rr.update(v) for v in feed]
    if many is not None:
        outs.append(rr.update_many(many))
    return len(outs), rr.nobs


def selftest(kind: str, arg: Any = None) -> Any:
    """Outcomes the harness must tell apart (its own tests): crash, hang, raise, return."""
    import os
    import signal
    import time

    if kind == "crash":
        os.kill(os.getpid(), signal.SIGSEGV)
    if kind == "hang":
        time.sleep(3600)
    if kind == "typeerror":
        raise TypeError(f"{arg} must be a number")
    if kind == "pybind":
        raise TypeError("f(): incompatible function arguments. Invoked with: cancel='x'")
    if kind == "validation":
        from threadx.errors import ValidationError

        raise ValidationError([{"field": "x", "value": "1", "message": "no"}])
    if kind == "keyerror":
        raise KeyError(arg)
    return kind


def compatibility(value: Any) -> Any:
    """``ta.set_compatibility(value)`` and the mode read back; resets it afterwards."""
    from threadx import ta

    try:
        ta.set_compatibility(value)
        return ta.get_compatibility()
    finally:
        ta.set_compatibility(0)


def abstract_call(name: Any, data: Any, **params: Any) -> Any:
    """``threadx.ta.abstract.Function(name)(data, **params)``."""
    from threadx.ta import abstract

    return abstract.Function(name)(data, **params)


def ma_type(key: Any) -> Any:
    """``ta.MA_Type[key]`` (TA-Lib's name of an MA type) and ``ta.MA_Type.SMA``."""
    from threadx import ta

    return ta.MA_Type[key], ta.MA_Type.SMA


def as_strings(frame: Any) -> Any:
    """The frame with every column as text (numbers that must not be parsed silently)."""
    return frame.astype(str)


def request_from_dict(cls: str, payload: dict[str, Any]) -> Any:
    """``<cls>.from_dict(...)`` of a garbage payload, or of a (damaged) request's dict."""
    from threadx import requests

    klass = getattr(requests, cls)
    if "raw" in payload:
        return klass.from_dict(payload["raw"])
    data = {k: requests.encode(v) if not isinstance(v, (str, int, float, type(None))) else v
            for k, v in payload["dict"].items()}
    if "type" in payload:
        data["type"] = payload["type"]
    return klass.from_dict(data)


def request_roundtrip(cls: str, fields: dict[str, Any]) -> Any:
    """A request through ``json.dumps(to_dict())`` and back must be the same request."""
    import json

    from threadx import requests

    klass = getattr(requests, cls)
    r = klass(**fields)
    back = klass.from_dict(json.loads(json.dumps(r.to_dict())))
    if back.fingerprint() != r.fingerprint():
        raise WrongAnswer(f"{cls}: the JSON round trip changed the request")
    return back


class _Duck:
    def __init__(self, kind: str) -> None:
        self.kind = kind

    def validate(self) -> Any:
        if self.kind == "invalid":
            from threadx.errors import ValidationError

            raise ValidationError([{"field": "x", "value": "1", "message": "duck says no"}])
        if self.kind == "raises":
            raise UserError("user validate() failed")
        return None if self.kind == "weird" else self

    def run(self, *args: Any, **kwargs: Any) -> Any:
        if self.kind == "slow":
            import time

            time.sleep(0.05)
        if self.kind == "weird":
            raise _UserKeyError("user run() failed")
        return 1


def duck_request(kind: str) -> Any:
    """A user object with ``validate()`` and ``run()`` that behave as ``kind`` says."""
    return _Duck(kind)


def token_life(seconds: Any, action: str) -> Any:
    """A ``CancelToken`` given a deadline in ``seconds``, then checked / cancelled / cleared."""
    import threadx

    tok = threadx.CancelToken()
    tok.set_timeout(seconds)
    if action == "cancel":
        tok.cancel()
    elif action == "clear":
        tok.clear_timeout()
    try:
        tok.check()
    except (threadx.CancelledError, threadx.TaskTimeoutError):
        pass
    return tok.cancelled, tok.expired


def tmp_path(ext: Any) -> str:
    """A fresh path in the worker's scratch directory ending in ``.ext``."""
    import os
    import uuid

    from fuzz_support.recipes import _tmpdir

    return os.path.join(_tmpdir(), f"save-{uuid.uuid4().hex}.{ext}")


def registered(name: Any, source: Any, *args: Any, **kwargs: Any) -> Any:
    """``threadx.sources.register_source``, unregistered afterwards (the registry is global)."""
    from threadx import sources

    try:
        return sources.register_source(name, source, *args, **kwargs)
    finally:
        if isinstance(name, str) and name in sources.source_names() and name != "sample":
            sources.unregister_source(name)


def stepper_life(options: dict[str, Any], bars: list[Any]) -> Any:
    """A Stepper of a small strategy (an in-memory SQLite database) fed ``bars``; its orders."""
    from threadx.backtest import Stepper, Strategy

    class _Buy(Strategy):
        def next(self) -> None:
            if not self.position:
                self.buy(size=1)

    with Stepper(_Buy, db=":memory:", **options) as st:
        return [st.update(b) for b in bars]


def plotted_result(n: int) -> Any:
    """A small backtest result to plot (n bars, a trade when n allows)."""
    from fuzz_support.recipes import make_frame

    import threadx

    frame = make_frame(n, 0, "none", "UTC", "D")
    entries = np.zeros(n, dtype=bool)
    entries[: max(1, n // 4)] = n > 2
    return threadx.backtest.run(frame, entries=entries, exits=~entries)


def sweep_table() -> Any:
    """A small sweep table (fast x slow) to plot."""
    from fuzz_support.recipes import make_frame

    import threadx

    return threadx.backtest.sweep("sma_cross", make_frame(60, 0, "none", "UTC", "D"), fast=[2, 3, 4], slow=[5, 8])


def store_path(kind: str) -> str:
    """A folder path for ``threadx.backtest.save``/``load``: ``new`` (missing), ``saved`` (a
    saved result), ``file`` (an existing file), ``other`` (a folder of other files), ``damaged``
    (a saved result with a truncated file)."""
    import os
    import uuid

    from fuzz_support.recipes import _tmpdir

    import threadx

    path = os.path.join(_tmpdir(), f"store-{uuid.uuid4().hex}")
    if kind == "file":
        with open(path, "w") as f:
            f.write("not a result")
    elif kind == "other":
        os.makedirs(path)
        with open(os.path.join(path, "notes.txt"), "w") as f:
            f.write("mine")
    elif kind in ("saved", "damaged"):
        threadx.backtest.save(plotted_result(12), path)
        if kind == "damaged":
            victim = next(os.path.join(path, n) for n in sorted(os.listdir(path)) if n.endswith(".parquet"))
            with open(victim, "r+b") as f:
                f.truncate(20)
    return path

def _in_temp_dir(name: str) -> Any:
    """``threadx.report.<name>`` run with a fresh temporary folder as the working directory, so a
    fuzzed relative ``path`` ("x", "report.html") never writes into the checkout."""
    import contextlib
    import functools
    import tempfile

    from threadx import report

    fn = getattr(report, name)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with tempfile.TemporaryDirectory() as folder, contextlib.chdir(folder):
            return fn(*args, **kwargs)

    return wrapper


report_backtest = _in_temp_dir("backtest")
report_sweep = _in_temp_dir("sweep")
report_walk_forward = _in_temp_dir("walk_forward")


def daily_returns(n: int) -> Any:
    """``n`` daily returns on business days (a report's ``returns``)."""
    rng = np.random.default_rng(n)
    return pd.Series(rng.normal(0.0005, 0.01, n), index=pd.bdate_range("2020-01-01", periods=n))


def live_ticks(bad: float) -> Any:
    """A small tick frame of three exchanges (``bad``: the fraction spoiled on purpose)."""
    from threadx.live import sample_ticks

    return sample_ticks(("GOOG",), ("a", "b", "c"), duration="20s", rate=2.0, bad=bad)


def live_book(exchanges: Any, ticks: Any, window: Any = "15min", q_lo: Any = 0.05, q_hi: Any = 0.95,
              max_points: Any = 16384, max_keys: Any = 10_000) -> Any:
    """``SpreadBook(exchanges, ...)`` then ``update(ticks)`` twice (state carried over)."""
    from threadx.live import SpreadBook

    book = SpreadBook(exchanges, window=window, q_lo=q_lo, q_hi=q_hi, max_points=max_points, max_keys=max_keys)
    book.update(ticks)
    return book.update(ticks)


def benchmark_prices(n: int) -> Any:
    """``n`` daily prices from 2020-01-01 (a report's ``benchmark``)."""
    rng = np.random.default_rng(n + 1)
    return pd.Series(100 * np.exp(np.cumsum(rng.normal(0, 0.01, n))),
                     index=pd.date_range("2020-01-01", periods=n, tz="UTC"))


def walk_forward_result() -> Any:
    """A small walk-forward to report."""
    from fuzz_support.recipes import make_frame

    import threadx

    return threadx.research.walk_forward("sma_cross", make_frame(60, 0, "none", "UTC", "D"),
                                         threadx.research.WalkForward(train=30, test=15), fast=[2, 3], slow=[5, 8])
