"""issue 14 §4: a sweep streamed to Parquet (``out=``) in chunks, each written atomically, and
resumed (``resume=True``) after a kill: only the missing chunks run and the table is the
uninterrupted run's, row for row."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

import threadx
from threadx import backtest
from threadx.backtest import _sweep
from threadx.errors import DataError, ValidationError

GRID = {"fast": range(2, 30, 3), "slow": range(10, 80, 7)}  # 100 combinations


@pytest.fixture(scope="module")
def bars() -> pd.DataFrame:
    return threadx.data.sample().iloc[:800]


def _chunks(path: Path) -> list[str]:
    return sorted(p.name for p in path.glob("chunk-*.parquet"))


def _assert_same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    if "partition_sums" in a.attrs:
        pa, pb = a.attrs["partition_sums"], b.attrs["partition_sums"]
        assert pa.trials.equals(pb.trials) and pa.n_rows == pb.n_rows
        for name in ("count", "sum", "sumsq"):
            np.testing.assert_array_equal(getattr(pa, name), getattr(pb, name))


@pytest.mark.parametrize("options", [
    {},
    {"partitions": 8},
    {"top_k": 7, "metric": "return", "fees": 0.001},
    {"constraint": lambda p: p.fast < p.slow, "short": True},
])
def test_out_is_the_local_table_and_one_file_per_chunk(bars: pd.DataFrame, tmp_path: Path,
                                                        options: dict[str, Any]) -> None:
    local = backtest.sweep("sma_cross", bars, **GRID, **options)
    streamed = backtest.sweep("sma_cross", bars, **GRID, **options, out=tmp_path / "s", chunk_size=16)
    _assert_same(local, streamed)
    n = 100 if "constraint" not in options else int(sum(f < s for f in GRID["fast"] for s in GRID["slow"]))
    assert _chunks(tmp_path / "s") == [f"chunk-{i:06d}.parquet" for i in range(-(-n // 16))]
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["n_combos"] == n and manifest["chunk_size"] == 16
    assert not list((tmp_path / "s").glob(".*"))  # no temporary file left


def test_out_for_several_symbols(bars: pd.DataFrame, tmp_path: Path) -> None:
    data = {"A": bars, "B": bars.iloc[100:600]}
    _assert_same(backtest.sweep("sma_cross", data, **GRID, top_k=30),
                 backtest.sweep("sma_cross", data, **GRID, top_k=30, out=tmp_path / "m", chunk_size=40))


def _counting_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    calls: list[tuple[int, int]] = []
    original = _sweep.BuiltinSource.run

    def run(self: Any, start: int, stop: int, token: Any) -> Any:
        calls.append((start, stop))
        return original(self, start, stop, token)
    monkeypatch.setattr(_sweep.BuiltinSource, "run", run)
    return calls


def test_resume_runs_only_the_missing_chunks(bars: pd.DataFrame, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "r"
    full = backtest.sweep("sma_cross", bars, **GRID, partitions=4, out=out, chunk_size=16)
    kept = {p: p.stat().st_mtime_ns for p in out.glob("chunk-*.parquet")}
    for name in ("chunk-000002.parquet", "chunk-000005.parquet"):
        (out / name).unlink()
        kept.pop(out / name)
    (out / ".chunk-000005.parquet.deadbeef.tmp").write_bytes(b"half a chunk")  # a killed write
    calls = _counting_runs(monkeypatch)
    seen: list[tuple[int, int]] = []
    again = backtest.sweep("sma_cross", bars, **GRID, partitions=4, out=out, resume=True,
                           progress=lambda d, t: seen.append((d, t)))
    assert calls == [(32, 48), (80, 96)]
    assert seen[0] == (68, 100) and seen[-1] == (100, 100)  # the stored chunks count as done
    assert {p: p.stat().st_mtime_ns for p in kept} == kept  # the stored chunks are read, not rewritten
    assert not list(out.glob(".*.tmp"))
    _assert_same(full, again)
    calls.clear()
    _assert_same(full, backtest.sweep("sma_cross", bars, **GRID, partitions=4, out=out, resume=True))
    assert calls == []  # a finished sweep resumes from its files alone


_KILLED = """
import sys, time
import threadx
from threadx import backtest

def slow_signal(data, fast, slow):
    time.sleep(0.03)
    f, s = data["close"].rolling(fast).mean(), data["close"].rolling(slow).mean()
    return f > s, f < s

if __name__ == "__main__":
    bars = threadx.data.sample().iloc[:500]
    backtest.sweep(slow_signal, bars, fast=[3, 5, 8, 13, 21], slow=[20, 30, 40, 50, 60, 70, 80, 90],
                   workers=1, out=sys.argv[1], chunk_size=2, resume=True)
"""


def test_a_killed_sweep_resumes_to_the_uninterrupted_table(tmp_path: Path) -> None:
    """Kill -9 a process mid-sweep (a signal function on a worker pool), resume it here: only the
    missing chunks run and the table equals an uninterrupted run's."""
    script = tmp_path / "killed_sweep.py"
    script.write_text(textwrap.dedent(_KILLED))
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, str(script), str(out)], start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while len(_chunks(out)) < 4 if out.exists() else True:
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, "the sweep wrote no chunks"
            time.sleep(0.02)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the process and its pool workers
        proc.wait()
        if proc.stderr:
            proc.stderr.close()
    written = _chunks(out)
    assert 4 <= len(written) < 20, written  # killed mid-sweep (20 chunks in all)
    sys.path.insert(0, str(tmp_path))
    try:
        import killed_sweep  # the same function, so the same sweep's fingerprint

        bars = threadx.data.sample().iloc[:500]
        grid = {"fast": [3, 5, 8, 13, 21], "slow": [20, 30, 40, 50, 60, 70, 80, 90]}
        progress: list[int] = []
        resumed = backtest.sweep(killed_sweep.slow_signal, bars, **grid, workers=2, out=out, resume=True,
                                 progress=lambda d, t: progress.append(d))
        uninterrupted = backtest.sweep(killed_sweep.slow_signal, bars, **grid, workers=2)
    finally:
        sys.path.remove(str(tmp_path))
        sys.modules.pop("killed_sweep", None)
    assert progress[0] >= 2 * len(written)  # the killed run's chunks were not run again
    assert len(_chunks(out)) == 20 and not list(out.glob(".*.tmp"))
    _assert_same(uninterrupted, resumed)


def test_bad_stores_and_options(bars: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "b"
    backtest.sweep("sma_cross", bars, **GRID, out=out, chunk_size=25)
    cases: list[tuple[dict[str, Any], str]] = [
        ({"out": out}, "out"),  # holds a sweep: resume=True or another directory
        ({"out": out, "resume": True, "fees": 0.01}, "resume"),  # another sweep's directory
        ({"out": out, "resume": True, "chunk_size": 10}, "chunk_size"),
        ({"resume": True}, "resume"),  # without out=
        ({"out": out / "manifest.json"}, "out"),  # a file
        ({"out": 3}, "out"),
        ({"out": tmp_path / "k", "keep": "equity"}, "keep"),
        ({"out": tmp_path / "k", "chunk_size": 0}, "chunk_size"),
        ({"out": tmp_path / "k", "resume": "yes"}, "resume"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as info:
            backtest.sweep("sma_cross", bars, **GRID, **kwargs)
        assert field in info.value.fields, (kwargs, info.value)
    assert not (tmp_path / "k").exists()  # refused before any work
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("a user's file")
    with pytest.raises(ValidationError, match="other files and no sweep manifest") as info:
        backtest.sweep("sma_cross", bars, **GRID, out=tmp_path / "mine")
    assert info.value.fields == ["out"] and sorted(p.name for p in (tmp_path / "mine").iterdir()) == ["notes.txt"]


def test_a_corrupted_chunk_or_manifest_is_a_data_error(bars: pd.DataFrame, tmp_path: Path) -> None:
    out = tmp_path / "c"
    backtest.sweep("sma_cross", bars, **GRID, out=out, chunk_size=25)
    (out / "chunk-000001.parquet").write_bytes(b"PAR1 garbage")
    with pytest.raises(DataError, match=r"chunk-000001\.parquet is not chunk 1 of this sweep"):
        backtest.sweep("sma_cross", bars, **GRID, out=out, resume=True)
    other = tmp_path / "other"
    backtest.sweep("sma_cross", bars, **GRID, out=other, chunk_size=50)
    os.replace(other / "chunk-000001.parquet", out / "chunk-000001.parquet")  # rows 50..99, not 25..49
    with pytest.raises(DataError, match="its rows are not combinations 25..49"):
        backtest.sweep("sma_cross", bars, **GRID, out=out, resume=True)
    (out / "manifest.json").write_text("{not json")
    with pytest.raises(DataError, match="manifest.json is not a ThreadX sweep manifest"):
        backtest.sweep("sma_cross", bars, **GRID, out=out, resume=True)
