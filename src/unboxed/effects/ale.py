"""Accumulated local effects (ALE): first-order curves and second-order surfaces.

ALE (Apley & Zhu, 2020) describes how a feature moves the model's output on
average, using only *local* changes: every row is moved across the small bin it
lies in, never to values far from where the data are. Unlike partial
dependence it stays unbiased when features are correlated.

How it is computed here
-----------------------
- **Numeric feature.** Bin edges ``z_0 < ... < z_K`` are quantiles of the
  feature (R type 1 / ``inverted_cdf``, so every edge is a data value;
  duplicates merged). Bin ``k`` holds the rows with ``z_{k-1} < x <= z_k`` (the
  first bin also ``x = z_0``). The local effect of bin ``k`` is the mean over its
  rows of ``f(z_k, x_\\j) - f(z_{k-1}, x_\\j)``; the curve at the edges is the
  running sum, centred so that its mean over the rows of ``X`` is exactly zero
  (the curve is linear between edges, each row contributes the value at its
  own position).
- **Categorical feature.** The categories are ordered (their own order for
  ordered categoricals, booleans and discrete numbers; otherwise by similarity
  of the other features' distributions, reduced to one dimension by classical
  multidimensional scaling). The jump between adjacent categories is the mean
  change of the output when the rows of either category are moved to the other;
  jumps are accumulated and centred on the data.
- **Pair of numeric features.** The second-order (pure interaction) effect:
  cell means of the double differences ``f(z_a, z_b) - f(z_{a-1}, z_b) -
  f(z_a, z_{b-1}) + f(z_{a-1}, z_{b-1})``, empty cells filled from the nearest
  non-empty cell, accumulated over both axes, minus the surface's own
  first-order ALE in each direction, centred on the data.

Missing values: a numeric feature's missing rows have no place between bin
edges and are left out of its curve (and centring); for a categorical feature
"missing" is one more category. Both warn.

Every model row (all rows x both edges x all requested features of a chunk) is
built with numpy and sent to the model in one call per chunk.

Bootstrap bands
---------------
The model is fixed, so the local difference of a row depends on that row and
the bin edges only. A bootstrap resample of the rows therefore has the same
local differences, each counted as often as its row was drawn: the ALE of a
resample is the same estimator with integer row weights. The model is
evaluated once; each resample only re-aggregates the differences with its
weights (sparse matrix products). The bins are held at the full-data edges, so
the band is for the curve on that grid; a bin that a resample leaves empty
keeps the full-data local effect.
"""

from __future__ import annotations

import numbers
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy import sparse

from .._model import prepare, provenance
from .._parallel import check_backend, map_chunks, rows_per_chunk
from .._results import Effect, Effects
from .._validation import check_fraction, check_positive_int, check_random_state, describe, resolve_seed

__all__ = ["accumulated_local_effects", "ale"]

_DEFAULT_BINS = 20
_N_QUANTILES = 100  # grid for the Kolmogorov-Smirnov distance used to order categories
_MAX_WEIGHT_CELLS = 2 * 10**7  # bound on (resamples x rows x columns) aggregated at once


# ------------------------------------------------------------------ plans
class _Plan:
    """What one requested effect needs: model variants to evaluate and the data to aggregate."""

    def __init__(self, kind: str, cols: tuple[int, ...], names: tuple[str, ...]):
        self.kind = kind          # "numeric", "categorical" or "pair"
        self.cols = cols
        self.names = names
        self.variants: list[int] = []   # ids into the global variant list
        self.info: dict[str, Any] = {}


def _check_bins_value(value: Any, what: str) -> Any:
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        return check_positive_int(value, what)
    try:
        edges = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{what} must be a positive int or a 1-D array of bin edges, got {describe(value)}") from None
    if edges.ndim != 1 or edges.size < 2:
        raise ValueError(f"{what} as bin edges must be a 1-D array of at least 2 values, got shape {edges.shape}")
    if not np.all(np.isfinite(edges)):
        raise ValueError(f"{what} bin edges must be finite, got {edges.tolist()[:10]}")
    if np.any(np.diff(edges) <= 0):
        raise ValueError(f"{what} bin edges must be strictly increasing, got {edges.tolist()[:10]}")
    return edges


def _bins_for(bins: Any, name: str) -> Any:
    if isinstance(bins, Mapping):
        return bins.get(name, _DEFAULT_BINS)
    return bins


def _numeric_bins(x: np.ndarray, spec: Any, name: str):
    """Edges, rows inside them, each such row's bin and its relative position in the bin."""
    if isinstance(spec, np.ndarray):
        edges = spec
    else:
        present = x[~np.isnan(x)]
        if present.size == 0:
            raise ValueError(f"feature {name!r} is missing in every row of X; ALE needs observed values")
        q = np.linspace(0.0, 1.0, spec + 1)
        edges = np.unique(np.quantile(present, q, method="inverted_cdf"))
        if edges.size < 2:
            raise ValueError(f"feature {name!r} has a single distinct value ({x[0]:g}) in X; "
                             "ALE needs at least two")
    inside = np.nonzero((x >= edges[0]) & (x <= edges[-1]))[0]
    if inside.size == 0:
        raise ValueError(f"no row of X has feature {name!r} within the bin edges "
                         f"[{edges[0]:g}, {edges[-1]:g}]")
    xs = x[inside]
    b = np.clip(np.searchsorted(edges, xs, side="left") - 1, 0, edges.size - 2)
    t = (xs - edges[b]) / (edges[b + 1] - edges[b])
    return edges, inside, b, t


def _warn_missing(x: np.ndarray, name: str, kind: str) -> None:
    n_missing = int(np.isnan(x).sum())
    if n_missing == 0 or n_missing == x.size:  # none, or all (an error follows)
        return
    if kind == "categorical":
        msg = (f"feature {name!r} is missing in {n_missing} of {x.size} rows; ALE treats 'missing' as one "
               "more category (the model sees those rows as they are)")
    else:
        msg = (f"feature {name!r} is missing in {n_missing} of {x.size} rows; those rows have no place "
               "between bin edges and are left out of its ALE")
    warnings.warn(msg, UserWarning, stacklevel=4)


def _level_order(Z: np.ndarray, j: int, levels: np.ndarray, schema: Any) -> np.ndarray:
    """Order of the present levels of categorical column j (positions into ``levels``).

    Natural order for ordered categoricals, booleans and discrete numbers;
    otherwise by similarity: distance between two categories = sum over the other
    features of the Kolmogorov-Smirnov distance (numeric) or the total-variation
    distance of the category shares (categorical) between the rows of the two
    categories; the categories are then sorted by their coordinate on the first
    axis of classical multidimensional scaling.
    """
    col = schema.columns[j]
    K = levels.size
    ordered = isinstance(col.dtype, pd.CategoricalDtype) and bool(col.dtype.ordered)
    if col.encoding == "identity" or ordered or col.categories == (False, True) or K <= 2:
        return np.arange(K)
    rank = np.searchsorted(levels, Z[:, j])
    D = np.zeros((K, K))
    for m in range(Z.shape[1]):
        if m == j:
            continue
        v = Z[:, m]
        present = ~np.isnan(v)
        if not present.any():
            continue
        r, v = rank[present], v[present]
        if schema.columns[m].kind == "categorical":
            vals, inv = np.unique(v, return_inverse=True)
            T = np.zeros((K, vals.size))
            np.add.at(T, (r, inv), 1.0)
        else:
            q = np.quantile(v, np.linspace(0.0, 1.0, _N_QUANTILES))
            order = np.lexsort((v, r))
            r_sorted, v_sorted = r[order], v[order]
            starts = np.searchsorted(r_sorted, np.arange(K + 1))
            T = np.zeros((K, _N_QUANTILES))
            for k in range(K):
                seg = v_sorted[starts[k]:starts[k + 1]]
                if seg.size:
                    T[k] = np.searchsorted(seg, q, side="right")
        tot = T.sum(axis=1) if schema.columns[m].kind == "categorical" else np.bincount(r, minlength=K)
        P = np.divide(T, tot[:, None], out=np.zeros_like(T), where=tot[:, None] > 0)
        diff = np.abs(P[:, None, :] - P[None, :, :])
        Dm = 0.5 * diff.sum(axis=2) if schema.columns[m].kind == "categorical" else diff.max(axis=2)
        empty = tot == 0
        Dm[empty, :] = 0.0
        Dm[:, empty] = 0.0
        D += Dm
    if not np.any(D > 0):
        return np.arange(K)
    C = np.eye(K) - 1.0 / K
    B = -0.5 * C @ (D ** 2) @ C
    w, V = np.linalg.eigh(B)
    coord = V[:, -1] * np.sqrt(max(w[-1], 0.0))
    if coord[0] > coord[-1]:
        coord = -coord
    return np.argsort(coord, kind="stable")


def _parse_features(features: Any, schema: Any) -> list[tuple[int, ...]]:
    if features is None:
        return [(j,) for j in range(schema.n_features)]
    if isinstance(features, (str, numbers.Integral)) and not isinstance(features, bool):
        features = [features]
    if not isinstance(features, Sequence) or isinstance(features, str):
        raise TypeError(f"features must be a feature name, a list of names / positions or of pairs, "
                        f"got {describe(features)}")
    out = []
    for item in features:
        if isinstance(item, (tuple, list)):
            if len(item) != 2:
                raise ValueError(f"a 2-D ALE takes a pair of features, got {tuple(item)!r}")
            a, b = schema.index(item[0]), schema.index(item[1])
            if a == b:
                raise ValueError(f"a 2-D ALE needs two different features, got {tuple(item)!r}")
            out.append((a, b))
        else:
            out.append((schema.index(item),))
    if not out:
        raise ValueError("features is empty; name at least one feature (or pass None for all)")
    return out


# ------------------------------------------------------- model evaluation
def _eval_chunk(tasks, f, Z, variants):
    """Build every modified row of a chunk, call the model once, split the output."""
    blocks, sizes = [], []
    for v, s, e in tasks:
        cols, values, rows = variants[v]
        block = Z[rows[s:e]]
        if cols:
            block[:, list(cols)] = values[s:e]
        blocks.append(block)
        sizes.append(e - s)
    big = np.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]
    Y = f(big)
    return np.split(Y, np.cumsum(sizes)[:-1]), big.shape[0]


def _make_chunks(variants: list, n_features: int) -> list[list[tuple[int, int, int]]]:
    budget = rows_per_chunk(1, n_features)
    chunks: list[list[tuple[int, int, int]]] = []
    current: list[tuple[int, int, int]] = []
    used = 0
    for v, (_, _, rows) in enumerate(variants):
        for s in range(0, rows.size, budget):
            e = min(rows.size, s + budget)
            if used + (e - s) > budget and current:
                chunks.append(current)
                current, used = [], 0
            current.append((v, s, e))
            used += e - s
    if current:
        chunks.append(current)
    return chunks


# ------------------------------------------------------------ aggregation
def _group_sum(groups: np.ndarray, n_groups: int, W: np.ndarray, values: np.ndarray) -> np.ndarray:
    """``out[b, g, q] = sum_i W[b, i] * values[i, q]`` over the rows ``i`` of group ``g``."""
    m = groups.size
    B, q = W.shape[0], values.shape[1]
    ind = sparse.csr_matrix((np.ones(m), (groups, np.arange(m))), shape=(n_groups, m))
    V = (W.T[:, :, None] * values[:, None, :]).reshape(m, B * q)
    return np.asarray(ind @ V).reshape(n_groups, B, q).transpose(1, 0, 2)


def _safe_mean(total: np.ndarray, count: np.ndarray, fill: np.ndarray | None) -> np.ndarray:
    """total (B, ..., k) / count (B, ...); where count is 0 use ``fill`` (..., k) or 0."""
    ok = count > 0
    mean = np.divide(total, count[..., None], out=np.zeros_like(total), where=ok[..., None])
    if fill is not None and not ok.all():
        mean = np.where(ok[..., None], mean, fill[None])
    return mean


def _estimate_numeric(W, info, delta, fill=None):
    """1-D ALE at the edges for each weight vector: (B, K+1, k), counts (B, K), local effects (B, K, k)."""
    b, t, K = info["bin"], info["t"], info["edges"].size - 1
    k = delta.shape[1]
    vals = np.column_stack([delta, np.ones_like(t), 1.0 - t, t])
    S = _group_sum(b, K, W, vals)
    cnt = S[..., k]
    local = _safe_mean(S[..., :k], cnt, fill)
    g = np.concatenate([np.zeros((W.shape[0], 1, k)), np.cumsum(local, axis=1)], axis=1)
    c = (S[..., k + 1, None] * g[:, :-1] + S[..., k + 2, None] * g[:, 1:]).sum(axis=1)
    c /= W.sum(axis=1)[:, None]
    return g - c[:, None, :], cnt, local


def _estimate_categorical(W, info, up, down, fill=None):
    """Categorical ALE per ordered level: (B, K, k), counts (B, K), jumps (B, K-1, k)."""
    rank, K = info["rank"], info["levels"].size
    iu, idn = info["up_rows"], info["down_rows"]
    k = up.shape[1]
    groups = np.concatenate([rank[iu], rank[idn] - 1])
    Wd = np.concatenate([W[:, iu], W[:, idn]], axis=1)
    d = np.concatenate([up, down], axis=0)
    S = _group_sum(groups, K - 1, Wd, np.column_stack([d, np.ones(d.shape[0])]))
    jump = _safe_mean(S[..., :k], S[..., k], fill)
    g = np.concatenate([np.zeros((W.shape[0], 1, k)), np.cumsum(jump, axis=1)], axis=1)
    cnt = _group_sum(rank, K, W, np.ones((rank.size, 1)))[..., 0]
    c = (cnt[..., None] * g).sum(axis=1) / cnt.sum(axis=1)[:, None]
    return g - c[:, None, :], cnt, jump


def _fill_empty_cells(mean: np.ndarray, cnt: np.ndarray, centers: np.ndarray) -> np.ndarray:
    """Give each empty cell the value of the nearest non-empty cell (centres scaled to [0, 1])."""
    from scipy.spatial import cKDTree
    out = mean.copy()
    for bidx in range(mean.shape[0]):
        empty = cnt[bidx].ravel() == 0
        if not empty.any():
            continue
        full = np.nonzero(~empty)[0]
        _, nearest = cKDTree(centers[full]).query(centers[empty])
        flat = out[bidx].reshape(-1, out.shape[-1])
        flat[empty] = flat[full[nearest]]
    return out


def _estimate_pair(W, info, d2, fill=None):
    """Second-order ALE at the edge grid: (B, K1+1, K2+1, k), cell counts (B, K1, K2)."""
    a, b, t1, t2 = info["bin1"], info["bin2"], info["t1"], info["t2"]
    K1, K2 = info["edges1"].size - 1, info["edges2"].size - 1
    B, k = W.shape[0], d2.shape[1]
    u1, u2 = 1.0 - t1, 1.0 - t2
    vals = np.column_stack([d2, np.ones_like(t1), u2, t2, u1, t1, u1 * u2, t1 * u2, u1 * t2, t1 * t2])
    S = _group_sum(a * K2 + b, K1 * K2, W, vals).reshape(B, K1, K2, -1)
    cnt = S[..., k]
    mean = _safe_mean(S[..., :k], cnt, None)
    if (cnt == 0).any():
        mean = _fill_empty_cells(mean, cnt, info["centers"])
    h = np.zeros((B, K1 + 1, K2 + 1, k))
    h[:, 1:, 1:] = np.cumsum(np.cumsum(mean, axis=1), axis=2)
    # first-order ALE of h along each axis, each row at its own position within its cell
    D1 = h[:, 1:] - h[:, :-1]                      # (B, K1, K2+1, k)
    loc1 = (S[..., k + 1, None] * D1[:, :, :-1] + S[..., k + 2, None] * D1[:, :, 1:]).sum(axis=2)
    n1 = cnt.sum(axis=2)
    m1 = np.concatenate([np.zeros((B, 1, k)), np.cumsum(_safe_mean(loc1, n1, None if fill is None else fill[0]),
                                                        axis=1)], axis=1)
    D2 = h[:, :, 1:] - h[:, :, :-1]                # (B, K1+1, K2, k)
    loc2 = (S[..., k + 3, None] * D2[:, :-1] + S[..., k + 4, None] * D2[:, 1:]).sum(axis=1)
    n2 = cnt.sum(axis=1)
    m2 = np.concatenate([np.zeros((B, 1, k)), np.cumsum(_safe_mean(loc2, n2, None if fill is None else fill[1]),
                                                        axis=1)], axis=1)
    h = h - m1[:, :, None, :] - m2[:, None, :, :]
    c = (S[..., k + 5, None] * h[:, :-1, :-1] + S[..., k + 6, None] * h[:, 1:, :-1]
         + S[..., k + 7, None] * h[:, :-1, 1:] + S[..., k + 8, None] * h[:, 1:, 1:]).sum(axis=(1, 2))
    c /= W.sum(axis=1)[:, None]
    return h - c[:, None, None, :], cnt, (_safe_mean(loc1, n1, None), _safe_mean(loc2, n2, None))


def _estimate(plan: _Plan, W: np.ndarray, outs: list, fill: Any = None):
    """Dispatch: (values (B, *grid, k), counts, local effects used as fill for resamples)."""
    info = plan.info
    if plan.kind == "numeric":
        lo, hi = outs
        rows = info["rows"]
        return _estimate_numeric(W[:, rows], info, hi - lo, fill)
    if plan.kind == "categorical":
        base, up, down = outs
        return _estimate_categorical(W, info, up - base[info["up_rows"]], base[info["down_rows"]] - down, fill)
    f00, f10, f01, f11 = outs
    rows = info["rows"]
    return _estimate_pair(W[:, rows], info, f11 - f10 - f01 + f00, fill)


def _bootstrap_weights(seed: int, start: int, stop: int, n: int) -> np.ndarray:
    W = np.empty((stop - start, n))
    for i, b in enumerate(range(start, stop)):
        rng = check_random_state(seed, b)
        W[i] = np.bincount(rng.integers(0, n, size=n), minlength=n)
    return W


def _build_plans(Z: np.ndarray, schema: Any, items: list[tuple[int, ...]], bins_spec: Any):
    """One plan per requested effect, and the list of model variants (columns, values, rows) they need."""
    n = Z.shape[0]
    variants: list[tuple[tuple[int, ...], np.ndarray | None, np.ndarray]] = []
    plans: list[_Plan] = []
    base_id = None
    all_rows = np.arange(n)
    for item in items:
        names = tuple(schema.names[j] for j in item)
        if len(item) == 2:
            for j, nm in zip(item, names):
                if schema.columns[j].kind != "numeric":
                    raise ValueError(f"a 2-D ALE needs two numeric features; {nm!r} is categorical")
        for j, nm in zip(item, names):
            _warn_missing(Z[:, j], nm, schema.columns[j].kind if len(item) == 1 else "numeric")
        plan = _Plan("pair" if len(item) == 2 else schema.columns[item[0]].kind, item, names)
        j = item[0]
        if plan.kind == "numeric":
            edges, rows, b, t = _numeric_bins(Z[:, j], _bins_for(bins_spec, names[0]), names[0])
            plan.info.update(edges=edges, rows=rows, bin=b, t=t)
            for e in (edges[b], edges[b + 1]):
                plan.variants.append(len(variants))
                variants.append(((j,), e[:, None], rows))
        elif plan.kind == "categorical":
            levels = np.unique(Z[:, j])
            if levels.size < 2:
                raise ValueError(f"feature {names[0]!r} has a single category "
                                 f"({schema.labels(j, levels)[0]!r}) in X; ALE needs at least two")
            order = _level_order(Z, j, levels, schema)
            levels = levels[order]
            pos = np.empty(order.size, dtype=np.intp)
            pos[order] = np.arange(order.size)
            rank = pos[np.searchsorted(np.sort(levels), Z[:, j])]
            up_rows = np.nonzero(rank < levels.size - 1)[0]
            down_rows = np.nonzero(rank > 0)[0]
            plan.info.update(levels=levels, rank=rank, up_rows=up_rows, down_rows=down_rows)
            if base_id is None:
                base_id = len(variants)
                variants.append(((), None, all_rows))
            plan.variants.append(base_id)
            plan.variants.append(len(variants))
            variants.append(((j,), levels[rank[up_rows] + 1][:, None], up_rows))
            plan.variants.append(len(variants))
            variants.append(((j,), levels[rank[down_rows] - 1][:, None], down_rows))
        else:
            l = item[1]
            e1, r1, _, _ = _numeric_bins(Z[:, j], _bins_for(bins_spec, names[0]), names[0])
            e2, r2, _, _ = _numeric_bins(Z[:, l], _bins_for(bins_spec, names[1]), names[1])
            rows = np.intersect1d(r1, r2)
            if rows.size == 0:
                raise ValueError(f"no row of X lies within the bin edges of both {names[0]!r} and {names[1]!r}")
            x1, x2 = Z[rows, j], Z[rows, l]
            a = np.clip(np.searchsorted(e1, x1, side="left") - 1, 0, e1.size - 2)
            b = np.clip(np.searchsorted(e2, x2, side="left") - 1, 0, e2.size - 2)
            t1 = (x1 - e1[a]) / (e1[a + 1] - e1[a])
            t2 = (x2 - e2[b]) / (e2[b + 1] - e2[b])
            c1 = ((e1[:-1] + e1[1:]) / 2 - e1[0]) / (e1[-1] - e1[0])
            c2 = ((e2[:-1] + e2[1:]) / 2 - e2[0]) / (e2[-1] - e2[0])
            centers = np.column_stack([np.repeat(c1, c2.size), np.tile(c2, c1.size)])
            plan.info.update(edges1=e1, edges2=e2, rows=rows, bin1=a, bin2=b, t1=t1, t2=t2, centers=centers)
            for va, vb in ((e1[a], e2[b]), (e1[a + 1], e2[b]), (e1[a], e2[b + 1]), (e1[a + 1], e2[b + 1])):
                plan.variants.append(len(variants))
                variants.append(((j, l), np.column_stack([va, vb]), rows))
        plans.append(plan)

    return plans, variants


# ------------------------------------------------------------- the method
def accumulated_local_effects(model: Any, X: Any, features: Any = None, *, bins: Any = 20,
                              n_bootstrap: int = 0, confidence: float = 0.95, output: str = "auto",
                              random_state: Any = None, backend: Any = None, progress: bool = True) -> Effects:
    """Accumulated local effects (ALE) of features on a model's output.

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
        A callable takes data in the form of ``X`` and returns (n,) or (n, k) numbers.
    X : array-like or DataFrame of shape (n_rows, n_features)
        The data the effects are measured on (at least 2 rows). It is not modified.
    features : name, position, or list of names / positions / pairs, optional
        A single feature gives a 1-D ALE; a pair ``("a", "b")`` of numeric
        features the second-order (interaction) ALE. Default: every feature, 1-D.
    bins : int or mapping, default 20
        Number of quantile bins of numeric features (fewer when quantiles
        coincide). A mapping ``{feature: int or 1-D array of edges}`` sets bins
        per feature (others get 20); rows outside explicit edges are left out
        of that feature's estimate. Ignored for categorical features.
    n_bootstrap : int, default 0
        Bootstrap resamples of the rows for the percentile band
        (``Effect.lower`` / ``Effect.upper``); 0 for none. No extra model calls.
    confidence : float, default 0.95
        Coverage of the band.
    output : {"auto", "proba", "log_odds", "decision", "raw", "predict"}, default "auto"
        The model output explained (see :func:`unboxed.model_function`).
    random_state : None, int or numpy Generator
        Seed of the bootstrap; resample ``b`` uses ``check_random_state(seed, b)``.
    backend : None, "processes", "dask" or dask.distributed.Client
        Where the chunks of model evaluations run. Same answer on every backend.
    progress : bool, default True
        Show a progress bar for work of several chunks.

    Returns
    -------
    Effects
        One :class:`~unboxed.Effect` (``method="ale"``) per requested feature or
        pair, in order. 1-D numeric: ``grid`` the bin edges (K+1,), ``average``
        (K+1, n_outputs) the ALE at the edges, ``counts`` rows per bin (K,).
        Categorical: ``grid`` the ordered category labels (K,), ``average``
        (K, n_outputs), ``counts`` rows per category. Pair: ``grid`` both edge
        arrays, ``average`` (K1+1, K2+1, n_outputs), ``counts`` rows per cell
        (K1, K2). Every curve has zero mean over the rows of ``X``.

    Raises
    ------
    ValueError
        For a studied feature missing in every row, a feature with one distinct
        value, a pair with a categorical feature, bad ``bins`` and the data
        errors of :meth:`unboxed.Schema.encode`.
    unboxed.ModelError
        If the model raises or returns non-finite values.

    Notes
    -----
    Centering: the curve (linear between edges) is shifted so that its mean
    over the rows of ``X`` is 0, each row counted at its own position. R's
    ALEPlot and PyALE count each row at the middle of its bin, equation 16 of
    the paper at the bin's upper edge; the curves differ only by a constant.
    For 2-D effects the same choice is used for removing the main effects.

    References
    ----------
    .. [1] Apley, D. W. and Zhu, J. (2020). Visualizing the effects of predictor
       variables in black box supervised learning models. Journal of the Royal
       Statistical Society Series B, 82(4), 1059-1086.

    Examples
    --------
    >>> import numpy as np
    >>> import unboxed as ub
    >>> X = np.random.default_rng(0).uniform(size=(500, 2))
    >>> eff = ub.ale(lambda A: 2 * A[:, 0] + A[:, 1] ** 2, X, ["x0"], bins=10, progress=False)
    >>> e = eff["x0"]
    >>> bool(np.allclose(np.diff(e.average[:, 0]), 2 * np.diff(e.grid[0])))
    True
    """
    if isinstance(bins, Mapping):
        bins_spec = dict(bins)
    else:
        bins_spec = _check_bins_value(bins, "bins")
        if isinstance(bins_spec, np.ndarray):
            raise TypeError("bins must be an int or a mapping {feature: int or edges}; "
                            "pass explicit edges per feature as {name: edges}")
    n_bootstrap = check_positive_int(n_bootstrap, "n_bootstrap", minimum=0)
    confidence = check_fraction(confidence, "confidence")
    check_backend(backend)
    f, Z = prepare(model, X, output=output, min_rows=2)
    schema = f.schema
    seed = resolve_seed(random_state) if n_bootstrap else None
    if isinstance(bins_spec, dict):
        checked = {}
        for key, val in bins_spec.items():
            col = schema.columns[schema.index(key)]
            val = _check_bins_value(val, f"bins[{key!r}]")
            integer = np.dtype(col.dtype).kind in "iu" if isinstance(col.dtype, np.dtype) else \
                str(col.dtype).lower().startswith(("int", "uint"))
            if isinstance(val, np.ndarray) and integer and np.any(val != np.round(val)):
                raise ValueError(f"feature {col.name!r} holds integers, so its bin edges must be whole numbers "
                                 f"(the model would see them truncated); got {val.tolist()[:10]}")
            checked[col.name] = val
        bins_spec = checked
    items = _parse_features(features, schema)
    n = Z.shape[0]

    plans, variants = _build_plans(Z, schema, items, bins_spec)
    chunks = _make_chunks(variants, schema.n_features)
    results = map_chunks(_eval_chunk, chunks, backend=backend, progress=progress, desc="ALE",
                         shared={"f": f, "Z": Z, "variants": variants})
    parts: list[list[np.ndarray]] = [[] for _ in variants]
    n_evals = 0
    for chunk, (outs, count) in zip(chunks, results):
        n_evals += count
        for (v, _, _), y in zip(chunk, outs):
            parts[v].append(y)
    k = f.n_outputs
    outputs = [np.concatenate(p, axis=0) if p else np.empty((0, k)) for p in parts]

    ones = np.ones((1, n))
    point = []
    for plan in plans:
        vals, cnt, local = _estimate(plan, ones, [outputs[v] for v in plan.variants])
        point.append((vals[0], cnt[0], local))
    bands: list[list[np.ndarray]] = [[] for _ in plans]
    if n_bootstrap:
        width = max(1, _MAX_WEIGHT_CELLS // (n * (k + 10)))
        for start in range(0, n_bootstrap, width):
            stop = min(n_bootstrap, start + width)
            W = _bootstrap_weights(seed, start, stop, n)
            for i, plan in enumerate(plans):
                local = point[i][2]
                fill = (local[0][0], local[1][0]) if plan.kind == "pair" else local[0]
                vals, _, _ = _estimate(plan, W, [outputs[v] for v in plan.variants], fill)
                bands[i].append(vals)

    params = {"features": tuple(tuple(p.names) for p in plans), "n_bootstrap": n_bootstrap,
              "confidence": confidence,
              "bins": bins if isinstance(bins, numbers.Integral) else repr(bins)}
    prov = provenance("accumulated_local_effects", f, params, random_state=seed, n_evals=n_evals, backend=backend)
    alpha = (1.0 - confidence) / 2.0
    effects = []
    for i, plan in enumerate(plans):
        vals, cnt, _ = point[i]
        lower = upper = None
        if n_bootstrap:
            boot = np.concatenate(bands[i], axis=0)
            lower = np.quantile(boot, alpha, axis=0)
            upper = np.quantile(boot, 1.0 - alpha, axis=0)
        info = plan.info
        if plan.kind == "numeric":
            grid = (info["edges"],)
            kinds = ("numeric",)
        elif plan.kind == "categorical":
            labels = schema.labels(plan.cols[0], info["levels"])
            labels[np.isnan(info["levels"])] = "missing"
            grid = (labels,)
            kinds = ("categorical",)
        else:
            grid = (info["edges1"], info["edges2"])
            kinds = ("numeric", "numeric")
        deciles = tuple(None if kd != "numeric" else np.quantile(Z[:, c], np.linspace(0.1, 0.9, 9))
                        for c, kd in zip(plan.cols, kinds))
        effects.append(Effect(features=plan.names, kinds=kinds, grid=grid, average=vals,
                              output_names=f.output_names, lower=lower, upper=upper, counts=cnt,
                              deciles=deciles, method="ale", centered=False, provenance=prov))
    return Effects(tuple(effects))


#: Short alias of :func:`accumulated_local_effects`.
ale = accumulated_local_effects
