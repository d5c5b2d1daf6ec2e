"""Research tools: overfitting statistics of a sweep's trials (docs/research.md).

``probabilistic_sharpe``, ``deflated_sharpe``, ``expected_max_sharpe`` and ``min_track_record_length``
judge the selected strategy; ``partition_sums`` and ``pbo`` give the probability of backtest
overfitting by combinatorially symmetric cross-validation.  Everything is computed by the C++ core.
"""

from __future__ import annotations

from threadx.research.overfit import (
    PartitionSums,
    PBOResult,
    deflated_sharpe,
    expected_max_sharpe,
    min_track_record_length,
    partition_sums,
    pbo,
    probabilistic_sharpe,
)

__all__ = ["PBOResult", "PartitionSums", "deflated_sharpe", "expected_max_sharpe", "min_track_record_length",
           "partition_sums", "pbo", "probabilistic_sharpe"]
