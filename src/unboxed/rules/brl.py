"""Bayesian rule lists (Letham, Rudin, McCormick & Madigan 2015).

Antecedents are pre-mined as frequent itemsets of discretized features; a
Metropolis-Hastings sampler walks over ordered lists of them (add, remove and
swap moves) under the paper's priors (truncated Poisson on the list length and
on each rule's cardinality, uniform over antecedents of a cardinality) and the
Dirichlet-multinomial likelihood; the list of highest posterior seen in any
chain is kept, and each rule predicts its posterior predictive class
probabilities.
"""

from __future__ import annotations

import math
from typing import Any

import numba
import numpy as np
from scipy.special import gammaln
from sklearn.base import BaseEstimator

from .._parallel import map_chunks
from .._validation import check_fraction, check_positive_int, check_random_state, resolve_seed
from ._base import Binning, RuleClassifierMixin, class_counts, compile_rules, first_match
from ._types import Rule

__all__ = ["BayesianRuleList"]

_M1 = np.uint64(0x5555555555555555)
_M2 = np.uint64(0x3333333333333333)
_M4 = np.uint64(0x0F0F0F0F0F0F0F0F)
_H01 = np.uint64(0x0101010101010101)
_S1, _S2, _S4, _S56 = np.uint64(1), np.uint64(2), np.uint64(4), np.uint64(56)


# ------------------------------------------------------------- bit sets
def pack_rows(mask: np.ndarray) -> np.ndarray:
    """Pack boolean rows (m, n) into uint64 bit sets (m, ceil(n / 64))."""
    mask = np.atleast_2d(np.asarray(mask, dtype=bool))
    m, n = mask.shape
    n_words = max(1, -(-n // 64))
    packed = np.packbits(mask, axis=1, bitorder="little")
    buf = np.zeros((m, n_words * 8), dtype=np.uint8)
    buf[:, : packed.shape[1]] = packed
    return buf.view(np.uint64)


if hasattr(np, "bitwise_count"):
    def popcount_rows(bits: np.ndarray) -> np.ndarray:
        """Number of set bits per row of a uint64 array (..., W)."""
        return np.bitwise_count(bits).sum(axis=-1, dtype=np.int64)
else:  # pragma: no cover - numpy < 2
    _TABLE = np.array([bin(i).count("1") for i in range(256)], dtype=np.int64)

    def popcount_rows(bits: np.ndarray) -> np.ndarray:
        b = np.ascontiguousarray(bits)
        return _TABLE[b.view(np.uint8)].reshape(*b.shape[:-1], -1).sum(axis=-1)


@numba.njit(inline="always")
def _popcount(x):
    x = x - ((x >> _S1) & _M1)
    x = (x & _M2) + ((x >> _S2) & _M2)
    x = (x + (x >> _S4)) & _M4
    return (x * _H01) >> _S56


# ---------------------------------------------------------------- mining
def _items(binning: Binning) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Items as bin ranges ``a <= bin_j < b``: one-sided cuts and inner bins of numeric features
    (only ``x > c`` for a numeric indicator with two values, as itemset mining over 0/1 features has it),
    each category of nominal ones, and "missing" where the data has missing values."""
    j_, a_, b_ = [], [], []
    for j in range(binning.n_bins.size):
        nb = int(binning.n_bins[j])
        if binning.categorical[j]:
            for k in range(nb):
                j_.append(j), a_.append(k), b_.append(k + 1)
        elif nb == 2:  # two distinct values: an indicator, whose item is its larger value
            j_.append(j), a_.append(1), b_.append(2)
        else:
            for k in range(nb - 1):
                j_.append(j), a_.append(0), b_.append(k + 1)
                j_.append(j), a_.append(k + 1), b_.append(nb)
            for k in range(1, nb - 1):
                j_.append(j), a_.append(k), b_.append(k + 1)
        if binning.has_missing[j]:
            j_.append(j), a_.append(nb), b_.append(nb + 1)
    return (np.asarray(j_, dtype=np.int64), np.asarray(a_, dtype=np.int64), np.asarray(b_, dtype=np.int64))


def mine_itemsets(item_bits: np.ndarray, item_feature: np.ndarray, class_bits: np.ndarray,
                  class_sizes: np.ndarray, min_support: float, max_cardinality: int,
                  block: int = 8192) -> list[tuple[int, ...]]:
    """Itemsets (of items of distinct features) frequent within at least one class (Apriori).

    Parameters
    ----------
    item_bits : uint64 array (n_items, W)
        Rows covered by each item, as bit sets.
    item_feature : int array (n_items,)
        The feature of each item; an itemset uses each feature at most once.
    class_bits : uint64 array (n_classes, W)
    class_sizes : int array (n_classes,)
    min_support : float
        An itemset is kept when it covers at least ``min_support`` of the rows
        of some class (at least one row).
    max_cardinality : int

    Returns
    -------
    list of tuple of int
        Sorted by cardinality, then item indices.
    """
    found: set = set()
    for k in range(class_bits.shape[0]):
        thr = max(1, math.ceil(min_support * class_sizes[k] - 1e-9))
        Ik = item_bits & class_bits[k][None, :]
        singles = np.nonzero(popcount_rows(Ik) >= thr)[0]
        if singles.size == 0:
            continue
        level = singles[:, None]
        found.update(tuple(int(i) for i in row) for row in level)
        covers = Ik[singles]
        for _ in range(2, max_cardinality + 1):
            # extend every frequent itemset by a frequent item of larger index and a new feature
            last = level[:, -1]
            ok = singles[None, :] > last[:, None]
            for c in range(level.shape[1]):
                ok &= item_feature[singles][None, :] != item_feature[level[:, c]][:, None]
            parent, child = np.nonzero(ok)
            if parent.size == 0:
                break
            keep = np.zeros(parent.size, dtype=bool)
            for s in range(0, parent.size, block):
                sl = slice(s, s + block)
                keep[sl] = popcount_rows(covers[parent[sl]] & Ik[singles[child[sl]]]) >= thr
            parent, child = parent[keep], child[keep]
            if parent.size == 0:
                break
            level = np.hstack([level[parent], singles[child][:, None]])
            covers = covers[parent] & Ik[singles[child]]
            found.update(tuple(int(i) for i in row) for row in level)
    return sorted(found, key=lambda t: (len(t), t))


# ------------------------------------------------------------ posterior
@numba.njit(cache=True)
def _log_prior(d, m, card, n_card, log_pois_card, log_p_len):
    """log p(d): truncated Poisson length, truncated Poisson cardinalities, uniform antecedents."""
    C = n_card.shape[0] - 1
    lp = log_p_len[m]
    remaining = n_card.copy()
    for j in range(m):
        z = -np.inf
        for c in range(1, C + 1):
            if remaining[c] > 0:
                v = log_pois_card[c]
                hi = max(z, v)
                z = hi + math.log(math.exp(z - hi) + math.exp(v - hi))
        c = card[d[j]]
        lp += log_pois_card[c] - z - math.log(remaining[c])
        remaining[c] -= 1
    return lp


@numba.njit(cache=True)
def _likelihood_from(d, m, s, covers, cls, alpha, rem_s, rems, lls):
    """Dirichlet-multinomial log likelihood terms of positions ``s..m`` (m: the default rule).

    ``rem_s``: rows not caught before position ``s``. Fills ``rems[j]`` (rows left before ``j``) and
    ``lls[j]`` for ``j = s..m``; returns their sum.
    """
    K = cls.shape[0]
    W = rem_s.shape[0]
    asum = 0.0
    for k in range(K):
        asum += alpha[k]
    lg_asum = math.lgamma(asum)
    for w in range(W):
        rems[s, w] = rem_s[w]
    total = 0.0
    for j in range(s, m + 1):
        rem = rems[j]
        ll = lg_asum
        tot = 0.0
        for k in range(K):  # one simple loop over the words per class, so that it vectorizes (vpopcnt)
            c = np.int64(0)
            if j < m:
                r = d[j]
                for w in range(W):
                    c += np.int64(_popcount(covers[r, w] & rem[w] & cls[k, w]))
            else:
                for w in range(W):
                    c += np.int64(_popcount(rem[w] & cls[k, w]))
            tot += c
            ll += math.lgamma(alpha[k] + c) - math.lgamma(alpha[k])
        ll -= math.lgamma(asum + tot)
        lls[j] = ll
        total += ll
        if j < m:
            r = d[j]
            nxt = rems[j + 1]
            for w in range(W):
                nxt[w] = rem[w] & ~covers[r, w]
    return total


@numba.njit(cache=True)
def _log_posterior(d, m, covers, cls, full, card, n_card, log_pois_card, log_p_len, alpha):
    """log prior + log likelihood of the list ``d[:m]`` (default rule appended), from scratch."""
    rems = np.empty((m + 2, full.shape[0]), dtype=np.uint64)
    lls = np.empty(m + 2)
    return (_log_prior(d, m, card, n_card, log_pois_card, log_p_len)
            + _likelihood_from(d, m, 0, covers, cls, alpha, full, rems, lls))


@numba.njit(cache=True)
def _n_moves(m, R):
    return (1 if m >= 2 else 0) + (1 if m < R else 0) + (1 if m >= 1 else 0)


@numba.njit(cache=True)
def _draw_unused(cum, weights, used, d, m, target):
    """The unused antecedent at weight ``target`` of the cumulative weights of the unused ones.

    The cumulative weight of the unused antecedents up to ``i`` is ``cum[i]`` minus the weights of the
    ``m`` used ones at or before ``i``; it is flat over used ones, so the first index where it passes
    ``target`` is unused. O(m log R).
    """
    R = cum.shape[0]
    lo, hi = 0, R - 1
    while lo < hi:
        mid = (lo + hi) // 2
        c = cum[mid]
        for i in range(m):
            if d[i] <= mid:
                c -= weights[d[i]]
        if c > target:
            hi = mid
        else:
            lo = mid + 1
    while lo < R and used[lo]:  # floating-point ties only
        lo += 1
    if lo == R:
        lo = R - 1
        while used[lo]:
            lo -= 1
    return lo


@numba.njit(cache=True)
def _enlarge(a, rows):
    out = np.empty((rows, a.shape[1]), dtype=a.dtype)
    out[: a.shape[0]] = a
    return out


@numba.njit(cache=True)
def _chain(covers, cls, full, card, n_card, log_pois_card, log_p_len, alpha, weights, init, u, record):
    """Metropolis-Hastings over rule lists; returns (best list, best log posterior, accepted, trace).

    ``weights`` (R,) > 0: an add move proposes unused antecedent r with probability
    ``weights[r] / sum(weights of unused)`` (the Hastings ratio accounts for it). The likelihood terms
    of the current list are cached per position, so a proposal recomputes only the positions from the
    first one it changes.
    """
    R = covers.shape[0]
    W = full.shape[0]
    d = np.full(R + 1, -1, dtype=np.int64)
    new = np.full(R + 1, -1, dtype=np.int64)
    used = np.zeros(R, dtype=np.bool_)
    m = init.shape[0]
    for i in range(m):
        d[i] = init[i]
        used[init[i]] = True
    cap = min(R + 2, max(16, m + 2))
    rems = np.empty((cap, W), dtype=np.uint64)  # rows left before each position of the current list
    lls = np.empty(cap)  # likelihood term of each position
    new_rems = np.empty((cap, W), dtype=np.uint64)
    new_lls = np.empty(cap)
    ll = _likelihood_from(d, m, 0, covers, cls, alpha, full, rems, lls)
    lp = _log_prior(d, m, card, n_card, log_pois_card, log_p_len) + ll
    best = d.copy()
    best_m = m
    best_lp = lp
    n_iter = u.shape[0]
    cum = np.cumsum(weights)
    total_w = cum[R - 1] if R > 0 else 0.0
    trace = np.full((n_iter if record else 0, R + 1), -1, dtype=np.int64)
    accepted = 0
    for it in range(n_iter):
        F = _n_moves(m, R)
        if F == 0:
            break
        if m + 3 > cap and cap < R + 2:  # room for one more position
            cap = min(R + 2, 2 * cap)
            rems, new_rems = _enlarge(rems, cap), _enlarge(new_rems, cap)
            lls2 = np.empty(cap)
            lls2[: lls.shape[0]] = lls
            lls, new_lls = lls2, np.empty(cap)
        choice = min(int(u[it, 0] * F), F - 1)
        kind = -1
        if m >= 2:
            if choice == 0:
                kind = 0
            else:
                choice -= 1
        if kind < 0 and m < R:
            if choice == 0:
                kind = 1
            else:
                choice -= 1
        if kind < 0:
            kind = 2
        for i in range(m):
            new[i] = d[i]
        added = -1
        removed = -1
        if kind == 0:  # swap two positions
            a = min(int(u[it, 1] * m), m - 1)
            b = min(int(u[it, 2] * (m - 1)), m - 2)
            if b >= a:
                b += 1
            new[a], new[b] = d[b], d[a]
            new_m = m
            start = min(a, b)
            log_q = 0.0
        elif kind == 1:  # add an unused antecedent (drawn by weight) at a position
            w_unused = total_w
            for i in range(m):
                w_unused -= weights[d[i]]
            added = _draw_unused(cum, weights, used, d, m, u[it, 1] * w_unused)
            pos = min(int(u[it, 2] * (m + 1)), m)
            for i in range(m, pos, -1):
                new[i] = d[i - 1]
            new[pos] = added
            new_m = m + 1
            start = pos
            log_q = math.log(F / _n_moves(new_m, R)) + math.log(w_unused) - math.log(weights[added])
        else:  # remove one
            pos = min(int(u[it, 1] * m), m - 1)
            removed = d[pos]
            w_unused = total_w
            for i in range(m):
                w_unused -= weights[d[i]]
            w_unused += weights[removed]
            for i in range(pos, m - 1):
                new[i] = d[i + 1]
            new_m = m - 1
            start = pos
            log_q = math.log(F / _n_moves(new_m, R)) + math.log(weights[removed]) - math.log(w_unused)
        head = 0.0
        for j in range(start):
            head += lls[j]
        new_ll = head + _likelihood_from(new, new_m, start, covers, cls, alpha, rems[start], new_rems, new_lls)
        new_lp = _log_prior(new, new_m, card, n_card, log_pois_card, log_p_len) + new_ll
        if math.log(max(u[it, 3], 1e-300)) < new_lp - lp + log_q:
            for i in range(new_m):
                d[i] = new[i]
            for j in range(start, new_m + 1):
                rems[j] = new_rems[j]
                lls[j] = new_lls[j]
            m = new_m
            lp = new_lp
            accepted += 1
            if added >= 0:
                used[added] = True
            if removed >= 0:
                used[removed] = False
            if lp > best_lp:
                best_lp = lp
                best_m = m
                for i in range(m):
                    best[i] = d[i]
        if record:
            for i in range(m):
                trace[it, i] = d[i]
    return best[:best_m].copy(), best_lp, accepted, trace


# ----------------------------------------------------------------- priors
def _log_poisson(k: np.ndarray, lam: float) -> np.ndarray:
    k = np.asarray(k, dtype=np.float64)
    return k * np.log(lam) - lam - gammaln(k + 1)


def _priors(card: np.ndarray, max_card: int, lam: float, eta: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    R = card.size
    n_card = np.bincount(card, minlength=max_card + 1).astype(np.int64)
    log_pois_card = _log_poisson(np.arange(max_card + 1), eta)
    lp = _log_poisson(np.arange(R + 1), lam)
    log_p_len = lp - np.logaddexp.reduce(lp)
    return n_card, log_pois_card, log_p_len


def _sample_prior(rng: np.random.Generator, card: np.ndarray, n_card: np.ndarray, log_pois_card: np.ndarray,
                  log_p_len: np.ndarray) -> np.ndarray:
    """A list drawn from the prior (the chain's starting point)."""
    R = card.size
    m = int(rng.choice(R + 1, p=np.exp(log_p_len - np.logaddexp.reduce(log_p_len))))
    remaining = n_card.copy()
    used = np.zeros(R, dtype=bool)
    out = []
    for _ in range(m):
        avail = np.nonzero(remaining[1:] > 0)[0] + 1
        w = np.exp(log_pois_card[avail] - log_pois_card[avail].max())
        c = int(rng.choice(avail, p=w / w.sum()))
        pool = np.nonzero((card == c) & ~used)[0]
        r = int(rng.choice(pool))
        used[r] = True
        remaining[c] -= 1
        out.append(r)
    return np.asarray(out, dtype=np.int64)


class Problem:
    """Everything the sampler needs: antecedents as bit sets over the rows, classes, priors.

    Attributes
    ----------
    antecedents : list of tuple of Condition
    covers : uint64 (n_antecedents, W)
        Rows each antecedent covers.
    cls : uint64 (n_classes, W)
        Rows of each class.
    full : uint64 (W,)
        All rows.
    card : int64 (n_antecedents,)
    n_card, log_pois_card, log_p_len : prior tables (see :func:`_priors`)
    alpha : float64 (n_classes,)
    weights : float64 (n_antecedents,)
        Add-move proposal weights (see :func:`proposal_weights`).
    """

    def __init__(self, antecedents, covers, cls, full, card, n_card, log_pois_card, log_p_len, alpha, weights=None):
        self.antecedents = antecedents
        self.covers, self.cls, self.full, self.card = covers, cls, full, card
        self.n_card, self.log_pois_card, self.log_p_len, self.alpha = n_card, log_pois_card, log_p_len, alpha
        self.weights = np.ones(len(antecedents)) if weights is None else np.asarray(weights, dtype=np.float64)

    def arrays(self) -> dict:
        return dict(covers=self.covers, cls=self.cls, full=self.full, card=self.card, n_card=self.n_card,
                    log_pois_card=self.log_pois_card, log_p_len=self.log_p_len, alpha=self.alpha,
                    weights=self.weights)

    def log_posterior(self, d: Any) -> float:
        """Log posterior (up to a constant) of the list of antecedent indices ``d``."""
        d = np.asarray(d, dtype=np.int64)
        return float(_log_posterior(d, d.size, self.covers, self.cls, self.full, self.card, self.n_card,
                                    self.log_pois_card, self.log_p_len, self.alpha))


def build_problem(Z: np.ndarray, y_idx: np.ndarray, schema: Any, n_classes: int, *, min_support: float,
                  max_cardinality: int, max_bins: int, list_length_prior: float, list_width_prior: float,
                  alpha: np.ndarray, proposal_power: float = 0.0) -> Problem:
    """Discretize, mine the antecedents and build the bit sets and prior tables."""
    n = Z.shape[0]
    binning = Binning.fit(Z, schema, max_bins)
    B = binning.transform(Z)
    it_j, it_a, it_b = _items(binning)
    item_mask = (B[:, it_j] >= it_a[None, :]) & (B[:, it_j] < it_b[None, :])
    item_bits = pack_rows(item_mask.T)
    class_bits = pack_rows(y_idx[None, :] == np.arange(n_classes)[:, None])
    full = pack_rows(np.ones((1, n), dtype=bool))[0]
    itemsets = mine_itemsets(item_bits, it_j, class_bits, np.bincount(y_idx, minlength=n_classes), min_support,
                             max_cardinality)
    item_conditions = [binning.range_condition(int(j), int(a), int(b)) for j, a, b in zip(it_j, it_a, it_b)]
    antecedents = [tuple(item_conditions[i] for i in sorted(s, key=lambda i: (it_j[i], i))) for s in itemsets]
    covers = np.empty((len(itemsets), full.size), dtype=np.uint64)
    for r, s in enumerate(itemsets):
        covers[r] = np.bitwise_and.reduce(item_bits[list(s)], axis=0)
    card = np.array([len(s) for s in itemsets], dtype=np.int64)
    n_card, log_pois_card, log_p_len = _priors(card, max_cardinality, list_length_prior, list_width_prior)
    alpha = np.asarray(alpha, dtype=np.float64)
    weights = proposal_weights(covers, class_bits, alpha, proposal_power) if len(itemsets) else None
    return Problem(antecedents, covers, class_bits, full, card, n_card, log_pois_card, log_p_len, alpha, weights)


def proposal_weights(covers: np.ndarray, class_bits: np.ndarray, alpha: np.ndarray, power: float) -> np.ndarray:
    """Add-move weights ``(R / rank)^power``: antecedents ranked by how well they split the classes alone.

    The score of antecedent r is the Dirichlet-multinomial log likelihood of the one-rule list ``[r]``.
    ``power=0`` gives uniform proposals (the paper's sampler).
    """
    R = covers.shape[0]
    if power == 0:
        return np.ones(R)
    n_k = popcount_rows(class_bits)
    inside = np.empty((R, class_bits.shape[0]), dtype=np.int64)
    for s in range(0, R, 4096):  # bounded memory
        for k in range(class_bits.shape[0]):
            inside[s:s + 4096, k] = popcount_rows(covers[s:s + 4096] & class_bits[k][None, :])
    outside = n_k[None, :] - inside
    a = alpha[None, :]

    def log_dm(N):
        return gammaln(a.sum()) - gammaln(a.sum() + N.sum(axis=1)) + (gammaln(a + N) - gammaln(a)).sum(axis=1)
    score = log_dm(inside) + log_dm(outside)
    rank = np.empty(R)
    rank[np.argsort(-score, kind="stable")] = np.arange(1, R + 1)
    return (R / rank) ** power


def _run_chains(chains: list, covers, cls, full, card, n_card, log_pois_card, log_p_len, alpha, weights, seed,
                n_iter):
    out = []
    for c in chains:
        rng = check_random_state(seed, int(c))
        init = _sample_prior(rng, card, n_card, log_pois_card, log_p_len)
        u = rng.random((n_iter, 4))
        best, best_lp, acc, _ = _chain(covers, cls, full, card, n_card, log_pois_card, log_p_len, alpha, weights,
                                       init, u, False)
        out.append((best, float(best_lp), int(acc)))
    return out


class BayesianRuleList(RuleClassifierMixin, BaseEstimator):
    """Bayesian rule list: the maximum a posteriori list of pre-mined rules.

    1. **Pre-mining.** Numeric features are cut at up to ``max_bins - 1``
       quantiles; items are ``x <= c``, ``x > c`` and each inner bin
       ``x in (c_k, c_k+1]`` (a numeric column with two distinct values is an
       indicator: its one item is ``x > c``, the larger value, as when mining
       0/1 features), each category ``x = level``, and ``x is missing`` where
       the training data has missing values. Antecedents are the
       itemsets of at most ``max_cardinality`` items (distinct features) that
       cover at least ``min_support`` of the rows of at least one class
       (Apriori over bit sets).
    2. **Model.** A list ``d = (a_1, ..., a_m, default)``; a row is decided by
       the first antecedent it satisfies. Prior: the length ``m`` is Poisson
       (``list_length_prior`` = λ) truncated to ``0..|A|``; each antecedent's
       cardinality is Poisson (``list_width_prior`` = η) truncated to the
       cardinalities still available, and the antecedent is uniform among
       the unused ones of that cardinality. Likelihood: per rule, the class
       counts ``N_j`` of the rows it decides are Dirichlet(α)-multinomial:
       ``Γ(Σα) / Γ(Σα + N_j) Π_k Γ(α_k + N_jk) / Γ(α_k)``.
    3. **Search.** ``n_chains`` Metropolis-Hastings chains of ``n_iter`` steps
       (add an unused antecedent at a position, remove one, or swap two, each
       move equally likely among those possible; with the Hastings
       correction), each started from a draw from the prior and seeded by
       ``(random_state, chain)``. The list of highest posterior seen in any
       chain is kept (ties: the earliest). The paper proposes the antecedent to
       add uniformly; with ``proposal_power > 0`` antecedents that split the
       classes better on their own are proposed more often (weight
       ``(R / rank)^power``), which reaches high-posterior lists sooner. The
       Hastings ratio accounts for the weights, so the chains sample the same
       posterior either way.
    4. **Prediction.** Each rule predicts its posterior predictive class
       probabilities ``(α_k + N_jk) / (Σα + N_j)`` (``predict_proba``) and the
       most probable class.

    A missing value satisfies only ``is missing`` items; a category not seen
    in fit satisfies no item (such rows fall to later rules or the default).
    Multi-class targets use the multinomial form.

    Parameters
    ----------
    min_support : float, default 0.1
        Share of the rows of a class an antecedent must cover (0 < s <= 1).
    max_cardinality : int, default 2
        Most items in one antecedent.
    max_bins : int, default 4
        Numeric features are cut into at most this many quantile bins.
    list_length_prior : float, default 3.0
        λ, the prior expected number of rules.
    list_width_prior : float, default 1.0
        η, the prior expected number of conditions per rule.
    alpha : float or array-like of shape (n_classes,), default 1.0
        Dirichlet prior on each rule's class probabilities.
    n_chains : int, default 3
    n_iter : int, default 20000
        Steps per chain.
    proposal_power : float, default 0.5
        Weighting of the add proposals (0: uniform, as in the paper).
    random_state : None, int or numpy Generator, default None
    backend : None, "processes" or dask.distributed.Client, default None
        Where the chains run (the answer is the same everywhere).
    progress : bool, default True

    Attributes
    ----------
    rules_ : list of Rule
        The MAP list; the last rule is the default.
    default_rule_ : Rule
    log_posterior_ : float
        Log posterior (up to a constant) of the chosen list.
    antecedents_ : list of tuple of Condition
        The pre-mined antecedents.
    acceptance_rate_ : float
        Share of accepted proposals over all chains.
    seed_ : int
    classes_, target_name_, schema_, n_features_in_, feature_names_in_
        As for :class:`~unboxed.rules.OneR`.

    References
    ----------
    Letham, B., Rudin, C., McCormick, T. H. & Madigan, D. (2015). Interpretable
    classifiers using rules and Bayesian analysis: building a better stroke
    prediction model. Annals of Applied Statistics, 9(3), 1350-1371.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> rng = np.random.default_rng(0)
    >>> X = pd.DataFrame({"a": rng.choice(["p", "q"], 500), "b": rng.choice(["r", "s"], 500)})
    >>> y = np.where((X.a == "p") & (X.b == "r"), 1, 0)
    >>> model = BayesianRuleList(n_iter=2000, random_state=0, progress=False).fit(X, y)
    >>> print(model.to_text("list"))
    IF a=p AND b=r THEN 1
    ELSE 0
    """

    def __init__(self, *, min_support: float = 0.1, max_cardinality: int = 2, max_bins: int = 4,
                 list_length_prior: float = 3.0, list_width_prior: float = 1.0, alpha: Any = 1.0,
                 n_chains: int = 3, n_iter: int = 20000, proposal_power: float = 0.5, random_state: Any = None,
                 backend: Any = None, progress: bool = True):
        self.min_support = min_support
        self.max_cardinality = max_cardinality
        self.max_bins = max_bins
        self.list_length_prior = list_length_prior
        self.list_width_prior = list_width_prior
        self.alpha = alpha
        self.n_chains = n_chains
        self.n_iter = n_iter
        self.proposal_power = proposal_power
        self.random_state = random_state
        self.backend = backend
        self.progress = progress

    def fit(self, X: Any, y: Any) -> BayesianRuleList:
        """Mine antecedents and find the MAP rule list.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)
        y : array-like of shape (n_rows,)
            Class labels (two or more classes).

        Returns
        -------
        self
        """
        min_support = check_fraction(self.min_support, "min_support")
        max_card = check_positive_int(self.max_cardinality, "max_cardinality")
        max_bins = check_positive_int(self.max_bins, "max_bins", minimum=2)
        lam = _positive(self.list_length_prior, "list_length_prior")
        eta = _positive(self.list_width_prior, "list_width_prior")
        n_chains = check_positive_int(self.n_chains, "n_chains")
        n_iter = check_positive_int(self.n_iter, "n_iter")
        power = self.proposal_power
        if isinstance(power, bool) or not isinstance(power, (int, float, np.integer, np.floating)) \
                or not np.isfinite(power) or power < 0:
            raise ValueError(f"proposal_power must be a finite number >= 0, got {power!r}")
        seed = resolve_seed(self.random_state)
        Z, y_idx = self._fit_data(X, y)
        K = self.classes_.size
        alpha = self._check_alpha(K)
        prob = build_problem(Z, y_idx, self.schema_, K, min_support=min_support, max_cardinality=max_card,
                             max_bins=max_bins, list_length_prior=lam, list_width_prior=eta, alpha=alpha,
                             proposal_power=float(power))
        self.antecedents_ = prob.antecedents
        self.seed_ = seed
        if prob.antecedents:
            shared = dict(prob.arrays(), seed=seed, n_iter=n_iter)
            results = map_chunks(_run_chains, [[c] for c in range(n_chains)], backend=self.backend,
                                 progress=self.progress, desc="BRL: chains", shared=shared)
            results = [r for chunk in results for r in chunk]
            best = max(range(n_chains), key=lambda c: (results[c][1], -c))
            chosen, self.log_posterior_ = results[best][0].tolist(), results[best][1]
            self.acceptance_rate_ = sum(r[2] for r in results) / (n_chains * n_iter)
        else:
            chosen, self.acceptance_rate_ = [], 0.0
            self.log_posterior_ = float(_log_dm(np.bincount(y_idx, minlength=K)[None, :], alpha))
        self._finish([self.antecedents_[r] for r in chosen], Z, y_idx, alpha)
        return self

    def _check_alpha(self, K: int) -> np.ndarray:
        a = np.asarray(self.alpha, dtype=np.float64)
        if a.ndim == 0:
            a = np.full(K, float(a))
        if a.shape != (K,) or not np.all(np.isfinite(a)) or np.any(a <= 0):
            raise ValueError(f"alpha must be a positive number or {K} positive numbers (one per class), "
                             f"got {self.alpha!r}")
        return a

    def _finish(self, antecedents: list, Z: np.ndarray, y_idx: np.ndarray, alpha: np.ndarray) -> None:
        K = self.classes_.size
        rules = [Rule(a) for a in antecedents]
        idx = first_match(compile_rules(rules, self.schema_), Z)
        counts = class_counts(idx, y_idx, len(rules) + 1, K)
        theta = (counts + alpha) / (counts.sum(axis=1, keepdims=True) + alpha.sum())
        out = [self._make_rule(a, counts[r], probabilities=theta[r]) for r, a in enumerate(antecedents)]
        default = self._make_rule((), counts[-1], probabilities=theta[-1])
        self._set_rules(out + [default], default)


def _log_dm(counts: np.ndarray, alpha: np.ndarray) -> float:
    """Dirichlet-multinomial log likelihood of per-rule class counts (n_rules, K)."""
    counts = np.asarray(counts, dtype=np.float64)
    return float(np.sum(gammaln(alpha.sum()) - gammaln(alpha.sum() + counts.sum(axis=1)))
                 + np.sum(gammaln(alpha + counts) - gammaln(alpha)))


def _positive(v: Any, name: str) -> float:
    if isinstance(v, bool) or not isinstance(v, (int, float, np.integer, np.floating)) or not np.isfinite(v) \
            or v <= 0:
        raise ValueError(f"{name} must be a positive number, got {v!r}")
    return float(v)
