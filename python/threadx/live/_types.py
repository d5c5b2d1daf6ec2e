"""What flows through the spread monitor: quotes in, spread updates out (the one schema of each)."""

from __future__ import annotations

from typing import NamedTuple

__all__ = ["Quote", "SPREAD_COLUMNS", "TICK_COLUMNS"]


class Quote(NamedTuple):
    """One top-of-book quote of one exchange.

    Times are int64 nanoseconds since the epoch (UTC).  ``ts_event`` is the exchange's
    event time when its message carries one, else the receive time; ``ts_recv`` is when
    ThreadX received it.  Prices are whatever the message said: the core checks them
    (positive, finite, bid <= ask, event time not going back) and counts what it skips.
    """

    exchange: str
    symbol: str
    bid: float
    ask: float
    ts_event: int
    ts_recv: int


# Raw ticks as the sink writes them and the replay feed reads them (a recorded file replays).
TICK_COLUMNS: dict[str, str] = {
    "ts_event": "int64", "ts_recv": "int64", "exchange": "str", "symbol": "str",
    "bid": "float64", "ask": "float64",
}

# One row per spread-window update: the spread of buying on `buy` (at its ask) and selling
# on `sell` (at its bid), in basis points of the mean of the two mids, with the window's
# quantiles after the update, the band signal against the quantiles before it
# (+1 above q_hi, -1 below q_lo, 0 inside or not enough points), the points in the window
# and whether the window is truncated (its cap dropped points that would still be in it).
SPREAD_COLUMNS: dict[str, str] = {
    "ts_event": "int64", "ts_recv": "int64", "symbol": "str", "buy": "str", "sell": "str",
    "spread_bps": "float64", "q_lo": "float64", "q_hi": "float64", "signal": "int8",
    "nobs": "int64", "truncated": "bool",
}
