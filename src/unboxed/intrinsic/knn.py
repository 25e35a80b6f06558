"""What k-nearest neighbours says about itself: the neighbours behind each prediction."""

from __future__ import annotations

from typing import Any

import numpy as np

from .._model import provenance
from .._results import Examples
from .._validation import check_positive_int, describe
from ._common import ModelSpace, quiet, split_pipeline

__all__ = ["nearest_neighbors"]


def nearest_neighbors(model: Any, X: Any, *, X_train: Any = None, n_neighbors: int | None = None) -> Examples:
    """The training examples a k-NN model bases each prediction on.

    Parameters
    ----------
    model : fitted KNeighborsClassifier / KNeighborsRegressor, or a Pipeline ending in one
        Distances are measured where the model measures them: after the steps
        before it (scaling, encoding).
    X : array-like or DataFrame (n_rows, n_features)
        Rows whose predictions to explain.
    X_train : array-like or DataFrame (n_train, n_features), optional
        The training data as the user gave it to ``fit``. A bare k-NN stores it
        (numbers only) and does not need it; a Pipeline stores only the
        transformed rows, so the original rows can be shown only if you pass
        them. They are checked against what the model stored.
    n_neighbors : int, optional
        Neighbours per row (default: the model's ``n_neighbors``).

    Returns
    -------
    Examples
        ``indices (n_rows, k)`` into the training data, ``distances``,
        ``rows (n_rows, k, n_features)`` the neighbours' values, ``targets``
        their training targets, ``weights`` their voting weights (uniform or
        1/distance, as the model uses them), ``predictions`` the model's.

    Raises
    ------
    ValueError
        For a Pipeline without ``X_train``, or an ``X_train`` that is not the
        model's training data.

    References
    ----------
    Cover, T., & Hart, P. (1967). Nearest neighbor pattern classification. IEEE
    Transactions on Information Theory, 13(1), 21-27.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.neighbors import KNeighborsClassifier
    >>> from unboxed.intrinsic import nearest_neighbors
    >>> X, y = load_iris(return_X_y=True)
    >>> ex = nearest_neighbors(KNeighborsClassifier(3).fit(X, y), X[:2])
    >>> ex.indices.shape
    (2, 3)
    """
    _, final = split_pipeline(model)
    if not hasattr(final, "kneighbors") or not hasattr(final, "_fit_X"):
        raise TypeError(f"expected a fitted KNeighborsClassifier / KNeighborsRegressor (or a Pipeline ending in "
                        f"one), got {describe(final)}")
    k = final.n_neighbors if n_neighbors is None else check_positive_int(n_neighbors, "n_neighbors")
    n_train = int(final.n_samples_fit_)
    if k > n_train:
        raise ValueError(f"n_neighbors={k} is more than the {n_train} training rows")
    space = ModelSpace(model, X, name="X", allow_nan=False)
    fit_X = np.asarray(final._fit_X, dtype=np.float64) if not hasattr(final._fit_X, "toarray") else \
        final._fit_X.toarray()
    if X_train is None:
        if space.prefix:
            raise ValueError("pass X_train: this Pipeline's k-NN stores only the transformed training rows, so the "
                             "rows as you gave them cannot be recovered from the model")
        rows_all = space.schema.display_values(fit_X)
        feature_names = space.schema.names
    else:
        Zt = space.schema.encode(X_train, name="X_train", allow_nan=False)
        Tt = space.transform(Zt)[0]
        if Tt.shape != fit_X.shape:
            raise ValueError(f"X_train has {Tt.shape[0]} rows mapping to shape {Tt.shape}; the model was fitted on "
                             f"{fit_X.shape[0]} rows of shape {fit_X.shape}: pass the training data itself")
        if not np.allclose(Tt, fit_X, rtol=1e-7, atol=1e-9):
            bad = int(np.nonzero(~np.isclose(Tt, fit_X, rtol=1e-7, atol=1e-9).all(axis=1))[0][0])
            raise ValueError(f"X_train is not the data the model was fitted on (row {bad} differs); pass the "
                             "training rows in their original order")
        rows_all = space.schema.display_values(Zt)
        feature_names = space.schema.names
    dist, idx = quiet(final.kneighbors, space.Xt, n_neighbors=k)
    y_fit = np.asarray(final._y)
    classes = getattr(final, "classes_", None)
    if classes is not None and y_fit.ndim == 1:
        targets = np.asarray(classes, dtype=object)[y_fit[idx]]
    elif y_fit.ndim == 1:
        targets = y_fit[idx].astype(object)
    else:  # multi-output: a tuple per neighbour
        t = np.empty(idx.shape, dtype=object)
        for a in range(idx.shape[0]):
            for b in range(idx.shape[1]):
                t[a, b] = tuple(np.asarray(y_fit[idx[a, b]]).tolist())
        targets = t
    if final.weights == "distance":
        with np.errstate(divide="ignore"):
            w = 1.0 / dist
        zero = ~np.isfinite(w)
        w = np.where(zero.any(axis=1, keepdims=True), zero.astype(float), w)
    elif callable(final.weights):
        w = np.asarray(final.weights(dist), dtype=np.float64)
    else:
        w = np.ones_like(dist)
    preds = np.asarray(space.f.model.predict(space.schema.decode(space.Z)))
    pred_obj = np.empty(preds.shape[0], dtype=object)
    pred_obj[:] = [tuple(p) if np.ndim(p) else p for p in preds.tolist()]
    return Examples(indices=idx, distances=dist, rows=rows_all[idx], targets=targets, feature_names=feature_names,
                    data=space.schema.display_values(space.Z), predictions=pred_obj, weights=w,
                    target_name="target",
                    provenance=provenance("nearest_neighbors", space.f, {"n_neighbors": k}, n_evals=0))
