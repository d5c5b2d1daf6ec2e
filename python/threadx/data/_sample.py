"""The bundled sample: daily NASDAQ:GOOG bars (see ``ATTRIBUTION.md`` beside it)."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from threadx.data._load import load

_SAMPLE = "GOOG.csv"


def sample_path() -> str:
    """Path of the bundled daily GOOG file (see ``threadx/data/ATTRIBUTION.md``)."""
    return str(resources.files("threadx") / "data" / _SAMPLE)


def sample() -> pd.DataFrame:
    """Daily NASDAQ:GOOG bars 2004-08-19..2013-03-01 with lowercase OHLCV columns.

    The file's dates carry no time zone; they are trading days and are stamped
    00:00 UTC here, explicitly (``load(sample_path(), tz="UTC")``).
    """
    return load(sample_path(), tz="UTC")

