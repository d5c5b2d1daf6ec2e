"""Market data: the bundled sample file (the full loader arrives with the data layer)."""

from __future__ import annotations

from importlib import resources

import pandas as pd

__all__ = ["sample", "sample_path"]

_SAMPLE = "GOOG.csv"


def sample_path() -> str:
    """Path of the bundled daily GOOG file (see ``threadx/data/ATTRIBUTION.md``)."""
    return str(resources.files("threadx") / "data" / _SAMPLE)


def sample() -> pd.DataFrame:
    """Daily NASDAQ:GOOG bars 2004-08-19..2013-03-01 with lowercase OHLCV columns.

    The file's dates carry no time zone; they are trading days and are stamped
    00:00 UTC here, explicitly.
    """
    df = pd.read_csv(sample_path(), index_col=0, parse_dates=True)
    df.index = pd.DatetimeIndex(df.index, name="time").tz_localize("UTC")
    df.columns = [c.lower() for c in df.columns]
    return df.astype("float64")
