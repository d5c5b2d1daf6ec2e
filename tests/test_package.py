"""Package-level behaviour: import, version, threads, errors, CLI."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys

import pytest

import threadx
from threadx import errors


def run_python(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if k != "LD_LIBRARY_PATH"}
    clean.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=clean, timeout=120)


def test_version_is_the_distribution_version() -> None:
    from importlib.metadata import version

    assert threadx.__version__ == version("threadx")


def test_import_in_a_fresh_process_without_ld_library_path() -> None:
    r = run_python("import threadx, numpy as np; print(threadx.rolling.mean(np.arange(5.0), 2)[-1])")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "3.5"


@pytest.mark.parametrize("n", [1, 2])
def test_env_var_caps_threads(n: int) -> None:
    r = run_python("import threadx; print(threadx.get_num_threads())", THREADX_NUM_THREADS=str(n))
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(n)


def test_bad_env_var_is_a_validation_error() -> None:
    r = run_python("import threadx", THREADX_NUM_THREADS="zero")
    assert r.returncode != 0
    assert "ValidationError" in r.stderr and "THREADX_NUM_THREADS" in r.stderr


def test_set_num_threads_round_trip() -> None:
    before = threadx.get_num_threads()
    try:
        assert threadx.set_num_threads(1) == 1
        assert threadx.get_num_threads() == 1
    finally:
        threadx.set_num_threads(before)
    assert threadx.get_num_threads() == before


@pytest.mark.parametrize("bad", [0, -3, 1.5, "2", True, None])
def test_set_num_threads_rejects(bad: object) -> None:
    with pytest.raises(errors.ValidationError) as exc:
        threadx.set_num_threads(bad)  # type: ignore[arg-type]
    assert exc.value.fields == ["n"]


def test_core_set_num_threads_rejects_zero_directly() -> None:
    with pytest.raises(errors.ValidationError):
        threadx._core.set_num_threads(0)


@pytest.mark.parametrize(
    ("cls", "bases"),
    [
        (errors.ValidationError, (errors.ThreadXError, ValueError)),
        (errors.DataError, (errors.ThreadXError,)),
        (errors.IndicatorError, (errors.ThreadXError,)),
        (errors.BacktestError, (errors.ThreadXError,)),
        (errors.TaskTimeoutError, (errors.ThreadXError, TimeoutError)),
        (errors.CallbackTimeoutError, (errors.ThreadXError,)),
        (errors.CancelledError, (errors.ThreadXError,)),
    ],
)
def test_hierarchy(cls: type, bases: tuple[type, ...]) -> None:
    for base in bases:
        assert issubclass(cls, base)
    assert issubclass(errors.ThreadXError, Exception)


def test_validation_error_lists_every_field_and_pickles() -> None:
    err = errors.ValidationError(
        [{"field": "window", "value": "0", "message": "must be > 0"},
         {"field": "q", "value": "2.0", "message": "must lie in [0, 1]"}]
    )
    assert err.fields == ["window", "q"]
    text = str(err)
    assert "2 invalid fields" in text and "window=0" in text and "q=2.0" in text
    again = pickle.loads(pickle.dumps(err))
    assert again.errors == err.errors


def test_demo_prints_bands_and_breakouts() -> None:
    from threadx.cli import main

    r = subprocess.run([sys.executable, "-m", "threadx.cli", "demo", "--tail", "3"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "q0.05" in r.stdout and "q0.95" in r.stdout and "2013-03-01" in r.stdout
    assert "breakouts" in r.stdout
    assert main(["demo", "--window", "0"]) == 2


def test_demo_runs_a_backtest_and_a_sweep() -> None:
    from threadx import backtest, data
    from threadx.cli import backtest_demo

    text = backtest_demo()
    assert "backtest: SMA(10) x SMA(20)" in text and "sweep: sma_cross over 175" in text
    best = backtest.sweep("sma_cross", data.sample(), fast=range(5, 51, 5), slow=range(10, 201, 10), fees=0.002,
                          short=True, constraint=lambda p: p.fast < p.slow, top_k=1)
    fast, slow = best.index[0]
    assert text.splitlines()[-5].split()[:2] == [str(fast), str(slow)]  # the best row comes first


def test_demo_numbers_match_pandas() -> None:
    import pandas as pd

    from threadx import data

    close = data.sample()["close"]
    got = threadx.rolling.quantile(close, 20, [0.05, 0.95])
    for q in (0.05, 0.95):
        expected = close.rolling(20).quantile(q)
        pd.testing.assert_series_equal(got[q], expected, check_names=False, rtol=0, atol=1e-12)


def test_cli_sweep() -> None:
    from threadx.cli import main, sweep_command

    text = sweep_command("sma_cross", None, ["fast=5:30:5", "slow=40,80"], fees=0.001, short=False, top=3,
                         metric="sharpe", progress=False)
    assert "top 3 by sharpe" in text and len(text.splitlines()) == 2 + 1 + 3
    assert main(["sweep", "sma_cross", "fast=1", "slow=20"]) == 2  # a ValidationError: exit code 2
    assert main(["sweep", "sma_cross", "fast"]) == 2


def test_subpackages_reachable_after_a_bare_import() -> None:
    # a fresh interpreter: in this one another test may already have imported them
    code = """
import sys
import threadx
for name in ("ta", "stream", "backtest"):
    assert name in threadx.__all__ and name in dir(threadx), name
assert callable(threadx.stream.RSI) and callable(threadx.ta.RSI) and callable(threadx.backtest.run)
assert threadx.ta is sys.modules["threadx.ta"]
try:
    threadx.no_such_thing
except AttributeError as exc:
    assert "no_such_thing" in str(exc)
else:
    raise AssertionError("threadx.no_such_thing did not raise")
"""
    r = run_python(code)
    assert r.returncode == 0, r.stderr
