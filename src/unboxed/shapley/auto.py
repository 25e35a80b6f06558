"""``explain``: the Shapley method a user would pick, chosen and recorded.

Rules, in order (``method="auto"``):

1. A linear model, or a Pipeline ending in one whose earlier steps transform
   each input column separately, explained in a linear output -> LinearShap.
2. A tree model that :meth:`unboxed.shapley.tree.TreeShap.supports`, without ``groups`` -> TreeShap
   (interventional, with the default background, for outputs such as the
   probabilities of boosted models that need one; rule 3 or 4 for an output
   Tree SHAP does not explain).
3. At most 12 players (features or groups) -> ExactShap.
4. Otherwise -> KernelShap.

The choice and the reason are recorded in ``provenance.params["chosen_method"]``
and ``["reason"]``.
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any

from .._data import Schema, n_rows_of
from .._results import Attribution
from .._validation import check_choice
from .background import DEFAULT_SIZE, Background

__all__ = ["explain", "EXACT_MAX_PLAYERS"]

#: ``explain`` enumerates coalitions exactly up to this many players.
EXACT_MAX_PLAYERS = 12

_METHODS = ("auto", "exact", "kernel", "permutation", "linear", "tree")
_SAMPLED_KW = {"max_evals", "paired", "sampling", "adjustment", "tol", "random_state", "n_permutations",
               "antithetic"}


def _tree_supports(model: Any) -> bool:
    try:
        from .tree import TreeShap
        return bool(TreeShap.supports(model))
    except (ImportError, AttributeError):
        return False


def _tree_unsupported(model: Any) -> str | None:
    """Why a fitted tree model of a family TreeShap reads cannot be explained by it (e.g. catboost with
    categorical features), else None."""
    try:
        from ._trees._parse import unsupported_reason
        return unsupported_reason(model)
    except Exception:
        return None


def _n_players(X: Any, groups: Any) -> int:
    from ._groups import resolve_players
    schema = Schema.from_data(X)
    return resolve_players(schema, groups).n_players


def explain(model: Any, X: Any, *, background: Any = None, method: str = "auto", groups: Any = None,
            output: str = "auto", backend: Any = None, progress: bool = True, **kwargs: Any) -> Attribution:
    """Shapley values of the rows of ``X`` by the method that suits the model.

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
    X : array-like or DataFrame (n_rows, n_features)
        The rows to explain.
    background : array-like, DataFrame or Background, optional
        Default: ``X`` itself, all of it up to 100 rows, else a weighted
        k-means summary of 100 centres (a warning says so when ``X`` has fewer
        than 50 rows).
    method : {"auto", "exact", "kernel", "permutation", "linear", "tree"}, default="auto"
    groups : dict, optional
        Group name -> list of columns; each group is one player.
    output : str, default="auto"
        Output space (see :func:`unboxed.model_function`). Linear models are
        explained in their linear output (``log_odds`` / ``decision`` for
        classifiers) unless another output is asked for.
    backend : None, "processes" or dask.distributed.Client
    progress : bool, default=True
    **kwargs
        Passed to the chosen explainer (``random_state``, ``max_evals``, ...);
        options of sampled methods are ignored by exact ones.

    Returns
    -------
    Attribution
        With ``provenance.params["chosen_method"]`` and ``["reason"]``.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LogisticRegression
    >>> X = np.random.default_rng(0).normal(size=(200, 3))
    >>> model = LogisticRegression().fit(X, X[:, 0] > 0)
    >>> attr = explain(model, X[:5], background=X, progress=False)  # doctest: +SKIP
    >>> attr.provenance.params["chosen_method"]  # doctest: +SKIP
    'linear'
    """
    check_choice(method, "method", _METHODS)
    chosen, reason = method, "asked for"
    if method == "auto":
        from .linear import linear_parts
        if linear_parts(model) is not None and output in ("auto", "log_odds", "decision", "raw", "predict"):
            chosen, reason = "linear", "linear model: exact closed form"
        elif _tree_supports(model) and groups is None:
            chosen, reason = "tree", "tree model: Tree SHAP"
        else:
            chosen, reason = _by_size(X, groups)
            if groups is not None and _tree_supports(model):
                reason = f"tree model, but Tree SHAP takes no groups; {reason}"
            elif (why := _tree_unsupported(model)) is not None:
                reason = f"tree model, but {why.split(':')[0]}; {reason}"
    if chosen == "tree":
        bg, bg_note = background, "given" if background is not None else "TreeShap's default"
    else:
        bg, bg_note = _default_background(X, background)
    if chosen == "linear" and method == "auto":
        try:
            attr = _build(chosen, model, bg, groups, output, backend, progress, kwargs, True).explain(X)
        except ValueError as e:  # not additive after all: the model-agnostic route
            chosen, reason = _by_size(X, groups)
            reason = f"linear model, but {str(e).split(';')[0]}; {reason}"
            attr = _build(chosen, model, bg, groups, output, backend, progress, kwargs, True).explain(X)
    elif chosen == "tree" and method == "auto" and output != "auto":
        attr, chosen, reason, bg_note = _tree_or_fallback(model, X, background, groups, output, backend, progress,
                                                          kwargs)
    else:
        attr = _build(chosen, model, bg, groups, output, backend, progress, kwargs, method == "auto").explain(X)
    params = dict(attr.provenance.params)
    params.update({"chosen_method": chosen, "reason": reason, "background": bg_note})
    prov = dataclasses.replace(attr.provenance, params=params)
    return dataclasses.replace(attr, provenance=prov)


def _tree_or_fallback(model: Any, X: Any, background: Any, groups: Any, output: str, backend: Any,
                      progress: bool, kwargs: dict) -> tuple[Attribution, str, str, str]:
    """Tree SHAP in an output it may not explain additively (e.g. ``proba`` of a boosted model).

    Without a background, the interventional algorithm (with the default background) explains
    probabilities exactly; an output no Tree SHAP explains goes the model-agnostic route.
    """
    bg_note = "given" if background is not None else "TreeShap's default"
    try:
        attr = _build("tree", model, background, groups, output, backend, progress, kwargs, True).explain(X)
        return attr, "tree", "tree model: Tree SHAP", bg_note
    except ValueError as e:
        first = e
    bg, bg_note = _default_background(X, background)
    if background is None:
        try:
            attr = _build("tree", model, bg, groups, output, backend, progress, kwargs, True).explain(X)
            return attr, "tree", f"tree model: interventional Tree SHAP (output={output!r} needs a background)", \
                bg_note
        except ValueError:
            pass
    chosen, reason = _by_size(X, groups)
    reason = f"tree model, but {str(first).split(';')[0].split(':')[0]}; {reason}"
    attr = _build(chosen, model, bg, groups, output, backend, progress, kwargs, True).explain(X)
    return attr, chosen, reason, bg_note


def _by_size(X: Any, groups: Any) -> tuple[str, str]:
    p = _n_players(X, groups)
    if p <= EXACT_MAX_PLAYERS:
        return "exact", f"{p} players <= {EXACT_MAX_PLAYERS}: exact enumeration"
    return "kernel", f"{p} players > {EXACT_MAX_PLAYERS}: KernelSHAP"


def _default_background(X: Any, background: Any) -> tuple[Any, str]:
    if background is not None:
        return background, "given"
    n = n_rows_of(X) if hasattr(X, "shape") else len(X)
    if n < 50:
        warnings.warn(f"no background given: using the {n} explained rows as background; with fewer than "
                      "50 rows the base value E[f] is a rough estimate. Pass background= (e.g. training "
                      "rows) for a better one.", UserWarning, stacklevel=3)
    if n <= DEFAULT_SIZE:
        return Background(X, size=None), f"the {n} explained rows"
    return (Background(X, method="kmeans", size=DEFAULT_SIZE, random_state=0),
            f"k-means summary ({DEFAULT_SIZE} centres) of the {n} explained rows")


def _build(chosen: str, model: Any, bg: Any, groups: Any, output: str, backend: Any, progress: bool,
           kwargs: dict, lenient: bool) -> Any:
    from .exact import ExactShap
    from .kernel import KernelShap
    from .linear import LinearShap
    from .permutation import PermutationShap

    if chosen in ("exact", "linear"):
        extra = _deterministic_kwargs(kwargs, lenient)
        if chosen == "exact":
            return ExactShap(model, bg, groups=groups, output=output, backend=backend, progress=progress, **extra)
        return LinearShap(model, bg, groups=groups, output=output, backend=backend, progress=progress, **extra)
    if chosen == "kernel":
        return KernelShap(model, bg, groups=groups, output=output, backend=backend, progress=progress, **kwargs)
    if chosen == "permutation":
        return PermutationShap(model, bg, groups=groups, output=output, backend=backend, progress=progress,
                               **kwargs)
    from .tree import TreeShap  # chosen == "tree"
    if groups is not None:
        raise ValueError("TreeShap does not take groups=; use method='exact' or 'kernel' for grouped features")
    extra = _deterministic_kwargs(kwargs, lenient)
    return TreeShap(model, bg, output=output, backend=backend, progress=progress, **extra)


def _deterministic_kwargs(kwargs: dict, lenient: bool) -> dict:
    """Options for an exact explainer: sampling options dropped (``random_state`` always, the others when
    the method was chosen automatically), so one call works whichever method runs."""
    drop = _SAMPLED_KW if lenient else {"random_state"}
    return {k: v for k, v in kwargs.items() if k not in drop}
