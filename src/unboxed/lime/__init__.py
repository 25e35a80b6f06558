"""LIME: local surrogate models (tables; text and images later)."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {"LimeTabular": "unboxed.lime.tabular"}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'unboxed.lime' has no attribute {name!r}")
