"""The machinery behind threadx.ta: argument binding, grids, universes, wrapping."""

from __future__ import annotations

import functools
import inspect
import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from threadx import _core
from threadx._inputs import FieldErrors, as_values, checked_cancel, unknown_keywords
from threadx.data import OHLCV
from threadx.errors import IndicatorError, ValidationError
from threadx.ta import _candles

# Every function name of TA-Lib 0.8 (C library 0.8.1); names here that ThreadX lacks
# raise UnknownIndicatorError naming the function instead of a bare AttributeError.
TALIB_NAMES = frozenset(
    """HT_DCPERIOD HT_DCPHASE HT_PHASOR HT_SINE HT_TRENDMODE ADD CUMSUM DIV MAX MAXINDEX MIN
    MININDEX MINMAX MINMAXINDEX MULT SUB SUM ACOS ASIN ATAN CEIL COS COSH EXP FLOOR LN LOG10
    SIN SINH SQRT TAN TANH AC ADX ADXR AO APO AROON AROONOSC BOP CCI CMO CMOU COPPOCK DPO DX
    ER ERI FOSC FRACTAL IMI KDJ MACD MACDEXT MACDFIX MFI MINUS_DI MINUS_DM MOM PLUS_DI PLUS_DM
    PPO QSTICK ROC ROCP ROCR ROCR100 RSI SMI STOCH STOCHF STOCHRSI TRIX TSI ULTOSC VHF VORTEX
    WAD WILLR ACCBANDS BBANDS DEMA DONCHIAN EMA HMA HT_TRENDLINE KAMA KC MA MAMA MAVP MIDPOINT
    MIDPRICE RMA SAR SAREXT SMA SUPERTREND T3 TEMA TRIMA VWMA WMA ZLEMA CDL2CROWS
    CDL3BLACKCROWS CDL3INSIDE CDL3LINESTRIKE CDL3OUTSIDE CDL3STARSINSOUTH CDL3WHITESOLDIERS
    CDLABANDONEDBABY CDLADVANCEBLOCK CDLBELTHOLD CDLBREAKAWAY CDLCLOSINGMARUBOZU
    CDLCONCEALBABYSWALL CDLCOUNTERATTACK CDLDARKCLOUDCOVER CDLDOJI CDLDOJISTAR
    CDLDRAGONFLYDOJI CDLENGULFING CDLEVENINGDOJISTAR CDLEVENINGSTAR CDLGAPSIDESIDEWHITE
    CDLGRAVESTONEDOJI CDLHAMMER CDLHANGINGMAN CDLHARAMI CDLHARAMICROSS CDLHIGHWAVE CDLHIKKAKE
    CDLHIKKAKEMOD CDLHOMINGPIGEON CDLIDENTICAL3CROWS CDLINNECK CDLINVERTEDHAMMER CDLKICKING
    CDLKICKINGBYLENGTH CDLLADDERBOTTOM CDLLONGLEGGEDDOJI CDLLONGLINE CDLMARUBOZU
    CDLMATCHINGLOW CDLMATHOLD CDLMORNINGDOJISTAR CDLMORNINGSTAR CDLONNECK CDLPIERCING
    CDLRICKSHAWMAN CDLRISEFALL3METHODS CDLSEPARATINGLINES CDLSHOOTINGSTAR CDLSHORTLINE
    CDLSPINNINGTOP CDLSTALLEDPATTERN CDLSTICKSANDWICH CDLTAKURI CDLTASUKIGAP CDLTHRUSTING
    CDLTRISTAR CDLUNIQUE3RIVER CDLUPSIDEGAP2CROWS CDLXSIDEGAP3METHODS AVGDEV AVGPRICE HA
    MEDPRICE TYPPRICE WCLPRICE BETA CORREL LINEARREG LINEARREG_ANGLE LINEARREG_INTERCEPT
    LINEARREG_SLOPE PERCENTILE PERCENTRANK STDDEV TSF VAR ADR ATR CVI MASSI NATR RVI TRANGE AD
    ADOSC CMF EFI MARKETFI NVI OBV PVI PVO PVT RVOL VWAP""".split()
)


class UnknownIndicatorError(IndicatorError, AttributeError):
    """A TA-Lib function ThreadX does not implement (also an AttributeError, so hasattr works)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(
            f"threadx.ta does not implement TA-Lib's {name}; the functions it implements are "
            f"listed by threadx.ta.get_functions()"
        )

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.name,))


class UnknownMATypeError(ValidationError, KeyError):
    """``MA_Type[key]`` of a key that is no MA type (also a KeyError, as TA-Lib's lookup raises)."""

    __str__ = ValidationError.__str__


class _MAType:
    """TA-Lib 0.8's ``MA_Type``: ``MA_Type.EMA == 1`` and ``MA_Type[1]`` is its description.

    ``DISABLED`` (10) is no smoothing at any period (the input itself); ``DEFAULT`` (11)
    stands for the parameter's own default type (``MA``: SMA, ``APO``: EMA, ...).
    Any other key raises ``UnknownMATypeError`` (a ValidationError and a KeyError).
    """

    SMA, EMA, WMA, DEMA, TEMA, TRIMA, KAMA, MAMA, T3, HMA, DISABLED, DEFAULT, ZLEMA, RMA = range(14)
    _names = ("SMA", "EMA", "WMA", "DEMA", "TEMA", "TRIMA", "KAMA", "MAMA", "T3", "HMA", "DISABLED", "DEFAULT",
              "ZLEMA", "RMA")
    _lookup = {
        0: "Simple Moving Average",
        1: "Exponential Moving Average",
        2: "Weighted Moving Average",
        3: "Double Exponential Moving Average",
        4: "Triple Exponential Moving Average",
        5: "Triangular Moving Average",
        6: "Kaufman Adaptive Moving Average",
        7: "MESA Adaptive Moving Average",
        8: "Triple Generalized Double Exponential Moving Average",
        9: "Hull Moving Average",
        10: "No Moving Average (identity)",
        11: "The Function's Own Default Moving Average",
        12: "Zero-Lag Exponential Moving Average",
        13: "Wilder's Smoothed Moving Average",
    }

    def __getitem__(self, type_: int) -> str:
        try:
            return self._lookup[type_]
        except (KeyError, TypeError):  # TypeError: an unhashable key
            raise UnknownMATypeError([{"field": "MA_Type", "value": repr(type_)[:80],
                                       "message": "is not an MA type: 0 to 13 (MA_Type.SMA ... MA_Type.RMA)"}]) from None

    def __repr__(self) -> str:
        return "MA_Type(" + ", ".join(f"{k}={v}" for v, k in enumerate(self._names)) + ")"


MA_Type = _MAType()


@dataclass(frozen=True)
class Param:
    name: str
    kind: str  # "int" | "real" | "matype"
    default: float
    lo: float
    hi: float

    @property
    def default_value(self) -> int | float:
        return int(self.default) if self.kind != "real" else float(self.default)


@dataclass(frozen=True)
class Spec:
    name: str
    group: str
    doc: str
    inputs: tuple[str, ...]
    params: tuple[Param, ...]
    outputs: tuple[str, ...]
    integer: tuple[bool, ...] = ()  # per output: int32 as TA-Lib returns it (0 in the warm-up)
    # Parameters outside TA-Lib's signature that the row carries after `params`: the candle
    # settings a pattern uses (``candle_settings.BodyDoji.factor``...), filled from the
    # ``candle_settings=`` keyword over the process-wide settings (threadx.ta._candles).
    hidden: tuple[Param, ...] = ()

    @property
    def keywords(self) -> tuple[str, ...]:
        """Keywords beyond the parameters: ``candle_settings`` for every pattern (ignored by
        the few that use no candle setting, as TA-Lib's global is)."""
        return (_candles.KEYWORD,) if self.group == _candles.GROUP else ()


def _load_specs() -> dict[str, Spec]:
    out = {}
    for f in _core.ta.functions():
        if f["name"].startswith("_"):
            continue
        out[f["name"]] = Spec(
            f["name"], f["group"], f["doc"], tuple(f["inputs"]),
            tuple(Param(*p) for p in f["params"]), tuple(f["outputs"]), tuple(f["integer"]),
            tuple(Param(*p) for p in f.get("hidden", [])),
        )
    return out


SPECS: dict[str, Spec] = _load_specs()


def talib_name(name: str) -> bool:
    return name in TALIB_NAMES and name not in SPECS


def get_functions() -> list[str]:
    """Names of the implemented indicators (sorted)."""
    return sorted(SPECS)


def get_function_groups() -> dict[str, list[str]]:
    """TA-Lib's groups of the implemented indicators."""
    groups: dict[str, list[str]] = {}
    for s in SPECS.values():
        groups.setdefault(s.group, []).append(s.name)
    return {g: sorted(v) for g, v in sorted(groups.items())}


def spec(name: str) -> Spec:
    try:
        return SPECS[name]
    except KeyError:
        if talib_name(name):
            raise UnknownIndicatorError(name) from None
        raise ValidationError([{"field": "function", "value": repr(name),
                                "message": "is not an indicator of threadx.ta"}]) from None


def describe(name: str) -> dict[str, Any]:
    """Inputs, parameters (default and allowed range) and outputs of an indicator."""
    s = spec(name)
    return {
        "name": s.name, "group": s.group, "doc": s.doc, "inputs": list(s.inputs),
        "params": {p.name: {"kind": p.kind, "default": p.default_value, "min": p.lo, "max": p.hi}
                   for p in s.params},
        "outputs": list(s.outputs),
    }


# ------------------------------------------------------------------ unstable periods

def set_unstable_period(func_id: str, period: int) -> None:
    """TA-Lib's ``set_unstable_period``: extra warm-up bars for recursive indicators.

    ``func_id`` is a TA-Lib function ID (``"EMA"``, ``"RSI"``, ...) or ``"ALL"``.  The
    setting is process-wide, as in TA-Lib, and is read when a computation or a
    streaming state starts.
    """
    errors = FieldErrors()
    _check_func_id(func_id, errors, allow_all=True)
    if isinstance(period, bool) or not isinstance(period, (int, np.integer)) or not 0 <= period <= 100000:
        errors.add("period", period, "must be an integer in [0, 100000]")
    errors.raise_if_any()
    _core.ta.set_unstable_period(func_id, int(period))


def get_unstable_period(func_id: str) -> int:
    """The unstable period set for ``func_id``."""
    errors = FieldErrors()
    _check_func_id(func_id, errors, allow_all=False)
    errors.raise_if_any()
    return int(_core.ta.get_unstable_period(func_id))


# TA-Lib's compatibility modes (TA_COMPATIBILITY_DEFAULT, TA_COMPATIBILITY_METASTOCK)
COMPATIBILITY = {0: "TA_COMPATIBILITY_DEFAULT", 1: "TA_COMPATIBILITY_METASTOCK"}
_compatibility = 0


def set_compatibility(value: int) -> None:
    """TA-Lib's ``set_compatibility``: 0 (default) or 1 (Metastock), process-wide.

    As in TA-Lib 0.8 (C library 0.8.1), whose functions all compute the same in both
    modes (tested), the mode changes no result; it is kept for scripts that set it.
    Unlike TA-Lib 0.8.2, whose getter answers 0 whatever was set, ``get_compatibility``
    returns the mode set, and a value other than 0 or 1 is a ValidationError.
    """
    global _compatibility
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or int(value) not in COMPATIBILITY:
        raise ValidationError([{"field": "value", "value": repr(value)[:80],
                                "message": "must be 0 (TA_COMPATIBILITY_DEFAULT) or 1 (TA_COMPATIBILITY_METASTOCK)"}])
    _compatibility = int(value)


def get_compatibility() -> int:
    """The mode set by ``set_compatibility`` (0 until one is set)."""
    return _compatibility


def _check_func_id(func_id: Any, errors: FieldErrors, *, allow_all: bool) -> None:
    """A TA-Lib function ID with an unstable period (``"ALL"`` too when setting)."""
    names = sorted(_core.ta.unstable_names())
    if not (isinstance(func_id, str) and (func_id in names or (allow_all and func_id == "ALL"))):
        either = "'ALL' or " if allow_all else ""
        errors.add("func_id", func_id, f"must be {either}one of {names}")


def lookback(name: str, params: tuple[float, ...]) -> int:
    """TA-Lib's lookback: the leading NaN bars of ``name(params)`` on NaN-free input long enough
    to end its warm-up (the unstable periods in force included; cached per setting).  ``params``
    is a whole row: TA-Lib's parameters, then the hidden ones (``row``)."""
    return _lookback(name, params, tuple(_core.ta.get_unstable_period(u) for u in _core.ta.unstable_names()))


@functools.cache
def _lookback(name: str, params: tuple[float, ...], unstable: tuple[int, ...]) -> int:
    s = SPECS[name]
    n = 256
    rng = np.random.default_rng(0)
    while True:  # prices in (0.2, 0.8): inside every function's domain (ACOS, LN, SQRT, ...)
        i = np.arange(n)
        x = 0.5 + 0.25 * np.sin(i / 7.0) + rng.uniform(-0.02, 0.02, n)
        cols = {"open": x, "high": x + 0.02, "low": x - 0.02, "close": x + 0.01, "volume": np.full(n, 1e5),
                "periods": np.full(n, 10.0)}
        inputs = [cols.get(k, x)[:, None] for k in s.inputs]
        raw = _core.ta.run(name, inputs, np.array([params], dtype=np.float64))
        first = np.argmax(~np.isnan(raw[0, 0]))
        if not np.isnan(raw[0, 0, first]) or n >= 1 << 24:
            return int(first)
        n *= 4


# ------------------------------------------------------------------ arguments

def _is_grid(v: Any) -> bool:
    return isinstance(v, (Sequence, range, np.ndarray, pd.Index)) and not isinstance(v, (str, bytes))


def _number(p: Param, v: Any, errors: FieldErrors) -> float | None:
    if isinstance(v, (bool, np.bool_)) or not isinstance(v, (int, float, np.integer, np.floating)):
        errors.add(p.name, v, "must be a number" if p.kind == "real" else "must be an integer")
        return None
    return float(v)


def param_grid(s: Spec, given: Mapping[str, Any], errors: FieldErrors) -> tuple[np.ndarray, list[str], list[tuple[Any, ...]]]:
    """(sets x params) matrix, the swept parameter names, and each set's swept values."""
    columns: list[list[float]] = []
    labels: list[list[Any]] = []
    swept: list[str] = []
    for p in s.params:
        v = given.get(p.name, p.default_value)
        values = list(v) if _is_grid(v) else [v]
        if _is_grid(v):
            swept.append(p.name)
            if not values:
                errors.add(p.name, v, "an empty sequence gives no parameter sets")
        nums = [_number(p, x, errors) for x in values]
        columns.append([x for x in nums if x is not None])
        if _is_grid(v):
            labels.append([x.item() if isinstance(x, np.generic) else x for x in values])
    if any(e["field"] in {p.name for p in s.params} for e in errors.items):
        return np.empty((0, len(s.params))), swept, []
    before = len(errors.items)
    hidden = hidden_values(s, given.get(_candles.KEYWORD), errors)
    if len(errors.items) > before:
        return np.empty((0, len(s.params) + len(s.hidden))), swept, []
    combos = [(*c, *hidden) for c in itertools.product(*columns)]
    sets = np.array(combos, dtype=np.float64).reshape(len(combos), len(s.params) + len(s.hidden))
    return np.ascontiguousarray(sets), swept, list(itertools.product(*labels))


def row(s: Spec, params: Mapping[str, Any]) -> tuple[float, ...]:
    """The core's parameter row of one call: ``params`` (every parameter of ``s``, checked by
    the caller) in order, then the hidden values from the process-wide candle settings."""
    errors = FieldErrors()
    hidden = hidden_values(s, None, errors)
    errors.raise_if_any()
    return (*(float(params[p.name]) for p in s.params), *hidden)


def hidden_values(s: Spec, candle_settings: Any, errors: FieldErrors) -> list[float]:
    """The values of ``s``'s hidden parameters for one call: the candle settings it uses, from
    ``candle_settings`` over a snapshot of the process-wide ones (none for other functions)."""
    if not s.keywords:  # (a candle_settings= given to another function is an unknown keyword of its call)
        return []
    table = _candles.table(candle_settings, errors)
    return [table[k] for k in _candles.positions([p.name for p in s.hidden])]


@dataclass
class Inputs:
    arrays: list[np.ndarray]  # each (rows, assets), float64
    kind: str  # "array" | "series" | "frame"
    one_d: bool
    index: pd.Index | None
    assets: pd.Index | None
    name: Any = None  # a Series' name: its asset label in grid output


def _frame_column(frame: Any, name: str, errors: FieldErrors, field: str | None = None) -> Any:
    keys = {str(k).lower(): k for k in (frame.columns if isinstance(frame, pd.DataFrame) else frame.keys())}
    if name not in keys:
        errors.add(field or name, f"columns {list(keys.values())!r}", f"the frame has no {name!r} column (any case)")
        return None
    return frame[keys[name]]


# TA-Lib's abstract API: a generic input reads the OHLCV frame's column its keyword names (price="close")
PRICE_KEYWORDS = {"real": ("price", "close"), "real0": ("price0", "high"), "real1": ("price1", "low")}


def column_keywords(s: Spec) -> dict[str, str]:
    """``{keyword: default column}`` of the generic inputs of ``s`` (``{"price": "close"}`` for RSI)."""
    return dict(PRICE_KEYWORDS[i] for i in s.inputs if i in PRICE_KEYWORDS)


def _is_ohlcv(x: Any, s: Spec) -> bool:
    """A frame or dict standing in for every input: a dict, a frame for several inputs, or a frame with
    open/high/low/close/volume columns (any case).  Other frames are 2-D input (one column per asset)."""
    if isinstance(x, Mapping):
        return True
    return isinstance(x, pd.DataFrame) and (len(s.inputs) > 1 or any(str(c).lower() in OHLCV for c in x.columns))


def _ohlcv_columns(s: Spec, frame: Any, picks: Mapping[str, Any], errors: FieldErrors) -> list[Any]:
    """The frame's column for each input of ``s``: its own name, or for a generic input the
    column its keyword picks (``price="open"``; default close, high/low for real0/real1)."""
    columns = []
    for name in s.inputs:
        keyword, default = PRICE_KEYWORDS.get(name, (name, name))
        pick = picks.get(keyword, default)
        if not isinstance(pick, str):
            errors.add(keyword, pick, "must be a column name of the frame (open, high, low, close, volume, ...)")
            continue
        columns.append(_frame_column(frame, pick.lower(), errors, keyword if keyword in picks else None))
    return columns


def gather_inputs(s: Spec, given: list[Any], errors: FieldErrors,
                  picks: Mapping[str, Any] | None = None) -> Inputs | None:
    """Inputs as (rows, assets) float64 arrays, plus what is needed to wrap the outputs.

    ``picks``: the column keywords given (``{"price": "open"}``), for an OHLCV frame only."""
    picks = picks or {}
    if len(given) == 1 and _is_ohlcv(given[0], s):
        given = _ohlcv_columns(s, given[0], picks, errors)
        if errors.items:
            return None
    elif picks:
        for k, v in picks.items():
            errors.add(k, v, "picks a column of an OHLCV frame (open/high/low/close/volume columns), "
                       "and the input is not one")
        return None
    if len(given) != len(s.inputs):
        errors.add("inputs", f"{len(given)} given", f"{s.name} takes {', '.join(s.inputs)}")
        return None
    vals = [as_values(x, errors, field=name) for name, x in zip(s.inputs, given)]
    if errors.items:
        return None
    first = vals[0]
    assert first is not None
    for name, v in zip(s.inputs[1:], vals[1:]):
        assert v is not None
        if v.array.shape != first.array.shape:
            errors.add(name, f"shape {v.array.shape}", f"must match {s.inputs[0]} {first.array.shape}")
    if errors.items:
        return None
    arrays = []
    for v in vals:
        assert v is not None
        a = v.array
        arrays.append(a[:, None] if a.ndim == 1 else np.asfortranarray(a))
    return Inputs(arrays, first.kind, first.array.ndim == 1, first.index,
                  first.columns if first.kind == "frame" else None, first.name)


# ------------------------------------------------------------------ running

def run(plan: _core.ta.Plan, inputs: Inputs, token: Any = None) -> np.ndarray:
    """(outputs, assets * sets, rows): the raw grid result of a validated plan."""
    return _core.ta.run_plan(plan, inputs.arrays, token)


def as_int32(values: np.ndarray) -> np.ndarray:
    """An integer output as TA-Lib returns it: int32, 0 where the core gives NaN (the warm-up).

    ``values`` is a fresh core result: the NaNs are replaced in place."""
    out: np.ndarray = _core.ta._as_int32(values)  # one pass in the core
    return out


def wrap(s: Spec, inputs: Inputs, raw: np.ndarray, swept: list[str], labels: list[tuple[Any, ...]]) -> Any:
    grid = bool(swept)
    outs = []
    for j in range(raw.shape[0]):
        block = raw[j]  # (assets * sets, rows), each column contiguous
        if s.integer[j]:
            block = as_int32(block)
        if inputs.one_d and not grid:
            arr: Any = block[0]
            if inputs.kind == "series":
                arr = pd.Series(arr, index=inputs.index)  # unnamed, as TA-Lib returns it
        else:
            arr = block.T
            if inputs.kind in ("series", "frame"):
                assets = list(inputs.assets) if inputs.assets is not None else [inputs.name]
                if grid:
                    tuples = [(a, *lab) for a in assets for lab in labels]
                    columns: Any = pd.MultiIndex.from_tuples(tuples, names=["asset", *swept])
                else:
                    columns = inputs.assets
                arr = pd.DataFrame(arr, index=inputs.index, columns=columns)
        outs.append(arr)
    return outs[0] if len(outs) == 1 else tuple(outs)


@dataclass
class Prepared:
    """A validated call: what ``execute`` needs."""

    spec: Spec
    inputs: Inputs
    sets: np.ndarray
    swept: list[str]
    labels: list[tuple[Any, ...]]
    plan: _core.ta.Plan  # the core's validated parameter sets: execute() does not check them again


def prepare(name: str, given: Sequence[Any], params: Mapping[str, Any]) -> Prepared:
    """Every check of a call (inputs and parameters, all reported at once); nothing runs."""
    s = spec(name)
    errors = FieldErrors()
    if not isinstance(params, Mapping):
        errors.add("params", params, "must be a mapping of parameter names to values")
        params = {}
    keywords = column_keywords(s)
    picks = {k: v for k, v in params.items() if k in keywords}
    params = {k: v for k, v in params.items() if k not in keywords}
    names = [p.name for p in s.params] + list(s.keywords)
    unknown_keywords({k: v for k, v in params.items() if k not in names}, [*names, *keywords], errors,
                     f"threadx.ta.{name}")
    inputs = gather_inputs(s, list(given), errors, picks)
    before = len(errors.items)
    sets, swept, labels = param_grid(s, params, errors)
    plan = None
    if len(errors.items) == before and sets.shape[0]:
        try:
            plan = _core.ta.validate(name, sets)
        except ValidationError as exc:
            errors.extend(exc)
    errors.raise_if_any()
    assert inputs is not None and plan is not None
    return Prepared(s, inputs, sets, swept, labels, plan)


def execute(p: Prepared, token: Any = None) -> Any:
    """Run a prepared call (GIL released, cancellable through ``token``) and wrap it."""
    return wrap(p.spec, p.inputs, run(p.plan, p.inputs, checked_cancel(token)), p.swept, p.labels)


def compute(name: str, given: Sequence[Any], params: Mapping[str, Any], token: Any = None) -> Any:
    """Validate, run and wrap: the one path every public function takes."""
    return execute(prepare(name, given, params), token)


def function(name: str) -> Callable[..., Any]:
    """The TA-Lib-style function for `name`, with TA-Lib's signature and a docstring."""
    s = spec(name)
    inputs = [inspect.Parameter(i, inspect.Parameter.POSITIONAL_OR_KEYWORD) for i in s.inputs]
    params = [inspect.Parameter(p.name, inspect.Parameter.POSITIONAL_OR_KEYWORD, default=p.default_value)
              for p in s.params]
    picks = [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=v) for k, v in column_keywords(s).items()]
    picks += [inspect.Parameter(k, inspect.Parameter.KEYWORD_ONLY, default=None) for k in s.keywords]
    sig = inspect.Signature(inputs + params + picks)

    n_in = len(s.inputs)
    names = [p.name for p in s.params]
    defaults = [float(p.default) for p in s.params]
    position = {p.name: k for k, p in enumerate(s.params)}
    n_out = len(s.outputs)
    integer = s.integer
    valid = frozenset(sig.parameters)
    hidden_at = _candles.positions([p.name for p in s.hidden])  # the row's tail: from the settings snapshot

    def fast(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        """1-D aligned float64 arrays and scalar parameters: straight to the core (None: not this
        case; the general path copies what the core cannot read in place)."""
        if len(args) < n_in or len(args) > n_in + len(names):
            return None
        n = -1
        for a in args[:n_in]:
            if (type(a) is not np.ndarray or a.dtype != np.float64 or a.ndim != 1 or not a.flags.aligned
                    or (n >= 0 and a.shape[0] != n)):
                return None
            n = a.shape[0]
        values = defaults.copy()
        for k, v in enumerate(args[n_in:]):
            if type(v) is not int and type(v) is not float:
                return None
            values[k] = float(v)
        for key, v in kwargs.items():
            k = position.get(key, -1)
            if k < 0 or (type(v) is not int and type(v) is not float) or k < len(args) - n_in:
                return None
            values[k] = float(v)
        if hidden_at:
            table = _candles.snapshot()
            values += [table[k] for k in hidden_at]
        # one core call that validates the parameters once and runs (no Plan object to make)
        raw = _core.ta.run(name, [a[:, None] for a in args[:n_in]], np.array([values]))
        outs = [as_int32(raw[j, 0]) if integer[j] else raw[j, 0] for j in range(n_out)]
        return outs[0] if n_out == 1 else tuple(outs)

    def fn(*args: Any, **kwargs: Any) -> Any:
        out = fast(args, kwargs)
        if out is not None:
            return out
        if not valid.issuperset(kwargs):
            errors = FieldErrors()
            unknown_keywords(kwargs, valid, errors, f"threadx.ta.{name}")
            errors.raise_if_any()
        try:
            bound = sig.bind_partial(*args, **kwargs)
        except TypeError as exc:
            raise TypeError(f"{name}{sig}: {exc}") from None
        given = [bound.arguments[i] for i in s.inputs if i in bound.arguments]
        # an OHLCV frame may stand in for every input: ATR(df)
        if len(given) < len(s.inputs) and not (len(given) == 1 and _is_ohlcv(given[0], s)):
            missing = [i for i in s.inputs if i not in bound.arguments]
            raise ValidationError([{"field": m, "value": "missing", "message": f"{name} needs {m}"} for m in missing])
        params = {k: v for k, v in bound.arguments.items() if k not in s.inputs}
        return compute(name, given, params)

    fn.__name__ = fn.__qualname__ = name
    fn.__signature__ = sig  # type: ignore[attr-defined]
    fn.__module__ = "threadx.ta"
    fn.__doc__ = _docstring(s)
    return fn


def _docstring(s: Spec) -> str:
    lines = [f"{s.name}({', '.join(s.inputs)}{''.join(f', {p.name}={p.default_value}' for p in s.params)})", "",
             f"{s.doc} ({s.group})", "", "Inputs:"]
    lines += [f"    {i}: array, Series or (rows x assets) 2-D" for i in s.inputs]
    lines += [f"    an OHLCV frame or dict (open/high/low/close/volume, any case) feeds it its {k}= column "
              f"(default {v!r}), as TA-Lib's abstract API does" for k, v in column_keywords(s).items()]
    if s.params:
        lines.append("Parameters (each may be a sequence: a grid):")
        for p in s.params:
            rng = f"[{int(p.lo)}, {int(p.hi)}]" if p.kind != "real" else f"[{p.lo:g}, {p.hi:g}]"
            lines.append(f"    {p.name}: {p.default_value} (range {rng})")
    if s.keywords:
        used = sorted({p.name.split(".")[1] for p in s.hidden}, key=_candles.NAMES.index)
        lines += ["Keyword:", "    candle_settings: None - overrides of TA-Lib's candle settings for this call, "
                  "e.g. {'BodyDoji': {'factor': 0.05}}; the process-wide ones (threadx.ta.set_candle_settings) "
                  "when it starts otherwise; " + (f"{s.name} uses {', '.join(used)}" if used else f"{s.name} uses none")]
    lines.append("Outputs:")
    lines += [f"    {o}" for o in s.outputs]
    return "\n".join(lines)
