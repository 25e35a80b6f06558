"""Background data for interventional Shapley values: a sample or a weighted k-means summary.

Interventional Shapley values replace the features outside a coalition by
values of *background* rows and average the model over them, so the cost of
every estimator grows linearly with the number of background rows. A
:class:`Background` says which rows (and weights) stand for the data:

- ``method="sample"``: a uniform sample of ``size`` rows without replacement
  (all rows when there are no more than ``size``), weights carried over;
- ``method="kmeans"``: ``size`` weighted k-means centres with the cluster
  weights. Continuous columns take the weighted mean of the cluster (rounded
  for integer dtypes); categorical and discrete columns take the cluster's
  weighted most frequent value, so every centre holds values the model has
  seen.

Every explainer accepts raw background data or a :class:`Background`; the
choice is recorded in the result's ``provenance.params``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from .._data import Schema, n_rows_of
from .._validation import check_choice, check_positive_int, describe, resolve_seed

__all__ = ["Background", "as_background", "DEFAULT_SIZE"]

#: Rows kept when raw background data is passed to an explainer.
DEFAULT_SIZE = 100


class Background:
    """Background data for interventional Shapley values.

    Parameters
    ----------
    data : array-like or DataFrame of shape (n_rows, n_features)
        Rows that represent the data distribution (often the training data).
        Not modified.
    method : {"sample", "kmeans"}, default="sample"
        ``sample``: uniform sample without replacement. ``kmeans``: weighted
        k-means centres, weights = cluster weights.
    size : int or None, default=100
        Number of rows (or centres) to keep; ``None`` keeps every row.
    weights : array-like of shape (n_rows,), optional
        Non-negative weights of the rows (default: equal). Expectations over
        the background are weighted averages.
    random_state : int, Generator or None
        Seed of the sample or the k-means initialisation.

    Attributes
    ----------
    data_ : ndarray (size, n_features)
        The kept rows, encoded (after the first use by an explainer or
        :meth:`summarize`).
    weights_ : ndarray (size,)
        Their weights, summing to one.

    References
    ----------
    Lundberg, S. M. and Lee, S.-I. (2017). A unified approach to interpreting
    model predictions. NeurIPS 30 (k-means background summaries in ``shap``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.random.default_rng(0).normal(size=(500, 3))
    >>> bg = Background(X, method="kmeans", size=10, random_state=0)
    >>> Z, w = bg.summarize()
    >>> Z.shape, round(float(w.sum()), 6)
    ((10, 3), 1.0)
    """

    def __init__(self, data: Any, *, method: str = "sample", size: int | None = DEFAULT_SIZE,
                 weights: Any = None, random_state: Any = None):
        if data is None:
            raise TypeError("Background needs data (an array or DataFrame of rows), got None")
        if isinstance(data, Background):
            raise TypeError("data is already a Background")
        self.data = data
        self.method = check_choice(method, "method", ("sample", "kmeans"))
        self.size = None if size is None else check_positive_int(size, "size")
        self.random_state = random_state
        n = n_rows_of(data) if hasattr(data, "shape") else len(data)
        if n == 0:
            raise ValueError("background data has no rows; expected at least one row")
        if weights is not None:
            w = np.asarray(weights, dtype=np.float64)
            if w.ndim != 1 or w.shape[0] != n:
                raise ValueError(f"weights must have shape ({n},), one per background row, got {w.shape}")
            if not np.all(np.isfinite(w)) or (w < 0).any():
                raise ValueError("weights must be finite and non-negative")
            if w.sum() <= 0:
                raise ValueError("weights sum to zero; at least one background row needs a positive weight")
            weights = w
        self.weights = weights
        self._seed = resolve_seed(random_state) if random_state is not None else 0
        self._cache: tuple[Any, np.ndarray, np.ndarray] | None = None

    def __repr__(self) -> str:
        return f"Background(method={self.method!r}, size={self.size})"

    # ----------------------------------------------------------- summary
    def summarize(self, schema: Schema | None = None, encoded: np.ndarray | None = None
                  ) -> tuple[np.ndarray, np.ndarray]:
        """Encoded rows and weights of the summary.

        Parameters
        ----------
        schema : Schema, optional
            How to encode the data (default: inferred from it).
        encoded : ndarray (n_rows, n_features), optional
            The data already encoded with ``schema``.

        Returns
        -------
        Z : ndarray (size, n_features)
        weights : ndarray (size,), summing to one
        """
        if self._cache is not None and self._cache[0] is schema and schema is not None:
            return self._cache[1], self._cache[2]
        if schema is None:
            schema = Schema.from_data(self.data)
        Z = schema.encode(self.data, name="background") if encoded is None else np.asarray(encoded, np.float64)
        n = Z.shape[0]
        w = np.full(n, 1.0 / n) if self.weights is None else self.weights / self.weights.sum()
        size = n if self.size is None else self.size
        if size >= n:
            Zs, ws = Z.copy(), w.copy()
        elif self.method == "sample":
            rng = np.random.default_rng(self._seed)
            pick = np.sort(rng.choice(n, size=size, replace=False))
            Zs, ws = Z[pick], w[pick] / w[pick].sum()
        else:
            Zs, ws = _weighted_kmeans(Z, w, schema, size, self._seed)
        keep = ws > 0
        Zs, ws = Zs[keep], ws[keep] / ws[keep].sum()
        Zs.setflags(write=False)
        ws.setflags(write=False)
        self._cache = (schema, Zs, ws)
        self.data_, self.weights_ = Zs, ws
        return Zs, ws

    def params(self) -> dict:
        """What to record in a result's provenance."""
        out = {"background_method": self.method, "background_size": self.size,
               "background_weighted": self.weights is not None}
        if self._cache is not None:
            out["background_rows"] = int(self._cache[1].shape[0])
            out["background_weights"] = (tuple(np.round(self._cache[2], 12).tolist())
                                         if self._cache[2].shape[0] <= 64 else "see Background.weights_")
        return out


def as_background(background: Any, *, name: str = "background") -> Background:
    """Wrap raw background data in a :class:`Background` (a sample of at most 100 rows).

    A :class:`Background` is returned as it is. Raw data with more than 100
    rows is sampled down (with a warning that says how to choose otherwise).
    """
    if isinstance(background, Background):
        return background
    if background is None:
        raise TypeError(f"{name} is None; pass background data (e.g. training rows) or a Background")
    if not hasattr(background, "shape") and not isinstance(background, (list, tuple)):
        raise TypeError(f"{name} must be an array, a DataFrame or a Background, got {describe(background)}")
    n = n_rows_of(background) if hasattr(background, "shape") else len(background)
    if n > DEFAULT_SIZE:
        warnings.warn(f"{name} has {n} rows; using a sample of {DEFAULT_SIZE} of them (the cost grows with "
                      f"every background row). Pass Background(data, method='kmeans', size=...) or "
                      f"Background(data, size=None) to choose.", UserWarning, stacklevel=3)
    return Background(background, method="sample", size=DEFAULT_SIZE, random_state=0)


# ------------------------------------------------------------------ k-means
def _weighted_kmeans(Z: np.ndarray, w: np.ndarray, schema: Schema, k: int, seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.cluster import KMeans

    n, p = Z.shape
    keyed = np.where(np.isnan(Z), np.inf, Z)
    uniq, inv = np.unique(keyed, axis=0, return_inverse=True)
    if uniq.shape[0] <= k:  # no more distinct rows than centres: the rows themselves, weights summed
        uw = np.bincount(inv.ravel(), weights=w, minlength=uniq.shape[0])
        return np.where(np.isinf(uniq), np.nan, uniq), uw / uw.sum()
    parts = []
    cont = []
    for j, col in enumerate(schema.columns):
        z = Z[:, j]
        if col.kind == "categorical":
            vals = np.where(np.isnan(z), -1.0, z)
            levels = np.unique(vals)
            if levels.size > 1:
                parts.append((vals[:, None] == levels[None, :]).astype(np.float64) / np.sqrt(2.0))
        else:
            cont.append(j)
            miss = np.isnan(z)
            mean = float(np.average(z[~miss], weights=w[~miss])) if (~miss).any() and w[~miss].sum() > 0 else 0.0
            zz = np.where(miss, mean, z)
            sd = float(np.sqrt(np.average((zz - mean) ** 2, weights=w)))
            parts.append(((zz - mean) / (sd if sd > 0 else 1.0))[:, None])
    E = np.hstack(parts) if parts else np.zeros((n, 1))
    km = KMeans(n_clusters=k, n_init=3, random_state=seed % (2**32)).fit(E, sample_weight=w)
    labels = km.labels_
    centres = np.empty((k, p))
    cw = np.zeros(k)
    for c in range(k):
        members = labels == c
        wm = w[members]
        cw[c] = wm.sum()
        if not members.any():
            centres[c] = np.nan
            continue
        for j, col in enumerate(schema.columns):
            z = Z[members, j]
            if col.kind == "categorical":
                centres[c, j] = _weighted_mode(z, wm)
            else:
                ok = ~np.isnan(z)
                if not ok.any():
                    centres[c, j] = np.nan
                    continue
                wo = wm[ok]
                v = float(np.average(z[ok], weights=wo)) if wo.sum() > 0 else float(np.mean(z[ok]))
                if isinstance(col.dtype, np.dtype) and col.dtype.kind in "iu":
                    v = float(np.round(v))
                elif str(col.dtype).startswith(("Int", "UInt", "int", "uint")):
                    v = float(np.round(v))
                centres[c, j] = v
    keep = cw > 0
    return centres[keep], cw[keep] / cw[keep].sum()


def _weighted_mode(z: np.ndarray, w: np.ndarray) -> float:
    vals = np.where(np.isnan(z), np.inf, z)
    levels, inv = np.unique(vals, return_inverse=True)
    tot = np.bincount(inv, weights=w if w.sum() > 0 else None, minlength=levels.size)
    v = levels[int(np.argmax(tot))]
    return np.nan if np.isinf(v) else float(v)
