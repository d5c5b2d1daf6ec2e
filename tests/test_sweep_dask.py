"""issue 14 §4: sweeps on a Dask cluster (``sweep(..., client=)``), on a real ``LocalCluster`` of
two worker processes on 127.0.0.1 (one thread each, no dashboard): the local table row for
row, the data scattered once, a killed worker's chunks rerun elsewhere, cancellation that
stops the workers' loops, and a closed client refused before any work."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
import threadx.ta as ta
from threadx import backtest
from threadx.errors import CancelledError, ValidationError

distributed = pytest.importorskip("distributed")

GRID = {"fast": range(2, 30, 3), "slow": range(10, 80, 7)}  # 100 combinations


@pytest.fixture(scope="module")
def client() -> Iterator[Any]:
    # on 127.0.0.1 only; no dashboard; the scheduler's HTTP server (metrics) on a free port, not 8787
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address="127.0.0.1:0", scheduler_kwargs={"dashboard": False},
                                  worker_dashboard_address=None) as cluster, \
            distributed.Client(cluster) as c:
        yield c


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return threadx.data.sample().iloc[:800]


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    if "partition_sums" in a.attrs:
        for name in ("count", "sum", "sumsq"):
            np.testing.assert_array_equal(getattr(a.attrs["partition_sums"], name),
                                          getattr(b.attrs["partition_sums"], name))


def _signal(data: pd.DataFrame, fast: int, slow: int) -> tuple[pd.Series, pd.Series]:
    f, s = ta.SMA(data["close"], fast), ta.SMA(data["close"], slow)
    return f > s, f < s


def _slow_signal(data: pd.DataFrame, fast: int, slow: int) -> tuple[pd.Series, pd.Series]:
    time.sleep(0.05)
    return _signal(data, fast, slow)


def _strategy() -> type[backtest.Strategy]:
    class SmaCross(backtest.Strategy):  # defined in a function: the workers get it by value
        fast, slow = 10, 30

        def init(self) -> None:
            self.f = self.I(ta.SMA, self.data.Close, self.fast)
            self.s = self.I(ta.SMA, self.data.Close, self.slow)

        def next(self) -> None:
            if self.f[-1] > self.s[-1] and not self.position:
                self.buy()
            elif self.f[-1] < self.s[-1] and self.position:
                self.position.close()
    return SmaCross


@pytest.mark.parametrize("options", [{"partitions": 8}, {"top_k": 5, "metric": "return", "short": True}])
def test_builtin_sweep_on_the_cluster_is_the_local_table(client: Any, bars: pd.DataFrame,
                                                         options: dict[str, Any]) -> None:
    local = backtest.sweep("sma_cross", bars, **GRID, **options)
    _assert_same(local, backtest.sweep("sma_cross", bars, **GRID, **options, client=client, chunk_size=7))
    # each worker ran its chunks on one TBB thread (threads_per_worker=1)
    assert set(client.run(threadx.get_num_threads).values()) == {1}


def test_several_symbols_and_user_code_on_the_cluster(client: Any, bars: pd.DataFrame) -> None:
    data = {"A": bars, "B": bars.iloc[200:]}
    _assert_same(backtest.sweep("sma_cross", data, **GRID), backtest.sweep("sma_cross", data, **GRID, client=client))
    small = {"fast": [5, 10, 15], "slow": [20, 40]}
    _assert_same(backtest.sweep(_signal, bars, **small, partitions=4, workers=2),
                 backtest.sweep(_signal, bars, **small, partitions=4, client=client, chunk_size=2))
    factor = 1 + 0.01 * np.random.default_rng(7).standard_normal(len(bars))  # the same factor keeps each bar's OHLC
    other = bars.assign(**{c: bars[c] * factor for c in ("open", "high", "low", "close")})
    cls, same_index = _strategy(), {"A": bars, "B": other}  # a Strategy trades every symbol on one index
    _assert_same(backtest.sweep(cls, same_index, **small, workers=2),
                 backtest.sweep(cls, same_index, **small, client=client))


def test_the_data_is_scattered_once_and_each_chunk_is_one_task(client: Any, bars: pd.DataFrame,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    scattered: list[Any] = []
    submitted: list[tuple[Any, ...]] = []
    scatter, submit = client.scatter, client.submit

    def spy_scatter(data: Any, **kw: Any) -> Any:
        scattered.append(data)
        return scatter(data, **kw)

    def spy_submit(fn: Any, *args: Any, **kw: Any) -> Any:
        submitted.append(args)
        return submit(fn, *args, **kw)
    monkeypatch.setattr(client, "scatter", spy_scatter)
    monkeypatch.setattr(client, "submit", spy_submit)
    backtest.sweep("sma_cross", bars, **GRID, client=client, chunk_size=10)
    assert len(scattered) == 1 and len(submitted) == 10
    # every task refers to the one scattered copy (a Future), and carries no array of its own
    futures = {id(args[0]) for args in submitted}
    assert len(futures) == 1 and all(isinstance(args[0], distributed.Future) for args in submitted)
    assert all(not isinstance(a, (np.ndarray, pd.DataFrame)) for args in submitted for a in args[1:])


def test_a_killed_worker_loses_nothing(client: Any, bars: pd.DataFrame, tmp_path: Path) -> None:
    """SIGKILL a worker process once the first chunk is in: its chunks rerun on the other
    worker (and the nanny's new one); every chunk is taken once and written once."""
    grid = {"fast": [3, 5, 8, 13], "slow": [20, 30, 40, 50, 60, 70]}  # 24 combinations, 12 chunks
    pids = client.run(os.getpid)
    killed: list[int] = []

    def kill_one(done: int, total: int) -> None:
        if not killed:
            pid = next(iter(pids.values()))
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)
    out = tmp_path / "killed"
    table = backtest.sweep(_slow_signal, bars, **grid, client=client, chunk_size=2, out=out, progress=kill_one)
    assert killed
    _assert_same(backtest.sweep(_slow_signal, bars, **grid, workers=2), table)
    assert sorted(p.name for p in out.glob("chunk-*.parquet")) == [f"chunk-{i:06d}.parquet" for i in range(12)]
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker


def test_cancel_stops_the_work_on_the_workers(client: Any, bars: pd.DataFrame, tmp_path: Path) -> None:
    """Cancel when the first (instant) chunk is in, while another worker runs a chunk of 20
    runs of 50 ms: CancelledError here, and that chunk stops at its next combination (the
    sweep's Event reaches its token) instead of running its 20 runs to the end."""
    token = threadx.CancelToken()
    calls = tmp_path / "calls"

    def counted(data: pd.DataFrame, fast: int, slow: int) -> tuple[pd.Series, pd.Series]:
        if fast >= 7:  # chunk 0 (fast 2..6) is instant, the others take 1 s each
            with open(calls, "ab") as f:
                f.write(b".")
            time.sleep(0.05)
        return _signal(data, fast, slow)

    grid = {"fast": list(range(2, 22)), "slow": [30, 40, 50, 60]}  # 80 combinations, 4 chunks of 20
    with pytest.raises(CancelledError):
        backtest.sweep(counted, bars, **grid, client=client, chunk_size=20, cancel=token,
                       progress=lambda done, total: token.cancel())
    deadline = time.monotonic() + 5
    while any(client.processing().values()):
        assert time.monotonic() < deadline, client.processing()
        time.sleep(0.02)
    time.sleep(1.2)  # what a chunk left running would still do
    n = calls.stat().st_size if calls.exists() else 0
    assert n <= 12, f"{n} runs after the cancel: the workers' chunks did not stop"


def test_bad_clients_are_refused_before_any_work(client: Any, bars: pd.DataFrame) -> None:
    with pytest.raises(ValidationError) as info:
        backtest.sweep("sma_cross", bars, **GRID, client="tcp://127.0.0.1:8786")
    assert info.value.fields == ["client"]
    closed = distributed.Client(client.scheduler.address)
    closed.close()
    with pytest.raises(ValidationError, match="is not running") as info:
        backtest.sweep("sma_cross", bars, **GRID, client=closed)
    assert info.value.fields == ["client"]
    with pytest.raises(ValidationError) as info:
        backtest.sweep("sma_cross", bars, fast=[], slow=[20], client=closed, keep="equity")
    assert {"client", "keep", "fast"} <= set(info.value.fields)


def test_walk_forward_on_the_cluster_and_resumed_from_its_folds(client: Any, bars: pd.DataFrame,
                                                                tmp_path: Path) -> None:
    from threadx import research

    splits = research.WalkForward(train=300, test=100)
    local = research.walk_forward("sma_cross", bars, splits, **GRID)
    remote = research.walk_forward("sma_cross", bars, splits, **GRID, client=client, out=tmp_path / "wf")
    pd.testing.assert_frame_equal(local.folds, remote.folds, check_exact=True)
    pd.testing.assert_series_equal(local.equity, remote.equity, check_exact=True)
    assert sorted(p.name for p in (tmp_path / "wf").iterdir()) == [f"fold-{k:03d}" for k in range(len(local.folds))]
    resumed = research.walk_forward("sma_cross", bars, splits, **GRID, out=tmp_path / "wf", resume=True)
    pd.testing.assert_frame_equal(local.folds, resumed.folds, check_exact=True)


def test_the_coordinators_sweep_requests_run_on_the_cluster(client: Any, bars: pd.DataFrame, tmp_path: Path) -> None:
    """A ``SweepRequest(client=...)`` run by the coordinator is the cluster's (and the local) table;
    with ``out``/``partitions`` (which travel through ``to_dict``) too."""
    from coordinator_support import run_async

    out = str(tmp_path / "req")
    req = threadx.SweepRequest(strategy="sma_cross", data=bars, grid=dict(GRID), client=client, out=out,
                               partitions=4, chunk_size=30)
    plain = threadx.SweepRequest.from_dict(threadx.SweepRequest(strategy="sma_cross", data=bars, grid=dict(GRID),
                                                               out=out, resume=True, partitions=4).to_dict())
    assert plain.out == out and plain.partitions == 4 and plain.resume is True

    async def main() -> tuple[Any, Any]:
        async with threadx.Coordinator(max_workers=1) as co:
            first = await (await co.submit(req))
            second = await (await co.submit(plain))  # resumed from the files alone
            return first, second
    first, second = run_async(main())
    local = backtest.sweep("sma_cross", bars, **GRID, partitions=4)
    _assert_same(local, first)
    _assert_same(local, second)
    assert len(list((tmp_path / "req").glob("chunk-*.parquet"))) == 4


def test_the_cli_runs_a_sweep_on_a_scheduler_address(client: Any, capsys: pytest.CaptureFixture[str]) -> None:
    from threadx.cli import main

    grid = ["fast=5,10,20", "slow=30,60"]
    assert main(["sweep", "sma_cross", *grid]) == 0
    local = capsys.readouterr().out.splitlines()[1:]
    assert main(["sweep", "sma_cross", *grid, "--client", client.scheduler.address]) == 0
    assert capsys.readouterr().out.splitlines()[1:] == local
