"""Partial dependence (PDP), individual conditional expectation (ICE) and centered ICE.

For every requested feature (or pair of features) and every grid value, the
feature is set to that value in every row and the model's outputs are recorded:
the ICE curves are these outputs per row, the partial dependence their mean.
All grid values of all requested effects for a chunk of rows are tiled into one
encoded matrix and sent to the model in one call; chunks are bounded in memory
(:func:`unboxed._parallel.rows_per_chunk`) and run on any backend.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .._model import prepare, provenance
from .._parallel import chunk_slices, map_chunks, rows_per_chunk
from .._results import Effect, Effects
from .._validation import check_choice, check_positive_int, check_random_state, resolve_seed
from . import _grid

__all__ = ["partial_dependence"]

#: Most model rows (and bytes of encoded input) one chunk may build.
MAX_CHUNK_ROWS = 2**18
MAX_CHUNK_BYTES = 256 * 2**20
#: Default number of rows whose ICE curves are kept (``max_ice_rows="auto"``).
ICE_ROWS = 1000
#: Above this many model rows (rows x grid points) a warning suggests ``sample=``.
WARN_EVALS = 2**26


@dataclass(frozen=True)
class _Plan:
    """Grid points of all effects, concatenated: effect ``e`` owns points ``[starts[e], starts[e] + sizes[e])``."""

    columns: tuple  # per effect: tuple of column positions
    values: tuple  # per effect: (G_e, d_e) encoded values
    starts: np.ndarray
    sizes: np.ndarray

    @property
    def n_points(self) -> int:
        return int(self.sizes.sum())


def _tile_chunk(Zc: np.ndarray, plan: _Plan, points: slice) -> np.ndarray:
    """Rows ``Zc`` (r, p) with each grid point of ``points`` set in turn: (G * r, p), point-major."""
    r, p = Zc.shape
    G = points.stop - points.start
    big = np.empty((G, r, p), dtype=np.float64)
    big[...] = Zc[None, :, :]
    for cols, vals, s, g in zip(plan.columns, plan.values, plan.starts, plan.sizes):
        a, b = max(points.start, int(s)), min(points.stop, int(s + g))
        if a >= b:
            continue
        seg = vals[a - s:b - s]  # (b - a, d)
        for k, c in enumerate(cols):
            big[a - points.start:b - points.start, :, c] = seg[:, k:k + 1]
    return big.reshape(G * r, p)


def _pdp_chunk(chunk: tuple[slice, slice], *, f: Any, Z: np.ndarray, plan: _Plan, individual: Any):
    """Evaluate one (rows, grid points) block: sums over rows (G, k), ICE or None, n_evals.

    ``individual`` is False (no ICE), True (ICE of every row of the chunk: (r, G, k)) or a
    sorted array of row positions whose ICE is kept ((rows of the chunk among them, G, k)).
    """
    rows, points = chunk
    Zc = Z[rows]
    r = Zc.shape[0]
    G = points.stop - points.start
    big = _tile_chunk(Zc, plan, points)
    Y = f(big).reshape(G, r, -1)
    sums = Y.sum(axis=1)
    ice = None
    if isinstance(individual, np.ndarray):
        a, b = np.searchsorted(individual, [rows.start, rows.stop])
        ice = np.ascontiguousarray(Y[:, individual[a:b] - rows.start].transpose(1, 0, 2))
    elif individual:
        ice = np.ascontiguousarray(Y.transpose(1, 0, 2))
    return sums, ice, G * r


def _chunks(n_rows: int, n_points: int, n_features: int) -> list[tuple[slice, slice]]:
    """(rows, points) blocks whose tiled matrix stays under the chunk bounds."""
    max_points = rows_per_chunk(1, n_features, max_rows=MAX_CHUNK_ROWS, max_bytes=MAX_CHUNK_BYTES)
    out = []
    for pts in chunk_slices(n_points, max_points):
        g = pts.stop - pts.start
        per = rows_per_chunk(g, n_features, max_rows=MAX_CHUNK_ROWS, max_bytes=MAX_CHUNK_BYTES)
        out.extend((rows, pts) for rows in chunk_slices(n_rows, per))
    return out


def partial_dependence(model: Any, X: Any, features: Any, *, kind: str = "average", grid_resolution: int = 100,
                       percentiles: tuple[float, float] = (0.05, 0.95), grid: Mapping | None = None,
                       centered: bool = False, output: str = "auto", sample: int | float | None = None,
                       max_ice_rows: int | str | None = "auto", random_state: Any = None, backend: Any = None,
                       progress: bool = True) -> Effects:
    """Partial dependence and individual conditional expectation (ICE) curves.

    For a feature ``S`` and a grid value ``v``, the ICE value of row ``i`` is
    the model's output on row ``i`` with ``S`` set to ``v``; the partial
    dependence is the mean of the ICE values over the rows (Friedman 2001;
    Goldstein et al. 2015).

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
    X : array-like or DataFrame of shape (n_rows, n_features)
        The rows to average over (and to draw ICE curves for). Not modified.
    features : str, int, or list of (str | int | pair of them)
        One feature, or a list whose items are a feature (a 1-D effect) or a
        pair ``("a", "b")`` (a 2-D effect). A top-level tuple is read as a list
        of features, like a list. ``None``: every feature, 1-D.
    kind : {"average", "individual", "both"}, default "average"
        ``average``: the partial dependence only. ``individual`` or ``both``:
        also the ICE curves (``Effect.individual``); ``average`` is always set.
    grid_resolution : int, default 100
        Points of the grid of a numeric feature (>= 2). A numeric feature with
        fewer distinct values uses those values; one of an integer dtype gets
        the points rounded to integers (duplicates dropped).
    percentiles : (float, float), default (0.05, 0.95)
        The grid of a numeric feature spans these percentiles of ``X``
        (``scipy.stats.mstats.mquantiles``, as scikit-learn).
    grid : dict, optional
        Custom grids ``{feature: values}``: numbers for numeric features,
        category labels for categorical ones. They override the defaults.
    centered : bool, default False
        Centered ICE (c-ICE): every curve, and the average, minus its value at
        the first grid point (for a pair, the first point of both grids).
    output : {"auto", "proba", "log_odds", "decision", "raw", "predict"}, default "auto"
        The model output to explain (class probabilities for classifiers).
    sample : int or float, optional
        Evaluate only a random subsample of the rows (a number of rows, or a
        fraction in (0, 1]): both the ICE curves and the average come from it.
        The grid, deciles and counts still come from all of ``X``. Without it
        every row is evaluated at every grid point (``n_rows x n_grid`` model
        rows; a 2-D effect of two 100-point grids on 50,000 rows is 5e8), and a
        ``UserWarning`` says so when that exceeds ``2**26`` model rows.
    max_ice_rows : int, "auto" or None, default "auto"
        For ``kind`` "individual" / "both": keep the ICE curves of at most this
        many rows (a seeded random subsample, in data order); the average still
        comes from every evaluated row. ``"auto"``: 1000 rows, the number
        scikit-learn's ``PartialDependenceDisplay`` draws (``subsample=1000``);
        more curves cannot be told apart in a plot, and all of them would take
        ``n_rows x n_grid x n_outputs`` floats (7.8 GB for a 2-D effect on
        50,000 rows). ``None``: every row's curve. With fewer rows than this,
        nothing changes.
    random_state : int, Generator or None
        Seeds ``sample`` and the ICE subsample (and is recorded in the
        provenance when one of them is used).
    backend : None, "processes" or dask.distributed.Client
        Where the chunks of rows run; the result does not depend on it.
    progress : bool, default True
        Show a progress bar for work that takes several chunks.

    Returns
    -------
    Effects
        One :class:`~unboxed.Effect` per item of ``features`` (``method="pdp"``):
        ``grid`` (numbers, or category labels for categorical features),
        ``average`` (g1[, g2], n_outputs), ``individual`` (n_ice_rows, g1[, g2],
        n_outputs) for ``kind`` "individual" / "both" (``n_ice_rows`` is the
        smaller of the rows used and ``max_ice_rows``), ``deciles`` for numeric
        features, ``counts`` (rows per category) when all features are categorical.

    Notes
    -----
    Numeric grids, and the values on them, equal those of
    ``sklearn.inspection.partial_dependence(method="brute")``; categorical
    features use every category of the schema. Missing values are left out of
    grids. Every chunk of rows, with all its grid points, is one model call of
    at most ``2**18`` rows (less for wide data).

    References
    ----------
    Friedman, J. H. (2001). Greedy function approximation: a gradient boosting
    machine. Annals of Statistics 29(5), 1189-1232.
    Goldstein, A., Kapelner, A., Bleich, J. and Pitkin, E. (2015). Peeking inside
    the black box: visualizing statistical learning with plots of individual
    conditional expectation. J. Comp. Graph. Statistics 24(1), 44-65.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> model = Ridge().fit(X, y)
    >>> pd = partial_dependence(model, X, ["bmi", ("bmi", "bp")], kind="both", grid_resolution=20)
    >>> pd["bmi"].average.shape, pd["bmi"].individual.shape, pd[("bmi", "bp")].average.shape
    ((20, 1), (442, 20, 1), (20, 20, 1))
    """
    check_choice(kind, "kind", ("average", "individual", "both"))
    grid_resolution = check_positive_int(grid_resolution, "grid_resolution", minimum=2)
    percentiles = _grid.check_percentiles(percentiles)
    if not isinstance(centered, (bool, np.bool_)):
        raise TypeError(f"centered must be True or False, got {centered!r}")
    f, Z = prepare(model, X, output=output)
    schema = f.schema
    items = _grid.parse_features(features, schema)
    custom = _grid.parse_custom_grids(grid, schema)

    axes_cache: dict[int, _grid.Axis] = {}

    def axis(j: int) -> _grid.Axis:
        if j not in axes_cache:
            axes_cache[j] = _grid.feature_axis(schema, Z, j, grid_resolution, percentiles, custom.get(j))
        return axes_cache[j]

    effect_axes = [[axis(j) for j in item] for item in items]
    values = []
    for axs in effect_axes:
        mesh = np.meshgrid(*[a.values for a in axs], indexing="ij")
        values.append(np.stack([m.ravel() for m in mesh], axis=1))
    sizes = np.asarray([v.shape[0] for v in values], dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    plan = _Plan(columns=tuple(items), values=tuple(values), starts=starts, sizes=sizes)

    if max_ice_rows == "auto":
        max_ice_rows = ICE_ROWS
    elif max_ice_rows is not None:
        max_ice_rows = check_positive_int(max_ice_rows, "max_ice_rows")
    seed = None
    rows = None
    if sample is not None:
        seed = resolve_seed(random_state)
        rows = _grid.sample_rows(Z.shape[0], sample, check_random_state(seed))
    Zs = Z if rows is None else Z[rows]
    n_used = Zs.shape[0]
    want_ice: Any = kind != "average"
    n_ice = n_used
    if want_ice and max_ice_rows is not None and n_used > max_ice_rows:
        if seed is None:
            seed = resolve_seed(random_state)
        # a stream of its own, so that adding the ICE subsample never changes the row sample
        want_ice = np.sort(check_random_state(seed, 1).choice(n_used, size=max_ice_rows, replace=False))
        n_ice = max_ice_rows
    total = n_used * plan.n_points
    if total > WARN_EVALS:
        warnings.warn(f"partial dependence will evaluate the model on {total:,} rows ({n_used:,} rows x "
                      f"{plan.n_points:,} grid points); pass sample= (e.g. sample=2000) or a smaller "
                      "grid_resolution to make it faster", UserWarning, stacklevel=2)

    chunks = _chunks(n_used, plan.n_points, schema.n_features)
    results = map_chunks(_pdp_chunk, chunks, backend=backend, progress=progress, desc="partial dependence",
                         shared={"f": f, "Z": Zs, "plan": plan, "individual": want_ice})
    k = results[0][0].shape[1]
    sums = np.zeros((plan.n_points, k))
    ice = np.empty((n_ice, plan.n_points, k)) if kind != "average" else None
    n_evals = 0
    for (rs, pts), (s, block, ne) in zip(chunks, results):
        sums[pts] += s
        if isinstance(want_ice, np.ndarray):
            a, b = np.searchsorted(want_ice, [rs.start, rs.stop])
            ice[a:b, pts] = block
        elif want_ice:
            ice[rs, pts] = block
        n_evals += ne
    average = sums / n_used

    output_names = f.output_names if f.output_names and len(f.output_names) == k else tuple(
        f"output_{i}" for i in range(k))
    params = {"features": [tuple(schema.names[j] for j in it) for it in items], "kind": kind,
              "grid_resolution": grid_resolution, "percentiles": percentiles, "centered": bool(centered),
              "sample": sample, "n_rows": n_used, "max_ice_rows": max_ice_rows,
              "n_ice_rows": n_ice if ice is not None else 0,
              "custom_grid": sorted(schema.names[j] for j in custom)}
    prov = provenance("partial_dependence", f, params, random_state=seed, n_evals=n_evals, backend=backend)

    effects = []
    for e, (item, axs) in enumerate(zip(items, effect_axes)):
        sl = slice(int(starts[e]), int(starts[e] + sizes[e]))
        shape = tuple(len(a.values) for a in axs)
        eff = Effect(
            features=tuple(schema.names[j] for j in item),
            kinds=tuple(a.kind for a in axs),
            grid=tuple(a.labels for a in axs),
            average=average[sl].reshape(*shape, k),
            output_names=output_names,
            individual=None if ice is None else ice[:, sl].reshape(n_ice, *shape, k),
            counts=_grid.counts(Z, axs),
            deciles=tuple(_grid.deciles(Z[:, a.column]) if a.kind == "numeric" else None for a in axs),
            method="pdp",
            provenance=prov,
        )
        effects.append(eff.center() if centered else eff)
    return Effects(tuple(effects))
