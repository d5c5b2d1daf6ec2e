"""Without the peer libraries (TA-Lib, vectorbt, backtesting.py, backtrader, bottleneck,
prometheus_client).

They are test references and an optional exporter, never runtime needs: ``import
threadx`` and the main API work without them, and the Prometheus collector says which
package (and extra) it needs.
"""

from __future__ import annotations

from hide_modules import run_without

PEERS = ["talib", "vectorbt", "backtesting", "backtrader", "bottleneck", "prometheus_client"]


def test_main_api_without_peers() -> None:
    out = run_without(PEERS, """
        import asyncio

        import numpy as np
        import pandas as pd
        import pytest

        import threadx
        from threadx import backtest
        from threadx.errors import MissingDependencyError

        bars = threadx.data.sample().iloc[:400]
        close = bars["close"]
        pd.testing.assert_series_equal(threadx.rolling.mean(close, 20), close.rolling(20).mean(),
                                       check_names=False, rtol=1e-12)
        rsi = threadx.ta.RSI(close.to_numpy(), timeperiod=14)
        stream = threadx.stream.RSI(timeperiod=14)
        last = [stream.update(x) for x in close.to_numpy()][-1]
        assert np.isclose(last, rsi[-1], rtol=1e-9, atol=0)

        fast, slow = close.rolling(10).mean(), close.rolling(30).mean()
        res = backtest.run(bars, entries=fast > slow, exits=fast < slow, fees=0.001)
        assert res.stats["# Trades"] > 0
        grid = backtest.sweep("sma_cross", bars, fast=range(5, 20, 5), slow=range(20, 41, 10), top_k=3)
        assert len(grid) == 3

        async def main():
            async with threadx.Coordinator(max_workers=2) as co:
                job = await co.submit(threadx.IndicatorRequest(function="RSI", inputs=[close.to_numpy()],
                                                               params={"timeperiod": 14}))
                np.testing.assert_array_equal(np.asarray(await job).ravel(), rsi)
                with pytest.raises(MissingDependencyError, match=r"prometheus_client.*threadx\\[prometheus\\]"):
                    co.prometheus_collector()

        asyncio.run(main())
        print("ok")
    """)
    assert out.strip().endswith("ok")
