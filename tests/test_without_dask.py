"""Without dask.distributed (the ``dask`` extra): ``client=`` names the extra, sweeps run locally."""

from __future__ import annotations

from hide_modules import run_without


def test_client_names_the_extra_and_local_sweeps_work() -> None:
    run_without(["dask", "distributed"], """
        import pytest

        import threadx
        from threadx import backtest, research
        from threadx.errors import MissingDependencyError

        bars = threadx.data.sample().iloc[:400]
        with pytest.raises(MissingDependencyError, match=r"Dask cluster \\(client=\\) needs distributed.*threadx\\[dask\\]"):
            backtest.sweep("sma_cross", bars, fast=[5, 10], slow=[30], client=object())
        assert len(backtest.sweep("sma_cross", bars, fast=[5, 10], slow=[30])) == 2
        wf = research.walk_forward("sma_cross", bars, research.WalkForward(train=200, test=100), fast=[5, 10], slow=[30])
        assert len(wf.folds) == 2
    """)
