"""The live Parquet sink: what is appended is what is read back, flushes by time and by size,
rotation and compaction, atomic files whenever the writer dies, bounded buffers when writes fail."""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
import textwrap
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("pyarrow")

from coordinator_support import run_async
from threadx.errors import CoordinatorClosedError, DataError, ValidationError
from threadx.live import _sink
from threadx.live._sink import ParquetSink, read
from threadx.live._types import SPREAD_COLUMNS, TICK_COLUMNS

H = 3_600_000_000_000  # one hour in ns
T0 = 1_767_225_600_000_000_000  # 2026-01-01 00:00 UTC


def batch(ts: Any, schema: Mapping[str, str] = SPREAD_COLUMNS, seed: int = 0) -> dict[str, np.ndarray]:
    """A batch of ``schema`` at times ``ts`` (random values, NaN included, strings as object arrays)."""
    rng = np.random.default_rng(seed)
    ts = np.asarray(ts, dtype=np.int64)
    n = len(ts)
    out: dict[str, np.ndarray] = {}
    for name, kind in schema.items():
        if name == "ts_event":
            out[name] = ts.copy()
        elif kind == "int64":
            out[name] = ts + rng.integers(0, 1000, n)
        elif kind == "float64":
            v = rng.standard_normal(n)
            v[rng.random(n) < 0.1] = np.nan
            out[name] = v
        elif kind == "int8":
            out[name] = rng.integers(-1, 2, n).astype(np.int8)
        elif kind == "bool":
            out[name] = rng.random(n) < 0.5
        else:
            out[name] = np.array([f"{name}{k}" for k in rng.integers(0, 5, n)], dtype=object)
    return out


def expected(batches: list[dict[str, np.ndarray]]) -> pd.DataFrame:
    frame = pd.DataFrame({c: np.concatenate([b[c] for b in batches]) for c in batches[0]})
    return frame.sort_values("ts_event", kind="stable", ignore_index=True)


def assert_rows(got: pd.DataFrame, batches: list[dict[str, np.ndarray]]) -> None:
    exp = expected(batches)
    assert list(got.columns) == list(exp.columns)
    assert len(got) == len(exp)
    for c in exp.columns:
        if exp[c].dtype == object:
            assert got[c].tolist() == exp[c].tolist(), c
        else:
            assert got[c].dtype == exp[c].dtype, c
            np.testing.assert_array_equal(got[c].to_numpy(), exp[c].to_numpy(), err_msg=c)


def files(d: Path) -> list[str]:
    return sorted(p.name for p in d.iterdir())


class Killed(BaseException):
    """The writer dying at a chosen point (nothing after it runs, not even ``except Exception``)."""


# --------------------------------------------------------------------------- round trip


@pytest.mark.parametrize(("schema", "prefix"), [(SPREAD_COLUMNS, "spreads"), (TICK_COLUMNS, "ticks")])
def test_what_is_appended_is_read_back_after_close(tmp_path: Path, schema: dict[str, str], prefix: str) -> None:
    rng = np.random.default_rng(1)
    batches = [batch(T0 + np.sort(rng.integers(0, 3 * H, 40)), schema, seed=i) for i in range(6)]
    sink = ParquetSink(tmp_path, schema=schema, prefix=prefix, max_rows=1000)
    for i, b in enumerate(batches):
        assert sink.append(b) == 40
        if i == 2:
            sink.flush()
    sink.close()
    assert_rows(read(tmp_path, prefix), batches)
    s = sink.stats()
    assert (s["rows_appended"], s["rows_written"], s["buffered"], s["write_errors"], s["rows_dropped"]) == \
        (240, 240, 0, 0, 0)
    assert read(tmp_path, "other").empty


def test_the_sink_keeps_no_reference_to_the_callers_arrays(tmp_path: Path) -> None:
    b = batch(T0 + np.arange(5))
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    sink.append(b)
    kept = {c: a.copy() for c, a in b.items()}
    b["spread_bps"][:] = 99.0  # the monitor reuses its buffers
    sink.close()
    assert_rows(read(tmp_path), [kept])


def test_empty_directory_reads_as_the_schemas_columns(tmp_path: Path) -> None:
    frame = read(tmp_path, schema=SPREAD_COLUMNS)
    assert list(frame.columns) == list(SPREAD_COLUMNS) and frame.empty


# --------------------------------------------------------------------------- flushing


def test_run_flushes_every_flush_interval(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS, flush_interval=0.05)
    b = batch(T0 + np.arange(10))

    async def main() -> None:
        runner = asyncio.ensure_future(sink.run())
        sink.append(b)
        for _ in range(400):
            if sink.stats()["rows_written"] == 10:
                break
            await asyncio.sleep(0.01)
        runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)

    run_async(main(), 30)
    assert sink.stats()["flushes"] >= 1 and sink.buffered == 0
    assert_rows(read(tmp_path), [b])  # on disk without flush() or close()


def test_reaching_max_rows_flushes_at_once(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS, max_rows=100, flush_interval=3600)
    first, second = batch(T0 + np.arange(60)), batch(T0 + 60 + np.arange(50), seed=1)
    sink.append(first)
    assert files(tmp_path) == [] and sink.buffered == 60
    sink.append(second)
    assert sink.buffered == 0 and sink.stats()["rows_written"] == 110
    assert_rows(read(tmp_path), [first, second])


# --------------------------------------------------------------------------- rotation


def test_one_file_per_period_then_compacted_when_the_period_is_over(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS, rotate="1h")
    a, b = batch(T0 + np.arange(5)), batch(T0 + 10 + np.arange(5), seed=1)
    sink.append(a)
    sink.flush()
    sink.append(b)
    sink.flush()
    assert files(tmp_path) == ["spreads-20260101T000000-000001.parquet", "spreads-20260101T000000-000002.parquet"]
    # rows of two periods in one flush: one part each; 00:00 is over, its parts become one file
    c = batch(np.array([T0 + 20, T0 + H + 5, T0 + H + 1]), seed=2)
    sink.append(c)
    sink.flush()
    assert files(tmp_path) == ["spreads-20260101T000000.parquet", "spreads-20260101T010000-000004.parquet"]
    held, top = _sink._superseded(tmp_path / "spreads-20260101T000000.parquet")
    assert held == ["spreads-20260101T000000-000001.parquet", "spreads-20260101T000000-000002.parquet",
                    "spreads-20260101T000000-000003.parquet"] and top == 3
    # a late row of a period already compacted: compacted again, with its old rows
    late = batch(np.array([T0 + 30, T0 + 2 * H]), seed=3)
    sink.append(late)
    sink.close()
    assert files(tmp_path) == ["spreads-20260101T000000.parquet", "spreads-20260101T010000.parquet",
                               "spreads-20260101T020000-000006.parquet"]
    assert_rows(read(tmp_path), [a, b, c, late])
    s = sink.stats()
    assert (s["compactions"], s["rows_written"]) == (3, 15)


@pytest.mark.parametrize(("rotate", "names"), [
    ("15min", ["s-20260101T000000.parquet", "s-20260101T001500-000002.parquet"]),  # 00:00 is over
    (pd.Timedelta("1D"), ["s-20260101T000000-000001.parquet"]),
])
def test_rotate_is_a_fixed_offset(tmp_path: Path, rotate: Any, names: list[str]) -> None:
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS, prefix="s", rotate=rotate)
    sink.append(batch(np.array([T0 + 1, T0 + 16 * 60 * 10**9])))
    sink.flush()
    assert files(tmp_path) == names


# --------------------------------------------------------------------------- atomicity


def test_a_leftover_tmp_is_ignored_by_readers_and_removed_at_the_next_start(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    a = batch(T0 + np.arange(5))
    sink.append(a)
    sink.close()
    half = tmp_path / "spreads-20260101T000000-000002.parquet.tmp"
    half.write_bytes(b"PAR1 half a file")
    assert_rows(read(tmp_path), [a])
    ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    assert not half.exists()
    assert_rows(read(tmp_path), [a])


def _kill_at(monkeypatch: pytest.MonkeyPatch, point: str) -> None:
    """Make the sink die at ``point`` of its next writes."""
    commit, remove = _sink._commit, _sink._remove

    def dying_commit(tmp: Path, target: Path) -> None:
        compacted = target.name.count("-") == 1
        if point == "part_before_rename" and not compacted:
            raise Killed
        if point == "compact_before_rename" and compacted:
            raise Killed
        commit(tmp, target)
        if point == "compact_after_rename" and compacted:
            raise Killed

    def dying_remove(paths: list[Path]) -> None:
        if point == "compact_mid_remove" and paths:
            remove(paths[:1])
            raise Killed
        remove(paths)

    monkeypatch.setattr(_sink, "_commit", dying_commit)
    monkeypatch.setattr(_sink, "_remove", dying_remove)


@pytest.mark.parametrize("point", ["part_before_rename", "compact_before_rename", "compact_after_rename",
                                   "compact_mid_remove"])
def test_killed_between_steps_no_row_is_read_twice_or_lost(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           point: str) -> None:
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    a, b, c = batch(T0 + np.arange(5)), batch(T0 + 5 + np.arange(5), seed=1), batch(T0 + H + np.arange(3), seed=2)
    sink.append(a)
    sink.flush()
    sink.append(b)
    sink.flush()
    sink.append(c)  # a later period: its flush writes a part, then compacts 00:00
    _kill_at(monkeypatch, point)
    with pytest.raises(Killed):
        sink.flush()
    monkeypatch.undo()
    committed = [a, b] if point == "part_before_rename" else [a, b, c]
    assert_rows(read(tmp_path), committed)  # never a row twice, never one lost
    again = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)  # the next start cleans up
    assert not any(n.endswith(".tmp") for n in files(tmp_path))
    assert_rows(read(tmp_path), committed)
    d = batch(T0 + 2 * H + np.arange(2), seed=3)
    again.append(d)
    again.close()
    assert_rows(read(tmp_path), [*committed, d])
    assert [n.count("-") for n in files(tmp_path)][-1] == 2  # the latest period's part...
    assert sum(n.count("-") == 2 for n in files(tmp_path)) == 1  # ...is the only one: the others are compacted


def test_a_real_kill_after_the_compacted_rename(tmp_path: Path) -> None:
    """The process dies (os._exit: no finally, no flush) right after compaction commits."""
    script = textwrap.dedent(f"""
        import os, sys
        sys.path.insert(0, {str(Path(__file__).parent)!r})
        from test_live_sink import batch, H, T0
        import numpy as np
        from threadx.live import _sink
        from threadx.live._types import SPREAD_COLUMNS
        sink = _sink.ParquetSink({str(tmp_path)!r}, schema=SPREAD_COLUMNS)
        for k in range(3):
            sink.append(batch(T0 + 10 * k + np.arange(4), seed=k))
            sink.flush()
        commit = _sink._commit
        def dying(tmp, target):
            commit(tmp, target)
            if target.name.count("-") == 1:
                os._exit(9)
        _sink._commit = dying
        sink.append(batch(T0 + H + np.arange(2), seed=3))
        sink.flush()
        sys.exit(0)
    """)
    proc = subprocess.run([sys.executable, "-c", script], check=False, capture_output=True, timeout=120)
    assert proc.returncode == 9, proc.stderr.decode()[-2000:]
    assert "spreads-20260101T000000-000001.parquet" in files(tmp_path)  # the parts are still there...
    written = [batch(T0 + 10 * k + np.arange(4), seed=k) for k in range(3)] + [batch(T0 + H + np.arange(2), seed=3)]
    assert_rows(read(tmp_path), written)  # ...and skipped: each row once
    ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    assert files(tmp_path) == ["spreads-20260101T000000.parquet", "spreads-20260101T010000-000004.parquet"]


def test_part_names_are_never_reused_after_restarts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The highest seq can live only in a compacted file's metadata (a late row's part, folded
    in): a restart must still not reuse it, or the new part would pass for a superseded one."""
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    rows = [batch(np.array([T0]), seed=0), batch(np.array([T0 + H]), seed=1), batch(np.array([T0 + 1]), seed=2)]
    for b in rows:
        sink.append(b)
        sink.flush()
    sink.close()
    assert files(tmp_path) == ["spreads-20260101T000000.parquet", "spreads-20260101T010000-000002.parquet"]
    again = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    late = batch(np.array([T0 + 2]), seed=3)
    again.append(late)
    _kill_at(monkeypatch, "compact_before_rename")
    with pytest.raises(Killed):
        again.flush()
    monkeypatch.undo()
    assert "spreads-20260101T000000-000004.parquet" in files(tmp_path)
    assert_rows(read(tmp_path), [*rows, late])
    ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    assert_rows(read(tmp_path), [*rows, late])


# --------------------------------------------------------------------------- failing writes


@pytest.mark.parametrize("overflow", ["drop_oldest", "drop_newest"])
def test_a_failing_directory_is_counted_and_the_rows_kept_up_to_max_rows(tmp_path: Path, overflow: str,
                                                                         caplog: pytest.LogCaptureFixture) -> None:
    d = tmp_path / "out"
    sink = ParquetSink(d, schema=SPREAD_COLUMNS, max_rows=10, overflow=overflow)
    shutil.rmtree(d)
    d.write_text("not a directory")  # every write now fails (as root too, unlike a read-only mode)
    first = batch(T0 + np.arange(6))
    sink.append(first)
    assert sink.flush() == 0
    s = sink.stats()
    assert (s["write_errors"], s["buffered"], s["rows_written"]) == (1, 6, 0)
    assert "NotADirectoryError" in s["last_error"]
    second = batch(T0 + 6 + np.arange(7), seed=1)
    sink.append(second)  # 13 rows > max_rows: the policy drops 3, and says so
    s = sink.stats()
    assert (s["buffered"], s["rows_dropped"]) == (10, 3)
    assert any("rows dropped" in r.getMessage() for r in caplog.records)
    d.unlink()
    d.mkdir()
    sink.close()
    rows = expected([first, second])
    kept = rows.iloc[3:] if overflow == "drop_oldest" else rows.iloc[:10]
    got = read(d)
    assert got["ts_event"].tolist() == kept["ts_event"].tolist()
    np.testing.assert_array_equal(got["spread_bps"].to_numpy(), kept["spread_bps"].to_numpy())
    s = sink.stats()
    assert s["rows_appended"] == s["rows_written"] + s["rows_dropped"] == 13


def test_append_after_close_is_refused(tmp_path: Path) -> None:
    sink = ParquetSink(tmp_path, schema=TICK_COLUMNS, prefix="ticks")
    sink.close()
    with pytest.raises(CoordinatorClosedError):
        sink.append(batch(T0 + np.arange(2), TICK_COLUMNS))


# --------------------------------------------------------------------------- validation


def _bad(change: str) -> Any:
    b: dict[str, Any] = batch(T0 + np.arange(4))
    if change == "missing":
        del b["q_lo"]
    elif change == "unknown":
        b["extra"] = np.zeros(4)
    elif change == "dtype":
        b["signal"] = b["signal"].astype(np.int64)
    elif change == "length":
        b["nobs"] = b["nobs"][:3]
    elif change == "str":
        b["symbol"] = np.array(["a", 1, "b", "c"], dtype=object)
    elif change == "2d":
        b["spread_bps"] = np.zeros((4, 1))
    elif change == "list":
        b["ts_recv"] = [1, 2, 3, 4]
    elif change == "not_mapping":
        return [1, 2]
    elif change == "nat":
        b["ts_event"][2] = np.iinfo(np.int64).min
    return b


@pytest.mark.parametrize(("change", "fields"), [
    ("missing", ["q_lo"]), ("unknown", ["extra"]), ("dtype", ["signal"]), ("length", ["columns"]),
    ("str", ["symbol"]), ("2d", ["spread_bps"]), ("list", ["ts_recv"]), ("not_mapping", ["columns"]),
    ("nat", ["ts_event"]),
])
def test_a_bad_batch_names_its_column_and_buffers_nothing(tmp_path: Path, change: str, fields: list[str]) -> None:
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    with pytest.raises(ValidationError) as err:
        sink.append(_bad(change))
    assert err.value.fields == fields
    assert sink.buffered == 0 and sink.stats()["rows_appended"] == 0


def test_numpy_str_arrays_are_taken(tmp_path: Path) -> None:
    b = batch(T0 + np.arange(3))
    b["symbol"] = b["symbol"].astype(str)
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    sink.append(b)
    sink.close()
    assert read(tmp_path)["symbol"].tolist() == b["symbol"].tolist()


@pytest.mark.parametrize(("kwargs", "fields"), [
    ({"rotate": "1M"}, ["rotate"]), ({"rotate": 5}, ["rotate"]), ({"rotate": "soon"}, ["rotate"]),
    ({"rotate": "-1h"}, ["rotate"]), ({"flush_interval": 0}, ["flush_interval"]), ({"max_rows": 0}, ["max_rows"]),
    ({"overflow": "grow"}, ["overflow"]), ({"prefix": "a/b"}, ["prefix"]), ({"schema": {"x": "complex"}}, ["schema"]),
    ({"max_rows": 1.5, "flush_interval": "5"}, ["flush_interval", "max_rows"]), ({"rotation": "1h"}, ["rotation"]),
])
def test_bad_settings_name_every_field(tmp_path: Path, kwargs: dict[str, Any], fields: list[str]) -> None:
    with pytest.raises(ValidationError) as err:
        ParquetSink(tmp_path, **{"schema": SPREAD_COLUMNS, **kwargs})
    assert err.value.fields == fields


def test_a_directory_that_cannot_be_made_is_a_validation_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(ValidationError) as err:
        ParquetSink(tmp_path / "file" / "sub", schema=SPREAD_COLUMNS)
    assert err.value.fields == ["directory"]


def test_no_parquet_file_is_ever_half_written(tmp_path: Path) -> None:
    """Every name ending in .parquet is a complete file at any moment: written as .tmp first."""
    seen: list[str] = []
    orig = _sink._commit

    def spy(tmp: Path, target: Path) -> None:
        seen.append(tmp.name)
        assert not target.exists() or target.name.count("-") == 1  # a part is never overwritten
        orig(tmp, target)

    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    try:
        _sink._commit = spy
        for k in range(3):
            sink.append(batch(T0 + k * H + np.arange(3), seed=k))
            sink.flush()
    finally:
        _sink._commit = orig
    assert seen and all(n.endswith(".parquet.tmp") for n in seen)
    assert not [n for n in os.listdir(tmp_path) if n.endswith(".tmp")]


@pytest.mark.parametrize("name", ["spreads-20260101T000000.parquet", "spreads-20260101T000000-000001.parquet"])
def test_a_corrupt_file_is_a_data_error_naming_it(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_bytes(b"not parquet")
    with pytest.raises(DataError, match=name):
        read(tmp_path)
    if name.count("-") == 1:  # a compacted file is read at start (the parts it holds)
        with pytest.raises(DataError, match=name):
            ParquetSink(tmp_path, schema=SPREAD_COLUMNS)


def test_a_missing_directory_is_a_data_error(tmp_path: Path) -> None:
    with pytest.raises(DataError):
        read(tmp_path / "nothing")


def test_a_reader_during_writes_and_compactions_sees_each_committed_row_once(tmp_path: Path) -> None:
    """Rows are appended in time order and flushed one by one (a compaction every 3 flushes):
    every read, at any moment, is exactly the first k rows, for some k that never decreases."""
    n = 60
    ts = T0 + np.arange(n) * (H // 3)
    sink = ParquetSink(tmp_path, schema=SPREAD_COLUMNS)
    done = threading.Event()

    def write() -> None:
        try:
            for i in range(n):
                sink.append(batch(ts[i:i + 1], seed=i))
                sink.flush()
        finally:
            done.set()

    writer = threading.Thread(target=write)
    writer.start()
    seen, reads = 0, 0
    try:
        while not done.is_set():
            got = read(tmp_path, schema=SPREAD_COLUMNS)["ts_event"].to_numpy()
            k = len(got)
            np.testing.assert_array_equal(got, ts[:k])  # no row twice, none missing
            assert k >= seen
            seen, reads = k, reads + 1
    finally:
        writer.join(60)
    np.testing.assert_array_equal(read(tmp_path)["ts_event"].to_numpy(), ts)
    assert sink.stats()["compactions"] >= 19 and reads >= 1
