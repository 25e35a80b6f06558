"""unboxed: explainable AI in one toolkit.

The public API is what ``__all__`` lists. Method families are imported lazily,
so ``import unboxed`` stays fast and optional extras are only needed when used.

Examples
--------
>>> import unboxed as ub
>>> X, y = ub.datasets.load_german_credit(return_X_y=True)
"""

from __future__ import annotations

import importlib
from typing import Any

__version__ = "0.1.0"

from ._data import Schema
from ._model import ModelFunction, model_function
from ._results import Attribution, Effect, Effects, Examples, Importance, Interaction, Provenance, load
from ._validation import ModelError

# name -> module that defines it (imported on first use)
_LAZY = {
    # global, model-agnostic
    "permutation_importance": "unboxed.effects.importance",
    "partial_dependence": "unboxed.effects.pdp",
    "accumulated_local_effects": "unboxed.effects.ale",
    "ale": "unboxed.effects.ale",
    "h_statistic": "unboxed.effects.interactions",
    "GlobalSurrogate": "unboxed.effects.surrogate",
    "Surrogate": "unboxed.effects.surrogate",
    # local
    "ExactShap": "unboxed.shapley.exact",
    "KernelShap": "unboxed.shapley.kernel",
    "PermutationShap": "unboxed.shapley.permutation",
    "LinearShap": "unboxed.shapley.linear",
    "TreeShap": "unboxed.shapley.tree",
    "Background": "unboxed.shapley.background",
    "explain": "unboxed.shapley.auto",
    "LimeTabular": "unboxed.lime.tabular",
    # the HTML report
    "Report": "unboxed.report.builder",
}
_SUBPACKAGES = ("plots", "datasets", "rules", "intrinsic", "effects", "shapley", "lime", "report")

__all__ = [
    "__version__", "Schema", "ModelFunction", "model_function", "ModelError",
    "Attribution", "Importance", "Effect", "Effects", "Examples", "Interaction", "Provenance", "load",
    *sorted(_LAZY), *_SUBPACKAGES,
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        module = importlib.import_module(_LAZY[name])
        value = getattr(module, name)
        globals()[name] = value
        return value
    if name in _SUBPACKAGES:
        module = importlib.import_module(f"unboxed.{name}")
        globals()[name] = module
        return module
    raise AttributeError(f"module 'unboxed' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
