"""Global, model-agnostic methods: permutation importance, PDP / ICE, ALE, H-statistic, surrogates."""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "permutation_importance": "unboxed.effects.importance",
    "partial_dependence": "unboxed.effects.pdp",
    "accumulated_local_effects": "unboxed.effects.ale",
    "ale": "unboxed.effects.ale",
    "h_statistic": "unboxed.effects.interactions",
    "GlobalSurrogate": "unboxed.effects.surrogate",
    "Surrogate": "unboxed.effects.surrogate",
}
__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'unboxed.effects' has no attribute {name!r}")
