"""Friedman's H-statistic: how much of the model's variation is interaction.

Friedman & Popescu (2008) compare partial dependence functions evaluated at the
data points themselves. With every PD function centred to mean zero over the
``n`` (sub-sampled) rows:

- pairwise, for features ``j`` and ``k``::

      H²_jk = Σ_i [PD_jk(x_ij, x_ik) - PD_j(x_ij) - PD_k(x_ik)]² / Σ_i PD_jk(x_ij, x_ik)²

- one feature against all others::

      H²_j = Σ_i [f(x_i) - PD_j(x_ij) - PD_-j(x_i,-j)]² / Σ_i f(x_i)²

where ``PD_S(v) = (1/n) Σ_l f(v, x_l,-S)`` averages over the same rows. These are
the definitions of the paper (eq. 44 and 46) and of R's ``iml::Interaction``;
``iml`` reports the square root ``H``, we report ``H²`` (the share of the
variance of ``PD_jk`` resp. ``f`` that is interaction), and the unnormalised
numerator ``mean_i [...]²`` (``Interaction.numerator``, on the squared scale of
the output) so that pairs can be compared in absolute terms.

Cost: every PD value is a mean over ``n`` model rows, so a feature or pair costs
``u·n`` model rows for its ``u`` distinct values among the sample (at most
``n``). ``sample_size`` bounds ``n``. For one-vs-rest the same ``n × n`` block of
predictions ``f(x_aj, x_b,-j)`` gives both ``PD_j`` (mean over ``b``) and
``PD_-j`` (mean over ``a``), and ``f(x_i)`` on its diagonal.
"""

from __future__ import annotations

import itertools
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np

from .._model import prepare, provenance
from .._parallel import check_backend, map_chunks, rows_per_chunk
from .._results import Interaction
from .._validation import check_choice, check_positive_int, check_random_state, describe, resolve_seed

__all__ = ["h_statistic"]

#: Relative size below which a centred PD function counts as constant (H² := 0).
_REL_TOL = 1e-10


def _unique_rows(V: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct rows of V (n, c) and the inverse index; NaNs compare equal."""
    key = np.where(np.isnan(V), np.inf, V)  # inf never occurs in encoded data
    uniq, first, inv = np.unique(key, axis=0, return_index=True, return_inverse=True)
    return V[first], inv.reshape(-1)


def _pd_chunk(tasks, f, Z, specs):
    """Partial dependence at grid points: mean over all rows of Z with the spec's columns set.

    For a one-vs-rest spec (``extra = (counts, inverse)``) the block ``M[a, b] =
    f(row b with the columns set to grid point a)`` is also reduced to what the
    statistic needs, so it is never stored whole: the count-weighted column sums
    ``Σ_a counts_a M[a, b]`` (for ``PD_-j``) and the diagonal ``M[inverse_b, b]``
    (the prediction of row b itself) for the rows whose own value is in the chunk.
    """
    n = Z.shape[0]
    blocks, sizes = [], []
    for s_id, s, e in tasks:
        cols, G, _ = specs[s_id]
        g = e - s
        block = np.tile(Z, (g, 1))
        block[:, list(cols)] = np.repeat(G[s:e], n, axis=0)
        blocks.append(block)
        sizes.append(g)
    big = np.concatenate(blocks, axis=0) if len(blocks) > 1 else blocks[0]
    Y = f(big)
    out, start = [], 0
    for (s_id, s, e), g in zip(tasks, sizes):
        part = Y[start:start + g * n].reshape(g, n, -1)
        start += g * n
        extra = specs[s_id][2]
        if extra is None:
            out.append(part.mean(axis=1))
            continue
        counts, inv = extra
        mine = np.nonzero((inv >= s) & (inv < e))[0]
        out.append((part.mean(axis=1), np.tensordot(counts[s:e], part, axes=(0, 0)),
                    mine, part[inv[mine] - s, mine]))
    return out, big.shape[0]


def _make_chunks(specs: list, n: int, p: int) -> list[list[tuple[int, int, int]]]:
    budget = rows_per_chunk(n, p)  # grid points per chunk
    chunks, current, used = [], [], 0
    for s_id, (_, G, _) in enumerate(specs):
        for s in range(0, G.shape[0], budget):
            e = min(G.shape[0], s + budget)
            if used + (e - s) > budget and current:
                chunks.append(current)
                current, used = [], 0
            current.append((s_id, s, e))
            used += e - s
    if current:
        chunks.append(current)
    return chunks


def _ratio(num: np.ndarray, den: np.ndarray, scale: float) -> np.ndarray:
    tiny = (_REL_TOL * scale) ** 2
    return np.divide(num, den, out=np.zeros_like(num), where=den > tiny)


def h_statistic(model: Any, X: Any, features: Any = None, *, pairs: Any = None, kind: str = "pairwise",
                sample_size: int | None = 300, output: str = "auto", random_state: Any = None,
                backend: Any = None, progress: bool = True) -> Interaction:
    """Friedman's H² interaction statistic, pairwise or one-vs-rest.

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
    X : array-like or DataFrame of shape (n_rows, n_features)
        Data at which the partial dependence functions are evaluated (not modified).
    features : list of names / positions, optional
        Features to study (default: all). ``kind="pairwise"`` uses every pair of
        them, ``kind="overall"`` each of them against all other columns.
    pairs : list of (feature, feature), optional
        Explicit pairs for ``kind="pairwise"`` (instead of ``features``).
    kind : {"pairwise", "overall"}, default "pairwise"
    sample_size : int or None, default 300
        Rows drawn without replacement (seeded) when ``X`` has more; the cost is
        about ``sample_size²`` model rows per feature and per pair. None: all rows.
    output : {"auto", "proba", "log_odds", "decision", "raw", "predict"}, default "auto"
    random_state : None, int or numpy Generator
        Seed of the row sample.
    backend : None, "processes", "dask" or dask.distributed.Client
        Where the chunks of model evaluations run; same answer on every backend.
    progress : bool, default True

    Returns
    -------
    Interaction
        ``pairs`` ``(a, b)`` (pairwise) or ``(a,)`` (overall); ``values``
        (n_pairs, n_outputs) H² (0 when the partial dependence in the
        denominator is constant); ``numerator`` (n_pairs, n_outputs) the
        interaction variance ``mean_i [...]²``.

    Raises
    ------
    ValueError
        For fewer than 2 rows, unknown or repeated features, bad pairs, and the
        data errors of :meth:`unboxed.Schema.encode`.

    Notes
    -----
    H² is 0 for an additive model and 1 for a pure interaction (e.g. ``x1·x2``
    on centred independent features). It estimates a population quantity from
    the sample: with a subsample it varies with the seed, and for nearly
    additive models noise can dominate; compare ``numerator`` across pairs.

    References
    ----------
    .. [1] Friedman, J. H. and Popescu, B. E. (2008). Predictive learning via rule
       ensembles. The Annals of Applied Statistics, 2(3), 916-954, section 8.1.
    .. [2] Molnar, C. (2022). Interpretable Machine Learning, 2nd ed., section
       "Feature Interaction" (R package ``iml``).

    Examples
    --------
    >>> import numpy as np
    >>> import unboxed as ub
    >>> X = np.random.default_rng(0).normal(size=(100, 3))
    >>> h = ub.h_statistic(lambda A: A[:, 0] * A[:, 1] + A[:, 2], X, progress=False)
    >>> [round(float(v), 2) for v in h.values[:, 0]]  # (x0, x1), (x0, x2), (x1, x2)
    [0.99, 0.0, 0.0]
    """
    check_choice(kind, "kind", ("pairwise", "overall"))
    if sample_size is not None:
        sample_size = check_positive_int(sample_size, "sample_size", minimum=2)
    check_backend(backend)
    if kind == "overall" and pairs is not None:
        raise ValueError("pairs= is for kind='pairwise'; for kind='overall' choose features=")
    if pairs is not None and features is not None:
        raise ValueError("give features= (all their pairs) or pairs=, not both")
    f, Z = prepare(model, X, output=output, min_rows=2)
    schema = f.schema
    seed = resolve_seed(random_state)
    n_all, p = Z.shape
    if sample_size is not None and n_all > sample_size:
        rows = np.sort(check_random_state(seed).choice(n_all, size=sample_size, replace=False))
        Zs = Z[rows]
    else:
        Zs = Z
    n = Zs.shape[0]

    if pairs is not None:
        if isinstance(pairs, (str, bytes)) or not isinstance(pairs, Sequence):
            raise TypeError(f"pairs must be a list of (feature, feature) pairs, got {describe(pairs)}")
        idx_pairs = []
        for pr in pairs:
            if not isinstance(pr, (tuple, list)) or len(pr) != 2:
                raise ValueError(f"each pair must be two features, got {pr!r}")
            a, b = schema.index(pr[0]), schema.index(pr[1])
            if a == b:
                raise ValueError(f"a pair needs two different features, got {tuple(pr)!r}")
            idx_pairs.append((a, b))
        if not idx_pairs:
            raise ValueError("pairs is empty; give at least one pair")
        feats = sorted({j for pr in idx_pairs for j in pr})
    else:
        if isinstance(features, (str, numbers.Integral)) and not isinstance(features, bool):
            features = [features]
        feats = schema.indices(features)
        if len(set(feats)) != len(feats):
            raise ValueError(f"features repeat: {[schema.names[j] for j in feats]}")
        if not feats:
            raise ValueError("features is empty; name at least one feature (or pass None for all)")
        if kind == "pairwise":
            if len(feats) < 2:
                raise ValueError(f"pairwise H needs at least two features, got {[schema.names[j] for j in feats]}")
            idx_pairs = list(itertools.combinations(feats, 2))
        else:
            if p < 2:
                raise ValueError("the one-vs-rest H needs a model of at least two features")
            idx_pairs = []

    # specs: (varied columns, grid of their values (u, c), None or (counts (u,), inverse (n,)) for one-vs-rest)
    specs: list[tuple[tuple[int, ...], np.ndarray, Any]] = []
    inverse: dict[tuple[int, ...], tuple[int, np.ndarray]] = {}
    for j in feats:
        G, inv = _unique_rows(Zs[:, [j]])
        inverse[(j,)] = (len(specs), inv)
        extra = (np.bincount(inv, minlength=G.shape[0]).astype(np.float64), inv) if kind == "overall" else None
        specs.append(((j,), G, extra))
    for a, b in idx_pairs:
        G, inv = _unique_rows(Zs[:, [a, b]])
        inverse[(a, b)] = (len(specs), inv)
        specs.append(((a, b), G, None))

    chunks = _make_chunks(specs, n, p)
    results = map_chunks(_pd_chunk, chunks, backend=backend, progress=progress, desc="H-statistic",
                         shared={"f": f, "Z": Zs, "specs": specs})
    parts: list[list[np.ndarray]] = [[] for _ in specs]
    n_evals = 0
    for chunk, (outs, count) in zip(chunks, results):
        n_evals += count
        for (s_id, _, _), y in zip(chunk, outs):
            parts[s_id].append(y)
    k = f.n_outputs
    pd_values, rest_sums, own = [], [], []
    for s_id, pp in enumerate(parts):
        if specs[s_id][2] is None:
            pd_values.append(np.concatenate(pp, axis=0))
            rest_sums.append(None)
            own.append(None)
            continue
        pd_values.append(np.concatenate([q[0] for q in pp], axis=0))
        rest_sums.append(sum(q[1] for q in pp))
        fx = np.empty((n, k))
        for q in pp:
            fx[q[2]] = q[3]
        own.append(fx)

    def centred(key: tuple[int, ...]) -> np.ndarray:
        s_id, inv = inverse[key]
        at_rows = pd_values[s_id][inv]
        return at_rows - at_rows.mean(axis=0)

    scale = max(float(np.max(np.abs(v))) if v.size else 0.0 for v in pd_values)
    scale = max(scale, np.finfo(float).tiny)
    labels, nums, dens = [], [], []
    if kind == "pairwise":
        for a, b in idx_pairs:
            pj, pk, pjk = centred((a,)), centred((b,)), centred((a, b))
            nums.append(np.mean((pjk - pj - pk) ** 2, axis=0))
            dens.append(np.mean(pjk ** 2, axis=0))
            labels.append((schema.names[a], schema.names[b]))
    else:
        for j in feats:
            s_id, inv = inverse[(j,)]
            fx = own[s_id]                           # f at the rows themselves
            pd_j = pd_values[s_id][inv]
            pd_rest = rest_sums[s_id] / n
            fx = fx - fx.mean(axis=0)
            pd_j = pd_j - pd_j.mean(axis=0)
            pd_rest = pd_rest - pd_rest.mean(axis=0)
            nums.append(np.mean((fx - pd_j - pd_rest) ** 2, axis=0))
            dens.append(np.mean(fx ** 2, axis=0))
            labels.append((schema.names[j],))
    num = np.asarray(nums)
    den = np.asarray(dens)
    values = _ratio(num, den, scale)
    params = {"kind": kind, "sample_size": sample_size, "n_rows_used": n,
              "features": tuple(schema.names[j] for j in feats)}
    prov = provenance("h_statistic", f, params, random_state=seed, n_evals=n_evals, backend=backend)
    return Interaction(pairs=tuple(labels), values=values, output_names=f.output_names, statistic="H2",
                       numerator=num, provenance=prov)
