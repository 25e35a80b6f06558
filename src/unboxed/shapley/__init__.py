"""Shapley values: exact, Kernel, permutation, linear and tree; ``explain`` picks one."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "ExactShap": "unboxed.shapley.exact",
    "KernelShap": "unboxed.shapley.kernel",
    "PermutationShap": "unboxed.shapley.permutation",
    "LinearShap": "unboxed.shapley.linear",
    "TreeShap": "unboxed.shapley.tree",
    "Background": "unboxed.shapley.background",
    "explain": "unboxed.shapley.auto",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'unboxed.shapley' has no attribute {name!r}")
