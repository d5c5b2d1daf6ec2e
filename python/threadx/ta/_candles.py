"""TA-Lib's candle settings on the Python side: the process-wide table and per-call overrides.

The candlestick patterns judge "long", "short", "doji", "near"... against 11 candle
settings, each a range type (``RealBody``, ``HighLow``, ``Shadows``), an average period and a
factor (cpp/include/threadx/ta/candle.hpp states the rule).  TA-Lib keeps them in a global;
ThreadX keeps a process-wide table too (``set_candle_settings`` and
``restore_candle_default_settings``, TA-Lib's names), but never lets a running computation
read it: a call (or a ``threadx.stream`` object) *snapshots* the table when it starts, applies
its own ``candle_settings=`` on top, and the values travel to the C++ kernels as hidden
parameters of each pattern's row (named ``candle_settings.<Setting>.<key>``).  A setter called
while a computation runs, or while a stream exists, changes neither.

Ranges (the C++ registry's rule, one place): range type one of the three, average period an
integer in [0, 1e8] (TA-Lib's), factor a finite number >= 0.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from threadx import _core
from threadx._inputs import FieldErrors, as_int, as_number
from threadx.errors import ValidationError

KEYWORD = "candle_settings"  # the keyword of every pattern function, and the hidden parameters' prefix
GROUP = "Pattern Recognition"  # TA-Lib's group of the patterns: the functions that take KEYWORD
KEYS = ("range_type", "avg_period", "factor")  # a setting's values, in row order

_DEFAULTS_TABLE: list[tuple[str, int, int, float]] = _core.ta.candle_setting_defaults()
NAMES: tuple[str, ...] = tuple(d[0] for d in _DEFAULTS_TABLE)  # TA-Lib's order
RANGE_TYPES: tuple[str, ...] = tuple(_core.ta.range_type_names())
DEFAULTS: tuple[float, ...] = tuple(float(v) for d in _DEFAULTS_TABLE for v in d[1:])


class _CandleSettingType:
    """TA-Lib's ``CandleSettingType``: ``BodyLong = 0`` ... ``Equal = 10``, ``AllCandleSettings = 11``."""

    (BodyLong, BodyVeryLong, BodyShort, BodyDoji, ShadowLong, ShadowVeryLong, ShadowShort,
     ShadowVeryShort, Near, Far, Equal, AllCandleSettings) = range(12)

    def __repr__(self) -> str:
        return "CandleSettingType(" + ", ".join(f"{n}={k}" for k, n in enumerate(NAMES)) + ", AllCandleSettings=11)"


class _RangeType:
    """TA-Lib's ``RangeType``: ``RealBody = 0``, ``HighLow = 1``, ``Shadows = 2``."""

    RealBody, HighLow, Shadows = range(3)

    def __repr__(self) -> str:
        return "RangeType(RealBody=0, HighLow=1, Shadows=2)"


CandleSettingType = _CandleSettingType()
RangeType = _RangeType()
ALL = CandleSettingType.AllCandleSettings

assert NAMES == ("BodyLong", "BodyVeryLong", "BodyShort", "BodyDoji", "ShadowLong", "ShadowVeryLong",
                 "ShadowShort", "ShadowVeryShort", "Near", "Far", "Equal")
assert RANGE_TYPES == ("RealBody", "HighLow", "Shadows")

_lock = threading.Lock()  # serialises the setters (a read is one reference: no lock needed)
_table: tuple[float, ...] = DEFAULTS  # the process-wide settings, replaced whole, never mutated


def _check(values: Sequence[float], errors: FieldErrors) -> None:
    """The ranges of a full table (the C++ rule)."""
    try:
        _core.ta.check_candle_settings(list(values))
    except ValidationError as exc:
        errors.extend(exc)


def _setting_index(settingtype: Any, field: str, errors: FieldErrors, *, allow_all: bool) -> int | None:
    """A setting given as TA-Lib's int (``CandleSettingType.BodyDoji``) or its name."""
    if isinstance(settingtype, str) and settingtype in NAMES:
        return NAMES.index(settingtype)
    top = ALL if allow_all else ALL - 1
    if isinstance(settingtype, (int, np.integer)) and not isinstance(settingtype, (bool, np.bool_)) \
            and 0 <= settingtype <= top:
        return int(settingtype)
    errors.add(field, settingtype, f"must be a CandleSettingType (0 to {top}) or a setting name: {', '.join(NAMES)}"
               + (" (or AllCandleSettings = 11)" if allow_all else ""))
    return None


def _range_type(value: Any, field: str, errors: FieldErrors) -> float | None:
    """A range type as TA-Lib's int (``RangeType.HighLow``) or its name ("HighLow")."""
    if isinstance(value, str) and value in RANGE_TYPES:
        return float(RANGE_TYPES.index(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return float(value)  # its range is the C++ rule
    errors.add(field, value, f"must be a RangeType (0, 1, 2) or its name: {', '.join(RANGE_TYPES)}")
    return None


def _values(rangetype: Any, avgperiod: Any, factor: Any, prefix: str, errors: FieldErrors) -> list[float]:
    """The three numbers of one setting, types checked (ranges: ``_check``); with a bad
    type the list is incomplete and ``errors`` says why."""
    out: list[float] = []
    kind = _range_type(rangetype, f"{prefix}.range_type", errors)
    before = len(errors.items)
    period = as_int(avgperiod, f"{prefix}.avg_period", errors, 0)
    number = as_number(factor, f"{prefix}.factor", errors)
    if kind is not None:
        out.append(kind)
    if len(errors.items) == before:
        out.append(float(period))
    if number is not None:
        out.append(number)
    return out


def set_candle_settings(settingtype: Any, rangetype: Any, avgperiod: Any, factor: Any) -> None:
    """TA-Lib's ``TA_SetCandleSettings``: change one setting process-wide.

    ``settingtype`` is a ``CandleSettingType`` (or the setting's name), ``rangetype`` a
    ``RangeType`` (or its name).  Calls and streams that already started keep the settings
    they snapshotted.  Out-of-range values raise ``ValidationError`` naming the field.
    """
    global _table
    errors = FieldErrors()
    s = _setting_index(settingtype, "settingtype", errors, allow_all=False)
    values = _values(rangetype, avgperiod, factor, f"{KEYWORD}.{NAMES[s] if s is not None else '?'}", errors)
    errors.raise_if_any()
    assert s is not None
    with _lock:
        table = list(_table)
        table[3 * s: 3 * s + 3] = values
        _check(table, errors)
        errors.raise_if_any()
        _table = tuple(table)


def restore_candle_default_settings(settingtype: Any = ALL) -> None:
    """TA-Lib's ``TA_RestoreCandleDefaultSettings``: one setting, or all (the default)."""
    global _table
    errors = FieldErrors()
    s = _setting_index(settingtype, "settingtype", errors, allow_all=True)
    errors.raise_if_any()
    assert s is not None
    with _lock:
        if s == ALL:
            _table = DEFAULTS
        else:
            table = list(_table)
            table[3 * s: 3 * s + 3] = DEFAULTS[3 * s: 3 * s + 3]
            _table = tuple(table)


def as_dict(table: Sequence[float]) -> dict[str, dict[str, Any]]:
    """``{"BodyDoji": {"range_type": "HighLow", "avg_period": 10, "factor": 0.1}, ...}``."""
    return {name: {"range_type": RANGE_TYPES[int(table[3 * k])], "avg_period": int(table[3 * k + 1]),
                   "factor": float(table[3 * k + 2])} for k, name in enumerate(NAMES)}


def get_candle_settings() -> dict[str, dict[str, Any]]:
    """The process-wide candle settings (a copy), in the form ``candle_settings=`` takes."""
    return as_dict(_table)


def snapshot() -> tuple[float, ...]:
    """The process-wide table now (a call or a stream takes it once, when it starts)."""
    return _table


def table(candle_settings: Any, errors: FieldErrors) -> tuple[float, ...]:
    """The settings of one call: the snapshot with ``candle_settings`` (a mapping
    ``{setting: {key: value}}``, partial dicts allowed) on top; every bad entry in ``errors``."""
    base = _table
    if candle_settings is None:
        return base
    if not isinstance(candle_settings, Mapping):
        errors.add(KEYWORD, candle_settings, "must be a mapping {setting name: {'range_type', 'avg_period', "
                   "'factor'}} (e.g. {'BodyDoji': {'factor': 0.05}})")
        return base
    out = list(base)
    before = len(errors.items)
    for name, entry in candle_settings.items():
        if name not in NAMES:
            errors.add(KEYWORD, name, f"is not a candle setting: one of {', '.join(NAMES)}")
            continue
        prefix = f"{KEYWORD}.{name}"
        if not isinstance(entry, Mapping):
            errors.add(prefix, entry, f"must be a mapping with keys among {', '.join(KEYS)}")
            continue
        k = NAMES.index(name)
        for key, v in entry.items():
            if key not in KEYS:
                errors.add(prefix, key, f"is not a key of a candle setting: one of {', '.join(KEYS)}")
                continue
            field = f"{prefix}.{key}"
            j = KEYS.index(key)
            x = (_range_type(v, field, errors) if j == 0 else
                 float(as_int(v, field, errors, 0)) if j == 1 else as_number(v, field, errors))
            if x is not None:
                out[3 * k + j] = x
    if len(errors.items) == before:
        _check(out, errors)
    return tuple(out)


def positions(hidden: Sequence[str]) -> list[int]:
    """Where each hidden parameter (``candle_settings.BodyDoji.factor``) sits in a table."""
    out = []
    for name in hidden:
        _, setting, key = name.split(".")
        out.append(3 * NAMES.index(setting) + KEYS.index(key))
    return out
