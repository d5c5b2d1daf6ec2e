"""ThreadX's pytest plugin (registered through the ``pytest11`` entry point, so installing
threadx is enough): fixtures for testing strategies. The assertions are in
:mod:`threadx.testing`."""

from __future__ import annotations

import pandas as pd
import pytest


@pytest.fixture
def threadx_bars() -> pd.DataFrame:
    """The bundled sample bars (``threadx.data.sample()``: daily OHLCV, a fresh copy per test)."""
    from threadx.data import sample

    return sample().copy()
