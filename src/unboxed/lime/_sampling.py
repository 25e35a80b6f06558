"""LIME for tables: the sampling design and the perturbation of rows.

The design (:class:`Design`) holds every training statistic LIME needs and is
computed once, when the explainer is built:

* for each continuous feature sampled from bins (``quartile``, ``decile``,
  ``entropy``): the bin edges, each bin's training frequency and the mean,
  standard deviation, minimum and maximum of the training values in it (a
  sample draws a bin from the frequencies, then a value from the normal
  distribution of the bin truncated to the bin's range, as ``lime`` does);
* for each continuous feature sampled from a normal (``normal``): the training
  mean and standard deviation (``StandardScaler`` semantics: a zero standard
  deviation counts as 1 for scaling);
* for each categorical feature: the values seen in training and their
  frequencies.

A missing value (NaN) in the training data is one more level of its feature
with its own frequency, so samples reproduce the training rate of missing
values (a model that cannot take NaN then raises a clear ``ModelError``).

:func:`sample_rows` perturbs a block of rows at once. For every row it returns
``num_samples`` samples in the model's encoded space (the first one is the row
itself) and the same samples in LIME's interpretable space: binary "same bin /
same category as the row" features, or standardized values for continuous
features that are not discretized. The random numbers of row ``r`` come from
``check_random_state(seed, r)`` only, so every backend draws the same samples.
"""

from __future__ import annotations

import math
import threading
import warnings
from dataclasses import dataclass

import numba
import numpy as np
from scipy.special import ndtr

from .._validation import check_random_state

__all__ = ["SAMPLINGS", "Design", "Workspace", "build_design", "row_levels", "sample_rows"]

SAMPLINGS = ("quartile", "decile", "entropy", "normal")

#: ``lime`` adds this to the standard deviation of every bin.
_STD_EPS = 1e-11

# feature kinds in a design
CATEGORICAL, BINNED, NORMAL = 0, 1, 2


@dataclass
class Design:
    """Training statistics of LIME's sampling design (computed once).

    Attributes
    ----------
    kind : ndarray (p,) of int
        0 categorical (levels = values), 1 continuous sampled from bins,
        2 continuous sampled from a normal.
    binary : ndarray (p,) of bool
        True where the interpretable feature is binary (same bin / category as
        the row); False where it is the standardized value.
    edges : list of ndarray or None
        Bin edges of continuous features (``searchsorted(edges, x)`` is the bin,
        as in ``lime``); None for categorical features and for normal-sampled
        features that are not discretized.
    level_values : list of ndarray or None
        Categorical features: the encoded value of each level (NaN: missing).
    level_cum : list of ndarray or None
        Cumulative training frequencies of the levels (categorical and binned).
    has_missing : ndarray (p,) of bool
        The last level is "missing" (NaN) for this feature.
    bin_lo, bin_hi, bin_mean, bin_std : list of ndarray or None
        Per bin (binned features): range and moments of the training values.
    bin_cdf_lo, bin_cdf_hi, bin_sign : list of ndarray or None
        Precomputed normal CDF bounds for truncated-normal inverse sampling.
    mean, scale : ndarray (p,)
        ``StandardScaler`` statistics (0 and 1 for categorical features).
    constant : ndarray (p,) of bool
        Features with one value (or none) in the training data.
    """

    kind: np.ndarray
    binary: np.ndarray
    edges: list
    level_values: list
    level_cum: list
    has_missing: np.ndarray
    bin_lo: list
    bin_hi: list
    bin_mean: list
    bin_std: list
    bin_cdf_lo: list
    bin_cdf_hi: list
    bin_sign: list
    mean: np.ndarray
    scale: np.ndarray
    constant: np.ndarray
    sampling: str
    sample_around_instance: bool

    @property
    def n_features(self) -> int:
        return int(self.kind.shape[0])


def _entropy_edges(x: np.ndarray, labels: np.ndarray) -> np.ndarray:
    from sklearn.tree import DecisionTreeClassifier
    tree = DecisionTreeClassifier(criterion="entropy", max_depth=3, random_state=0)
    tree.fit(x.reshape(-1, 1), labels)
    t = tree.tree_.threshold[tree.tree_.children_left > -1]
    if t.size == 0:
        return np.array([np.median(x)])
    return np.sort(t)


def _edges(x: np.ndarray, sampling: str, labels: np.ndarray | None) -> np.ndarray:
    """Bin edges of one continuous training column (non-missing values ``x``)."""
    if sampling == "decile":
        q = np.percentile(x, [10, 20, 30, 40, 50, 60, 70, 80, 90])
    elif sampling == "entropy":
        q = _entropy_edges(x, labels)
    else:  # quartile, and the binary representation of normal sampling
        q = np.percentile(x, [25, 50, 75])
    return np.unique(q)


def build_design(Z: np.ndarray, categorical: np.ndarray, names: tuple, *, sampling: str,
                 discretize: bool, sample_around_instance: bool = False,
                 training_labels: np.ndarray | None = None) -> Design:
    """Compute the training statistics of the sampling design.

    Parameters
    ----------
    Z : ndarray (m, p)
        Encoded training data (NaN = missing).
    categorical : ndarray (p,) of bool
    names : tuple of str
    sampling : {"quartile", "decile", "entropy", "normal"}
    discretize : bool
    sample_around_instance : bool
    training_labels : ndarray (m,), optional
        Needed for ``sampling="entropy"``.
    """
    m, p = Z.shape
    kind = np.where(categorical, CATEGORICAL, BINNED if sampling != "normal" else NORMAL).astype(np.int8)
    binary = categorical | bool(discretize)
    lists = {k: [None] * p for k in ("edges", "level_values", "level_cum", "bin_lo", "bin_hi", "bin_mean",
                                     "bin_std", "bin_cdf_lo", "bin_cdf_hi", "bin_sign")}
    has_missing = np.zeros(p, dtype=bool)
    mean = np.zeros(p)
    scale = np.ones(p)
    constant = np.zeros(p, dtype=bool)
    if sampling == "entropy":
        if training_labels is None:
            raise ValueError("sampling='entropy' bins each continuous feature by a decision tree on the "
                             "training labels; pass training_labels=")
        training_labels = np.asarray(training_labels)
        if training_labels.ndim != 1 or training_labels.shape[0] != m:
            raise ValueError(f"training_labels must have shape ({m},) like training_data's rows, "
                             f"got {training_labels.shape}")
    for j in range(p):
        col = Z[:, j]
        miss = np.isnan(col)
        present = col[~miss]
        if present.size == 0:
            raise ValueError(f"training_data column {names[j]!r} has no values (all missing); "
                             "drop it or impute it first")
        has_missing[j] = bool(miss.any()) and kind[j] != NORMAL
        if kind[j] == CATEGORICAL:
            vals, counts = np.unique(present, return_counts=True)
            constant[j] = vals.size == 1 and not miss.any()
            if has_missing[j]:
                vals = np.append(vals, np.nan)
                counts = np.append(counts, miss.sum())
            lists["level_values"][j] = vals.astype(np.float64)
            lists["level_cum"][j] = np.cumsum(counts) / m
            continue
        mu = float(present.mean())
        sd = float(present.std())
        constant[j] = sd == 0.0
        mean[j] = mu
        scale[j] = sd if sd > 0 else 1.0
        if kind[j] == NORMAL and not binary[j]:
            continue
        labels_j = None
        if sampling == "entropy":
            labels_j = training_labels[~miss]
        edges = _edges(present, sampling if kind[j] == BINNED else "quartile", labels_j)
        lists["edges"][j] = edges
        if kind[j] == NORMAL:
            continue
        if has_missing[j] and not binary[j]:
            raise ValueError(f"training_data column {names[j]!r} has missing values, which discretize=False "
                             "cannot place in the standardized interpretable space; impute them, or use "
                             "discretize=True (missing values then form a bin of their own)")
        nb = edges.size + 1
        b = np.searchsorted(edges, present)
        counts = np.bincount(b, minlength=nb).astype(np.float64)
        sums = np.bincount(b, weights=present, minlength=nb)
        bmean = np.divide(sums, counts, out=np.zeros(nb), where=counts > 0)
        dev = present - bmean[b]
        bvar = np.divide(np.bincount(b, weights=dev * dev, minlength=nb), counts, out=np.zeros(nb),
                         where=counts > 0)
        bstd = np.sqrt(bvar) + _STD_EPS
        lo = np.concatenate([[present.min()], edges])
        hi = np.concatenate([edges, [present.max()]])
        a = (lo - bmean) / bstd
        bb = (hi - bmean) / bstd
        # sample the side of the bin nearer the mean's tail through the symmetric
        # form, so that the CDF differences keep their precision
        sign = np.where(a > 0, -1.0, 1.0)
        lo_z = np.where(sign > 0, a, -bb)
        hi_z = np.where(sign > 0, bb, -a)
        lists["bin_lo"][j], lists["bin_hi"][j] = lo, hi
        lists["bin_mean"][j], lists["bin_std"][j] = bmean, bstd
        lists["bin_cdf_lo"][j], lists["bin_cdf_hi"][j] = ndtr(lo_z), ndtr(hi_z)
        lists["bin_sign"][j] = sign
        if has_missing[j]:
            counts = np.append(counts, miss.sum())
        lists["level_cum"][j] = np.cumsum(counts) / m
    if constant.any():
        const = [names[j] for j in np.nonzero(constant)[0][:10]]
        warnings.warn(f"training_data has constant features {const}: LIME never perturbs them, so their "
                      "weight is 0 in every explanation", UserWarning, stacklevel=3)
    return Design(kind=kind, binary=binary, has_missing=has_missing, mean=mean, scale=scale,
                  constant=constant, sampling=sampling, sample_around_instance=bool(sample_around_instance),
                  **lists)


def row_levels(design: Design, Z: np.ndarray, names: tuple) -> np.ndarray:
    """The level (category or bin) of each feature of each row: int (n, p).

    Continuous features that are neither binned nor binary get -1. Raises a
    ``ValueError`` for a category the training data never shows and for a
    missing value where the training data has none.
    """
    n, p = Z.shape
    lev = np.full((n, p), -1, dtype=np.int64)
    for j in range(p):
        x = Z[:, j]
        miss = np.isnan(x)
        k = design.kind[j]
        if miss.any() and not design.has_missing[j]:
            rows = np.nonzero(miss)[0][:5].tolist()
            raise ValueError(f"X has missing values in column {names[j]!r} (rows {rows}), but the LIME "
                             "sampling design has none there (training_data has no missing values in "
                             "it, or it is sampled from a normal); impute them first")
        if k == CATEGORICAL:
            vals = design.level_values[j]
            known = vals[~np.isnan(vals)]
            pos = np.searchsorted(known, x)
            pos_c = np.minimum(pos, known.size - 1)
            found = (known[pos_c] == x)
            bad = ~found & ~miss
            if bad.any():
                unseen = sorted({float(v) for v in x[bad]})[:10]
                raise ValueError(f"X column {names[j]!r} has values never seen in training_data (encoded "
                                 f"{unseen}); LIME samples categories from their training frequencies and "
                                 "cannot perturb around an unseen one. Add such rows to training_data")
            lev[:, j] = np.where(miss, known.size, pos_c)
        elif design.edges[j] is not None:
            edges = design.edges[j]
            lev[:, j] = np.where(miss, edges.size + 1, np.searchsorted(edges, np.where(miss, 0.0, x)))
    return lev


# ----------------------------------------------------------- the kernel
# Acklam's rational approximation of the inverse normal CDF (relative error
# below 1.2e-9 on (0, 1)); P. J. Acklam, "An algorithm for computing the inverse
# normal cumulative distribution function" (2003).
_A = (-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
      -3.066479806614716e+01, 2.506628277459239e+00)
_B = (-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
      -1.328068155288572e+01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
      4.374664141464968e+00, 2.938163982698783e+00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00)
_P_LOW = 0.02425


@numba.njit(cache=True, inline="always")
def _ndtri(p: float) -> float:
    if p < _P_LOW:
        q = math.sqrt(-2.0 * math.log(p))
        return ((((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5])
                / ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0))
    if p > 1.0 - _P_LOW:
        q = math.sqrt(-2.0 * math.log1p(-p))
        return -((((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5])
                 / ((((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0))
    q = p - 0.5
    r = q * q
    return (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * q \
        / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)


@numba.njit(cache=True, inline="always")
def _search(cum: np.ndarray, lo: int, hi: int, u: float) -> int:
    """Level drawn by uniform ``u`` from the cumulative probabilities cum[lo:hi].

    The number of cum[lo:hi-1] that are <= u (``searchsorted(..., side="right")``
    clipped to the last level): a branch-free count for few levels, a binary
    search for many.
    """
    if hi - lo <= 32:
        c = 0
        for t in range(lo, hi - 1):
            c += u >= cum[t]
        return c
    a, b = lo, hi - 1
    while a < b:
        mid = (a + b) // 2
        if u < cum[mid]:
            b = mid
        else:
            a = mid + 1
    return a - lo


@numba.njit(cache=True)
def _perturb(Z, levels, U, W, kind, binary, ucol, wcol, cum, clo, cinv, off, catval, nbins,
             bmean, sstd, blo, bhi, plo, pwidth, edges, eoff, mean, scale, constant, around,
             samples, rep, dist2):  # pragma: no cover - compiled
    """Fill samples (n, S, p), rep (n, S, p) and dist2 (n, S); one feature at a time
    (the per-feature branches stay out of the loop over samples)."""
    n, p = Z.shape
    S = samples.shape[1]
    for i in range(n):
        for s in range(S):
            dist2[i, s] = 0.0
        for j in range(p):
            k = kind[j]
            xr = Z[i, j]
            lr = levels[i, j]
            r0 = 1.0 if binary[j] else (xr - mean[j]) / scale[j]
            samples[i, 0, j] = xr
            rep[i, 0, j] = r0
            if k == 2:  # continuous, normal
                center = xr if around else mean[j]
                sd = 0.0 if constant[j] else scale[j]
                e0, e1 = eoff[j], eoff[j + 1]
                col = wcol[j]
                for s in range(1, S):
                    x = center + sd * W[i, col, s - 1]
                    if binary[j]:
                        b = 0
                        for t in range(e0, e1):  # searchsorted(edges, x, side="left")
                            b += x > edges[t]
                        r = 1.0 if b == lr else 0.0
                    else:
                        r = (x - mean[j]) / scale[j]
                    samples[i, s, j] = x
                    rep[i, s, j] = r
                    dist2[i, s] += (r - r0) * (r - r0)
                continue
            o0, o1 = off[j], off[j + 1]
            tot = cum[o1 - 1]
            col = ucol[j]
            nb = nbins[j]
            for s in range(1, S):
                u = U[i, col, s - 1] * tot
                lev = _search(cum, o0, o1, u)
                g = o0 + lev
                if k == 0:  # categorical
                    x = catval[g]
                elif lev >= nb:  # the missing level of a binned feature
                    x = np.nan
                elif pwidth[g] > 0.0:
                    # the position of u inside its level is uniform on [0, 1) and independent
                    # of the level: one uniform draws both (inverse CDF of the whole mixture
                    # of truncated normals)
                    v = min(max((u - clo[g]) * cinv[g], 0.0), 1.0)
                    x = bmean[g] + sstd[g] * _ndtri(plo[g] + v * pwidth[g])
                    x = min(max(x, blo[g]), bhi[g])
                else:  # a bin with a single value, or beyond the CDF's resolution
                    x = min(max(bmean[g], blo[g]), bhi[g])
                if binary[j]:
                    r = 1.0 if lev == lr else 0.0
                else:
                    r = (x - mean[j]) / scale[j]
                samples[i, s, j] = x
                rep[i, s, j] = r
                dist2[i, s] += (r - r0) * (r - r0)


def _flat(parts: list, p: int, default: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    sizes = [0 if a is None else len(a) for a in parts]
    off = np.zeros(p + 1, dtype=np.int64)
    off[1:] = np.cumsum(sizes)
    flat = np.full(max(1, int(off[-1])), default, dtype=np.float64)
    for j, a in enumerate(parts):
        if a is not None and len(a):
            flat[off[j]:off[j + 1]] = a
    return flat, off


def _per_level(design: Design, key: str, p: int) -> np.ndarray:
    """A per-bin table aligned with the level offsets (missing level padded)."""
    parts = []
    for j in range(p):
        cum = design.level_cum[j]
        if cum is None:
            parts.append(None)
            continue
        vals = getattr(design, key)[j]
        out = np.zeros(len(cum))
        if vals is not None:
            out[:len(vals)] = vals
        parts.append(out)
    return _flat(parts, p)[0]


def kernel_tables(design: Design) -> dict:
    """Flatten the design into the arrays the compiled kernel reads (cached on the design)."""
    cached = getattr(design, "_tables", None)
    if cached is not None:
        return cached
    p = design.n_features
    kind = design.kind.astype(np.int64)
    cum, off = _flat(design.level_cum, p, 1.0)
    clo = np.zeros_like(cum)  # cumulative probability below each level
    for j in range(p):
        if off[j + 1] > off[j]:
            clo[off[j] + 1:off[j + 1]] = cum[off[j]:off[j + 1] - 1]
    width = cum - clo
    cinv = np.divide(1.0, width, out=np.zeros_like(width), where=width > 0)
    catval = _per_level(design, "level_values", p)
    ucol = np.full(p, -1, dtype=np.int64)
    wcol = np.full(p, -1, dtype=np.int64)
    choice = np.nonzero(kind != NORMAL)[0]
    binned = np.nonzero(kind == BINNED)[0]
    normal = np.nonzero(kind == NORMAL)[0]
    ucol[choice] = np.arange(choice.size)
    wcol[normal] = np.arange(normal.size)
    nbins = np.array([0 if design.bin_mean[j] is None else len(design.bin_mean[j]) for j in range(p)],
                     dtype=np.int64)
    edges, eoff = _flat(design.edges, p)
    plo = _per_level(design, "bin_cdf_lo", p)
    phi = _per_level(design, "bin_cdf_hi", p)
    tables = {
        "kind": kind, "binary": design.binary.astype(np.bool_), "ucol": ucol, "wcol": wcol,
        "cum": cum, "clo": clo, "cinv": cinv, "off": off, "catval": catval, "nbins": nbins,
        "bmean": _per_level(design, "bin_mean", p),
        "sstd": _per_level(design, "bin_sign", p) * _per_level(design, "bin_std", p),
        "blo": _per_level(design, "bin_lo", p), "bhi": _per_level(design, "bin_hi", p),
        "plo": plo, "pwidth": np.maximum(phi - plo, 0.0), "edges": edges, "eoff": eoff,
        "mean": design.mean.astype(np.float64), "scale": design.scale.astype(np.float64),
        "constant": design.constant.astype(np.bool_), "around": bool(design.sample_around_instance),
        "n_choice": int(choice.size), "n_binned": int(binned.size), "n_normal": int(normal.size),
    }
    design._tables = tables
    return tables


class Workspace:
    """Reusable scratch arrays, one set per thread.

    Large fresh arrays cost page faults on every first write (they come from
    ``mmap``); reusing them across the chunks of one call halves the cost of
    sampling. Arrays handed out are overwritten by the next request of the same
    name on the same thread.
    """

    _local = threading.local()

    @classmethod
    def array(cls, name: str, shape: tuple) -> np.ndarray:
        store = getattr(cls._local, "store", None)
        if store is None:
            store = cls._local.store = {}
        size = int(np.prod(shape))
        buf = store.get(name)
        if buf is None or buf.size < size:
            buf = store[name] = np.empty(size)
        return buf[:size].reshape(shape)

    @classmethod
    def clear(cls) -> None:
        cls._local.store = {}


def sample_rows(design: Design, Z: np.ndarray, levels: np.ndarray, rows: np.ndarray, num_samples: int,
                seed: int, *, reuse: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Perturb a block of rows.

    Parameters
    ----------
    design : Design
    Z : ndarray (n, p)
        The encoded rows.
    levels : ndarray (n, p) of int
        :func:`row_levels` of the rows.
    rows : ndarray (n,) of int
        Global row indices (the random streams are keyed by them).
    num_samples : int
        Samples per row, the row itself included (the first one).
    seed : int
    reuse : bool, default False
        Return arrays of the thread's :class:`Workspace` (valid until the next
        call with ``reuse=True``) instead of fresh ones.

    Returns
    -------
    samples : ndarray (n, num_samples, p)
        Encoded samples for the model; ``samples[:, 0]`` is the row.
    interpretable : ndarray (n, num_samples, p)
        The samples in LIME's interpretable space; ``interpretable[:, 0]`` is the row.
    dist2 : ndarray (n, num_samples)
        Squared Euclidean distance of each sample to the row in that space.
    """
    n, p = Z.shape
    S = int(num_samples)
    t = kernel_tables(design)
    U = Workspace.array("U", (n, max(1, t["n_choice"]), S - 1))
    W = Workspace.array("W", (n, max(1, t["n_normal"]), S - 1))
    for i, r in enumerate(rows):
        rng = check_random_state(seed, int(r))
        if t["n_choice"]:
            rng.random(out=U[i])
        if t["n_normal"]:
            rng.standard_normal(out=W[i])
    if reuse:
        samples = Workspace.array("samples", (n, S, p))
        rep = Workspace.array("rep", (n, S, p))
        dist2 = Workspace.array("dist2", (n, S))
    else:
        samples, rep, dist2 = np.empty((n, S, p)), np.empty((n, S, p)), np.empty((n, S))
    _perturb(np.ascontiguousarray(Z, dtype=np.float64), np.ascontiguousarray(levels, dtype=np.int64), U, W,
             t["kind"], t["binary"], t["ucol"], t["wcol"], t["cum"], t["clo"], t["cinv"], t["off"], t["catval"],
             t["nbins"], t["bmean"], t["sstd"], t["blo"], t["bhi"], t["plo"], t["pwidth"],
             t["edges"], t["eoff"], t["mean"], t["scale"], t["constant"], t["around"], samples, rep, dist2)
    return samples, rep, dist2
