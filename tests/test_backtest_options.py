"""The backtest options' one table (cpp/include/threadx/backtest/options.hpp) and validation once per call.

run()'s signature, BacktestRequest's fields, the _core stub and docs/backtest.md write the
options out; these tests fail when any of them drifts from the table.
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

import threadx
from threadx import _core, backtest
from threadx.backtest import _engine, _sweep
from threadx.errors import ValidationError

ROOT = Path(__file__).resolve().parents[1]
TABLE = _core.backtest.options()
NAMES = [o["name"] for o in TABLE]
DEFAULTS = {o["name"]: o["default"] for o in TABLE}
NOT_OPTIONS = ("data", *_engine.SIGNALS, *_engine.LEVELS, "strategy", "params", "costs", "cash_sharing", "cancel",
               "strategy_params")
BARS = threadx.data.sample().iloc[:400]


def test_table_is_well_formed() -> None:
    assert len(set(NAMES)) == len(NAMES)
    kinds = {"number", "choice", "bool", "size", "stop", "expiry", "time", "periods_per_year"}
    for o in TABLE:
        assert set(o) == {"name", "kind", "default", "choices", "rule", "doc", "sweep", "python_only"}, o
        assert o["kind"] in kinds and o["rule"] and o["doc"], o
        assert bool(o["choices"]) == (o["kind"] == "choice"), o
        if o["kind"] == "choice":
            assert o["default"] in o["choices"], o
    python_only = {o["name"] for o in TABLE if o["python_only"]}
    assert python_only == {"expiry", "periods_per_year", "start", "end"}


def test_python_derives_from_the_table() -> None:
    assert list(_engine.OPTIONS) == NAMES
    assert _engine.DEFAULTS == DEFAULTS
    assert list(_sweep.BACKTEST_OPTIONS) == [o["name"] for o in TABLE if o["sweep"]]


def test_run_signature_matches_the_table() -> None:
    params = inspect.signature(backtest.run).parameters
    written = {k: p.default for k, p in params.items() if k not in NOT_OPTIONS}
    assert list(written) == NAMES, "run()'s options (names, order) differ from the core's table"
    assert written == DEFAULTS, "run()'s defaults differ from the core's table"


def test_backtest_request_fields_match_the_table() -> None:
    fields = {f.name: f.default for f in dataclasses.fields(threadx.BacktestRequest) if f.name not in NOT_OPTIONS}
    assert list(fields) == NAMES, "BacktestRequest's option fields (names, order) differ from the core's table"
    assert fields == DEFAULTS, "BacktestRequest's defaults differ from the core's table"


def test_core_stub_lists_the_table() -> None:
    stub = (ROOT / "python/threadx/_core/backtest.pyi").read_text()
    start = stub.index("# init_cash=")
    listed = " ".join(line.lstrip("# ") for line in stub[start:].split("\n") if line.startswith("#"))
    assert listed == ", ".join(f"{k}={v!r}" for k, v in DEFAULTS.items())


def test_docs_list_every_option_with_its_default() -> None:
    doc = (ROOT / "docs/backtest.md").read_text()
    section = doc[doc.index("| name", doc.index("## Parameters (defaults)")):]
    section = section[:section.index("\n\n")]
    documented: dict[str, Any] = {}
    for row in section.splitlines()[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        for name in re.findall(r"`(\w+)`", cells[0]):
            documented[name] = ast.literal_eval(cells[1])
    assert sorted(documented) == sorted(NAMES), "docs/backtest.md's options table misses or adds options"
    assert documented == DEFAULTS, "docs/backtest.md's defaults differ from the core's table"


@pytest.mark.parametrize("option", [o for o in TABLE if o["kind"] == "choice"], ids=lambda o: o["name"])
def test_choice_errors_list_the_tables_choices(option: dict[str, Any]) -> None:
    with pytest.raises(ValidationError) as exc:
        backtest.run(BARS, entries=np.zeros(len(BARS), dtype=bool), size=1.0, **{option["name"]: "nope"})
    assert exc.value.fields == [option["name"]]
    assert "must be one of " + ", ".join(repr(c) for c in option["choices"]) in str(exc.value)


def rule_runs(fn: Callable[[], Any]) -> dict[str, int]:
    """How often the core ran each rule set during ``fn()``."""
    before = _core.backtest._rule_counts()
    fn()
    after = _core.backtest._rule_counts()
    return {k: after[k] - before[k] for k in after}


ENTRIES = (BARS["close"] > BARS["close"].rolling(20).mean()).to_numpy()
EXITS = ~ENTRIES


@pytest.mark.parametrize("call", [
    lambda: backtest.run(BARS, entries=ENTRIES, exits=EXITS, fees=0.001),
    lambda: backtest.run(BARS, entries=np.c_[ENTRIES, ENTRIES], exits=np.c_[EXITS, EXITS], sl_stop=0.05),
    lambda: threadx.BacktestRequest(data=BARS, entries=ENTRIES, exits=EXITS),  # built = validated
], ids=["run", "run-2d", "request-built"])
def test_run_validates_options_once(call: Callable[[], Any]) -> None:
    assert rule_runs(call) == {"params": 1, "combos": 0}


def test_request_run_validates_options_once() -> None:
    req = threadx.BacktestRequest(data=BARS, entries=ENTRIES, exits=EXITS)
    assert rule_runs(req.run) == {"params": 1, "combos": 0}


@pytest.mark.parametrize("kw", [
    {},
    {"keep": "equity"},
    {"keep": "equity", "top_k": 2},
    {"keep": "trades", "short": True},
], ids=str)
def test_sweep_validates_options_and_combinations_once(kw: dict[str, Any]) -> None:
    data = {"A": BARS, "B": BARS.iloc[50:]}
    runs = rule_runs(lambda: backtest.sweep("sma_cross", data, fast=[5, 10], slow=[20, 30], fees=0.001, **kw))
    assert runs == {"params": 1, "combos": 1}


def test_sweep_request_run_validates_once() -> None:
    req = threadx.SweepRequest(strategy="sma_cross", data=BARS, grid={"fast": [5, 10], "slow": 30}, options={"fees": 0.001})
    assert rule_runs(req.run) == {"params": 1, "combos": 1}


def test_bad_options_and_combinations_are_reported_together_once() -> None:
    def call() -> None:
        with pytest.raises(ValidationError) as exc:
            backtest.sweep("sma_cross", BARS, fast=[0, 5], slow=30, fees=2.0)
        assert set(exc.value.fields) == {"fast", "fees"}
    assert rule_runs(call) == {"params": 1, "combos": 1}


def test_plans_come_only_from_validate() -> None:
    with pytest.raises(TypeError):
        _core.backtest.Plan()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        _core.backtest.SweepPlan()  # type: ignore[call-arg]
    b = _engine.bars_of(BARS, _engine.FieldErrors())
    assert b is not None
    with pytest.raises(TypeError):  # a dict is not a plan
        _core.backtest.run({"fees": 0.5}, b.open, b.high, b.low, b.close, None, 1, (None,) * 4, (None,) * 4)  # type: ignore[arg-type]
    plan = _core.backtest.validate({"fees": 0.01, "size_type": "value", "size": 100.0})
    assert plan.params["fees"] == 0.01 and plan.params["size_type"] == "value"
    with pytest.raises(ValidationError, match="fees"):
        _core.backtest.validate({"fees": 1.5})
    with pytest.raises(ValidationError, match="must be a number"):
        _core.backtest.validate({"fees": "x"})


def test_core_sweep_checks_only_what_guards_memory() -> None:
    b = _engine.bars_of(BARS, _engine.FieldErrors())
    assert b is not None
    combos = np.array([[5.0, 20.0], [10.0, 30.0]])
    plan = _core.backtest.sweep_validate("sma_cross", False, combos, len(b.close), {})
    combos[:] = 0  # the plan holds its own copy of what it validated
    assert plan.n_combos == 2
    out = _core.backtest.sweep(plan, b.open, b.high, b.low, b.close, 252.0, 8.5, rows=np.array([1, 0]), keep_equity=True)
    full = _core.backtest.sweep(plan, b.open, b.high, b.low, b.close, 252.0, 8.5, keep_equity=True)
    np.testing.assert_array_equal(out["equity"], full["equity"][::-1])
    with pytest.raises(ValidationError, match="rows"):
        _core.backtest.sweep(plan, b.open, b.high, b.low, b.close, 252.0, 8.5, rows=np.array([2]))
    short = slice(0, 100)
    with pytest.raises(ValidationError, match="bars the plan was validated for"):
        _core.backtest.sweep(plan, b.open[short], b.high[short], b.low[short], b.close[short], 252.0, 8.5)
