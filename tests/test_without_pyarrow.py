"""Without pyarrow (the ``parquet`` extra): Parquet raises a clear error, CSV and JSON work."""

from __future__ import annotations

from pathlib import Path

from hide_modules import run_without


def test_parquet_names_the_extra_and_csv_still_works(tmp_path: Path) -> None:
    run_without(["pyarrow"], f"""
        from pathlib import Path

        import pytest

        import threadx
        from threadx.errors import MissingDependencyError, ThreadXError

        tmp = Path({str(tmp_path)!r})
        df = threadx.data.sample()  # the bundled CSV
        assert len(df) > 2000 and list(df.columns[:5]) == list(threadx.data.OHLCV)

        with pytest.raises(MissingDependencyError, match=r"pip install 'threadx\\[parquet\\]'") as info:
            threadx.data.save(df, tmp / "bars.parquet")
        assert isinstance(info.value, ThreadXError) and isinstance(info.value, ImportError)
        assert info.value.name == "pyarrow" and "writing Parquet needs pyarrow" in str(info.value)
        assert not (tmp / "bars.parquet").exists()

        (tmp / "fake.parquet").write_bytes(b"PAR1" + bytes(64))
        for kw in ({{}}, {{"format": "parquet"}}):
            with pytest.raises(MissingDependencyError, match=r"reading Parquet needs pyarrow.*threadx\\[parquet\\]"):
                threadx.data.load(tmp / "fake.parquet", **kw)

        df.head(50).to_csv(tmp / "GOOG.csv")
        back = threadx.data.load(tmp / "GOOG.csv")
        assert back.index.equals(df.index[:50])
        src = threadx.sources.DirectorySource(tmp)
        got = src.fetch("GOOG", df.index[10], df.index[20], "1d")
        assert got.index.equals(df.index[10:20])
        json_bars = b"[[1700000000000, 1, 2, 0.5, 1.5, 10], [1700000060000, 1.5, 2, 1, 1.2, 11]]"
        assert len(threadx.data.load(json_bars)) == 2
    """)


def test_a_sweep_streamed_to_parquet_names_the_extra(tmp_path: Path) -> None:
    run_without(["pyarrow"], f"""
        from pathlib import Path

        import pytest

        import threadx
        from threadx import backtest
        from threadx.errors import MissingDependencyError

        bars = threadx.data.sample().iloc[:300]
        out = Path({str(tmp_path)!r}) / "sweep"
        with pytest.raises(MissingDependencyError, match=r"streamed to Parquet \\(out=\\) needs pyarrow.*threadx\\[parquet\\]"):
            backtest.sweep("sma_cross", bars, fast=[5, 10], slow=[30], out=out)
        assert not out.exists()
        assert len(backtest.sweep("sma_cross", bars, fast=[5, 10], slow=[30])) == 2  # a local sweep needs nothing
    """)
