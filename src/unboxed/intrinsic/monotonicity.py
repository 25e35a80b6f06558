"""Is a fitted model monotone in each feature? A check on its ICE curves.

For every feature the model is evaluated on a grid of the feature's values for
every row of X (individual conditional expectation curves, Goldstein et al.
2015), in one batched call per chunk. A curve is increasing when no step goes
down by more than ``tol``, decreasing when none goes up by more than ``tol``,
constant when it does neither. The feature's effect is monotone when every
curve goes the same way; the report gives the share of curves in each
direction and the largest step against the main direction (where and for which
row), so a violation can be looked at.

It checks what a model with monotone constraints (scikit-learn's
``monotonic_cst``, :class:`~unboxed.rules.FIGSRegressor`'s) promises, and finds
out whether an unconstrained model happens to be monotone on the data.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .._model import prepare, provenance
from .._parallel import chunk_slices, map_chunks, rows_per_chunk
from .._validation import check_positive_int

__all__ = ["check_monotonicity"]


def _grid(schema: Any, Z: np.ndarray, j: int, resolution: int) -> np.ndarray | None:
    col = schema.columns[j]
    if col.encoding == "codes":
        ordered = col.categories == (False, True) or bool(getattr(col.dtype, "ordered", False))
        return np.arange(len(col.categories), dtype=np.float64) if ordered else None
    x = Z[:, j]
    x = x[np.isfinite(x)]
    if x.size == 0:
        return np.zeros(0)
    if col.kind == "categorical" and col.categories is not None and len(col.categories) <= resolution:
        return np.asarray(col.categories, dtype=np.float64)
    return np.unique(np.quantile(x, np.linspace(0, 1, resolution)))


def _ice_chunk(chunk: tuple[int, slice], *, f: Any, Z: np.ndarray, grids: dict) -> tuple[np.ndarray, int]:
    """ICE curves of feature ``j`` for a slice of rows: (rows, g, k) and the model evaluations."""
    j, rows = chunk
    grid = grids[j]
    Zr = Z[rows]
    g = grid.size
    big = np.repeat(Zr, g, axis=0)
    big[:, j] = np.tile(grid, Zr.shape[0])
    before = f.n_evals
    out = f(big)
    return out.reshape(Zr.shape[0], g, -1), f.n_evals - before


def _direction(inc: bool, dec: bool) -> str:
    if inc and dec:
        return "constant"
    if inc:
        return "increasing"
    if dec:
        return "decreasing"
    return "not monotone"


def check_monotonicity(model: Any, X: Any, features: Any = None, *, grid_resolution: int = 20,
                       output: str = "auto", tol: float = 0.0, backend: Any = None,
                       progress: bool = True) -> pd.DataFrame:
    """Report whether each feature's effect on a fitted model is monotone.

    Parameters
    ----------
    model : estimator, Pipeline, booster or callable
        Reached through :func:`unboxed.model_function`.
    X : array-like or DataFrame (n_rows, n_features)
        Rows whose ICE curves are checked (and whose values make the grids).
    features : name, position or list of them, optional
        Default: all features.
    grid_resolution : int, default=20
        Grid points per numeric feature (quantiles of X, min and max included);
        discrete features use all their values. Unordered categories (not an
        ordered pandas Categorical, not bool) have no direction and are reported
        as ``"unordered"``.
    output : {"auto", "proba", "log_odds", "decision", "raw", "predict"}
        The output checked. For a binary classifier's probabilities only the
        second class is reported (the first is its mirror image).
    tol : float, default=0.0
        Steps smaller than ``tol`` in absolute value count as flat.
    backend : None, "processes" or dask Client
    progress : bool, default=True

    Returns
    -------
    pandas.DataFrame
        One row per (feature, output): ``direction`` (``increasing``,
        ``decreasing``, ``constant``, ``not monotone`` or ``unordered``),
        ``share_increasing`` / ``share_decreasing`` / ``share_constant`` (of the
        ICE curves; a constant curve counts as both increasing and decreasing),
        ``largest_violation`` (the largest step against the main direction, 0 if
        monotone), ``violation_row`` (its row in X), ``violation_from`` /
        ``violation_to`` (the grid step), ``average_direction`` (of the partial
        dependence curve) and ``n_grid``. ``frame.attrs["provenance"]`` records
        the parameters and model evaluations.

    References
    ----------
    Goldstein, A., Kapelner, A., Bleich, J., & Pitkin, E. (2015). Peeking inside
    the black box: visualizing statistical learning with plots of individual
    conditional expectation. JCGS, 24(1), 44-65.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.ensemble import HistGradientBoostingRegressor
    >>> from unboxed.intrinsic import check_monotonicity
    >>> rng = np.random.default_rng(0)
    >>> X = rng.uniform(size=(300, 2)); y = X[:, 0] - X[:, 1] + rng.normal(0, .1, 300)
    >>> m = HistGradientBoostingRegressor(monotonic_cst=[1, -1], max_iter=30).fit(X, y)
    >>> list(check_monotonicity(m, X[:50], progress=False)["direction"])
    ['increasing', 'decreasing']
    """
    grid_resolution = check_positive_int(grid_resolution, "grid_resolution", minimum=2)
    if isinstance(tol, bool) or not isinstance(tol, (int, float, np.floating)) or not tol >= 0:
        raise ValueError(f"tol must be a number >= 0, got {tol!r}")
    f, Z = prepare(model, X, output=output, min_rows=1)
    schema = f.schema
    feats = schema.indices(features)
    if len(set(feats)) != len(feats):
        raise ValueError(f"features repeat: {[schema.names[j] for j in feats]}")
    grids = {j: _grid(schema, Z, j, grid_resolution) for j in feats}
    n = Z.shape[0]
    chunks = []
    for j in feats:
        g = grids[j]
        if g is None or g.size < 2:
            continue
        for sl in chunk_slices(n, rows_per_chunk(g.size, schema.n_features)):
            chunks.append((j, sl))
    results = map_chunks(_ice_chunk, chunks, backend=backend, progress=progress, desc="monotonicity",
                         shared={"f": f, "Z": Z, "grids": grids})
    curves: dict[int, list[np.ndarray]] = {}
    total_evals = 0
    for (j, _), (arr, ne) in zip(chunks, results):
        curves.setdefault(j, []).append(arr)
        total_evals += ne
    names = f.output_names or ()
    keep = [1] if f.output == "proba" and f.n_outputs == 2 else list(range(max(f.n_outputs, 1)))
    rows = []
    for j in feats:
        g = grids[j]
        base = {"feature": schema.names[j]}
        if g is None or g.size < 2:
            label = "unordered" if g is None else "constant"
            for k in keep:
                rows.append({**base, "output": names[k] if k < len(names) else str(k), "direction": label,
                             "share_increasing": np.nan if g is None else 1.0,
                             "share_decreasing": np.nan if g is None else 1.0,
                             "share_constant": np.nan if g is None else 1.0, "largest_violation": np.nan if g is None
                             else 0.0, "violation_row": -1, "violation_from": None, "violation_to": None,
                             "average_direction": label, "n_grid": 0 if g is None else int(g.size)})
            continue
        C = np.concatenate(curves[j], axis=0)             # (n, g, K)
        labels = schema.labels(j, g)
        for k in keep:
            d = np.diff(C[:, :, k], axis=1)              # (n, g-1)
            inc = (d >= -tol).all(axis=1)
            dec = (d <= tol).all(axis=1)
            const = inc & dec
            s_inc, s_dec = float(inc.mean()), float(dec.mean())
            against = -d if s_inc >= s_dec else d
            worst = np.unravel_index(int(np.argmax(against)), against.shape)
            viol = max(float(against[worst]), 0.0)
            if inc.all() or dec.all():
                viol = 0.0
            pd_d = np.diff(C[:, :, k].mean(axis=0))
            rows.append({**base, "output": names[k] if k < len(names) else str(k),
                         "direction": _direction(bool(inc.all()), bool(dec.all())),
                         "share_increasing": s_inc, "share_decreasing": s_dec, "share_constant": float(const.mean()),
                         "largest_violation": viol, "violation_row": int(worst[0]) if viol > 0 else -1,
                         "violation_from": labels[worst[1]] if viol > 0 else None,
                         "violation_to": labels[worst[1] + 1] if viol > 0 else None,
                         "average_direction": _direction(bool((pd_d >= -tol).all()), bool((pd_d <= tol).all())),
                         "n_grid": int(g.size)})
    frame = pd.DataFrame(rows, columns=["feature", "output", "direction", "share_increasing", "share_decreasing",
                                        "share_constant", "largest_violation", "violation_row", "violation_from",
                                        "violation_to", "average_direction", "n_grid"])
    frame.attrs["provenance"] = provenance("check_monotonicity", f, {"features": [schema.names[j] for j in feats],
                                           "grid_resolution": grid_resolution, "tol": tol}, n_evals=total_evals,
                                           backend=backend)
    return frame
