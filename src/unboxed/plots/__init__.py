"""Matplotlib renderers: one function per picture; each takes a result and returns Axes (never shows)."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    # global
    "importance": "unboxed.plots.global_",
    "partial_dependence": "unboxed.plots.global_",
    "pdp_2d": "unboxed.plots.global_",
    "ale": "unboxed.plots.global_",
    "effect": "unboxed.plots.global_",
    "interaction": "unboxed.plots.global_",
    # local
    "waterfall": "unboxed.plots.local",
    "force": "unboxed.plots.local",
    "bar": "unboxed.plots.local",
    "beeswarm": "unboxed.plots.local",
    "dependence": "unboxed.plots.local",
    "heatmap": "unboxed.plots.local",
    "decision": "unboxed.plots.local",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'unboxed.plots' has no attribute {name!r}")
