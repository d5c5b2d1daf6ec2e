"""Indicator graphs (filled in below)."""
from __future__ import annotations

__all__ = ["Node", "Pipeline"]


class Node:
    pass


class Pipeline:
    pass
