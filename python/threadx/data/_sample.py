"""The bundled samples: daily bars of GOOG, NVDA, ORCL and YHOO (see ``ATTRIBUTION.md`` beside them)."""

from __future__ import annotations

from importlib import resources

import pandas as pd

from threadx.data._load import load
from threadx.errors import ValidationError

SAMPLES: tuple[str, ...] = ("GOOG", "NVDA", "ORCL", "YHOO")  # bundled daily files, threadx/data/<symbol>.csv


def sample_path(symbol: str = "GOOG") -> str:
    """Path of a bundled daily file (see ``threadx/data/ATTRIBUTION.md``): one of ``SAMPLES``."""
    if symbol not in SAMPLES:
        raise ValidationError([{"field": "symbol", "value": repr(symbol),
                                "message": f"must be one of the bundled samples {', '.join(SAMPLES)}"}])
    return str(resources.files("threadx") / "data" / f"{symbol}.csv")


def sample(symbol: str = "GOOG") -> pd.DataFrame:
    """Bundled daily bars with lowercase OHLCV columns: NASDAQ:GOOG 2004-08-19..2013-03-01
    (the default), or NVDA, ORCL, YHOO 2012-01-03..2014-12-31 (the same days; these also
    have ``adj_close``) for multi-symbol examples.

    The files' dates carry no time zone; they are trading days and are stamped
    00:00 UTC here, explicitly (``load(sample_path(symbol), tz="UTC")``).
    """
    return load(sample_path(symbol), tz="UTC")
