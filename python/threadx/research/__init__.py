"""Research without look-ahead (docs/research.md): splitters over a bar index (walk-forward,
purged k-fold, CPCV), walk-forward optimisation, and overfitting statistics of a sweep's
trials (probabilistic and deflated Sharpe, minimum track record length, PBO by CSCV), the
statistics computed by the C++ core."""

from __future__ import annotations

# overfitting statistics (threadx.research.overfit)
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

# splits (threadx.research.splits): walk-forward, purged and combinatorial purged k-fold
from threadx.research.splits import CombinatorialPurgedKFold, PurgedKFold, Span, Split, WalkForward

# walk-forward optimisation (threadx.research._walk_forward)
from threadx.research._walk_forward import WalkForwardResult, walk_forward

__all__ = [
    # overfitting statistics
    "PBOResult",
    "PartitionSums",
    "deflated_sharpe",
    "expected_max_sharpe",
    "min_track_record_length",
    "partition_sums",
    "pbo",
    "probabilistic_sharpe",
    # splits
    "CombinatorialPurgedKFold",
    "PurgedKFold",
    "Span",
    "Split",
    "WalkForward",
    # walk-forward optimisation
    "WalkForwardResult",
    "walk_forward",
]
