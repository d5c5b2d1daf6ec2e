"""One hypothesis strategy per public entry point, each drawing ``Case`` objects.

A case starts valid and usually gets one or two arguments spoiled: an invalid value
(labelled ``invalid``: a normal return is "accepted", a failure), a wrong Python type
(``invalid`` + ``typearg``: a ``TypeError`` naming the argument is allowed), or a value
whose fate is not specified (``unknown``: any typed outcome or a return is fine).
Arrays vary in dtype, shape, strides, alignment, read-only-ness and container.

``ENTRIES`` maps each fuzzed public name (``"rolling.mean"``, ``"ta.RSI"``, ...) to
``(strategy, weight)``; ``weight`` scales the number of examples.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
from hypothesis import strategies as st

from fuzz_support.case import Case
from fuzz_support.recipes import Arr, Call, File, Frame, Obj, Token

NAN, INF = float("nan"), float("inf")
SPECIAL = [NAN, INF, -INF, 0.0, -0.0, 1e308, -1e308, 5e-324, 1e-300, 2.0**63, -(2.0**53) - 1]
WRONG_TYPES: list[Any] = ["x", b"x", [1.0], {"a": 1}, Obj("object"), Obj("raising"), Obj("complex"),
                          Obj("lambda"), Obj("set")]
BAD_INTS: list[Any] = [0, -1, -(2**63), 2**63, 2**31, 10**20, Obj("big_int"), NAN, INF, -INF, 1e300]
VALID_DTYPES = ["float64"] * 6 + ["float32", "int64", "int32", "uint8", "int8", "float16", "uint64"]
BAD_DTYPES = {"complex128": "invalid", "<U3": "invalid", "datetime64[ns]": "invalid", "object": "unknown",
              "bool": "unknown"}


@dataclass
class Draft:
    """What a case expects, built up while its arguments are drawn."""

    expect: str = "valid"
    typearg: str | None = None
    notes: list[str] = field(default_factory=list)

    def mark(self, label: str, arg: str, note: str = "") -> None:
        if label == "valid":
            return
        if label == "wrongtype":
            self.expect = "invalid"
            self.typearg = self.typearg or arg
        elif label == "invalid":
            self.expect = "invalid"
        elif self.expect == "valid":
            self.expect = "unknown"
        self.notes.append(f"{arg}: {label}{' ' + note if note else ''}")

    def case(self, entry: str, target: str, args: tuple[Any, ...] = (), kwargs: dict[str, Any] | None = None,
             expect: str | None = None) -> Case:
        return Case(entry, target, args, kwargs or {}, expect or self.expect, self.typearg, "; ".join(self.notes))


def spoil(draw: Any, d: Draft, arg: str, valid: Any, invalid: Sequence[Any] = (),
          wrong: Sequence[Any] = tuple(WRONG_TYPES), unknown: Sequence[Any] = (), p: int = 3) -> Any:
    """A value for ``arg``: one drawn from ``valid`` (a strategy) or, with odds ``p``/10,
    a spoiled one (invalid / wrong type / unknown), labelled on ``d``."""
    pools = [(lab, vals) for lab, vals in (("invalid", invalid), ("wrongtype", wrong), ("unknown", unknown)) if vals]
    if not pools or draw(st.integers(0, 9)) >= p:
        return draw(valid)
    label, vals = draw(st.sampled_from(pools))
    value = draw(st.sampled_from(list(vals)))
    d.mark(label, arg, repr(value)[:40])
    return value


floats = st.one_of(st.floats(-1e4, 1e4, allow_nan=False), st.sampled_from(SPECIAL),
                   st.floats(allow_nan=True, allow_infinity=True))
prices = st.one_of(st.floats(1.0, 1e3), st.sampled_from([NAN, 0.0, 1e-300, 1e300, INF]))


def values(draw: Any, n: int, wild: bool = True) -> tuple[Any, ...]:
    seed = draw(st.integers(0, 2**16))
    rng = np.random.default_rng(seed)
    base = 100.0 + np.cumsum(rng.normal(0.0, 1.0, n))
    if wild and n:
        k = draw(st.integers(0, min(n, 4)))
        for _ in range(k):
            base[draw(st.integers(0, n - 1))] = draw(floats)
    return tuple(float(x) for x in base)


def array(draw: Any, d: Draft, arg: str, n: int, ncols: int | None = None, p_bad: int = 2,
          wild: bool = True, paired: bool = True) -> Arr:
    """An ``Arr`` recipe of ``n`` rows (``ncols`` columns when given), often oddly laid out."""
    shape: tuple[int, ...] = (n,) if ncols is None else (n, ncols)
    layouts = ["c", "c", "strided", "reversed", "readonly", "misaligned", "series", "list"]
    if ncols is not None:
        layouts = ["c", "c", "f", "strided", "reversed", "readonly", "misaligned", "transposed", "frame"]
    dtype = draw(st.sampled_from(VALID_DTYPES))
    layout = draw(st.sampled_from(layouts))
    roll = draw(st.integers(0, 9))
    if roll < p_bad:
        kind = draw(st.sampled_from(["dtype", "shape", "length"]))
        if kind == "dtype":
            dtype = draw(st.sampled_from(sorted(BAD_DTYPES)))
            # a list drops the dtype (datetime64[ns].tolist() is plain ints, a valid input)
            d.mark(BAD_DTYPES[dtype] if layout != "list" else "unknown", arg, f"dtype {dtype}")
        elif kind == "shape":
            shape = draw(st.sampled_from([(), (n, 2, 1) if n else (0, 2, 1), (1, n) if ncols is None else (n * 2,)]))
            d.mark("invalid" if len(shape) != 2 else "unknown", arg, f"shape {shape}")
            if layout in ("series", "frame", "transposed", "f"):
                layout = "c"
        else:
            m = draw(st.sampled_from([max(n - 1, 0), n + 1]))
            if m != n and paired:
                d.mark("invalid", arg, f"length {m} vs {n}")
                shape = (m,) + shape[1:]
    size = int(np.prod(shape)) if shape else 1
    return Arr(values(draw, size, wild), dtype, shape, layout)


def frame(draw: Any, d: Draft, arg: str, n: int | None = None, p_bad: int = 3) -> Frame:
    n = draw(st.integers(0, 80)) if n is None else n
    seed = draw(st.integers(0, 1000))
    corrupt = "none"
    if draw(st.integers(0, 9)) < p_bad:
        corrupt = draw(st.sampled_from(["nan", "inf", "negative", "high_lt_low", "unsorted", "duplicate", "naive",
                                        "int_index", "missing_column", "str_column", "object_column",
                                        "multiindex_columns", "extra_column", "huge"]))
        d.mark("unknown", arg, corrupt)
    if n == 0:
        d.mark("unknown", arg, "empty")
    return Frame(n, seed, corrupt)


# --------------------------------------------------------------------------- rolling
ROLLING = ["mean", "sum", "std", "var", "min", "max", "median", "zscore", "quantile", "rank"]
TIME_WINDOWS = ["3s", "2min", "1h", "1D"]


@st.composite
def rolling_case(draw: Any, name: str) -> Case:
    d = Draft()
    n = draw(st.integers(0, 30))
    ncols = draw(st.sampled_from([None, None, 1, 3]))
    x = array(draw, d, "x", n, ncols, paired=False)  # times= and out= are drawn with n rows, or spoiled
    timed = draw(st.integers(0, 4)) == 0
    kw: dict[str, Any] = {}
    if timed:
        window = spoil(draw, d, "window", st.sampled_from(TIME_WINDOWS + [Call("pandas.Timedelta", ("5min",))]),
                       invalid=["0s", "-3s", "abc", "3 parsecs"], wrong=[Obj("object"), [1]])
        kw["times"] = spoil(draw, d, "times", st.just(Call("pandas.date_range", ("2024-01-01",),
                                                            (("periods", n), ("freq", "min"), ("tz", "UTC")))),
                            invalid=[Call("pandas.date_range", ("2024-01-01",), (("periods", n + 1), ("freq", "min")))
                                     , Call("pandas.DatetimeIndex", ([None] * max(n, 1),)),
                                     Arr(tuple(float(n - i) for i in range(n)), "datetime64[ns]", (n,))],
                            wrong=["x", 5])
    else:
        window = spoil(draw, d, "window", st.integers(1, n + 3), invalid=[0, -1, -(2**63), 2**63, 10**20, NAN, INF],
                       wrong=["x", None, [3], Obj("object")], unknown=[2.5, True, 3.0, np.int64(2)])
        if draw(st.integers(0, 9)) == 0:
            # times with a count window: checked (one valid timestamp per row), not used, as pandas does
            kw["times"] = draw(st.sampled_from(["x", Call("pandas.date_range", ("2024",), (("periods", n),))]))
            if kw["times"] == "x":
                d.mark("invalid", "times", "not timestamps (with a count window)")
    args: tuple[Any, ...] = (x, window)
    if name == "quantile":
        q = spoil(draw, d, "q", st.one_of(st.floats(0.0, 1.0), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=3)),
                  invalid=[-0.1, 1.5, NAN, INF, [], [[0.1, 0.2]], [0.5, NAN]], wrong=["x", None, Obj("object")])
        args = (x, window, q)
        if draw(st.booleans()):
            kw["interpolation"] = spoil(draw, d, "interpolation",
                                        st.sampled_from(["linear", "lower", "higher", "nearest", "midpoint"]),
                                        invalid=["cubic", "", "LINEAR"], wrong=[5, None])
    if name == "rank":
        rank_options(draw, d, kw)
    if draw(st.booleans()):
        kw["min_periods"] = spoil(draw, d, "min_periods", st.one_of(st.none(), st.integers(0, 3)),
                                  invalid=[-1, 2**63, NAN], wrong=["x", Obj("object")], unknown=[1.5, 10**6])
    if name in ("std", "var", "zscore") and draw(st.booleans()):
        kw["ddof"] = spoil(draw, d, "ddof", st.integers(0, 2), invalid=[-1, 2**63, NAN], wrong=["x", None],
                           unknown=[1.0, 10**6])
    if draw(st.integers(0, 4)) == 0:
        m = 1 if name != "quantile" or not isinstance(args[2], list) else len(args[2])
        oshape = (n,) if ncols is None and m == 1 else (n, (ncols or 1) * m)
        kw["out"] = spoil(draw, d, "out", st.just(Arr((0.0,) * int(np.prod(oshape)), "float64", oshape)),
                          invalid=[Arr((0.0,) * (n + 1), "float64", (n + 1,)), Arr((0,) * n, "int64", (n,)),
                                   Arr((0.0,) * n, "float32", (n,)), Arr((0.0,) * n, "float64", (n,), "readonly")],
                          wrong=["x", [0.0] * n], unknown=[Arr((0.0,) * n, "float64", (n,), "misaligned")])
    if draw(st.integers(0, 3)) == 0:
        kw["cancel"] = spoil(draw, d, "cancel", st.just(Token()), wrong=["x", 5, Obj("object")],
                             unknown=[Token("cancelled"), Token("expired")])
    target = f"threadx.rolling.{name}"
    if x.layout not in ("c", "series", "list") and d.expect != "invalid":
        return d.case(f"rolling.{name}", "fuzz_support.ops.same_on_copy", (target, *args), kw)
    return d.case(f"rolling.{name}", target, args, kw)


def rank_options(draw: Any, d: Draft, kw: dict[str, Any]) -> None:
    """method= / ascending= / pct= of a rolling rank, each drawn or left out."""
    if draw(st.booleans()):
        kw["method"] = spoil(draw, d, "method", st.sampled_from(["average", "min", "max"]),
                             invalid=["first", "dense", "", "MIN"], wrong=[5, None])
    for flag in ("ascending", "pct"):
        if draw(st.booleans()):
            kw[flag] = spoil(draw, d, flag, st.booleans(), wrong=[1, 0, "yes", None, NAN])


@st.composite
def rolling_rank_case(draw: Any) -> Case:
    d = Draft()
    window = spoil(draw, d, "window", st.integers(1, 20), invalid=[0, -1, 2**63, NAN], wrong=["x", None],
                   unknown=["3s"])
    kw: dict[str, Any] = {}
    rank_options(draw, d, kw)
    if draw(st.booleans()):
        kw["max_points"] = spoil(draw, d, "max_points", st.integers(1, 1000), invalid=[0, -1, 2**63],
                                 wrong=["x"], unknown=[None])
    if draw(st.booleans()):
        kw["min_periods"] = spoil(draw, d, "min_periods", st.integers(0, 3), invalid=[-1], wrong=["x"])
    feed = []
    for _ in range(draw(st.integers(0, 8))):
        feed.append(spoil(draw, d, "update", floats, wrong=["x", None, Obj("object")],
                          unknown=[Obj("big_int"), Obj("np_float32"), Obj("hostile_float"), [1.0, 2.0]]))
    many = (array(draw, d, "update_many", draw(st.integers(0, 20)), p_bad=2, paired=False)
            if draw(st.booleans()) else None)
    return d.case("rolling.RollingRank", "fuzz_support.ops.rolling_rank_life", (), {
        "args": (window,), "kwargs": kw, "feed": feed, "many": many})


@st.composite
def rolling_quantile_case(draw: Any) -> Case:
    d = Draft()
    window = spoil(draw, d, "window", st.integers(1, 20), invalid=[0, -1, 2**63, NAN], wrong=["x", None],
                   unknown=["3s"])
    q = spoil(draw, d, "q", st.floats(0, 1), invalid=[-0.5, 2.0, NAN, [[0.5]]], wrong=["x", None])
    kw: dict[str, Any] = {}
    if draw(st.booleans()):
        kw["interpolation"] = spoil(draw, d, "interpolation", st.sampled_from(["linear", "lower", "midpoint"]),
                                    invalid=["spline"], wrong=[3])
    if draw(st.booleans()):
        kw["max_points"] = spoil(draw, d, "max_points", st.integers(1, 1000), invalid=[0, -1, 2**63],
                                 wrong=["x"], unknown=[None])
    if draw(st.booleans()):
        kw["min_periods"] = spoil(draw, d, "min_periods", st.integers(0, 3), invalid=[-1], wrong=["x"])
    feed = []
    for _ in range(draw(st.integers(0, 8))):
        feed.append(spoil(draw, d, "update", floats, wrong=["x", None, Obj("object")],
                          unknown=[Obj("big_int"), Obj("np_float32"), Obj("hostile_float"), [1.0, 2.0]]))
    # update_many takes any number of values (no times= here): a length is no error
    many = (array(draw, d, "update_many", draw(st.integers(0, 20)), p_bad=2, paired=False)
            if draw(st.booleans()) else None)
    return d.case("rolling.RollingQuantile", "fuzz_support.ops.rolling_quantile_life", (), {
        "args": (window, q), "kwargs": kw, "feed": feed, "many": many})


# --------------------------------------------------------------------------- ta
def _ta_spec(name: str) -> dict[str, Any]:
    from threadx import ta

    return dict(ta.describe(name))


def _param_value(draw: Any, d: Draft, pname: str, spec: dict[str, Any]) -> Any:
    lo, hi, kind = spec.get("min", 0.0), spec.get("max", 1e5), spec["kind"]
    if kind in ("int", "matype"):
        top = int(min(hi, lo + 40))
        valid: Any = st.integers(int(lo), max(int(lo), top))
        invalid = [int(lo) - 1, int(hi) + 1, -(2**63), 2**63, NAN, INF]
        return spoil(draw, d, pname, valid, invalid=invalid, wrong=["x", Obj("object")],
                     unknown=[2.5, True, None, np.int64(int(lo)), [int(lo), int(lo) + 1]])
    valid = st.floats(max(lo, -1e6), min(hi, 1e6)) if math.isfinite(lo) or math.isfinite(hi) else floats
    return spoil(draw, d, pname, valid, invalid=[NAN, INF, -INF, lo - max(1.0, abs(lo)) if math.isfinite(lo) else NAN],
                 wrong=["x", Obj("object")], unknown=[None, 1e308])


@st.composite
def ta_case(draw: Any, name: str, module: str = "ta") -> Case:
    """``threadx.<module>.NAME(*inputs, **params)``: the batch function (``ta``) or a TA-Lib-style
    stream handle opened on the inputs as history (``ta.stream``)."""
    spec = _ta_spec(name)
    d = Draft()
    n = draw(st.integers(0, 60))
    as_frame = draw(st.integers(0, 9)) == 0
    paired = len(spec["inputs"]) > 1
    inputs = [] if as_frame else [array(draw, d, inp, n, p_bad=1, paired=paired) for inp in spec["inputs"]]
    params = {p: _param_value(draw, d, p, s) for p, s in spec["params"].items() if draw(st.booleans())}
    if draw(st.integers(0, 9)) == 0:
        params[draw(st.sampled_from(["timeperod", "period", "x"]))] = 3
        d.mark("invalid", "keyword", "unknown keyword")
    if draw(st.integers(0, 14)) == 0 and inputs:
        inputs = inputs[:-1]
        d.mark("invalid", "inputs", "one input missing")
    if name.startswith("CDL") and draw(st.integers(0, 3)) == 0:  # a pattern's per-call candle settings
        params["candle_settings"] = spoil(
            draw, d, "candle_settings",
            st.sampled_from([{}, {"BodyDoji": {"factor": 0.2}}, {"Near": {"avg_period": 0, "range_type": "RealBody"}}]),
            invalid=[{"BodyDojo": {}}, {"Near": {"avg_period": -1}}, {"Far": {"factor": NAN}}, {"Far": {"x": 1}}],
            wrong=[5, "x", [("Near", {})]])
    target = f"threadx.{module}.{name}"
    if as_frame:
        return d.case(f"{module}.{name}", target, (frame(draw, d, "data"),), params,
                      expect="unknown" if d.expect == "valid" else None)
    if module == "ta.stream":  # a short history is InsufficientHistory, a typed error
        return d.case(f"{module}.{name}", target, tuple(inputs), params,
                      expect="unknown" if d.expect == "valid" else None)
    if any(a.layout not in ("c", "series", "list") for a in inputs) and d.expect != "invalid":
        return d.case(f"{module}.{name}", "fuzz_support.ops.same_on_copy", (target, *inputs), params)
    return d.case(f"{module}.{name}", target, tuple(inputs), params)


@st.composite
def abstract_case(draw: Any) -> Case:
    """``threadx.ta.abstract.Function(name)(data, **params)`` on an OHLCV frame or dict."""
    from threadx import ta

    d = Draft()
    name = spoil(draw, d, "function", st.sampled_from(sorted(ta.get_functions())), invalid=["NOPE", ""],
                 wrong=[5, None])
    spec = _ta_spec(name) if name in ta.get_functions() else {"params": {}}
    params = {p: _param_value(draw, d, p, s) for p, s in spec["params"].items() if draw(st.booleans())}
    return d.case("ta.abstract.Function", "fuzz_support.ops.abstract_call", (name, frame(draw, d, "data")), params,
                  expect="unknown" if d.expect == "valid" else None)


@st.composite
def vwap_case(draw: Any, name: str) -> Case:
    """VWAP and its anchored forms take times / anchors / sessions besides the four inputs."""
    d = Draft()
    n = draw(st.integers(0, 50))
    inputs: list[Any] = [array(draw, d, inp, n, p_bad=1) for inp in ("high", "low", "close", "volume")]
    kw: dict[str, Any] = {}
    times_ok = Call("pandas.date_range", ("2024-01-01",), (("periods", n), ("freq", "h"), ("tz", "UTC")))
    bad_times = [Arr(tuple(float(n - i) * 3.6e12 for i in range(n)), "datetime64[ns]", (n,)),
                 Call("pandas.DatetimeIndex", ([None] * max(n, 1),)),
                 Call("pandas.date_range", ("2024-01-01",), (("periods", n + 2), ("freq", "h")))]
    if name == "VWAP":
        if draw(st.booleans()):
            kw["times"] = spoil(draw, d, "times", st.just(times_ok), invalid=bad_times, wrong=["x", 5])
            kw["anchor"] = spoil(draw, d, "anchor", st.sampled_from(["D", "W", "M", None]), invalid=["fortnight", ""],
                                 wrong=[5])
            kw["tz"] = spoil(draw, d, "tz", st.sampled_from(["UTC", "America/New_York", "Asia/Tokyo"]),
                             invalid=["Mars/Base", ""], wrong=[5, Obj("object")])
            if draw(st.booleans()):
                kw["offset"] = spoil(draw, d, "offset", st.sampled_from(["9h30min", None]), invalid=["x"],
                                     wrong=[Obj("object")], unknown=[Obj("timedelta")])
        else:
            kw["timeperiod"] = spoil(draw, d, "timeperiod", st.integers(1, 30), invalid=[0, -1, 2**63, NAN],
                                     wrong=["x"])
    elif name == "VWAP_ROLLING":
        kw["timeperiod"] = spoil(draw, d, "timeperiod", st.integers(1, 30), invalid=[0, -1, 2**63, NAN], wrong=["x"])
    else:
        sess = Arr(tuple(float(i // 5) for i in range(n)), "int64", (n,))
        inputs.append(spoil(draw, d, "session", st.just(sess),
                            invalid=[Arr(tuple(float(i) for i in range(n + 1)), "int64", (n + 1,))],
                            wrong=[Obj("object")], unknown=[Arr(tuple(float(-i) for i in range(n)), "int64", (n,)),
                                                            times_ok, "x"]))
    return d.case(f"ta.{name}", f"threadx.ta.{name}", tuple(inputs), kw)


@st.composite
def ta_helper_case(draw: Any, name: str) -> Case:
    from threadx import ta

    d = Draft()
    names = st.sampled_from(sorted(ta.get_functions()))
    if name == "describe":
        return d.case("ta.describe", "threadx.ta.describe",
                      (spoil(draw, d, "name", names, invalid=["NOPE", "", "rsi "], wrong=[5, None]),))
    if name in ("get_functions", "get_function_groups"):
        return d.case(f"ta.{name}", f"threadx.ta.{name}")
    if name in ("get_unstable_period", "set_unstable_period"):
        fname = spoil(draw, d, "name", st.sampled_from(["RSI", "EMA", "ATR", "ALL", "KAMA"]),
                      invalid=["NOPE", "SMA", ""], wrong=[5, None], unknown=["rsi"])
        period = spoil(draw, d, "period", st.integers(0, 100), invalid=[-1, 2**63, NAN], wrong=["x", None],
                       unknown=[2.5])
        if name == "get_unstable_period" and draw(st.booleans()):
            return d.case("ta.get_unstable_period", "threadx.ta.get_unstable_period", (fname,))
        return d.case(f"ta.{name}", "fuzz_support.ops.unstable_period", (fname, period, "RSI"))
    if name == "get_compatibility":
        return d.case("ta.get_compatibility", "threadx.ta.get_compatibility")
    if name == "set_compatibility":
        value = spoil(draw, d, "value", st.sampled_from([0, 1]), invalid=[2, -1, 2**63], wrong=["1", None, 1.5])
        return d.case("ta.set_compatibility", "fuzz_support.ops.compatibility", (value,))
    if name in ("set_candle_settings", "restore_candle_default_settings", "get_candle_settings"):
        target = "fuzz_support.ops.candle_settings"
        if name == "get_candle_settings":
            return d.case(f"ta.{name}", target, (name, None, None, None, None))
        if name == "restore_candle_default_settings":  # 11: AllCandleSettings
            setting = spoil(draw, d, "settingtype", st.sampled_from([0, 3, 11, "Near"]), invalid=[12, -1, "Doji"],
                            wrong=[None, 2.5])
            return d.case(f"ta.{name}", target, (name, setting, None, None, None))
        setting = spoil(draw, d, "settingtype", st.sampled_from([0, 3, 10, "BodyDoji", "Near"]),
                        invalid=[11, -1, "Doji", 2**63], wrong=[None, 2.5])
        args = (spoil(draw, d, "rangetype", st.sampled_from([0, 1, 2, "HighLow"]), invalid=[3, -1, "Body"],
                      wrong=[None, 1.5]),
                spoil(draw, d, "avgperiod", st.integers(0, 50), invalid=[-1, 100000001, 2**63], wrong=[2.5, "x"]),
                spoil(draw, d, "factor", st.floats(0, 5), invalid=[-0.1, NAN, INF], wrong=["x", None]))
        return d.case(f"ta.{name}", target, (name, setting, *args))
    if name == "MA_Type":
        key = spoil(draw, d, "key", st.integers(0, 13), invalid=[14, -1, 2**63], wrong=[None, Obj("object")],
                    unknown=["SMA", "x"])
        return d.case("ta.MA_Type", "fuzz_support.ops.ma_type", (key,))
    return pipeline_case_body(draw, d, name)


def pipeline_case_body(draw: Any, d: Draft, name: str) -> Case:
    fn = spoil(draw, d, "function", st.sampled_from(["SMA", "EMA", "RSI", "MACD", "ATR", "BBANDS", "STOCH"]),
               invalid=["NOPE", ""], wrong=[5, None])
    node: dict[str, Any] = {"function": fn}
    if fn in ("SMA", "EMA", "RSI") and draw(st.booleans()):
        node["timeperiod"] = spoil(draw, d, "timeperiod", st.integers(1, 30), invalid=[0, -1, 2**63, NAN],
                                   wrong=["x"])
    if fn in ("SMA", "EMA", "RSI") and draw(st.booleans()):
        node["of"] = spoil(draw, d, "of", st.sampled_from(["close", "open"]), invalid=["nope", "a.b.c"], wrong=[5])
    nodes: dict[str, Any] = {"a": node}
    if draw(st.booleans()):
        nodes["b"] = {"function": "EMA", "of": spoil(draw, d, "of", st.just("a"), invalid=["b", "zz"], wrong=[3]),
                      "timeperiod": 3}
        if isinstance(fn, str) and fn in ("MACD", "BBANDS", "STOCH") and nodes["b"]["of"] == "a":
            d.mark("unknown", "of", "multi-output reference")
    columns = None
    if draw(st.integers(0, 3)) == 0:
        columns = spoil(draw, d, "columns", st.just(("open", "high", "low", "close", "volume")),
                        invalid=[()], wrong=[[5], 5], unknown=[["open", "high", "low", "close"], ("close",), "close"])
    data = frame(draw, d, "data", draw(st.integers(0, 60)))
    if draw(st.integers(0, 9)) == 0:
        data = spoil(draw, d, "data", st.just(data), wrong=[Obj("object"), "x"],
                     invalid=[Call("fuzz_support.ops.as_strings", (data,))])
    mw = spoil(draw, d, "max_workers", st.one_of(st.none(), st.integers(1, 4)), invalid=[0, -1, 2**63],
               wrong=["x", Obj("object")], unknown=[1.5]) if draw(st.booleans()) else None
    entry = "ta.Pipeline" if name == "Pipeline" else "ta.Node"
    return d.case(entry, "fuzz_support.ops.pipeline_run", (nodes, columns, data, mw))


# --------------------------------------------------------------------------- stream
@st.composite
def stream_case(draw: Any, name: str) -> Case:
    if draw(st.integers(0, 2)) == 0:
        return stream_corrupt_case(draw, name)
    spec = _ta_spec(name)
    d = Draft()
    args: list[Any] = []
    kw = {p: _param_value(draw, d, p, s) for p, s in spec["params"].items() if draw(st.booleans())}
    if name in ("VWAP", "VWAP_SESSION"):
        kw = {}
    if draw(st.integers(0, 9)) == 0:
        args = [3] * (len(spec["params"]) + 1)
        d.mark("invalid", "params", "too many positional")
    arity = len(spec["inputs"])
    updates = []
    for _ in range(draw(st.integers(0, 6))):
        bar = tuple(spoil(draw, d, "update", prices, wrong=["x", None, Obj("object")],
                          unknown=[Obj("big_int"), Obj("np_float32"), Obj("hostile_float"), Obj("np_int64")], p=1)
                    for _ in range(arity))
        if draw(st.integers(0, 19)) == 0:
            bar = bar + (1.0,) if draw(st.booleans()) or arity == 1 else bar[:-1]
            d.mark("wrongtype", "update", "wrong arity")
        updates.append(bar)
    many = None
    if draw(st.booleans()):
        m = draw(st.integers(0, 30))
        many = [array(draw, d, inp, m, p_bad=1, paired=arity > 1) for inp in spec["inputs"]]
        if draw(st.integers(0, 14)) == 0:
            many = many[:-1] if len(many) > 1 else many + many
            d.mark("invalid", "inputs", "wrong number of arrays")
    return d.case(f"stream.{name}", "fuzz_support.ops.stream_life", (name, args, kw, updates, many),
                  {"seed": draw(st.integers(0, 100))})


def stream_corrupt_case(draw: Any, name: str) -> Case:
    d = Draft(expect="unknown")  # a damaged state may still be a valid state
    n = draw(st.sampled_from([0, 1, 3, 40, 300]))
    offset = draw(st.integers(0, 4096))
    patch = draw(st.sampled_from([(10**12).to_bytes(8, "little"), (10**6).to_bytes(8, "little"), b"\xff" * 8,
                                  b"\x00" * 8, (2**63 - 1).to_bytes(8, "little"), b"\x7f\xf8" + b"\x00" * 6,
                                  (1).to_bytes(8, "little"), b"\x02", b"\xff", b"\x80" * 3]))
    d.notes.append(f"state bytes at {offset} (mod size) <- {patch!r}")
    case = d.case(f"stream.{name}", "fuzz_support.ops.stream_corrupt", (name, {}, n, offset, patch))
    case.taints = True
    return case


@st.composite
def stream_load_case(draw: Any) -> Case:
    """``stream.load`` of bytes saved by an indicator, damaged at one offset or not, or of garbage."""
    from threadx import ta

    kind = draw(st.sampled_from(["saved", "damaged", "damaged", "garbage", "wrongtype"]))
    if kind in ("garbage", "wrongtype"):
        d = Draft(expect="invalid")
        if kind == "wrongtype":
            d.mark("wrongtype", "data", "not bytes")
            return d.case("stream.load", "threadx.stream.load", (draw(st.sampled_from(WRONG_TYPES)),))
        return d.case("stream.load", "threadx.stream.load", (draw(st.binary(max_size=200)),))
    d = Draft(expect="unknown" if kind == "damaged" else "valid")
    name = draw(st.sampled_from(sorted(ta.get_functions())))
    n = draw(st.sampled_from([0, 1, 40, 300]))
    offset = draw(st.integers(0, 4096))
    patch = draw(st.sampled_from([b"", b"\xff" * 8, (10**12).to_bytes(8, "little"), b"\x02"])) if kind == "damaged" else b""
    d.notes.append(f"{name} after {n} bars, bytes at {offset} (mod size) <- {patch!r}")
    return d.case("stream.load", "fuzz_support.ops.stream_load", (name, n, offset, patch))


@st.composite
def stream_indicator_case(draw: Any) -> Case:
    d = Draft(expect="invalid")
    args = draw(st.sampled_from([(), (14,), ("RSI",)]))
    return d.case("stream.Indicator", "threadx.stream.Indicator", args)


# --------------------------------------------------------------------------- backtest
def _signal(draw: Any, d: Draft, arg: str, n: int) -> Any:
    seed = draw(st.integers(0, 999))
    rng = np.random.default_rng(seed)
    vals = tuple(float(v) for v in (rng.uniform(0, 1, n) < 0.15))
    return spoil(draw, d, arg, st.just(Arr(vals, "bool", (n,))),
                 invalid=[Arr(vals + (0.0,), "bool", (n + 1,)), Arr(vals, "<U3", (n,)),
                          Arr((2.0,) + vals[1:], "int64", (n,)) if n else Arr((), "<U3", (0,))],
                 wrong=[Obj("object")], unknown=[Arr(vals, "float64", (n,)), Arr(vals, "bool", (n,), "misaligned"),
                                                 Arr(vals, "bool", (n,), "strided"), Arr(vals, "int64", (n,))], p=2)


BT_FLOATS = {"init_cash": (st.floats(1.0, 1e9), [0.0, -1.0, NAN, INF]),
             "fees": (st.floats(0.0, 0.05), [-0.1, NAN, INF, 1.5]),
             "fixed_fees": (st.floats(0.0, 10.0), [-1.0, NAN, INF]),
             "slippage": (st.floats(0.0, 0.05), [-0.1, NAN, INF]),
             "leverage": (st.floats(1.0, 10.0), [0.0, -1.0, NAN, INF]),
             "sl_stop": (st.floats(0.001, 0.5), [NAN, -0.1, INF, 0.0]),
             "tp_stop": (st.floats(0.001, 0.5), [NAN, -0.1, INF, 0.0]),
             "tsl_stop": (st.floats(0.001, 0.5), [NAN, -0.1, INF]),
             "tsl_offset": (st.floats(0.0, 0.5), [NAN, -0.1, INF]),
             "periods_per_year": (st.floats(1.0, 1e5), [0.0, -1.0, NAN, INF]),
             "size": (st.floats(0.01, 1.0), [0.0, -1.0, NAN, INF])}
BT_CHOICES = {"size_type": (["percent", "amount", "value"], ["pct", ""]),
              "execution": (["open", "close"], ["midday", ""]),
              "order_type": (["market"], ["iceberg"]),
              "intrabar": (["backtesting"], ["sideways"])}


@st.composite
def backtest_run_case(draw: Any) -> Case:
    d = Draft()
    n = draw(st.integers(0, 80))
    data = frame(draw, d, "data", n)
    kw: dict[str, Any] = {"entries": _signal(draw, d, "entries", n), "exits": _signal(draw, d, "exits", n)}
    if draw(st.integers(0, 3)) == 0:
        kw["short_entries"] = _signal(draw, d, "short_entries", n)
    for name, (valid, bad) in BT_FLOATS.items():
        if draw(st.integers(0, 5)) == 0:
            kw[name] = spoil(draw, d, name, valid, invalid=bad, wrong=["x", Obj("object")])
    for name, (ok, bad) in BT_CHOICES.items():
        if draw(st.integers(0, 6)) == 0:
            kw[name] = spoil(draw, d, name, st.sampled_from(ok), invalid=bad, wrong=[5, None])
    for name in ("limit_price", "stop_price", "sl_price", "tp_price"):
        if draw(st.integers(0, 9)) == 0:
            kw[name] = spoil(draw, d, name, st.just(Arr(values(draw, n, False), "float64", (n,))),
                             invalid=[Arr(values(draw, n + 1), "float64", (n + 1,))], wrong=["x", Obj("object")],
                             unknown=[Arr(values(draw, n), "float64", (n,), "misaligned"), 100.0])
    if draw(st.integers(0, 9)) == 0:
        kw["expiry"] = spoil(draw, d, "expiry", st.sampled_from([1, 5]), invalid=[-1, 0, NAN], wrong=["x"],
                             unknown=[Obj("timedelta")])
    if draw(st.integers(0, 9)) == 0:
        kw["start"] = spoil(draw, d, "start", st.just(Obj("timestamp")), invalid=["not a date"],
                            wrong=[Obj("object")], unknown=[Obj("naive_timestamp"), 3, Obj("nat")])
    if draw(st.integers(0, 6)) == 0:
        kw["cancel"] = spoil(draw, d, "cancel", st.just(Token()), wrong=["x", 5], unknown=[Token("cancelled")])
    if draw(st.integers(0, 14)) == 0:
        kw["fast"] = 3
        d.mark("invalid", "fast", "unknown keyword")
    return d.case("backtest.run", "threadx.backtest.run", (data,), kw)


FO_CHOICES = {"size_type": (["units", "value", "percent", "target_percent"], ["shares", ""]),
              "order_type": (["market", "limit"], ["iceberg"]),
              "execution": (["open", "close"], ["midday"]),
              "intrabar": (["backtesting", "ohlc"], ["sideways"])}
FO_FLOATS = {k: BT_FLOATS[k] for k in ("init_cash", "fees", "fixed_fees", "slippage", "leverage", "sl_stop",
                                       "tp_stop", "tsl_stop")}
FO_FLOATS.update({"unit_fee": (st.floats(0.0, 0.1), [-1.0, NAN, INF]),
                  "unit_fee_min": (st.floats(0.0, 5.0), [-1.0, NAN, INF]),
                  "multiplier": (st.floats(0.1, 100.0), [0.0, -1.0, NAN, INF]),
                  "margin": (st.floats(1.0, 1e4), [0.0, -1.0, INF])})


@st.composite
def from_orders_case(draw: Any) -> Case:
    d = Draft()
    n = draw(st.integers(0, 60))
    data = frame(draw, d, "data", n)
    size = spoil(draw, d, "size", st.just(Arr(values(draw, n, True), "float64", (n,))),
                 invalid=[Arr(values(draw, n + 1), "float64", (n + 1,))], wrong=["x", Obj("object"), None],
                 unknown=[1.0, -2.0, Arr(values(draw, n), "float64", (n,), "misaligned")], p=4)
    kw: dict[str, Any] = {}
    for name, (valid, bad) in FO_FLOATS.items():
        if draw(st.integers(0, 6)) == 0:
            kw[name] = spoil(draw, d, name, valid, invalid=bad, wrong=["x", Obj("object")])
    for name, (ok, bad) in FO_CHOICES.items():
        if draw(st.integers(0, 5)) == 0:
            kw[name] = spoil(draw, d, name, st.sampled_from(ok), invalid=bad, wrong=[5, None])
    if draw(st.integers(0, 4)) == 0:
        kw["limit_price"] = spoil(draw, d, "limit_price", st.just(Arr(values(draw, n, False), "float64", (n,))),
                                  invalid=[Arr(values(draw, n + 2), "float64", (n + 2,))], wrong=["x"])
    if draw(st.integers(0, 6)) == 0:
        kw["tif"] = spoil(draw, d, "tif", st.sampled_from([1, 3]), invalid=[0, -1], wrong=["x", 1.5],
                          unknown=[Obj("timedelta")])
    if draw(st.integers(0, 6)) == 0:
        kw["max_lots"] = spoil(draw, d, "max_lots", st.sampled_from([1, 3]), invalid=[0, -2], wrong=["x"])
    if draw(st.integers(0, 6)) == 0:
        kw["cancel"] = spoil(draw, d, "cancel", st.just(Token()), wrong=["x", 5], unknown=[Token("cancelled")])
    return d.case("backtest.from_orders", "threadx.backtest.from_orders", (data, size), kw)


@st.composite
def stepper_case(draw: Any) -> Case:
    d = Draft()
    opts: dict[str, Any] = {}
    for name in ("init_cash", "fees", "fixed_fees", "slippage", "leverage"):
        if draw(st.integers(0, 5)) == 0:
            opts[name] = spoil(draw, d, name, BT_FLOATS[name][0], invalid=BT_FLOATS[name][1], wrong=["x"])
    if draw(st.integers(0, 6)) == 0:
        opts["costs"] = spoil(draw, d, "costs", st.just({"unit_fee": 0.01}), invalid=[{"funding": 1}, {"x": 1}],
                              wrong=["x", 5])
    bars = []
    for k in range(draw(st.integers(0, 6))):
        p = draw(st.floats(50.0, 150.0))
        good = {"open": p, "high": p * 1.01, "low": p * 0.99, "close": p, "time": f"2024-01-{k + 2:02d}"}
        bars.append(spoil(draw, d, f"bar{k}", st.just(good),
                          invalid=[dict(good, low=p * 2), dict(good, close=NAN), dict(good, time="2024-01-01"),
                                   dict(good, time="noon")],
                          wrong=["x", 5, dict(good, open="a")], unknown=[dict(good, volume=1.0)], p=2))
    return d.case("backtest.Stepper", "fuzz_support.ops.stepper_life", (opts, bars))


SWEEP_GRIDS = {"sma_cross": {"fast": [2, 3], "slow": [5, 8]}, "ema_cross": {"fast": [2], "slow": [6, 9]},
               "rsi_threshold": {"timeperiod": [5], "lower": [30.0], "upper": [70.0]},
               "bbands_reversion": {"timeperiod": [5, 10], "nbdev": [2.0]},
               "donchian_breakout": {"entry": [5], "exit": [3]},
               "quantile_band": {"window": [10], "lower_q": [0.2], "upper_q": [0.8]}}


@st.composite
def sweep_case(draw: Any) -> Case:
    d = Draft()
    strategy = spoil(draw, d, "strategy", st.sampled_from(sorted(SWEEP_GRIDS)), invalid=["nope", ""], wrong=[5, None],
                     p=1)
    grid = dict(SWEEP_GRIDS.get(strategy, {"fast": [2]})) if isinstance(strategy, str) else {"fast": [2]}
    if grid and draw(st.integers(0, 2)) == 0:
        key = draw(st.sampled_from(sorted(grid)))
        grid[key] = spoil(draw, d, key, st.just(grid[key]), invalid=[[], [-1], [NAN], [0]],
                          wrong=["x", [Obj("object")], Obj("object")], unknown=[range(2, 5), 3, [3.5], np.int64(4)],
                          p=8)
    if draw(st.integers(0, 14)) == 0:
        grid = {}
        d.mark("invalid", "grid", "empty")
    data = frame(draw, d, "data", draw(st.integers(0, 60)), p_bad=2)
    kw: dict[str, Any] = dict(grid)
    opts = {"metric": (st.sampled_from(["sharpe", "total_return", "sortino"]), ["nope"], [5]),
            "keep": (st.sampled_from(["stats", "equity"]), ["everything"], [5]),
            "top_k": (st.one_of(st.none(), st.integers(1, 3)), [0, -1, 2**63], ["x"]),
            "short": (st.booleans(), [], ["x"]),
            "periods_per_year": (st.floats(1.0, 1e4), [0.0, -1.0, NAN, INF], ["x"]),
            "progress": (st.sampled_from([None, False, Obj("lambda")]), [], ["x", 5]),
            "constraint": (st.sampled_from([None, Obj("lambda")]), [], [5, "x"]),
            "cancel": (st.just(Token()), [], ["x", 5]),
            "fees": (st.floats(0.0, 0.01), [-1.0, NAN], ["x"])}
    for name, (valid, bad, wrong) in opts.items():
        if draw(st.integers(0, 5)) == 0:
            kw[name] = spoil(draw, d, name, valid, invalid=bad, wrong=wrong,
                             unknown=[Obj("raising_callable")] if name in ("progress", "constraint") else [])
    return d.case("backtest.sweep", "threadx.backtest.sweep", (strategy, data), kw)


def _panel(draw: Any, d: Draft, arg: str) -> Any:
    n = draw(st.integers(0, 90))
    k = draw(st.integers(1, 3))
    panel: Any = {f"S{i}": frame(draw, d, arg, n, p_bad=1) for i in range(k)}
    if draw(st.integers(0, 9)) == 0:
        kind = draw(st.sampled_from(["empty", "tuple_key", "mismatch", "not_frame"]))
        if kind == "empty":
            panel = {}
            d.mark("invalid", arg, "empty")
        elif kind == "tuple_key":
            panel = {("a", 1): frame(draw, d, arg, n, p_bad=0)}
            d.mark("unknown", arg, "tuple key")
        elif kind == "mismatch":
            panel["Z"] = Frame(n + 3, 1)
            d.mark("unknown", arg, "different index")
        else:
            panel["Z"] = "x"
            d.mark("wrongtype", arg, "not a frame")
    if draw(st.integers(0, 14)) == 0:
        panel = draw(st.sampled_from([Frame(30), Obj("object"), [Frame(30)], None]))
        d.mark("wrongtype", arg, "not a mapping")
    return panel


PORTFOLIO_INTS = {"window": (st.integers(2, 60), [0, -1, 1, 2**63]), "every": (st.integers(1, 30), [0, -1, 2**63])}


@st.composite
def portfolio_case(draw: Any, name: str) -> Case:
    d = Draft()
    data = _panel(draw, d, "data")
    rules = st.sampled_from(["equal", "inverse_vol", "min_variance", "min_variance_long"])
    rule = spoil(draw, d, "weights" if name == "rebalance" else "rule", rules, invalid=["max_sharpe", ""],
                 wrong=[5, None, Obj("object")] if name == "target_weights" else [5, Obj("object")],
                 unknown=[None] if name == "rebalance" else [])
    kw: dict[str, Any] = {}
    for key, (valid, bad) in PORTFOLIO_INTS.items():
        if draw(st.booleans()):
            kw[key] = spoil(draw, d, key, valid, invalid=bad, wrong=["x", NAN], unknown=[2.5])
    if draw(st.booleans()):
        kw["ridge"] = spoil(draw, d, "ridge", st.floats(0.0, 1.0), invalid=[-1.0, NAN, INF], wrong=["x"])
    if name == "rebalance":
        for key, (valid, bad) in BT_FLOATS.items():
            if key in ("init_cash", "fees", "fixed_fees", "slippage", "leverage", "periods_per_year") \
                    and draw(st.integers(0, 4)) == 0:
                kw[key] = spoil(draw, d, key, valid, invalid=bad, wrong=["x"])
        if draw(st.integers(0, 6)) == 0:
            kw["execution"] = spoil(draw, d, "execution", st.sampled_from(["open", "close"]), invalid=["noon"],
                                    wrong=[5])
    if draw(st.integers(0, 6)) == 0:
        kw["cancel"] = spoil(draw, d, "cancel", st.just(Token()), wrong=["x"], unknown=[Token("cancelled")])
    return d.case(f"backtest.{name}", f"threadx.backtest.{name}", (data, rule), kw)


@st.composite
def compute_stats_case(draw: Any) -> Case:
    d = Draft()
    n = draw(st.integers(0, 60))
    odd = Draft()  # the odd array's labels count only when spoil picks it
    odd_equity = array(draw, odd, "equity", n, p_bad=3)
    equity = spoil(draw, d, "equity", st.just(Arr(tuple(1e4 + i for i in range(n)), "float64", (n,))),
                   wrong=["x", Obj("object")], unknown=[odd_equity])
    if equity is odd_equity and odd.expect == "invalid":
        d.expect = "invalid"
        d.typearg = d.typearg or odd.typearg
        d.notes.extend(odd.notes)
    close = array(draw, d, "close", n, p_bad=2)
    trades = draw(st.sampled_from([None, None, Call("pandas.DataFrame"), "x"]))
    if trades == "x":
        d.mark("wrongtype", "trades", "a string")
    kw: dict[str, Any] = {}
    if draw(st.booleans()):
        kw["periods_per_year"] = spoil(draw, d, "periods_per_year", st.floats(1.0, 1e4), invalid=[0.0, -1.0, NAN, INF],
                                       wrong=["x"])
    if draw(st.booleans()):
        kw["risk_free_rate"] = spoil(draw, d, "risk_free_rate", st.floats(0.0, 0.1), invalid=[NAN, INF], wrong=["x"])
    if draw(st.booleans()):
        kw["first_bar"] = spoil(draw, d, "first_bar", st.integers(0, max(n - 1, 0)), invalid=[-1, n + 5, 2**63],
                                wrong=["x"])
    return d.case("backtest.compute_stats", "threadx.backtest.compute_stats", (equity, trades, close), kw)


# --------------------------------------------------------------------------- data
@st.composite
def load_case(draw: Any, name: str = "load") -> Case:
    """``threadx.data.load`` (or ``info``, which reads a file as load does: its format and tz only)."""
    d = Draft()
    fmt = draw(st.sampled_from(["csv", "csv", "parquet", "json"]))
    corruption = draw(st.sampled_from(["none", "truncate", "overwrite", "insert", "empty", "garbage", "nested_json",
                                       "huge_field", "bom", "utf16"]))
    if corruption != "none":
        d.mark("unknown", "path_or_buffer", corruption)
    patch = draw(st.sampled_from([b"\x00", b"\xff\xfe", b",,,,", b"\n\n", b'"', b"nan", b"-1e999", b"{", b"PAR1",
                                  b"\x89PNG", b"2020-13-45"]))
    f = File(fmt, draw(st.integers(0, 40)), draw(st.integers(0, 999)), corruption, draw(st.integers(0, 5000)), patch)
    kw: dict[str, Any] = {}
    if draw(st.booleans()):
        kw["format"] = spoil(draw, d, "format", st.sampled_from([None, fmt]), invalid=["xls", ""], wrong=[5],
                             unknown=["csv", "json", "parquet"])
    if draw(st.integers(0, 3)) == 0:
        kw["tz"] = spoil(draw, d, "tz", st.sampled_from([None, "UTC", "America/New_York"]), invalid=["Mars/Base"],
                         wrong=[5, Obj("object")])
    if name == "info":
        return d.case("data.info", "threadx.data.info", (f,), kw)
    if draw(st.integers(0, 3)) == 0:
        kw["label"] = spoil(draw, d, "label", st.sampled_from([None, "open", "close"]), invalid=["middle"], wrong=[5])
    for key, ok in (("on_unsorted", ["raise", "sort"]), ("on_duplicate", ["raise", "drop"]),
                    ("on_invalid", ["raise", "drop"])):
        if draw(st.integers(0, 3)) == 0:
            kw[key] = spoil(draw, d, key, st.sampled_from(ok), invalid=["ignore", ""], wrong=[5, None])
    if draw(st.integers(0, 5)) == 0:
        kw["columns"] = spoil(draw, d, "columns", st.just({"Close": "close"}), invalid=[{"a": "nope"}],
                              wrong=["x", 5], unknown=[{}, {5: "close"}])
    if draw(st.integers(0, 5)) == 0:
        kw["adjust"] = spoil(draw, d, "adjust", st.booleans(), wrong=["x"], unknown=[1])
    src: Any = f
    if draw(st.integers(0, 9)) == 0:
        src = draw(st.sampled_from([Obj("path_dir"), Obj("path_missing"), Obj("bytes"), 5, None, Obj("object")]))
        d.mark("unknown" if src in (Obj("path_dir"), Obj("path_missing"), Obj("bytes")) else "wrongtype",
               "path_or_buffer", repr(src))
    return d.case("data.load", "threadx.data.load", (src,), kw)


@st.composite
def save_case(draw: Any) -> Case:
    d = Draft()
    df = frame(draw, d, "df", draw(st.integers(0, 30)))
    ext = spoil(draw, d, "path", st.sampled_from(["csv", "parquet"]), invalid=["xls", ""], wrong=[],
                unknown=["json"])
    path = spoil(draw, d, "path", st.just(Call("fuzz_support.ops.tmp_path", (ext,))), wrong=[5, None, Obj("object")],
                 unknown=[Obj("path_dir")], p=1)
    if draw(st.integers(0, 9)) == 0:
        df = draw(st.sampled_from([Obj("object"), "x", Arr((1.0,), "float64", (1,))]))
        d.mark("wrongtype", "df", "not a frame")
    return d.case("data.save", "threadx.data.save", (df, path))


@st.composite
def resample_case(draw: Any) -> Case:
    d = Draft()
    freq = draw(st.sampled_from(["min", "h", "D"]))
    n = draw(st.integers(0, 60))
    df = Frame(n, draw(st.integers(0, 99)), "none", "UTC", freq)
    if draw(st.integers(0, 4)) == 0:
        df = frame(draw, d, "df", n)
    rule = spoil(draw, d, "rule", st.sampled_from(["5min", "h", "4h", "D", "W", "ME", "2D"]),
                 invalid=["1ns", "0min", "-5min", "nope", ""], wrong=[5, None, Obj("object")],
                 unknown=[Obj("timedelta"), "1s", "1us"])
    kw: dict[str, Any] = {}
    for key, ok, bad in (("label", [None, "left", "right"], ["middle"]), ("closed", [None, "left", "right"], ["up"]),
                         ("stamp", ["label", "last"], ["first?"]), ("bar_label", [None, "open", "close"], ["mid"])):
        if draw(st.integers(0, 3)) == 0:
            kw[key] = spoil(draw, d, key, st.sampled_from(ok), invalid=bad, wrong=[5])
    if draw(st.integers(0, 5)) == 0:
        kw["period"] = spoil(draw, d, "period", st.sampled_from([None, "1h", "1D"]), invalid=["-1h", "x"], wrong=[5],
                             unknown=[Obj("timedelta"), "0s"])
    if draw(st.integers(0, 5)) == 0:
        kw["drop_empty"] = spoil(draw, d, "drop_empty", st.booleans(), wrong=["x"], unknown=[1])
    return d.case("data.resample", "threadx.data.resample", (df, rule), kw)


@st.composite
def data_misc_case(draw: Any, name: str) -> Case:
    d = Draft()
    if name in ("sample", "sample_path"):
        sym = spoil(draw, d, "symbol", st.sampled_from(["GOOG", "NVDA", "ORCL", "YHOO"]),
                    invalid=["AAPL", "", "../etc/passwd", "GOOG.csv"], wrong=[5, None], unknown=["goog"])
        return d.case(f"data.{name}", f"threadx.data.{name}", (sym,))
    n = draw(st.integers(0, 40))
    idx = spoil(draw, d, "index", st.just(Call("pandas.date_range", ("2024-01-01",),
                                                (("periods", n), ("freq", "h"), ("tz", "UTC")))),
                invalid=[Call("pandas.DatetimeIndex", ([None] * max(n, 1),))], wrong=["x", Obj("object"), 5],
                unknown=[Call("pandas.RangeIndex", (n,)), Call("pandas.date_range", ("2024",), (("periods", n),))])
    if name == "bar_period":
        return d.case("data.bar_period", "threadx.data.bar_period", (idx,))
    coarse = Frame(max(n // 4, 0), 3, "none", "UTC", "4h")
    if draw(st.integers(0, 3)) == 0:
        coarse = frame(draw, d, "coarse", n // 4)
    kw = {}
    if draw(st.booleans()):
        kw["closes"] = spoil(draw, d, "closes", st.sampled_from([None]), wrong=[Obj("object")],
                             unknown=[Call("pandas.date_range", ("2024-01-01",), (("periods", max(n // 4, 0)),
                                                                                  ("freq", "4h"), ("tz", "UTC"))), "x"])
    return d.case("data.align", "threadx.data.align", (coarse, idx), kw)


# --------------------------------------------------------------------------- requests
def _valid_request(draw: Any, cls: str) -> dict[str, Any]:
    n = draw(st.integers(1, 40))
    x = Arr(values(draw, n, False), "float64", (n,))
    if cls == "RollingRequest":
        return {"values": x, "window": draw(st.integers(1, 10)), "stat": draw(st.sampled_from(["mean", "std", "max"]))}
    if cls == "IndicatorRequest":
        return {"function": "RSI", "inputs": {"real": x}, "params": {"timeperiod": draw(st.integers(2, 10))}}
    if cls == "BacktestRequest":
        return {"data": Frame(n, 1), "entries": Arr((1.0,) + (0.0,) * (n - 1), "bool", (n,))}
    if cls == "SweepRequest":
        return {"strategy": "sma_cross", "data": Frame(n + 20, 2), "grid": {"fast": [2, 3], "slow": [5]}}
    return {"symbols": ["GOOG"], "start": "2020-01-01", "end": "2020-02-01", "timeframe": "1d",
            "source": "sample"}


GARBAGE: list[Any] = [None, "abc", 5, NAN, [], {}, [1, 2], {"__ndarray__": {"dtype": "<f8", "shape": [3], "data": "@@"}},
                      {"__ndarray__": {"dtype": "|O", "shape": [1], "data": "AAAAAAAAAAA="}},
                      {"__ndarray__": {"dtype": "<f8", "shape": [5], "data": "AAAAAAAAAAA="}},
                      {"__ndarray__": {"dtype": "<f8", "shape": [-1, -1], "data": ""}},
                      {"__ndarray__": None}, {"__series__": {"values": 5}}, {"__frame__": {}},
                      {"__timedelta_ns__": "x"}, {"__timedelta_ns__": 2**70},
                      {"__series__": {"values": [1.0], "index": {"__datetimeindex__": {"ticks": [1], "unit": "zz",
                                                                                         "tz": 5, "name": None}}}},
                      {"__frame__": {"values": [[1.0]], "index": {"__rangeindex__": [0, 1, 0]}, "columns": ["a"]}},
                      Obj("object"), {5: 5}, {"a": {"b": {"c": []}}}, "2020-13-45", -(2**63), 10**30]


@st.composite
def request_case(draw: Any, cls: str) -> Case:
    d = Draft()
    base = _valid_request(draw, cls)
    fields = sorted(base)
    mode = draw(st.sampled_from(["ctor", "from_dict", "from_dict", "roundtrip"]))
    extra = {"RollingRequest": ["q", "min_periods", "interpolation", "times", "ddof", "method", "ascending", "pct"],
             "IndicatorRequest": [], "BacktestRequest": ["fees", "sl_stop", "periods_per_year", "limit_price"],
             "SweepRequest": ["options", "constraint", "metric", "keep", "top_k", "periods_per_year"],
             "DataRequest": []}[cls]
    if draw(st.integers(0, 9)) < 7:
        key = draw(st.sampled_from(fields + extra + ["bogus"]))
        base[key] = draw(st.sampled_from(GARBAGE + [Arr((1.0, 2.0), "float64", (2,)), Frame(3)]))
        d.mark("unknown", key, "garbage")
        if key == "bogus":
            d.mark("invalid", key, "unknown field")
    if mode == "ctor":
        return d.case(f"requests.{cls}", f"threadx.requests.{cls}", (), base)
    if mode == "roundtrip":
        return d.case(f"requests.{cls}", "fuzz_support.ops.request_roundtrip", (cls, base))
    payload: Any = {"dict": base}
    if draw(st.integers(0, 5)) == 0:
        payload = {"raw": draw(st.sampled_from(GARBAGE))}
        d.mark("unknown", "data", "garbage payload")
    elif draw(st.integers(0, 5)) == 0:
        payload["type"] = draw(st.sampled_from(["rolling", "sweep", "nope", 5, None]))
        d.mark("unknown", "type", repr(payload["type"]))
    return d.case(f"requests.{cls}", "fuzz_support.ops.request_from_dict", (cls, payload))


@st.composite
def codec_case(draw: Any, name: str) -> Case:
    d = Draft(expect="unknown")
    value = draw(st.sampled_from(GARBAGE + [Arr((1.0,), "float64", (1,), "misaligned"), Arr((1.0,), "object", (1,)),
                                            Frame(3), Obj("timedelta"), Obj("np_int64"), Obj("generator")]))
    d.typearg = "value"
    return d.case(f"requests.{name}", f"threadx.requests.{name}", (value,))


# --------------------------------------------------------------------------- coordinator and top level
@st.composite
def coordinator_case(draw: Any) -> Case:
    d = Draft()
    req: Any = Call("threadx.requests.RollingRequest", (), (("values", Arr((1.0, 2.0, 3.0, 4.0), "float64", (4,))),
                                                             ("window", 2)))
    req = spoil(draw, d, "request", st.just(req), wrong=[None, 5, "x", Obj("object"), Obj("raising")],
                unknown=[Call("fuzz_support.ops.duck_request", (draw(st.sampled_from(["ok", "invalid", "raises",
                                                                                        "slow", "weird"])),))], p=4)
    options: dict[str, Any] = {}
    for key, valid, bad, wrong in (("max_workers", st.sampled_from([None, 1, 2]), [0, -1, 2**63], ["x"]),
                                   ("max_queue", st.integers(1, 10), [0, -1], ["x", NAN]),
                                   ("task_timeout", st.sampled_from([None, 5.0]), [0.0, -1.0, NAN], ["x"]),
                                   ("callback_timeout", st.sampled_from([1.0, 5.0]), [0.0, -1.0, NAN, INF], ["x"]),
                                   ("callback_workers", st.integers(1, 2), [0, -1], ["x"]),
                                   ("cache_bytes", st.sampled_from([0, 1 << 20]), [-1], ["x"])):
        if draw(st.integers(0, 4)) == 0:
            options[key] = spoil(draw, d, key, valid, invalid=bad, wrong=wrong)
    submit_kw: dict[str, Any] = {}
    if draw(st.integers(0, 2)) == 0:
        submit_kw["callback"] = spoil(draw, d, "callback", st.sampled_from([None, Obj("lambda")]), wrong=[5, "x"],
                                      unknown=[Obj("raising_callable")])
    if draw(st.integers(0, 3)) == 0:
        submit_kw["timeout"] = spoil(draw, d, "timeout", st.sampled_from([None, 5.0]), invalid=[0.0, -1.0, NAN],
                                     wrong=["x"])
    return d.case("coordinator.Coordinator", "fuzz_support.ops.coordinator_submit", (req, options, submit_kw))


@st.composite
def gather_case(draw: Any, name: str) -> Case:
    d = Draft()
    good = Call("threadx.requests.RollingRequest", (), (("values", Arr((1.0, 2.0, 3.0), "float64", (3,))),
                                                         ("window", 2)))
    reqs = spoil(draw, d, "requests", st.just([good, good]), wrong=[5, None],
                 unknown=[[good, None], [], "ab", [Call("fuzz_support.ops.duck_request", ("raises",))]])
    kw: dict[str, Any] = {}
    if draw(st.booleans()):
        kw["return_exceptions"] = draw(st.booleans())
    if draw(st.booleans()):
        kw["timeout"] = spoil(draw, d, "timeout", st.sampled_from([None, 5.0]), invalid=[0.0, -1.0, NAN], wrong=["x"])
    if draw(st.integers(0, 3)) == 0:
        kw["max_workers"] = spoil(draw, d, "max_workers", st.sampled_from([1, 2]), invalid=[0, -3], wrong=["x"])
    if draw(st.integers(0, 5)) == 0:
        kw["bogus"] = 1
        d.mark("invalid", "bogus", "unknown option")
    return d.case(f"coordinator.{name}", "fuzz_support.ops.gather", (f"threadx.coordinator.{name}", reqs, kw))


@st.composite
def toplevel_case(draw: Any, name: str) -> Case:
    d = Draft()
    if name == "set_num_threads":
        n = spoil(draw, d, "n", st.integers(1, 4), invalid=[0, -1, 2**31, 2**63], wrong=["x", None, 2.0],
                  unknown=[True, np.int64(2)])
        return d.case("threadx.set_num_threads", "fuzz_support.ops.with_threads", (n,))
    if name == "get_num_threads":
        return d.case("threadx.get_num_threads", "threadx.get_num_threads")
    t = spoil(draw, d, "seconds", st.floats(0.0, 100.0), invalid=[-1.0, NAN], wrong=["x", None],
              unknown=[INF, 1e300, 10**30])
    return d.case("threadx.CancelToken", "fuzz_support.ops.token_life", (t, draw(st.sampled_from(["check", "cancel",
                                                                                                 "clear"]))))


# --------------------------------------------------------------------------- generic (signature-driven)
HINTS: dict[str, list[Any]] = {
    "df": [Frame(20)], "source": ["fuzz"], "symbol": ["GOOG"], "timeframe": ["1d", "1h"],
    "start": [Obj("timestamp")], "end": [Call("pandas.Timestamp", ("2020-03-01",), (("tz", "UTC"),))],
    "name": ["fuzz-src"], "frames": [{"GOOG": Frame(20)}], "root": [Obj("path_dir")], "pattern": ["{symbol}.csv"],
    "func": [Obj("lambda")], "exc": [Call("builtins.RuntimeError", ("x",))], "failure_threshold": [3],
    "cooldown": [1.0], "max_attempts": [2], "base_delay": [0.0], "max_delay": [0.0], "jitter": [0.0],
}
# threadx.research: valid values by parameter name (generic_case mixes them with garbage)
_RETURNS_2D = Arr(tuple(((i * 37) % 11 - 5) / 500 for i in range(60)), "float64", (20, 3))
_RETURNS_1D = Arr(tuple(((i * 7) % 13 - 5) / 800 for i in range(30)), "float64", (30,))
HINTS.update({
    "returns": [_RETURNS_2D, _RETURNS_1D, Arr((NAN,) * 8, "float64", (4, 2)), Frame(20),
                Call("fuzz_support.ops.daily_returns", (30,))],
    "n_partitions": [2, 4, 6],
    "sums": [Call("threadx.research.partition_sums", (_RETURNS_2D, 4)),
             Call("threadx.research.PartitionSums", (Arr((-1.0, 2.0, 3.0, 4.0), "float64", (2, 2)),
                                                     Arr((0.0,) * 4, "float64", (2, 2)),
                                                     Arr((0.0,) * 4, "float64", (2, 2)), 4, Call("pandas.RangeIndex", (2,))))],
    "metric": ["sharpe", "mean"], "sharpe": [0.1, -0.05], "n_obs": [100, 2], "skew": [0.0, -1.0],
    "kurtosis": [3.0, 10.0], "sr_benchmark": [0.0, 0.05], "alpha": [0.05, 0.5], "n_trials": [10, 2.5],
    "trials_variance": [0.01, 0.0], "trials_sharpe": [_RETURNS_1D], "cancel": [None, Token("cancelled")],
    # splitters and walk_forward
    "train": [8, 5, "5D"], "test": [4, 3, "2D"], "step": [None, 2], "anchored": [True, False],
    "purge": [0, 2], "embargo": [0, 1], "warmup": [None, 0, 3], "n_splits": [2, 3], "n_groups": [4, 6],
    "n_test_groups": [1, 2], "fold": [0, 1],
    "splits": [Call("threadx.research.WalkForward", (), (("train", 8), ("test", 4))),
               Call("threadx.research.PurgedKFold", (), (("n_splits", 2),))],
    "boundary": ["close", "carry"], "strategy": ["sma_cross"], "data": [Frame(40), Frame(40, 1)],
    # threadx.plot
    "values": [_RETURNS_1D, Arr((1.0, NAN, 3.0, 2.0, NAN, 5.0), "float64", (6,))], "columns": [1, 2, 2000],
    "by_time": [True, False],
    "res": [Call("fuzz_support.ops.plotted_result", (40,)), Call("fuzz_support.ops.plotted_result", (1,))],
    "indicators": [None, {"sma": Arr(tuple(float(i) for i in range(40)), "float64", (40,))}],
    "overlay": [None, ["sma"]], "sim": [None], "candles": [None, True, False], "buy_and_hold": [True, False],
    "figsize": [(4.0, 3.0)], "ax": [None], "bins": [1, 5], "agg": ["max", "mean"], "x": ["fast"], "y": ["slow"],
    "table": [Call("fuzz_support.ops.sweep_table", ())],
    # threadx.report (relative paths: the ops wrappers run in a temporary folder)
    "path": ["report.html", "missing/report.html"], "benchmark": [None, Call("fuzz_support.ops.benchmark_prices", (60,))],
    "title": [None, "T"], "rolling": [2, 126], "max_trades": [0, 5], "top": [1, 20],
    "wf": [Call("fuzz_support.ops.walk_forward_result", ())],
})
GENERIC_GARBAGE: list[Any] = [None, -1, 0, 2**63, NAN, INF, "", "x", [], {}, Obj("object"), Obj("raising"),
                              Obj("lambda"), Frame(0), Frame(5, 1, "unsorted"), Arr((1.0,), "float64", (1,))]


@st.composite
def generic_case(draw: Any, entry: str, target: str, hints: dict[str, list[Any]] | None = None) -> Case:
    from fuzz_support.recipes import resolve

    hints = HINTS if hints is None else hints
    d = Draft()
    sig = inspect.signature(resolve(target))
    args: list[Any] = []
    kw: dict[str, Any] = {}
    for p in sig.parameters.values():
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        has_default = p.default is not p.empty
        choice = draw(st.integers(0, 9))
        if choice < 4 and has_default:
            continue
        if choice < 7 and p.name in hints:
            value = draw(st.sampled_from(hints[p.name]))
        else:
            value = draw(st.sampled_from(GENERIC_GARBAGE))
            d.mark("unknown", p.name, "garbage")
            d.typearg = d.typearg or p.name
        if p.kind == p.KEYWORD_ONLY or (kw and has_default):
            kw[p.name] = value
        else:
            args.append(value)
    return d.case(entry, target, tuple(args), kw)


# threadx.live: its own hints (paths only ever read, never written: no sink in a config)
LIVE_HINTS: dict[str, list[Any]] = {
    "exchanges": [["a", "b"], ["binance", "coinbase", "kraken"]], "window": ["15min", "5s"],
    "max_quote_age": ["5s"], "q_lo": [0.05], "q_hi": [0.95], "max_points": [4], "max_keys": [2],
    "symbols": [["BTC-USDT"], ["GOOG", "NVDA"]], "duration": ["30s"], "rate": [2.0], "seed": [0], "bad": [0.1],
    "ticks": [Call("fuzz_support.ops.live_ticks", (0.0,)), Call("fuzz_support.ops.live_ticks", (0.2,))],
    "source": [Call("fuzz_support.ops.live_ticks", (0.0,))],
    "config": [{"monitor": {"exchanges": ["a", "b"]}}, {"monitor": {"window": "1min"}, "feeds": []}],
    "name": ["x"], "url": ["ws://127.0.0.1:9/"], "adapter": ["binance", "coinbase"], "maxsize": [4],
    "overflow": ["block", "drop_oldest"], "host": ["127.0.0.1"], "port": [0], "send_queue": [4],
    "send_timeout": [0.5], "speed": [None, 10.0], "directory": [Call("fuzz_support.ops.tmp_path", ("",))],
}


# threadx.backtest.save / load: their own hints (report's "path" hints are relative file names)
STORE_HINTS: dict[str, list[Any]] = {
    "result": [Call("fuzz_support.ops.plotted_result", (30,)), Call("fuzz_support.ops.sweep_table", ())],
    "path": [Call("fuzz_support.ops.store_path", (k,)) for k in ("new", "saved", "file", "other", "damaged")],
}
# a relative path ("x") would make save() write into the fuzz worker's directory: no strings for a path
_STORE_GARBAGE: list[Any] = [g for g in GENERIC_GARBAGE if not isinstance(g, str)]


@st.composite
def store_case(draw: Any, entry: str, target: str) -> Case:
    """``threadx.backtest.save(result, path)`` / ``load(path)``: hinted values or garbage, the
    paths always in the worker's scratch directory."""
    from fuzz_support.recipes import resolve

    d = Draft()
    args: list[Any] = []
    for name in inspect.signature(resolve(target)).parameters:
        if draw(st.integers(0, 9)) < 7:
            args.append(draw(st.sampled_from(STORE_HINTS[name])))
        else:
            args.append(draw(st.sampled_from(_STORE_GARBAGE)))
            d.mark("unknown", name, "garbage")
            d.typearg = d.typearg or name
    return d.case(entry, target, tuple(args), {})


def _registry() -> dict[str, tuple[Callable[[], Any], float]]:
    from threadx import ta

    reg: dict[str, tuple[Callable[[], Any], float]] = {}
    for name in ROLLING:
        reg[f"rolling.{name}"] = (partial(rolling_case, name), 4.0)
    reg["rolling.RollingQuantile"] = (rolling_quantile_case, 3.0)
    reg["rolling.RollingRank"] = (rolling_rank_case, 2.0)
    for name in ta.get_functions():
        if name.startswith("VWAP"):
            reg[f"ta.{name}"] = (partial(vwap_case, name), 2.0)
        else:
            reg[f"ta.{name}"] = (partial(ta_case, name), 1.0)
        reg[f"stream.{name}"] = (partial(stream_case, name), 1.5)
        reg[f"ta.stream.{name}"] = (partial(ta_case, name, "ta.stream"), 0.3)
    for name in ("describe", "get_functions", "get_function_groups", "get_unstable_period", "set_unstable_period",
                 "MA_Type", "get_compatibility", "set_compatibility", "set_candle_settings",
                 "restore_candle_default_settings", "get_candle_settings"):
        reg[f"ta.{name}"] = (partial(ta_helper_case, name), 0.5)
    reg["ta.abstract.Function"] = (abstract_case, 2.0)
    for name in ("Pipeline", "Node"):
        reg[f"ta.{name}"] = (partial(ta_helper_case, name), 2.0)
    reg["stream.Indicator"] = (stream_indicator_case, 0.2)
    reg["stream.load"] = (stream_load_case, 2.0)
    reg["backtest.run"] = (backtest_run_case, 5.0)
    reg["backtest.sweep"] = (sweep_case, 3.0)
    reg["backtest.from_orders"] = (from_orders_case, 3.0)
    reg["backtest.Stepper"] = (stepper_case, 1.5)
    reg["backtest.rebalance"] = (partial(portfolio_case, "rebalance"), 3.0)
    reg["backtest.target_weights"] = (partial(portfolio_case, "target_weights"), 2.0)
    reg["backtest.compute_stats"] = (compute_stats_case, 1.5)
    reg["data.load"] = (load_case, 5.0)
    reg["data.info"] = (partial(load_case, "info"), 1.0)
    reg["data.save"] = (save_case, 1.0)
    reg["data.resample"] = (resample_case, 3.0)
    for name in ("sample", "sample_path", "align", "bar_period"):
        reg[f"data.{name}"] = (partial(data_misc_case, name), 0.7)
    for cls in ("RollingRequest", "IndicatorRequest", "BacktestRequest", "SweepRequest", "DataRequest"):
        reg[f"requests.{cls}"] = (partial(request_case, cls), 3.0)
    for name in ("encode", "decode"):
        reg[f"requests.{name}"] = (partial(codec_case, name), 1.0)
    reg["coordinator.Coordinator"] = (coordinator_case, 2.0)
    for name in ("run_jobs", "gather_jobs"):
        reg[f"coordinator.{name}"] = (partial(gather_case, name), 0.7)
    for name in ("set_num_threads", "get_num_threads", "CancelToken"):
        reg[f"threadx.{name}"] = (partial(toplevel_case, name), 0.5)
    for name in ("CallableSource", "CircuitBreaker", "DirectorySource", "InMemorySource", "ResilientSource", "Retry",
                 "at_timeframe", "check_frame", "get_source", "is_transient", "source_names", "register_source",
                 "unregister_source"):
        target = "fuzz_support.ops.registered" if name == "register_source" else f"threadx.sources.{name}"
        reg[f"sources.{name}"] = (partial(generic_case, f"sources.{name}", target), 0.5)
    for name in ("partition_sums", "pbo", "probabilistic_sharpe", "deflated_sharpe", "expected_max_sharpe",
                 "min_track_record_length"):
        reg[f"research.{name}"] = (partial(generic_case, f"research.{name}", f"threadx.research.{name}"), 1.0)
    for name in ("WalkForward", "PurgedKFold", "CombinatorialPurgedKFold", "Split", "walk_forward"):
        reg[f"research.{name}"] = (partial(generic_case, f"research.{name}", f"threadx.research.{name}"), 0.5)
    for name in ("save", "load"):
        reg[f"backtest.{name}"] = (partial(store_case, f"backtest.{name}", f"threadx.backtest.{name}"), 0.5)
    for name in ("downsample", "backtest", "heatmap", "distribution"):
        reg[f"plot.{name}"] = (partial(generic_case, f"plot.{name}", f"threadx.plot.{name}"), 0.5)
    for name in ("backtest", "sweep", "walk_forward"):
        reg[f"report.{name}"] = (partial(generic_case, f"report.{name}", f"fuzz_support.ops.report_{name}"), 0.3)
    reg["report.metrics"] = (partial(generic_case, "report.metrics", "threadx.report.metrics"), 0.5)
    reg["live.SpreadBook"] = (partial(generic_case, "live.SpreadBook", "fuzz_support.ops.live_book", LIVE_HINTS), 1.0)
    for name in ("sample_ticks", "load_config", "read_ticks", "read_sink", "adapter_names", "register_adapter",
                 "TickQueue", "SubscriberServer", "WebSocketFeed", "ReplayFeed", "SpreadMonitor"):
        reg[f"live.{name}"] = (partial(generic_case, f"live.{name}", f"threadx.live.{name}", LIVE_HINTS), 0.4)
    return reg


ENTRIES = _registry()

# Public names that are not entry points, with the reason (the coverage test checks the list).
NOT_ENTRY_POINTS = {
    "ta.stream.OutRange": "record type (a NamedTuple) a handle's out_range returns",
    "ta.stream.Stream": "base class of the ta.stream handles (each fuzzed: ta.stream.NAME); bad bars: "
                        "tests/test_ta_stream_handles.py",
    "live.Quote": "record type (a NamedTuple) the feeds build from exchange messages",
    "live.Adapter": "base class of the exchange parsers; parse() of garbage messages: tests/test_live_feeds.py",
    "live.BinanceBookTicker": "parser without arguments; parse() of garbage messages: tests/test_live_feeds.py",
    "live.CoinbaseTicker": "parser without arguments; parse() of garbage messages: tests/test_live_feeds.py",
    "live.ParquetSink": "creates its directory (a garbage path would write into the worker's); append() of bad "
                        "batches: tests/test_live_sink.py",
    "live.run_monitor": "async: runs a SpreadMonitor (fuzzed) until a signal; threadx live: tests/test_live_cli.py",
    "backtest.BacktestResult": "result type built by run(); its methods read arrays run() produced",
    "backtest.PortfolioResult": "result type built by rebalance()",
    "backtest.OrdersResult": "result type built by from_orders() and run(strategy=)",
    "backtest.Strategy": "base class users subclass; run(strategy=) is the entry point (tests/test_strategy.py)",
    "backtest.Order": "handle a Strategy gets from buy()/sell() inside next()",
    "backtest.Trade": "handle of an open lot inside next()",
    "backtest.Position": "handle of the position inside next()",
    "backtest.crossover": "pure helper on two series inside next() (tests/test_strategy.py)",
    "coordinator.Job": "handle made by Coordinator.submit (fuzzed there)",
    "coordinator.JobStatus": "enum",
    "coordinator.Request": "typing Protocol",
    "coordinator.CoordinatorStats": "record returned by Coordinator.stats()",
    "coordinator.ShutdownSummary": "record returned by Coordinator.shutdown()",
    "sources.DataSource": "typing Protocol",
    "errors.FieldError": "TypedDict describing one invalid field (errors are raised, not called)",
    "sources.SupportsRandom": "typing Protocol",
    "research.PartitionSums": "record made by partition_sums() (or a sweep); pbo() validates its arrays "
                              "(fuzzed there with a bad one)",
    "research.PBOResult": "result type built by pbo()",
    "research.Span": "record of one test span of a Split (Split.spans)",
    "research.WalkForwardResult": "result type built by walk_forward()",
}
