"""A rule list by sequential covering with RIPPER-style grow and prune.

Learn one rule, remove the rows it covers, repeat. Each rule is grown on two
thirds of the remaining rows by adding the condition with the largest FOIL
gain until it covers no negatives, then pruned on the other third by cutting
the final conditions that maximize ``(p - n) / (p + n)`` (IREP*, Cohen 1995).
Classes are handled as RIPPER does: from the least to the most frequent, each
separated from the classes after it; the most frequent class is the default.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
from sklearn.base import BaseEstimator

from .._parallel import map_chunks
from .._validation import check_fraction, check_positive_int, check_random_state, resolve_seed
from ._base import Binning, RuleClassifierMixin, class_counts, compile_rules, first_match, laplace
from ._types import Rule
from .oner import _check_smoothing

__all__ = ["RuleList"]


class _Candidates:
    """Every one-feature test on the bins, as half-open bin ranges ``a <= bin < b`` of feature ``j``.

    ``<=`` cut k: ``[0, k+1)``; ``>`` cut k: ``[k+1, nb)``; category k: ``[k, k+1)``;
    missing: ``[nb, nb+1)``. In the flat histogram of ``bin + offset[j]`` the
    count of rows passing candidate i is ``cs0[hi[i]] - cs0[lo[i]]``.
    """

    def __init__(self, binning: Binning):
        nb = binning.n_bins.astype(np.int64)
        p = nb.size
        self.offset = np.concatenate([[0], np.cumsum(nb + 1)[:-1]]).astype(np.int64)
        self.total = int((nb + 1).sum())
        j_, a_, b_ = [], [], []
        for j in range(p):
            if binning.categorical[j]:
                for k in range(nb[j]):
                    j_.append(j), a_.append(k), b_.append(k + 1)
            else:
                for k in range(nb[j] - 1):
                    j_.append(j), a_.append(0), b_.append(k + 1)
                    j_.append(j), a_.append(k + 1), b_.append(nb[j])
            if binning.has_missing[j]:
                j_.append(j), a_.append(nb[j]), b_.append(nb[j] + 1)
        self.j = np.asarray(j_, dtype=np.int64)
        self.a = np.asarray(a_, dtype=np.int64)
        self.b = np.asarray(b_, dtype=np.int64)
        self.lo = self.offset[self.j] + self.a
        self.hi = self.offset[self.j] + self.b
        self.nb = nb

    def counts(self, Boff: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """How many of ``rows`` pass each candidate (``Boff`` = bins + offsets): int64 (n_candidates,)."""
        cs0 = np.concatenate([[0], np.cumsum(_histogram(Boff, rows, self.total))])
        return cs0[self.hi] - cs0[self.lo]


@numba.njit(cache=True)
def _histogram(Boff: np.ndarray, rows: np.ndarray, total: int) -> np.ndarray:
    """Counts of the flat bin indices of the given rows, over all features (no copy of the rows)."""
    h = np.zeros(total, dtype=np.int64)
    for r in rows:
        for j in range(Boff.shape[1]):
            h[Boff[r, j]] += 1
    return h


def _rule_mask(B: np.ndarray, rows: np.ndarray, ranges: dict) -> np.ndarray:
    """Which of ``rows`` fall in every bin range of the rule."""
    mask = np.ones(rows.size, dtype=bool)
    for j, (a, b) in ranges.items():
        col = B[rows, j]
        mask &= (col >= a) & (col < b)
    return mask


def _ranges(cands: _Candidates, seq: list) -> dict:
    """Intersect the bin ranges of a sequence of candidates, per feature (in order of first use)."""
    out: dict = {}
    for i in seq:
        j, a, b = int(cands.j[i]), int(cands.a[i]), int(cands.b[i])
        if j in out:
            a0, b0 = out[j]
            out[j] = (max(a0, a), min(b0, b))
        else:
            out[j] = (a, b)
    return out


def _foil_gain(p1: np.ndarray, n1: np.ndarray, p0: int, n0: int) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        g = p1 * (np.log2(p1 / (p1 + n1)) - np.log2(p0 / (p0 + n0)))
    return np.where(p1 > 0, g, -np.inf)


def _grow(B: np.ndarray, Boff: np.ndarray, pos: np.ndarray, rows: np.ndarray, cands: _Candidates,
          max_conditions: int, min_support: int) -> list:
    """Add the condition of largest FOIL gain until no negative is covered (on the grow rows)."""
    seq: list = []
    cov = rows
    while len(seq) < max_conditions:
        cp = cov[pos[cov]]
        cn = cov[~pos[cov]]
        p0, n0 = cp.size, cn.size
        if n0 == 0 or p0 == 0:
            break
        p1 = cands.counts(Boff, cp)
        n1 = cands.counts(Boff, cn)
        gain = _foil_gain(p1, n1, p0, n0)
        gain[p1 < min_support] = -np.inf
        gain[p1 + n1 == p0 + n0] = -np.inf  # does not narrow the rule
        best = int(np.argmax(gain))
        if not gain[best] > 0:
            break
        seq.append(best)
        j, a, b = int(cands.j[best]), int(cands.a[best]), int(cands.b[best])
        col = B[cov, j]
        cov = cov[(col >= a) & (col < b)]
    return seq


def _prune(B: np.ndarray, pos: np.ndarray, rows: np.ndarray, cands: _Candidates, seq: list) -> tuple[list, float]:
    """Keep the prefix of ``seq`` maximizing ``(p - n) / (p + n)`` on the prune rows (shortest on ties).

    Returns the prefix and its precision on the prune rows (NaN when it covers none of them).
    """
    best_k, best_v, best_prec = len(seq), -np.inf, np.nan
    for k in range(1, len(seq) + 1):
        m = _rule_mask(B, rows, _ranges(cands, seq[:k]))
        p = int(pos[rows][m].sum())
        n = int(m.sum()) - p
        if p + n == 0:
            continue
        v = (p - n) / (p + n)
        if v > best_v:
            best_k, best_v, best_prec = k, v, p / (p + n)
    return seq[:best_k], best_prec


def _split(rng: np.random.Generator, idx: np.ndarray, keep: float) -> tuple[np.ndarray, np.ndarray]:
    perm = rng.permutation(idx)
    n_grow = int(np.ceil(keep * perm.size))
    return perm[:n_grow], perm[n_grow:]


def _learn_class(t: int, B: np.ndarray, Boff: np.ndarray, y_idx: np.ndarray, order: np.ndarray,
                 cands: _Candidates, seed: int, max_rules: int, max_conditions: int, min_support: int,
                 prune_fraction: float) -> list:
    """The rules (bin-range dicts) separating class ``order[t]`` from the classes after it."""
    target = order[t]
    active = np.nonzero(np.isin(y_idx, order[t:]))[0]
    pos = y_idx == target
    rules: list = []
    while len(rules) < max_rules:
        P = active[pos[active]]
        N = active[~pos[active]]
        if P.size == 0:
            break
        rng = check_random_state(seed, int(t), len(rules))
        gp, pp = _split(rng, P, 1.0 - prune_fraction)
        gn, pn = _split(rng, N, 1.0 - prune_fraction)
        grow_rows = np.sort(np.concatenate([gp, gn]))
        prune_rows = np.sort(np.concatenate([pp, pn]))
        seq = _grow(B, Boff, pos, grow_rows, cands, max_conditions, min_support)
        if not seq:
            break
        if prune_rows.size:
            seq, precision = _prune(B, pos, prune_rows, cands, seq)
        else:
            precision = np.nan
        ranges = _ranges(cands, seq)
        if np.isnan(precision):  # nothing to judge on the prune rows: use the grow rows
            m = _rule_mask(B, grow_rows, ranges)
            precision = float(pos[grow_rows][m].mean()) if m.any() else 0.0
        if precision < 0.5:  # IREP: stop when the next rule errs more often than not
            break
        covered = _rule_mask(B, active, ranges)
        rules.append(ranges)
        active = active[~covered]
    return rules


def _learn_chunk(ts: list, **kw: Any) -> list:
    return [_learn_class(t, **kw) for t in ts]


class RuleList(RuleClassifierMixin, BaseEstimator):
    """An ordered rule list learned by sequential covering (RIPPER-style grow and prune).

    For each class but the most frequent, from the least frequent up (as
    RIPPER), rules separate that class ("positives") from the classes after it:

    1. split the remaining rows into a grow set (``1 - prune_fraction``) and a
       prune set, stratified by class, at random (seeded);
    2. **grow** a rule on the grow set: add the single-feature test with the
       largest FOIL gain ``p1 (log2 p1/(p1+n1) - log2 p0/(p0+n0))`` until it
       covers no negatives (or ``max_conditions``); every test must keep at
       least ``min_support`` positives;
    3. **prune** it on the prune set: keep the prefix of its conditions that
       maximizes ``(p - n) / (p + n)`` (ties: the shorter);
    4. stop when the pruned rule's precision on the prune set is below 1/2
       (IREP's stopping rule), when no positives are left, or after
       ``max_rules`` rules; otherwise keep it, remove the rows it covers, repeat.

    The rule list is the rules of each class in that order, then a default
    rule. Tests are ``x <= c`` / ``x > c`` (two on one feature print as an
    interval ``x in (a, b]``) at up to ``max_bins - 1`` quantile cut points of
    numeric features, ``x = level`` for nominal features, and ``x is missing``
    where the training data has missing values. A missing value satisfies no
    other test; a category not seen in fit satisfies no test. Each rule's
    ``probabilities`` are the Laplace-smoothed class frequencies of the
    training rows it decides (rows not caught by an earlier rule); it
    predicts the most probable class. Rules that decide no training row are
    dropped. RIPPER's MDL stopping rule and its optimization passes are not
    done.

    The classes are learned independently of each other (class ``t`` sees the
    rows of the classes from ``t`` on), so a multi-class fit runs them on
    ``backend``; the answer does not depend on the backend.

    Parameters
    ----------
    max_rules : int or None, default None
        At most this many rules per class (None: no limit).
    max_conditions : int or None, default None
        At most this many conditions per rule (None: no limit).
    min_support : int, default 2
        Every grown rule covers at least this many positive grow rows.
    max_bins : int, default 32
        Numeric features are tested at up to ``max_bins - 1`` quantile cut points.
    prune_fraction : float, default 1/3
        Share of the remaining rows held out to prune each rule (0 < f < 1).
    smoothing : float, default 1.0
        Add-``smoothing`` correction of the rules' class frequencies.
    random_state : None, int or numpy Generator, default None
        Seeds the grow / prune splits.
    backend : None, "processes" or dask.distributed.Client, default None
        Where the classes are learned (multi-class only).
    progress : bool, default True

    Attributes
    ----------
    rules_ : list of Rule
        The rule list; the last rule is the default (no conditions).
    default_rule_ : Rule
        ``rules_[-1]``.
    class_order_ : ndarray
        The classes in the order they were learned (least frequent first).
    seed_ : int
        The integer seed used (reproduces the fit).
    classes_, target_name_, schema_, n_features_in_, feature_names_in_
        As for :class:`~unboxed.rules.OneR`.

    References
    ----------
    Cohen, W. W. (1995). Fast effective rule induction. Proceedings of ICML, 115-123.

    Fürnkranz, J. & Widmer, G. (1994). Incremental reduced error pruning.
    Proceedings of ICML, 70-77.

    Quinlan, J. R. (1990). Learning logical definitions from relations (FOIL).
    Machine Learning, 5, 239-266.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"a": rng.integers(0, 10, 600), "b": rng.choice(["x", "y"], 600)})
    >>> y = np.where((X.a > 6) & (X.b == "x"), "yes", "no")
    >>> model = RuleList(random_state=0, progress=False).fit(X, y)
    >>> print(model)
    IF a > 6 AND b=x THEN yes
    ELSE no
    """

    def __init__(self, *, max_rules: int | None = None, max_conditions: int | None = None, min_support: int = 2,
                 max_bins: int = 32, prune_fraction: float = 1 / 3, smoothing: float = 1.0,
                 random_state: Any = None, backend: Any = None, progress: bool = True):
        self.max_rules = max_rules
        self.max_conditions = max_conditions
        self.min_support = min_support
        self.max_bins = max_bins
        self.prune_fraction = prune_fraction
        self.smoothing = smoothing
        self.random_state = random_state
        self.backend = backend
        self.progress = progress

    def fit(self, X: Any, y: Any) -> RuleList:
        """Learn the rule list.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)
        y : array-like of shape (n_rows,)
            Class labels (two or more classes).

        Returns
        -------
        self
        """
        max_rules = _optional_int(self.max_rules, "max_rules")
        max_conditions = _optional_int(self.max_conditions, "max_conditions")
        min_support = check_positive_int(self.min_support, "min_support")
        max_bins = check_positive_int(self.max_bins, "max_bins", minimum=2)
        prune_fraction = check_fraction(self.prune_fraction, "prune_fraction")
        if prune_fraction >= 1.0:
            raise ValueError(f"prune_fraction must be below 1 (some rows must be left to grow on), "
                             f"got {self.prune_fraction}")
        smoothing = _check_smoothing(self.smoothing)
        seed = resolve_seed(self.random_state)
        Z, y_idx = self._fit_data(X, y)
        K = self.classes_.size
        binning = Binning.fit(Z, self.schema_, max_bins)
        B = binning.transform(Z)
        cands = _Candidates(binning)
        Boff = (B + cands.offset[None, :].astype(np.int32)).astype(np.int32)
        freq = np.bincount(y_idx, minlength=K)
        order = np.lexsort((np.arange(K), freq))  # least frequent first, ties in classes_ order
        shared = dict(B=B, Boff=Boff, y_idx=y_idx, order=order, cands=cands, seed=seed,
                      max_rules=max_rules or np.iinfo(np.int64).max,
                      max_conditions=max_conditions or np.iinfo(np.int64).max,
                      min_support=min_support, prune_fraction=prune_fraction)
        per_class = map_chunks(_learn_chunk, [[t] for t in range(K - 1)], backend=self.backend,
                               progress=self.progress, desc="RuleList: classes", shared=shared)
        ranges = [r for chunk in per_class for rules in chunk for r in rules]
        conditions = [self._conditions(binning, rg) for rg in ranges]
        self.class_order_ = self.classes_[order]
        self.seed_ = seed
        self._finish(conditions, Z, y_idx, smoothing)
        return self

    @staticmethod
    def _conditions(binning: Binning, ranges: dict) -> tuple:
        return tuple(binning.range_condition(j, a, b) for j, (a, b) in ranges.items())

    def _finish(self, conditions: list, Z: np.ndarray, y_idx: np.ndarray, smoothing: float) -> None:
        """Rule statistics on the training rows each rule decides; drop rules that decide none."""
        K = self.classes_.size
        rules = [Rule(c) for c in conditions]
        idx = first_match(compile_rules(rules, self.schema_), Z)
        counts = class_counts(idx, y_idx, len(rules) + 1, K)
        keep = [r for r in range(len(rules)) if counts[r].sum() > 0]
        if len(keep) < len(rules):  # dropping a rule that decides nothing changes no decision
            counts = np.vstack([counts[keep], counts[-1:]])
        out = [self._make_rule(conditions[r], counts[i], smoothing) for i, r in enumerate(keep)]
        if counts[-1].sum():
            default = self._make_rule((), counts[-1], smoothing)
        else:  # every training row is decided by a rule: fall back on the class frequencies
            default = self._make_rule((), counts[-1], smoothing,
                                      probabilities=laplace(np.bincount(y_idx, minlength=K), smoothing))
        self._set_rules(out + [default], default)


def _optional_int(v: Any, name: str) -> int | None:
    return None if v is None else check_positive_int(v, name)
