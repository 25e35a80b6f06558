"""What simple models say about themselves: linear / logistic, trees, naive Bayes, k-NN; monotonicity."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "explain_linear": "unboxed.intrinsic.linear",
    "coefficients": "unboxed.intrinsic.linear",
    "linear_importance": "unboxed.intrinsic.linear",
    "explain_tree": "unboxed.intrinsic.tree",
    "decision_path_rules": "unboxed.intrinsic.tree",
    "tree_importance": "unboxed.intrinsic.tree",
    "explain_naive_bayes": "unboxed.intrinsic.naive_bayes",
    "nearest_neighbors": "unboxed.intrinsic.knn",
    "check_monotonicity": "unboxed.intrinsic.monotonicity",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'unboxed.intrinsic' has no attribute {name!r}")
