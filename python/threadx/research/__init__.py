"""Research without look-ahead: splitters over a bar index (walk-forward, purged k-fold, CPCV)."""

from __future__ import annotations

# splits (threadx.research.splits): walk-forward, purged and combinatorial purged k-fold
from threadx.research.splits import CombinatorialPurgedKFold, PurgedKFold, Span, Split, WalkForward

# walk-forward optimisation (threadx.research.walk_forward)
from threadx.research.walk_forward import WalkForwardResult, walk_forward

__all__ = [
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
