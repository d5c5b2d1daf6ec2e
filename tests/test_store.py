"""issue 15 §3: results that last -- ``save``/``load`` of run, from_orders/Strategy, rebalance,
sweep tables and walk-forward results, a sweep's ``out=`` folder, atomic writes, bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import threadx
from threadx import backtest, research
from threadx.backtest import _store
from threadx.errors import DataError, MissingDependencyError, ThreadXError, ValidationError

N = 160


def _bars(n: int = N, tz: str | None = "UTC", freq: str = "D") -> pd.DataFrame:
    rng = np.random.default_rng(3)
    close = 100.0 * np.exp(np.cumsum(rng.normal(0.0, 0.02, n)))
    open_ = close * np.exp(rng.normal(0.0, 0.005, n))
    high, low = np.maximum(open_, close) * 1.004, np.minimum(open_, close) * 0.996
    idx = pd.date_range("2021-01-01", periods=n, freq=freq, tz=tz, name="time")
    return pd.DataFrame({"open": open_, "high": high, "low": low, "close": close,
                         "volume": rng.integers(1, 1000, n).astype(np.float64)}, index=idx)


def _signals(n: int = N, k: int = 0) -> tuple[np.ndarray, np.ndarray]:
    entries, exits = np.zeros(n, dtype=bool), np.zeros(n, dtype=bool)
    entries[5 + k::20], exits[15 + k::20] = True, True
    return entries, exits


class Cross(backtest.Strategy):
    fast = 5
    slow = 20

    def init(self) -> None:
        close = pd.Series(self.data.Close)
        self.a = self.I(lambda: close.rolling(self.fast).mean().to_numpy())
        self.b = self.I(lambda: close.rolling(self.slow).mean().to_numpy())

    def next(self) -> None:
        if backtest.crossover(self.a, self.b):
            self.position.close()
            self.buy(sl=self.data.Close[-1] * 0.95)
        elif backtest.crossover(self.b, self.a):
            self.position.close()


def _run_1d() -> Any:
    e, x = _signals()
    return backtest.run(_bars(), entries=e, exits=x, fees=0.001, sl_stop=0.05)


def _run_2d() -> Any:
    cols = {}
    for k, label in enumerate(["slow", "fast", "mid"]):
        cols[label] = _signals(k=k)
    entries = pd.DataFrame({k: v[0] for k, v in cols.items()}, index=_bars().index)
    exits = pd.DataFrame({k: v[1] for k, v in cols.items()}, index=_bars().index)
    return backtest.run(_bars(), entries=entries, exits=exits, short_entries=exits, short_exits=entries)


def _run_positions() -> Any:  # a RangeIndex (a tuple of arrays), 2-D numpy signals: integer labels
    b = _bars()
    e, x = _signals()
    return backtest.run(tuple(b[c].to_numpy() for c in ("open", "high", "low", "close")),
                        entries=np.column_stack([e, x]), exits=np.column_stack([x, e]), periods_per_year=252)


def _from_orders() -> Any:
    b = _bars()
    size = np.where(np.arange(N) % 17 == 0, 3.0, np.where(np.arange(N) % 17 == 8, -3.0, np.nan))
    return backtest.from_orders({"AAA": b, "BBB": b * 1.01}, size, fees=0.001, cash_sharing=True)


def _strategy() -> Any:
    return backtest.run(_bars(), strategy=Cross, fees=0.001)


def _portfolio() -> Any:
    b = _bars()
    return backtest.rebalance({"AAA": b, "BBB": b * 1.02, "CCC": b * 0.97}, "inverse_vol", window=20, every=10,
                              fees=0.001)


def _no_trades() -> Any:  # empty records (categorical columns without a row)
    return backtest.run(_bars(), entries=np.zeros(N, dtype=bool), exits=np.zeros(N, dtype=bool))


def _walk_forward() -> Any:
    return research.walk_forward("sma_cross", _bars(), research.WalkForward(train=60, test=30), fast=[3, 5],
                                 slow=[10, 20])


RESULTS = {"run": _run_1d, "run_2d": _run_2d, "no_trades": _no_trades, "run_positions": _run_positions, "from_orders": _from_orders,
           "strategy": _strategy, "rebalance": _portfolio, "walk_forward": _walk_forward}


def _same(a: Any, b: Any) -> None:
    """Every table, series and stat of ``a`` equals ``b``'s exactly (dtypes and categoricals too)."""
    assert type(a) is type(b)
    for name in ("equity", "cash", "position", "positions", "margin", "weights", "orders", "trades", "charges",
                 "stats", "folds"):
        if not hasattr(a, name):
            continue
        x, y = getattr(a, name), getattr(b, name)
        if isinstance(x, pd.DataFrame):
            pd.testing.assert_frame_equal(x, y, check_exact=True)
        else:
            pd.testing.assert_series_equal(x, y, check_exact=True)
    if hasattr(a, "returns"):
        for freq in ("D", None) if isinstance(a.equity.index, pd.DatetimeIndex) else (None,):
            x, y = a.returns(freq), b.returns(freq)
            if isinstance(x, pd.DataFrame):
                pd.testing.assert_frame_equal(x, y, check_exact=True)
            else:
                pd.testing.assert_series_equal(x, y, check_exact=True)
    if hasattr(a, "provenance"):
        assert a.provenance == b.provenance
    assert repr(a) == repr(b)


@pytest.mark.parametrize("make", RESULTS.values(), ids=list(RESULTS))
def test_a_loaded_result_equals_the_saved_one(make: Any, tmp_path: Path) -> None:
    res = make()
    assert res.save(tmp_path / "r") == tmp_path / "r"
    back = backtest.load(tmp_path / "r")
    _same(res, back)
    assert back is not res
    manifest = json.loads((tmp_path / "r" / "manifest.json").read_text())
    assert manifest["format"] == _store.FORMAT and manifest["threadx_result"] in _store.KINDS
    assert {p.name for p in (tmp_path / "r").iterdir()} == {*manifest["files"], "manifest.json"}
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary folder left


def test_a_loaded_run_needs_no_data_and_keeps_its_provenance(tmp_path: Path) -> None:
    res = _run_1d()
    res.save(tmp_path / "r")
    back = backtest.load(tmp_path / "r")
    assert back.provenance["data_sha256"] == back._prep.bars.fingerprint() == res.provenance["data_sha256"]
    assert back.provenance["start"] == _bars().index[0] and back.provenance["params"]["fees"] == 0.001
    assert back.trades["exit_reason"].dtype == res.trades["exit_reason"].dtype  # categoricals
    assert len(back.trades) > 0 and back.equity.index.freq == _bars().index.freq


@pytest.mark.parametrize("make", [_run_1d, _run_2d, _from_orders, _portfolio], ids=["run", "run_2d", "orders",
                                                                                   "rebalance"])
def test_a_loaded_result_plots_the_same(make: Any, tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    res = make()
    backtest.save(res, tmp_path / "r")
    back = backtest.load(tmp_path / "r")
    pos = getattr(res, "position", res.equity)
    sim = pos.columns[0] if isinstance(pos, pd.DataFrame) else None
    figs = [r.plot(sim=sim) for r in (res, back)]
    try:
        for ax_a, ax_b in zip(figs[0].axes, figs[1].axes, strict=True):
            lines = [(line.get_xdata(), line.get_ydata()) for line in ax_a.get_lines()]
            assert len(lines) == len(ax_b.get_lines()) > 0 or not lines
            for (xa, ya), line in zip(lines, ax_b.get_lines(), strict=True):
                np.testing.assert_array_equal(np.asarray(ya, dtype=float), np.asarray(line.get_ydata(), dtype=float))
    finally:
        for f in figs:
            plt.close(f)


# ---- sweep tables and out= folders --------------------------------------------------------

GRID = {"fast": [3, 5, 8], "slow": [12, 20, 30]}


@pytest.mark.parametrize("options", [{}, {"partitions": 4, "top_k": 4, "metric": "return"}])
def test_a_sweep_table_round_trips_with_its_partition_sums(options: dict[str, Any], tmp_path: Path) -> None:
    table = backtest.sweep("sma_cross", {"A": _bars(), "B": _bars() * 1.01} if not options else _bars(),
                           **GRID, **options)
    backtest.save(table, tmp_path / "t")
    back = backtest.load(tmp_path / "t")
    _same_table(table, back)
    assert ("partition_sums" in back.attrs) == bool(options)


def _same_table(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)
    assert set(a.attrs) == set(b.attrs)
    if "partition_sums" in a.attrs:
        pa, pb = a.attrs["partition_sums"], b.attrs["partition_sums"]
        pd.testing.assert_index_equal(pa.trials, pb.trials, exact=True)
        assert pa.n_rows == pb.n_rows
        for name in ("count", "sum", "sumsq"):
            np.testing.assert_array_equal(getattr(pa, name), getattr(pb, name))


def _signal_fn(data: pd.DataFrame, fast: int = 3, slow: int = 10) -> dict[str, Any]:
    c = data["close"]
    up = c.rolling(fast).mean() > c.rolling(slow).mean()
    return {"entries": up.to_numpy(), "exits": (~up).to_numpy()}


@pytest.mark.parametrize(("strategy", "options"), [
    ("sma_cross", {"top_k": 5, "metric": "return", "chunk_size": 2}),
    ("sma_cross", {"partitions": 4, "chunk_size": 4, "constraint": lambda p: p.fast * 3 < p.slow * 2}),
    ("sma_cross", {"data": "dict", "chunk_size": 3, "metric": "sortino"}),
    ("sma_cross", {"data": "int_keys", "chunk_size": 5}),
    (_signal_fn, {"partitions": 4, "top_k": 3, "chunk_size": 4, "workers": 1}),
])
def test_a_finished_out_folder_loads_as_the_table_sweep_returned(strategy: Any, options: dict[str, Any],
                                                                 tmp_path: Path) -> None:
    options = dict(options)
    given = options.pop("data", None)
    keys = [7, 3] if given == "int_keys" else ["A", "B"]
    data = {keys[0]: _bars(), keys[1]: _bars() * 1.01} if given else _bars()
    table = backtest.sweep(strategy, data, **GRID, **options, out=tmp_path / "s")
    back = backtest.load(tmp_path / "s")
    _same_table(table, back)
    assert len(back) == (options.get("top_k") or len(back))
    manifest = json.loads((tmp_path / "s" / "manifest.json").read_text())
    assert manifest["format"] == 2 and manifest["kind"] == "sweep"


def test_an_unfinished_out_folder_names_its_missing_chunks(tmp_path: Path) -> None:
    backtest.sweep("sma_cross", _bars(), **GRID, out=tmp_path / "s", chunk_size=2)
    (tmp_path / "s" / "chunk-000001.parquet").unlink()
    (tmp_path / "s" / "chunk-000003.parquet").unlink()
    with pytest.raises(DataError, match=r"unfinished, 2 of 5 chunks missing \(chunk-000001.parquet, "
                                        r"chunk-000003.parquet\).*resume=True"):
        backtest.load(tmp_path / "s")


def test_resume_rewrites_the_table_for_its_metric_and_top_k(tmp_path: Path) -> None:
    backtest.sweep("sma_cross", _bars(), **GRID, out=tmp_path / "s", chunk_size=2)
    again = backtest.sweep("sma_cross", _bars(), **GRID, out=tmp_path / "s", resume=True, top_k=2, metric="sqn")
    _same_table(again, backtest.load(tmp_path / "s"))
    assert len(again) == 2


def test_a_format_1_out_folder_resumes_upgraded_and_is_refused_by_load_before(tmp_path: Path) -> None:
    out = tmp_path / "s"
    table = backtest.sweep("sma_cross", _bars(), **GRID, out=out, chunk_size=2)
    manifest = json.loads((out / "manifest.json").read_text())
    old = {k: v for k, v in manifest.items() if k not in ("kind", "table")}
    (out / "manifest.json").write_text(json.dumps({**old, "format": 1}))
    (out / "grid.parquet").unlink()
    with pytest.raises(DataError, match=r"manifest.json: a format 1 sweep folder.*resume=True"):
        backtest.load(out)
    (out / "chunk-000002.parquet").unlink()
    again = backtest.sweep("sma_cross", _bars(), **GRID, out=out, resume=True)
    _same_table(table, again)
    _same_table(table, backtest.load(out))
    assert json.loads((out / "manifest.json").read_text())["format"] == 2


def test_a_manifest_of_an_unknown_format_is_refused_on_resume_and_load(tmp_path: Path) -> None:
    out = tmp_path / "s"
    backtest.sweep("sma_cross", _bars(), **GRID, out=out)
    manifest = json.loads((out / "manifest.json").read_text())
    (out / "manifest.json").write_text(json.dumps({**manifest, "format": 99}))
    with pytest.raises(DataError, match="manifest.json"):
        backtest.load(out)
    with pytest.raises(DataError, match="not a ThreadX sweep manifest"):
        backtest.sweep("sma_cross", _bars(), **GRID, out=out, resume=True)


# ---- atomic writes ------------------------------------------------------------------------

def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("after", [0, 1, 3])
def test_a_crash_mid_save_leaves_the_previous_result(after: int, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    old = _run_1d()
    old.save(tmp_path / "r")
    import pyarrow.parquet as pq

    writes = {"n": 0}
    real = pq.write_table

    def failing(*args: Any, **kwargs: Any) -> None:
        if writes["n"] >= after:
            raise OSError(28, "No space left on device")
        writes["n"] += 1
        real(*args, **kwargs)

    monkeypatch.setattr(pq, "write_table", failing)
    with pytest.raises(ValidationError, match="No space left on device") as info:
        _run_2d().save(tmp_path / "r")
    assert info.value.fields == ["path"]
    monkeypatch.undo()
    assert writes["n"] == after
    _same(old, backtest.load(tmp_path / "r"))
    assert _leftovers(tmp_path) == []


def test_a_crash_between_the_renames_leaves_the_old_result_loadable(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    old, new = _run_1d(), _run_2d()
    old.save(tmp_path / "r")
    real = os.rename
    calls = {"n": 0}

    def crash(src: Any, dst: Any) -> None:
        calls["n"] += 1
        if calls["n"] == 2:  # the new folder's rename: the process dies here (no rollback runs)
            raise KeyboardInterrupt
        real(src, dst)

    monkeypatch.setattr(_store.os, "rename", crash)
    monkeypatch.setattr(_store.os, "replace", real)
    with pytest.raises(KeyboardInterrupt):
        _store._commit(_written(new, tmp_path), tmp_path / "r")
    monkeypatch.undo()
    # rolled back: the old result is in place
    _same(old, backtest.load(tmp_path / "r"))
    # a hard crash (no rollback) between the renames: the old result aside, which load reads
    os.rename(tmp_path / "r", tmp_path / ".r.old-0123")
    _same(old, backtest.load(tmp_path / "r"))
    new.save(tmp_path / "r")  # the next save finishes the job: the new result, no aside left
    _same(new, backtest.load(tmp_path / "r"))
    assert _leftovers(tmp_path) == []


def _written(res: Any, parent: Path) -> Path:
    tmp = parent / ".r.tmp-test"
    tmp.mkdir()
    _store._write(tmp, "backtest", res._saved_state())
    return tmp


def test_replacing_a_result_of_another_kind_works(tmp_path: Path) -> None:
    _portfolio().save(tmp_path / "r")
    table = backtest.sweep("sma_cross", _bars(), **GRID)
    backtest.save(table, tmp_path / "r")
    _same_table(table, backtest.load(tmp_path / "r"))
    assert _leftovers(tmp_path) == []


# ---- bad input ----------------------------------------------------------------------------

def test_a_path_that_is_not_a_result_is_never_overwritten(tmp_path: Path) -> None:
    res = _run_1d()
    (tmp_path / "file.txt").write_text("mine")
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "a.txt").write_text("mine too")
    for target, why in ((tmp_path / "file.txt", "is not a folder"), (tmp_path / "notes", "is not a saved ThreadX")):
        with pytest.raises(ValidationError, match=why) as info:
            res.save(target)
        assert info.value.fields == ["path"] and str(target) in str(info.value)
    assert (tmp_path / "file.txt").read_text() == "mine" and (tmp_path / "notes" / "a.txt").read_text() == "mine too"
    backtest.sweep("sma_cross", _bars(), **GRID, out=tmp_path / "s")  # a sweep's folder is not replaced either
    with pytest.raises(ValidationError, match="is not a saved ThreadX result"):
        res.save(tmp_path / "s")
    (tmp_path / "empty").mkdir()
    res.save(tmp_path / "empty")  # an empty folder is fine
    _same(res, backtest.load(tmp_path / "empty"))


def test_a_folder_that_cannot_be_written_is_a_validation_error(tmp_path: Path,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(parent: Path, name: str) -> str:
        raise PermissionError(13, "Permission denied", str(parent))

    monkeypatch.setattr(_store, "_mkdtemp", refused)
    with pytest.raises(ValidationError, match="cannot be written \\(Permission denied\\)") as info:
        _run_1d().save(tmp_path / "ro" / "r")
    assert info.value.fields == ["path"]


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_a_validation_error(tmp_path: Path) -> None:
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        with pytest.raises(ValidationError, match="cannot be written"):
            _run_1d().save(ro / "r")
    finally:
        ro.chmod(0o700)


@pytest.mark.parametrize("damage", ["truncate_parquet", "flip_parquet", "truncate_json", "drop_file",
                                    "manifest_json", "other_kind", "other_format", "no_manifest"])
def test_a_damaged_result_is_a_data_error_naming_the_file(damage: str, tmp_path: Path) -> None:
    r = tmp_path / "r"
    _run_1d().save(r)
    parquet = min(r.glob("*.parquet"))
    manifest = json.loads((r / "manifest.json").read_text())
    expect: str = parquet.name
    if damage == "truncate_parquet":
        parquet.write_bytes(parquet.read_bytes()[:50])
    elif damage == "flip_parquet":
        data = bytearray(parquet.read_bytes())
        data[len(data) // 2] ^= 0xFF
        parquet.write_bytes(bytes(data))
    elif damage == "truncate_json":
        (r / "result.json").write_text((r / "result.json").read_text()[:40])
        expect = "result.json"
    elif damage == "drop_file":
        parquet.unlink()
    elif damage == "manifest_json":
        (r / "manifest.json").write_text('{"threadx_result": "backtest", "form')
        expect = "manifest.json"
    elif damage in ("other_kind", "other_format"):
        manifest.update({"threadx_result": "tear_sheet"} if damage == "other_kind" else {"format": 7})
        (r / "manifest.json").write_text(json.dumps(manifest))
        expect = "manifest.json"
    else:
        (r / "manifest.json").unlink()
        with pytest.raises(ValidationError, match="no manifest.json") as info:
            backtest.load(r)
        assert info.value.fields == ["path"]
        return
    with pytest.raises(DataError, match=expect.replace(".", r"\.")):
        backtest.load(r)


def test_a_damaged_state_that_still_hashes_is_a_data_error(tmp_path: Path) -> None:
    """A result.json rewritten with its checksum (a hand-edited folder): refused, not a crash."""
    r = tmp_path / "r"
    _run_1d().save(r)
    (r / "result.json").write_text(json.dumps({"bars": {"$array": "../../etc/passwd"}}))
    manifest = json.loads((r / "manifest.json").read_text())
    manifest["files"]["result.json"] = _store._sha256(r / "result.json")
    (r / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="result.json: does not describe a backtest result"):
        backtest.load(r)


@pytest.mark.parametrize("obj", [None, 3, "a string", {"equity": [1, 2]}, np.arange(3), pd.Series([1.0])])
def test_saving_what_is_not_a_result_is_a_validation_error(obj: Any, tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as info:
        backtest.save(obj, tmp_path / "r")
    assert info.value.fields == ["result"]
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize("path", [None, 3, "", b"bytes"])
def test_a_bad_path_is_a_validation_error(path: Any) -> None:
    for call in (lambda: backtest.save(_run_1d(), path), lambda: backtest.load(path)):
        with pytest.raises(ValidationError) as info:
            call()
        assert info.value.fields == ["path"]


def test_loading_a_missing_folder_is_a_validation_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="does not exist"):
        backtest.load(tmp_path / "nothing")


def test_a_walk_forward_out_folder_loads_fold_by_fold(tmp_path: Path) -> None:
    out = tmp_path / "wf"
    research.walk_forward("sma_cross", _bars(), research.WalkForward(train=60, test=30), fast=[3, 5], slow=[10, 20],
                          out=out)
    with pytest.raises(ValidationError, match=r"no manifest.json\); its folders fold-000, fold-001, fold-002"):
        backtest.load(out)
    table = backtest.load(out / "fold-000")
    again = backtest.sweep("sma_cross", _bars().iloc[research.WalkForward(train=60, test=30).split(_bars())[0].train],
                           fast=[3, 5], slow=[10, 20], top_k=1)
    _same_table(again, table)


def test_a_table_parquet_cannot_hold_names_the_column(tmp_path: Path) -> None:
    table = pd.DataFrame({"a": [1.0, 2.0], "mixed": [1, "x"]})
    with pytest.raises(ValidationError, match="Parquet cannot store") as info:
        backtest.save(table, tmp_path / "t")
    assert info.value.fields == ["result.table"]
    table.attrs["fn"] = print
    with pytest.raises(ValidationError, match="has no lossless encoding") as info:
        backtest.save(table[["a"]], tmp_path / "t")
    assert info.value.fields == ["result.attrs.fn"]
    assert not (tmp_path / "t").exists() and _leftovers(tmp_path) == []


# ---- any table (hypothesis) ---------------------------------------------------------------

_COLUMN = st.sampled_from(["float", "int", "bool", "str", "category", "time", "duration", "object_str"])


def _column(kind: str, n: int, rng: np.random.Generator) -> Any:
    if kind == "float":
        return np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n) * 1e6)
    if kind == "int":
        return rng.integers(-2**62, 2**62, n)
    if kind == "bool":
        return rng.random(n) < 0.5
    if kind == "str":
        return pd.array([f"s{k}" for k in rng.integers(0, 9, n)], dtype="str")
    if kind == "category":
        return pd.Categorical.from_codes(rng.integers(-1, 3, n), categories=pd.Index(["z", "a", "m"]))
    if kind == "time":
        return pd.date_range("2000-01-01", periods=n, freq="37min", tz="America/New_York")
    if kind == "duration":
        return pd.to_timedelta(rng.integers(0, 10**12, n), unit="ns")
    return np.array([f"o{k}" for k in range(n)], dtype=object)


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(kinds=st.lists(_COLUMN, min_size=1, max_size=5), n=st.integers(0, 30), seed=st.integers(0, 2**16),
       index=st.sampled_from(["range", "dates", "multi", "str"]),
       labels=st.sampled_from(["str", "int", "same", "index_name", "tuples"]))
def test_any_table_round_trips_exactly(kinds: list[str], n: int, seed: int, index: str, labels: str,
                                       tmp_path_factory: pytest.TempPathFactory) -> None:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({f"{k}_{j}": _column(k, n, rng) for j, k in enumerate(kinds)})
    if labels == "int":
        df.columns = pd.Index(range(10, 10 + len(kinds)), name="k")
    elif labels == "same":  # duplicate labels
        df.columns = pd.Index(["x"] * len(kinds))
    elif labels == "index_name":  # a column named as the index
        df.columns = pd.Index(["row", *df.columns[1:]])
    elif labels == "tuples":
        df.columns = pd.MultiIndex.from_tuples([(c, k) for k, c in enumerate(df.columns)], names=["a", "b"])
    if index == "dates":
        df.index = pd.date_range("2020-01-01", periods=n, freq="D", name="day")
    elif index == "multi":
        df.index = pd.MultiIndex.from_arrays([np.arange(n) % 3, np.arange(n, dtype=float) / 2], names=["p", "q"])
    elif index == "str":
        df.index = pd.Index([f"r{k}" for k in range(n)], dtype=object, name="row")
    df.attrs["note"] = {"made": pd.Timestamp("2024-01-02", tz="UTC"), "k": np.int32(3), "nan": float("nan")}
    path = tmp_path_factory.mktemp("t") / "t"
    backtest.save(df, path)
    back = backtest.load(path)
    pd.testing.assert_frame_equal(df, back, check_exact=True)
    note = back.attrs["note"]
    assert note["made"] == df.attrs["note"]["made"] and type(note["k"]) is np.int32 and np.isnan(note["nan"])


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(n=st.integers(2, 60), k=st.integers(0, 3), seed=st.integers(0, 2**16),
       tz=st.sampled_from([None, "UTC", "America/New_York", "range"]), fees=st.sampled_from([0.0, 0.002]))
def test_any_run_round_trips_exactly(n: int, k: int, seed: int, tz: str | None, fees: float,
                                     tmp_path_factory: pytest.TempPathFactory) -> None:
    rng = np.random.default_rng(seed)
    bars = _bars(n, tz=None if tz == "range" else tz, freq="h")
    if tz == "range":
        bars = bars.reset_index(drop=True)
    shape = (n, k) if k else (n,)
    res = backtest.run(bars, entries=rng.random(shape) < 0.2, exits=rng.random(shape) < 0.2, fees=fees,
                       short_entries=rng.random(shape) < 0.1, periods_per_year=252 * 24)
    path = tmp_path_factory.mktemp("r") / "r"
    res.save(path)
    _same(res, backtest.load(path))


# ---- exports and the optional dependency --------------------------------------------------

def test_trades_orders_and_returns_are_plain_frames_for_export() -> None:
    res = _run_1d()
    for t in (res.trades, res.orders):
        assert type(t) is pd.DataFrame and isinstance(t.index, pd.RangeIndex)
    r = res.returns("D")
    assert isinstance(r.index, pd.DatetimeIndex) and r.index.tz is None


def test_without_pyarrow_save_and_load_name_the_extra(tmp_path: Path) -> None:
    from hide_modules import run_without

    run_without(["pyarrow"], f"""
        from pathlib import Path

        import numpy as np
        import pytest

        import threadx
        from threadx import backtest
        from threadx.errors import MissingDependencyError

        tmp = Path({str(tmp_path)!r})
        bars = threadx.data.sample().iloc[:100]
        res = backtest.run(bars, entries=np.arange(100) % 10 == 0, exits=np.arange(100) % 10 == 5)
        with pytest.raises(MissingDependencyError, match=r"saving a result needs pyarrow.*threadx\\[parquet\\]"):
            res.save(tmp / "r")
        assert not (tmp / "r").exists() and not list(tmp.iterdir())
        with pytest.raises(MissingDependencyError, match=r"loading a result needs pyarrow.*threadx\\[parquet\\]"):
            backtest.load(tmp)
    """)


def test_errors_are_threadx_errors() -> None:
    assert issubclass(MissingDependencyError, ThreadXError) and issubclass(DataError, ThreadXError)
    assert threadx.backtest.save is _store.save and threadx.backtest.load is _store.load


def test_orders_results_keep_their_provenance(tmp_path: Path) -> None:
    """A Strategy / from_orders result records its parameters and data fingerprint (issue 15 §2's
    'parameters and provenance'), and a loaded one keeps them as saved."""
    import threadx
    from threadx import backtest, ta

    bars = threadx.data.sample().iloc[:400]

    class Cross(backtest.Strategy):
        n = 10

        def init(self) -> None:
            self.m = self.I(ta.SMA, self.data.Close, self.n)

        def next(self) -> None:
            if self.data.Close[-1] > self.m[-1] and not self.position:
                self.buy()
            elif self.data.Close[-1] < self.m[-1] and self.position:
                self.position.close()
    res = backtest.run(bars, strategy=Cross, n=20, fees=0.001)
    prov = res.provenance
    assert prov["params"]["strategy"] == "Cross" and prov["params"]["n"] == 20 and prov["params"]["fees"] == 0.001
    assert prov["bars"] == 400 and len(prov["data_sha256"]) == 64
    other = backtest.run(bars.assign(close=bars["close"] * 1.0), strategy=Cross, n=20, fees=0.001)
    assert other.provenance["data_sha256"] == prov["data_sha256"]  # the same bars, the same fingerprint
    moved = bars.copy()
    moved.iloc[5, moved.columns.get_loc("high")] += 1.0
    assert backtest.run(moved, strategy=Cross, n=20).provenance["data_sha256"] != prov["data_sha256"]
    res.save(tmp_path / "s")
    assert backtest.load(tmp_path / "s").provenance == prov
