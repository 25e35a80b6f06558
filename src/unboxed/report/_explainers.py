"""Local explanations for the report and the command line: one entry point, :func:`local_explanations`.

The method is chosen the way :func:`unboxed.explain` chooses it (Tree SHAP for
tree models, else Linear / exact / Kernel SHAP), or named explicitly. The
background is always a :class:`~unboxed.shapley.background.Background` built
from *all* the data, so every category of the data is known to the explainer
even when the background sample is small.
"""

from __future__ import annotations

import importlib
import warnings
from typing import Any

from .._results import Attribution

__all__ = ["METHODS", "local_explanations", "is_tree_model"]

#: Methods ``--method`` / ``Report(method=)`` accept.
METHODS = ("auto", "tree", "kernel", "exact", "permutation", "linear", "lime")

#: Explainers by method name (module, class).
_CLASSES = {
    "tree": ("unboxed.shapley.tree", "TreeShap"),
    "kernel": ("unboxed.shapley.kernel", "KernelShap"),
    "exact": ("unboxed.shapley.exact", "ExactShap"),
    "permutation": ("unboxed.shapley.permutation", "PermutationShap"),
    "linear": ("unboxed.shapley.linear", "LinearShap"),
    "lime": ("unboxed.lime.tabular", "LimeTabular"),
}

#: With this many features or fewer, the model-agnostic fallback is exact.
EXACT_MAX_FEATURES = 10


def _class(method: str) -> Any:
    mod, name = _CLASSES[method]
    try:
        return getattr(importlib.import_module(mod), name)
    except (ImportError, AttributeError):
        raise ValueError(f"method {method!r} is not available in this installation of unboxed "
                         f"({mod}.{name} is missing); choose another method") from None


def is_tree_model(model: Any) -> bool:
    """Whether Tree SHAP reads ``model`` (False when Tree SHAP is not installed)."""
    try:
        from ..shapley.tree import TreeShap
    except ImportError:  # pragma: no cover - the tree module is part of unboxed
        return False
    return bool(TreeShap.supports(model))


def _background(X: Any, size: int, seed: int) -> Any:
    from ..shapley.background import Background
    return Background(X, method="sample", size=size, random_state=seed)


def _tree(model: Any, X_explain: Any, bg: Any, output: str, backend: Any, progress: bool
          ) -> tuple[Attribution, str]:
    TreeShap = _class("tree")
    note = ""
    try:
        attr = TreeShap(model, bg, output=output, backend=backend, progress=progress).explain(X_explain)
    except ValueError as e:
        if output in ("auto", "raw") or "output=" not in str(e):
            raise
        note = (f"Tree SHAP cannot explain the {output!r} output of this model exactly ({str(e).split(';')[0]}); "
                "its raw output is explained instead")
        attr = TreeShap(model, bg, output="auto", backend=backend, progress=progress).explain(X_explain)
    return attr, note


def local_explanations(model: Any, X_explain: Any, X_all: Any, *, method: str = "auto", output: str = "auto",
                       background_size: int = 100, random_state: int = 0, backend: Any = None,
                       progress: bool = True, max_evals: Any = "auto") -> tuple[Attribution, str]:
    """Explain the rows ``X_explain`` of data ``X_all``.

    Parameters
    ----------
    model : fitted model
    X_explain : array-like or DataFrame (n_rows, n_features)
        The rows to explain.
    X_all : array-like or DataFrame (m, n_features)
        All the data: the background is a sample of ``background_size`` of its
        rows, and its categories define the encoding.
    method : {"auto", "tree", "kernel", "exact", "permutation", "linear", "lime"}
        ``auto``: Tree SHAP for tree models; otherwise :func:`unboxed.explain`
        when it is installed; otherwise exact Shapley values for at most 10
        features and Kernel SHAP above.
    output : str, default "auto"
        The output space (``proba`` for class probabilities, ...). Tree SHAP
        falls back to the raw output when it cannot explain the one asked for.
    background_size : int, default 100
    random_state : int, default 0
    backend, progress
        Passed to the explainer.
    max_evals : int or "auto"
        Kernel SHAP's budget of coalitions per row.

    Returns
    -------
    (Attribution, str)
        The explanation, and a note (empty, or why the output space changed).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {list(METHODS)}, got {method!r}")
    seed = int(random_state)
    if method == "lime":
        Lime = _class("lime")
        lime = Lime(model, X_all, output=output, random_state=seed, backend=backend, progress=progress)
        return lime.explain(X_explain), ""
    if method == "tree" or (method == "auto" and is_tree_model(model)):
        if not is_tree_model(model):
            raise ValueError(f"method 'tree' needs a tree model (scikit-learn trees, forests, gradient boosting, "
                             f"xgboost or lightgbm); got {type(model).__name__}. Use method 'auto' or 'kernel'")
        return _tree(model, X_explain, _background(X_all, background_size, seed), output, backend, progress)
    bg = _background(X_all, background_size, seed)
    if method == "auto":
        try:
            explain = importlib.import_module("unboxed.shapley.auto").explain
        except (ImportError, AttributeError):
            explain = None
        if explain is not None:
            extra = {} if max_evals == "auto" else {"max_evals": max_evals}
            return explain(model, X_explain, background=bg, output=output, random_state=seed, backend=backend,
                           progress=progress, **extra), ""
        n_features = _n_features(X_all)
        method = "exact" if n_features <= EXACT_MAX_FEATURES else "kernel"
    cls = _class(method)
    note = ""
    if method == "linear" and output == "proba":  # probabilities are not linear: explain the linear score
        output = "auto"
        note = ("Linear SHAP cannot explain probabilities exactly (they are not linear in the features); "
                "the model's linear score (log-odds or decision function) is explained instead")
    kwargs: dict = {"output": output}
    if method in ("kernel", "permutation"):
        kwargs.update(random_state=seed)
    if method == "kernel":
        kwargs.update(max_evals=max_evals)
    kwargs.update(backend=backend, progress=progress)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*single value in the background.*")
        explainer = cls(model, bg, **kwargs)
    return explainer.explain(X_explain), note


def _n_features(X: Any) -> int:
    shape = getattr(X, "shape", None)
    if shape is not None and len(shape) == 2:
        return int(shape[1])
    return len(X[0])
