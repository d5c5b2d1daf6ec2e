"""The live spread monitor: quotes of one instrument on several exchanges turned into
spreads with exact rolling quantiles over a time window, bounded, observable, nothing lost.

(Being built: see issue 16.)
"""

from __future__ import annotations

from threadx.live._book import SpreadBook
from threadx.live._sample import sample_ticks
from threadx.live._types import SPREAD_COLUMNS, TICK_COLUMNS, Quote

__all__ = ["SPREAD_COLUMNS", "TICK_COLUMNS", "Quote", "SpreadBook", "sample_ticks"]
