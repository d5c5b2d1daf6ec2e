"""The exception hierarchy every ThreadX failure arrives as.

The C++ core throws mirror types; ``cpp/bindings/bind_core.cpp`` translates each
to the class of the same name here, with message and fields intact.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, TypedDict

__all__ = [
    "BacktestError",
    "CallbackTimeoutError",
    "CancelledError",
    "CoordinatorClosedError",
    "DataError",
    "FieldError",
    "IndicatorError",
    "InsufficientHistory",
    "MissingDependencyError",
    "QueueFullError",
    "TaskTimeoutError",
    "ThreadXError",
    "ValidationError",
]


class FieldError(TypedDict):
    """One invalid field: its name, the offending value (as text) and why."""

    field: str
    value: str
    message: str


class ThreadXError(Exception):
    """Base of everything ThreadX raises on purpose."""


class ValidationError(ThreadXError, ValueError):
    """Invalid input; ``.errors`` lists every invalid field of the call at once."""

    errors: list[FieldError]

    def __init__(self, errors: Iterable[Mapping[str, Any]] | str) -> None:
        if isinstance(errors, str):  # ValidationError("message"): one anonymous field
            errors = [{"field": "", "value": "", "message": errors}]
        self.errors = [
            FieldError(field=str(e["field"]), value=str(e["value"]), message=str(e["message"]))
            for e in errors
        ]
        super().__init__(self._format())

    def _format(self) -> str:
        n = len(self.errors)
        head = f"{n} invalid field{'s' if n != 1 else ''}"
        parts = [
            f"{e['field']}={e['value']}: {e['message']}" if e["field"] else e["message"]
            for e in self.errors
        ]
        return head + ": " + "; ".join(parts) if parts else head

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (self.errors,))

    @property
    def fields(self) -> list[str]:
        """Names of the invalid fields, in the order they were found."""
        return [e["field"] for e in self.errors]


class DataError(ThreadXError):
    """Market data that cannot be loaded or fails validation."""


class IndicatorError(ThreadXError):
    """An indicator that cannot be computed (for example an unknown TA-Lib name)."""


class InsufficientHistory(IndicatorError):
    """Too few bars to open a ``threadx.ta.stream`` handle (TA-Lib's ``InsufficientHistory``):
    recoverable, collect more bars and try again."""


class BacktestError(ThreadXError):
    """A backtest or sweep that cannot run as asked."""


class TaskTimeoutError(ThreadXError, TimeoutError):
    """A job ran past its deadline; its partial results were discarded."""


class CallbackTimeoutError(ThreadXError):
    """A completion callback ran past ``callback_timeout``."""


class CancelledError(ThreadXError):
    """A job was cancelled (explicitly or by a shutdown) before it finished."""


class QueueFullError(ThreadXError):
    """A coordinator's queue already holds ``max_queue`` waiting jobs (``submit(block=False)``)."""


class CoordinatorClosedError(ThreadXError, RuntimeError):
    """The coordinator is shutting down or shut down and takes no new jobs."""


class MissingDependencyError(ThreadXError, ImportError):
    """A feature needs an optional package that is not installed; the message names the extra to install."""
