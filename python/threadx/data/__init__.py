"""Market data: load real-world OHLCV files into validated UTC frames, save them to Parquet.

``load()`` reads CSV/TXT (layout sniffed), JSON arrays of ``[epoch_ms, o, h, l, c, v]``
and Parquet, and returns a DataFrame with float64 ``open, high, low, close, volume``
(plus any extra columns of the file, named in lowercase snake_case) indexed by a
UTC ``DatetimeIndex`` named ``time`` (nanosecond resolution).

Time is never guessed: timestamps without a UTC offset ("naive") are read in the
zone given by ``tz=`` (an IANA name such as ``"Europe/Berlin"``, or ``"UTC"``) and
converted to UTC; a file of naive timestamps loaded without ``tz=`` raises
``DataError``.  The process time zone (``TZ``) plays no part.  Bars of a day or
longer keep their calendar date: naive stamps that are all midnights a day or more
apart (date-only files) are stamped 00:00 UTC of their date, whatever ``tz=`` says.

Every problem of a file is reported at once, each with its row number, in one
``DataError`` whose ``.problems`` lists them; the policies ``on_unsorted``,
``on_duplicate`` and ``on_invalid`` turn chosen problems into explicit repairs,
recorded in ``df.attrs["repairs"]``.

Parquet needs pyarrow (``pip install 'threadx[parquet]'``); without it reading or
writing Parquet raises ``threadx.errors.MissingDependencyError``, CSV and JSON work.
"""

from __future__ import annotations

from threadx.data._columns import OHLCV
from threadx.data._info import info
from threadx.data._load import load
from threadx.data._resample import MAX_BINS, align, bar_period, resample
from threadx.data._sample import SAMPLES, sample, sample_path
from threadx.data._save import save

__all__ = ["MAX_BINS", "OHLCV", "SAMPLES", "align", "bar_period", "info", "load", "resample", "sample", "sample_path",
           "save"]
