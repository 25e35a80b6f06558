"""RuleFit (Friedman & Popescu 2008): a sparse linear model of rules and linear terms.

1. **Rules.** A tree ensemble is grown on the target (by default gradient
   boosting with squared error on the target / class indicators, shrinkage
   ``learning_rate``, each tree on a random ``sample_fraction`` of the rows and
   with a random number of leaves ``2 + floor(Exp(tree_size - 2))``, as in the
   paper; or a random forest). Every node of every tree except the roots is a
   rule: the conjunction of the conditions on its path, merged per feature into
   intervals. Node memberships of all rows come at once from the trees'
   ``decision_path``; duplicate rules (the same conditions, the same rows, or
   the complement of a kept rule's rows) are dropped.
2. **Linear terms** for numeric features, winsorized at the ``lin_trim_quantile``
   and ``1 - lin_trim_quantile`` quantiles and scaled by ``0.4 / std`` (Sec. 5).
3. **Sparse fit.** Regression: the lasso; classification: L1-penalized logistic
   regression, one-vs-rest for more than two classes; both by warm-started
   coordinate descent along a penalty path (compiled). The penalty is chosen by
   ``cv``-fold cross-validation (squared error / log-loss) among the penalties
   whose model has at most ``max_rules`` terms; folds can run on any backend.

Importances follow the paper: ``|a_k| sqrt(s_k (1 - s_k))`` for a rule with
coefficient ``a_k`` and support ``s_k``; ``|b_j| std(l_j)`` for a linear term;
a feature's importance is its linear term's plus an equal share of the
importance of every rule that uses it.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import pandas as pd
from numba import njit
from sklearn import config_context
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.validation import check_is_fitted

from .._parallel import map_chunks
from .._results import Importance, Provenance
from .._validation import check_random_state, resolve_seed
from ._types import Rule, format_rule_set, format_rule_tree, format_value
from .figs import _GT, _LE, _classification_target, _Design, _fit_design, _predict_design, _regression_target

__all__ = ["RuleFit", "RuleFitClassifier", "RuleFitRegressor"]


# ---------------------------------------------------------------- rule generation
def _exact_thresholds(thr: np.ndarray) -> np.ndarray:
    """Float64 thresholds t with ``x <= t`` exactly when ``float32(x) <= thr``.

    scikit-learn trees compare float32 inputs with float64 thresholds; with these
    thresholds the printed conditions, evaluated on the user's float64 values,
    select exactly the rows the trees put in each node.
    """
    thr = np.asarray(thr, dtype=np.float64)
    v = thr.astype(np.float32)
    v = np.where(v.astype(np.float64) > thr, np.nextafter(v, np.float32(-np.inf)), v)  # largest float32 <= thr
    up = np.nextafter(v, np.float32(np.inf))
    mid = (v.astype(np.float64) + up.astype(np.float64)) / 2
    return np.where(mid.astype(np.float32) == v, mid, np.nextafter(mid, -np.inf))


def _node_paths(tree: Any) -> list[list[tuple[int, int, float]]]:
    """The path (design column, op, threshold) from the root to every node."""
    t = tree.tree_
    paths: list[list[tuple[int, int, float]]] = [[] for _ in range(t.node_count)]
    thresholds = _exact_thresholds(t.threshold)
    for node in range(t.node_count):  # children always come after their parent
        left, right = t.children_left[node], t.children_right[node]
        if left < 0:
            continue
        k, thr = int(t.feature[node]), float(thresholds[node])
        paths[left] = paths[node] + [(k, _LE, thr)]
        paths[right] = paths[node] + [(k, _GT, thr)]
    return paths


def _grow_ensemble(D32: np.ndarray, T: np.ndarray, *, n_estimators: int, tree_size: int, eta: float,
                   learning_rate: float, generator: str, seed: int) -> list[DecisionTreeRegressor]:
    n = D32.shape[0]
    rng = check_random_state(seed, 0)
    sizes = 2 + np.floor(rng.exponential(max(tree_size - 2, 1e-12), size=n_estimators)).astype(int)
    if tree_size == 2:
        sizes[:] = 2
    n_sub = int(min(n, max(2, round(eta * n))))
    F = np.broadcast_to(T.mean(axis=0), T.shape).copy()
    trees = []
    seeds = rng.integers(0, 2**31 - 1, size=n_estimators)
    single = T.shape[1] == 1
    with config_context(skip_parameter_validation=True):
        for t in range(n_estimators):
            idx = np.sort(rng.choice(n, n_sub, replace=False)) if n_sub < n else np.arange(n)
            target = T[idx] - F[idx] if generator == "boosting" else T[idx]
            tree = DecisionTreeRegressor(max_leaf_nodes=int(max(2, sizes[t])),
                                         max_features=None if generator == "boosting" else "sqrt",
                                         random_state=int(seeds[t]))
            tree.fit(np.ascontiguousarray(D32[idx]), np.ascontiguousarray(target[:, 0] if single else target),
                     check_input=False)
            if generator == "boosting" and learning_rate > 0:
                pred = tree.tree_.value[tree.apply(D32, check_input=False)][:, :, 0]
                F += learning_rate * pred
            trees.append(tree)
    return trees


def _eval_tests(D: np.ndarray, tests: list[list[tuple[int, int, float]]]) -> np.ndarray:
    """Rule indicators (n, n_rules) of rules given as design-space tests, vectorized."""
    n = D.shape[0]
    if not tests:
        return np.zeros((n, 0), dtype=bool)
    cols = np.array([k for ts in tests for k, _, _ in ts], dtype=np.intp)
    ops = np.array([op for ts in tests for _, op, _ in ts])
    thr = np.array([v for ts in tests for _, _, v in ts], dtype=np.float64)
    starts = np.cumsum([0] + [len(ts) for ts in tests])[:-1]
    vals = D[:, cols]
    hits = np.where(ops == _LE, vals <= thr, vals > thr)
    return np.logical_and.reduceat(hits, starts, axis=1)


# ------------------------------------------------------------------- sparse fits
@njit(cache=True)
def _cd_path(A, A2, y, lambdas, logistic, max_nnz, tol, max_outer):  # pragma: no cover - compiled
    """Coordinate descent along a decreasing penalty path, warm-started (Friedman et al. 2010).

    Minimizes ``(1/n) sum loss_i + lam * ||beta||_1`` with an unpenalized intercept;
    loss: half squared error, or the logistic log-loss (y in {0, 1}) by
    iteratively reweighted least squares. Coordinate descent runs on the active
    set with its (weighted, centered) Gram matrix; a gradient check over all
    columns adds the worst violators of the optimality conditions. ``A`` is
    Fortran-ordered (n, P), ``A2 = A * A``. Stops after the first penalty whose
    model has more than ``max_nnz`` terms.
    Returns coefs (P, G), intercepts (G,), and the number of penalties done.
    """
    n, P = A.shape
    G = lambdas.size
    coefs = np.zeros((P, G))
    icpts = np.zeros(G)
    beta = np.zeros(P)
    ybar = 0.0
    for i in range(n):
        ybar += y[i]
    ybar /= n
    if logistic:
        pb = min(max(ybar, 1e-6), 1 - 1e-6)
        b0 = np.log(pb / (1 - pb))
    else:
        b0 = ybar
    eta = np.full(n, b0)
    w = np.ones(n)
    z = y.copy()
    r = np.zeros(n)
    wr = np.zeros(n)
    abar = np.zeros(P)
    h = np.zeros(P)
    grad = np.zeros(P)
    is_active = np.zeros(P, dtype=np.bool_)
    act = np.zeros(P, dtype=np.int64)
    cap = min(P, 64)
    GA = np.zeros((cap, cap))
    done = 0
    for g in range(G):
        lam = lambdas[g]
        for outer in range(max_outer if logistic else 1):
            if logistic:
                for i in range(n):
                    p = 1.0 / (1.0 + np.exp(-eta[i]))
                    wi = max(p * (1.0 - p), 1e-5)
                    w[i] = wi
                    z[i] = eta[i] + (y[i] - p) / wi
            sw = 0.0
            zbar = 0.0
            for i in range(n):
                sw += w[i]
                zbar += w[i] * z[i]
            zbar /= sw
            for j in range(P):
                s1 = 0.0
                s2 = 0.0
                for i in range(n):
                    s1 += w[i] * A[i, j]
                    s2 += w[i] * A2[i, j]
                abar[j] = s1 / sw
                h[j] = s2 / n - (sw / n) * abar[j] * abar[j]
            # keep only the nonzero terms active; the others come back if they violate
            na = 0
            for j in range(P):
                is_active[j] = beta[j] != 0.0
                if is_active[j]:
                    act[na] = j
                    na += 1
            beta_old = beta.copy()
            built = 0
            for kkt in range(P + 1):
                if na > cap:
                    cap = min(P, 2 * na)
                    GA = np.zeros((cap, cap))
                    built = 0
                # weighted centered Gram entries of the active set (new columns only)
                for t in range(built, na):
                    jt = act[t]
                    for u in range(t + 1):
                        ju = act[u]
                        acc = 0.0
                        for i in range(n):
                            acc += w[i] * A[i, jt] * A[i, ju]
                        v = acc / n - (sw / n) * abar[jt] * abar[ju]
                        GA[t, u] = v
                        GA[u, t] = v
                built = na
                # gradient of the active terms: q = c - G beta
                for i in range(n):
                    r[i] = z[i] - zbar
                for t in range(na):
                    jt = act[t]
                    if beta[jt] != 0.0:
                        for i in range(n):
                            r[i] -= (A[i, jt] - abar[jt]) * beta[jt]
                q = np.zeros(na)
                for t in range(na):
                    jt = act[t]
                    acc = 0.0
                    for i in range(n):
                        acc += w[i] * A[i, jt] * r[i]
                    q[t] = acc / n
                for sweep in range(100000):
                    maxd = 0.0
                    for t in range(na):
                        gtt = GA[t, t]
                        if gtt <= 1e-12:
                            continue
                        jt = act[t]
                        gj = q[t] + gtt * beta[jt]
                        if gj > lam:
                            new = (gj - lam) / gtt
                        elif gj < -lam:
                            new = (gj + lam) / gtt
                        else:
                            new = 0.0
                        delta = new - beta[jt]
                        if delta != 0.0:
                            for u in range(na):
                                q[u] -= GA[u, t] * delta
                            beta[jt] = new
                            maxd = max(maxd, gtt * delta * delta)
                    if maxd < tol:
                        break
                # residual and the gradient check over all columns
                b0 = zbar
                for j in range(P):
                    b0 -= abar[j] * beta[j]
                for i in range(n):
                    r[i] = z[i] - b0
                for t in range(na):
                    jt = act[t]
                    if beta[jt] != 0.0:
                        for i in range(n):
                            r[i] -= A[i, jt] * beta[jt]
                for i in range(n):
                    wr[i] = w[i] * r[i]
                nv = 0
                for j in range(P):
                    grad[j] = 0.0
                    if is_active[j] or h[j] <= 1e-12:
                        continue
                    acc = 0.0
                    for i in range(n):
                        acc += A[i, j] * wr[i]
                    acc = abs(acc / n)
                    if acc > lam:
                        grad[j] = acc
                        nv += 1
                if nv == 0:
                    break
                for t in range(min(nv, 10)):  # the worst violators, a few at a time
                    jbest = 0
                    for j in range(P):
                        if grad[j] > grad[jbest]:
                            jbest = j
                    grad[jbest] = 0.0
                    is_active[jbest] = True
                    act[na] = jbest
                    na += 1
            for i in range(n):
                eta[i] = z[i] - r[i]
            change = 0.0
            for j in range(P):
                d = beta[j] - beta_old[j]
                change = max(change, h[j] * d * d)
            if change < tol:
                break
        nnz = 0
        for j in range(P):
            coefs[j, g] = beta[j]
            if beta[j] != 0.0:
                nnz += 1
        icpts[g] = b0
        done = g + 1
        if nnz > max_nnz:
            break
    return coefs, icpts, done


def _path(A: np.ndarray, Y: np.ndarray, lambdas: np.ndarray, logistic: bool, max_nnz: int) -> tuple:
    """Penalty path per output column of Y: coefs (P, k, G), intercepts (k, G), penalties done."""
    A = np.asfortranarray(A, dtype=np.float64)
    A2 = A * A
    n, P = A.shape
    k, G = Y.shape[1], lambdas.size
    coefs, icpts = np.zeros((P, k, G)), np.zeros((k, G))
    done = G
    for j in range(k):
        yj = np.ascontiguousarray(Y[:, j], dtype=np.float64)
        scale = yj.var() if not logistic else 0.25
        c, ic, d = _cd_path(A, A2, yj, lambdas, logistic, max_nnz, 1e-8 * max(scale, 1e-12), 50)
        coefs[:, j, :d], icpts[j, :d] = c[:, :d], ic[:d]
        done = min(done, d)
    return coefs[:, :, :done], icpts[:, :done], done


def _lambda_max(A: np.ndarray, Y: np.ndarray) -> float:
    if A.shape[1] == 0:
        return 1.0
    g = np.abs((A - A.mean(axis=0)).T @ (Y - Y.mean(axis=0))).max() / A.shape[0]
    return float(g) if g > 0 else 1.0


def _ovr_proba(dec: np.ndarray) -> np.ndarray:
    """Probabilities from one-vs-rest log-odds (n, k): binary -> (n, 2), else normalized sigmoids."""
    s = 1.0 / (1.0 + np.exp(-np.clip(dec, -500, 500)))
    if s.shape[1] == 1:
        return np.column_stack([1 - s[:, 0], s[:, 0]])
    tot = s.sum(axis=1, keepdims=True)
    return s / np.where(tot > 0, tot, 1.0)


def _fold_scores(fold: tuple[np.ndarray, np.ndarray], *, A: np.ndarray, Y: np.ndarray, grid: np.ndarray,
                 logistic: bool) -> np.ndarray:
    """Validation loss of every penalty in ``grid`` on one fold (module level: runs on any backend)."""
    tr, te = fold
    coefs, icpts, _ = _path(A[tr], Y[tr], grid, logistic, A.shape[1] + 1)
    dec = np.einsum("np,pkg->nkg", A[te], coefs) + icpts[None]
    if not logistic:
        return ((dec - Y[te][:, :, None]) ** 2).mean(axis=(0, 1))
    yi = Y[te].argmax(axis=1) if Y.shape[1] > 1 else Y[te, 0].astype(int)
    out = np.empty(grid.size)
    for g in range(grid.size):
        proba = _ovr_proba(dec[:, :, g])
        out[g] = -np.mean(np.log(np.clip(proba[np.arange(te.size), yi], 1e-15, 1)))
    return out


# ===================================================================== estimators
class RuleFit(BaseEstimator):
    """Shared implementation of :class:`RuleFitClassifier` and :class:`RuleFitRegressor`.

    Use one of those two; ``isinstance(m, RuleFit)`` holds for both.

    Parameters
    ----------
    n_estimators : int, default=100
        Trees grown to generate candidate rules.
    tree_size : int, default=4
        Mean number of leaves per tree (each tree gets ``2 + floor(Exp(tree_size - 2))``).
    max_rules : int, default=30
        Most terms (rules plus linear terms, counted once over all classes) in the
        final model; the penalty is chosen among those that respect it.
    sample_fraction : float or "auto", default="auto"
        Share of rows each tree is grown on, drawn without replacement; ``"auto"``
        is the paper's ``min(0.5, (100 + 6 sqrt(n)) / n)``.
    learning_rate : float, default=0.01
        Shrinkage of the boosting that generates the trees ("memory" ν of the paper).
    generator : {"boosting", "forest"}, default="boosting"
        ``forest``: independent trees on subsamples with ``max_features="sqrt"``.
    include_linear : bool, default=True
        Add linear terms for numeric features.
    lin_trim_quantile : float, default=0.025
        Winsorizing quantile of the linear terms.
    alpha : float, optional
        Fix the L1 penalty instead of choosing it by cross-validation: the fit
        minimizes ``mean loss + alpha * ||coef||_1`` (half squared error, as in
        scikit-learn's ``Lasso(alpha)``; log-loss, as ``LogisticRegression`` with
        an L1 penalty and ``C = 1 / (n_rows * alpha)``); the intercept is not penalized.
    cv : int, default=5
        Folds to choose the penalty; ``None`` or < 2 takes the weakest penalty
        with at most ``max_rules`` terms.
    n_alphas : int, default=20
        Penalties tried, log-spaced from the one that keeps no term.
    random_state : int, Generator or None
    backend : None, "processes" or dask Client
        Where the cross-validation folds run; the answer does not depend on it.
    progress : bool, default=False
        Progress bar over the folds (off by default for an estimator).
    """

    def __init__(self, *, n_estimators=100, tree_size=4, max_rules=30, sample_fraction="auto",
                 learning_rate=0.01, generator="boosting", include_linear=True, lin_trim_quantile=0.025,
                 alpha=None, cv=5, n_alphas=20, random_state=None, backend=None, progress=False):
        self.n_estimators = n_estimators
        self.tree_size = tree_size
        self.max_rules = max_rules
        self.sample_fraction = sample_fraction
        self.learning_rate = learning_rate
        self.generator = generator
        self.include_linear = include_linear
        self.lin_trim_quantile = lin_trim_quantile
        self.alpha = alpha
        self.cv = cv
        self.n_alphas = n_alphas
        self.random_state = random_state
        self.backend = backend
        self.progress = progress

    # ----------------------------------------------------------------- checks
    def _check_params(self) -> None:
        ints = [("n_estimators", 1), ("tree_size", 2), ("max_rules", 1), ("n_alphas", 2)]
        for name, lo in ints + ([("cv", 0)] if self.cv is not None else []):
            v = getattr(self, name)
            if isinstance(v, (bool, np.bool_)) or not isinstance(v, numbers.Integral) or v < lo:
                raise ValueError(f"{name} must be an integer >= {lo}, got {v!r}")
        if self.generator not in ("boosting", "forest"):
            raise ValueError(f"generator must be 'boosting' or 'forest', got {self.generator!r}")
        reals = [("learning_rate", lambda v: v >= 0, ">= 0"), ("lin_trim_quantile", lambda v: 0 <= v < 0.5,
                 "in [0, 0.5)"), ("sample_fraction", lambda v: 0 < v <= 1, "'auto' or in (0, 1]"),
                 ("alpha", lambda v: v > 0, "None or > 0")]
        for name, ok, what in reals:
            v = getattr(self, name)
            if (name, v) in (("sample_fraction", "auto"), ("alpha", None)):
                continue
            if isinstance(v, bool) or not isinstance(v, numbers.Real) or not ok(v):
                raise ValueError(f"{name} must be {what}, got {v!r}")

    # ------------------------------------------------------------------ fit
    def _fit(self, design: _Design, Z: np.ndarray, T: np.ndarray, y_fit: np.ndarray, task: str) -> None:
        self._check_params()
        seed = resolve_seed(self.random_state)
        self.random_state_ = seed
        self.design_ = design
        D = design.transform(Z)
        n = D.shape[0]
        D32 = D.astype(np.float32)
        eta = min(0.5, (100 + 6 * np.sqrt(n)) / n) if isinstance(self.sample_fraction, str) else \
            float(self.sample_fraction)
        trees = _grow_ensemble(D32, T, n_estimators=self.n_estimators, tree_size=self.tree_size, eta=eta,
                               learning_rate=float(self.learning_rate), generator=self.generator, seed=seed)
        # --- candidate rules from every non-root node of every tree
        import scipy.sparse as sp
        paths_all: list[list[tuple[int, int, float]]] = []
        mats = []
        for tree in trees:
            paths = _node_paths(tree)
            if len(paths) <= 1:
                continue
            mats.append(tree.decision_path(D32, check_input=False)[:, 1:])
            paths_all.extend(paths[1:])
        if mats:
            R = sp.hstack(mats, format="csc").toarray().astype(bool)
        else:
            R = np.zeros((n, 0), dtype=bool)
        merged = [design.merge(p) for p in paths_all]
        self.n_candidate_rules_ = len(merged)
        keep = self._dedupe(R, merged)
        R = R[:, keep]
        conds = [merged[i][0] for i in keep]
        tests = [merged[i][1] for i in keep]
        # --- linear terms
        lin_cols, lin_lo, lin_hi, lin_scale, lin_std = [], [], [], [], []
        if self.include_linear:
            q = float(self.lin_trim_quantile)
            for k in design.numeric_design:
                x = D[:, k]
                lo, hi = np.quantile(x, [q, 1 - q]) if q > 0 else (x.min(), x.max())
                s = np.clip(x, lo, hi).std()
                if s > 0:
                    lin_cols.append(int(k))
                    lin_lo.append(lo)
                    lin_hi.append(hi)
                    lin_std.append(s)
                    lin_scale.append(0.4 / s)
        L = np.zeros((n, 0)) if not lin_cols else \
            np.clip(D[:, lin_cols], lin_lo, lin_hi) * np.asarray(lin_scale)
        A = np.hstack([L, R.astype(np.float64)])
        coefs, icpt, alpha = self._sparse_fit(A, y_fit, task)
        # --- keep the terms in use
        used = np.nonzero(np.abs(coefs).max(axis=1) > 1e-10)[0] if coefs.size else np.zeros(0, dtype=int)
        nl = len(lin_cols)
        lin_used = used[used < nl]
        rule_used = used[used >= nl] - nl
        self.alpha_ = alpha
        self.intercept_ = icpt
        self.linear_ = {"column": np.asarray(lin_cols, dtype=np.intp)[lin_used],
                        "low": np.asarray(lin_lo)[lin_used], "high": np.asarray(lin_hi)[lin_used],
                        "scale": np.asarray(lin_scale)[lin_used], "std": np.asarray(lin_std)[lin_used],
                        "coef": coefs[lin_used]}
        self.rule_conditions_ = [tuple(conds[i]) for i in rule_used]
        self._tests = [tests[i] for i in rule_used]
        self.rule_coef_ = coefs[nl + rule_used]
        self.rule_support_ = R[:, rule_used].sum(axis=0).astype(np.int64)
        self.n_train_ = n
        self._set_importances()

    def _dedupe(self, R: np.ndarray, merged: list) -> list[int]:
        n = R.shape[0]
        support = R.sum(axis=0)
        packed = np.packbits(R, axis=0).T
        packed_c = np.packbits(~R, axis=0).T
        order = sorted(range(len(merged)), key=lambda i: (len(merged[i][1]), i))
        seen_rules, seen_cols, keep = set(), set(), []
        for i in order:
            if support[i] == 0 or support[i] == n:
                continue
            key = tuple(merged[i][1])
            col = packed[i].tobytes()
            if key in seen_rules or col in seen_cols:
                continue
            seen_rules.add(key)
            seen_cols.add(col)
            seen_cols.add(packed_c[i].tobytes())
            keep.append(i)
        return sorted(keep)

    def _sparse_fit(self, A: np.ndarray, Y: np.ndarray, task: str):
        P = A.shape[1]
        logistic = task != "regression"
        max_terms = int(self.max_rules)
        if self.alpha is not None:
            grid = np.array([float(self.alpha)])
        else:
            grid = _lambda_max(A, Y) * np.logspace(0, -3, int(self.n_alphas))
        coefs, icpts, done = _path(A, Y, grid, logistic, max_terms)
        grid = grid[:done]
        nnz = (np.abs(coefs).max(axis=1) > 0).sum(axis=0) if P else np.zeros(done, dtype=int)
        allowed = np.nonzero(nnz <= max_terms)[0]
        if allowed.size == 0:
            allowed = np.array([0])
        best = int(allowed[-1])  # the weakest allowed penalty
        if self.alpha is None and allowed.size > 1 and P > 0:
            folds = self._folds(Y, task)
            if folds:
                sub = grid[allowed]
                losses = map_chunks(_fold_scores, folds, backend=self.backend, progress=self.progress,
                                    desc="RuleFit CV", shared={"A": A, "Y": Y, "grid": sub, "logistic": logistic})
                mean = np.mean(np.vstack(losses), axis=0)
                best = int(allowed[int(np.argmin(mean))])
                self.cv_loss_ = mean
        return coefs[:, :, best], icpts[:, best], float(grid[best])

    def _folds(self, y: np.ndarray, task: str) -> list:
        if self.cv is None or self.cv < 2:
            return []
        n = y.shape[0]
        rng = int(check_random_state(self.random_state_, 1).integers(0, 2**31 - 1))
        if task == "regression":
            k = min(int(self.cv), n // 2)
            if k < 2:
                return []
            return list(KFold(k, shuffle=True, random_state=rng).split(np.zeros(n)))
        labels = y.argmax(axis=1) if y.shape[1] > 1 else y[:, 0].astype(int)
        k = min(int(self.cv), int(np.bincount(labels).min()))
        if k < 2:
            return []
        return list(StratifiedKFold(k, shuffle=True, random_state=rng).split(np.zeros(n), labels))

    # --------------------------------------------------------------- predict
    def _terms(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        D = _predict_design(self, X)
        lin = self.linear_
        L = np.clip(D[:, lin["column"]], lin["low"], lin["high"]) * lin["scale"] if lin["column"].size else \
            np.zeros((D.shape[0], 0))
        R = _eval_tests(D, self._tests).astype(np.float64)
        return L, R

    def _decision(self, X: Any) -> np.ndarray:
        L, R = self._terms(X)
        return L @ self.linear_["coef"] + R @ self.rule_coef_ + self.intercept_

    # ------------------------------------------------------------- reading
    def _output_names(self) -> tuple[str, ...]:
        return ("prediction",)

    def _set_importances(self) -> None:
        s = self.rule_support_ / max(self.n_train_, 1)
        self.rule_importance_ = np.abs(self.rule_coef_) * np.sqrt(s * (1 - s))[:, None]
        self.linear_importance_ = np.abs(self.linear_["coef"]) * 0.4  # |b_j| std(l_j), b_j = coef * 0.4 / std
        names = self.design_.names
        imp = np.zeros((len(names), self.rule_coef_.shape[1]))
        src = self.design_.src
        np.add.at(imp, src[self.linear_["column"]], self.linear_importance_)
        for conds, ri in zip(self.rule_conditions_, self.rule_importance_):
            feats = list(dict.fromkeys(c.feature for c in conds))
            for f in feats:
                imp[names.index(f)] += ri / len(feats)
        self.feature_importance_values_ = imp
        tot = imp.sum(axis=1)
        self.feature_importances_ = tot / tot.sum() if tot.sum() > 0 else tot

    def _term_names(self) -> list[str]:
        lin = [self.design_.design_name(k) for k in self.linear_["column"]]
        rules = [" AND ".join(str(c) for c in conds) for conds in self.rule_conditions_]
        return lin + rules

    def rule_importance(self) -> Importance:
        """Importance of every term in the model (linear terms first, then rules), per output."""
        check_is_fitted(self, "rule_coef_")
        v = np.vstack([self.linear_importance_, self.rule_importance_])
        return Importance(values=v, std=np.zeros_like(v), feature_names=self._term_names(),
                          output_names=self._output_names(), scoring="RuleFit term importance (Friedman & "
                          "Popescu 2008, eq. 28-29)", provenance=self._provenance("rule_importance"))

    def feature_importance(self) -> Importance:
        """Importance of every input feature (paper eq. 35), per output."""
        check_is_fitted(self, "rule_coef_")
        v = self.feature_importance_values_
        return Importance(values=v, std=np.zeros_like(v), feature_names=self.design_.names,
                          output_names=self._output_names(), scoring="RuleFit feature importance (Friedman & "
                          "Popescu 2008, eq. 35)", provenance=self._provenance("feature_importance"))

    def _provenance(self, what: str) -> Provenance:
        params = {k: v for k, v in self.get_params().items() if k != "backend"}
        return Provenance(f"{type(self).__name__}.{what}", params=params, random_state=self.random_state_,
                          model=type(self).__name__, output=self._space())

    def _space(self) -> str:
        return "predict"

    @property
    def rules_(self) -> list[Rule]:
        """The rules with a nonzero coefficient, one :class:`Rule` per (rule, output), most important first.

        ``weight`` is the coefficient (added to the prediction / log-odds when the
        rule holds), ``support`` the training rows it covers.
        """
        check_is_fitted(self, "rule_coef_")
        out = []
        outs = self._output_names()
        order = np.argsort(-self.rule_importance_.max(axis=1), kind="stable") if self.rule_coef_.size else []
        for i in order:
            for j, name in enumerate(outs):
                w = float(self.rule_coef_[i, j])
                if abs(w) <= 1e-10:
                    continue
                pred: Any = w if len(outs) == 1 else self.classes_[j]
                out.append(Rule(conditions=self.rule_conditions_[i], prediction=pred,
                                support=int(self.rule_support_[i]), weight=w))
        return out

    def to_frame(self) -> pd.DataFrame:
        """One row per (term, output) with a nonzero coefficient, most important first.

        Columns: ``term``, ``type`` (``linear`` / ``rule``), ``output``, ``coef``
        (a linear term's coefficient is per unit of the feature), ``support``
        (rows), ``support_share``, ``importance``, ``n_conditions``.
        """
        check_is_fitted(self, "rule_coef_")
        names = self._term_names()
        nl = self.linear_["column"].size
        coef_lin = self.linear_["coef"] * self.linear_["scale"][:, None]
        coefs = np.vstack([coef_lin, self.rule_coef_])
        imps = np.vstack([self.linear_importance_, self.rule_importance_])
        sup = np.concatenate([np.full(nl, self.n_train_), self.rule_support_])
        ncond = [1] * nl + [len(c) for c in self.rule_conditions_]
        rows = []
        for i, name in enumerate(names):
            for j, out in enumerate(self._output_names()):
                if abs(coefs[i, j]) > 1e-10:
                    rows.append({"term": name, "type": "linear" if i < nl else "rule", "output": out,
                                 "coef": float(coefs[i, j]), "support": int(sup[i]),
                                 "support_share": float(sup[i] / self.n_train_), "importance": float(imps[i, j]),
                                 "n_conditions": ncond[i]})
        frame = pd.DataFrame(rows, columns=["term", "type", "output", "coef", "support", "support_share",
                                            "importance", "n_conditions"])
        return frame.sort_values("importance", ascending=False, kind="stable").reset_index(drop=True)

    @property
    def n_rules_(self) -> int:
        """Terms in the model: rules plus linear terms with a nonzero coefficient."""
        check_is_fitted(self, "rule_coef_")
        return int(self.rule_coef_.shape[0] + self.linear_["column"].size)

    @property
    def average_rule_length_(self) -> float:
        """Mean number of conditions of the rules in the model (linear terms not counted; 0 if none)."""
        check_is_fitted(self, "rule_coef_")
        return float(np.mean([len(c) for c in self.rule_conditions_])) if len(self.rule_conditions_) else 0.0

    def to_text(self, form: str = "set") -> str:
        """The model as text: intercept, linear terms, and the rules with their weights.

        Parameters
        ----------
        form : {"set", "tree"}, default "set"
            ``set``: the rules as unordered IF rules with weight and support;
            ``tree``: the same rules drawn as a tree (rules sharing leading
            conditions share branches; each leaf is a weight that is added
            when its path holds). ``list`` is refused: RuleFit's rules overlap
            and all of those that hold add up, so an IF / ELSE IF list (first
            match decides) would misstate how the model predicts.
        """
        check_is_fitted(self, "rule_coef_")
        if form == "list":
            raise ValueError(f"form='list' does not apply to {type(self).__name__}: its rules overlap and the "
                             "weights of all rules that hold add up (no first-match order); use form='set' or "
                             "form='tree'")
        if form not in ("set", "tree"):
            raise ValueError(f"form must be 'set' or 'tree', got {form!r}")
        outs = self._output_names()
        lines = [f"{type(self).__name__}: {self.linear_['column'].size} linear terms, "
                 f"{self.rule_coef_.shape[0]} rules; {self._meaning()}"]
        for j, out in enumerate(outs):
            pre = f"[{out}] " if len(outs) > 1 else ""
            lines.append(f"{pre}intercept {self.intercept_[j]:+.4g}")
            for i, k in enumerate(self.linear_["column"]):
                c = self.linear_["coef"][i, j] * self.linear_["scale"][i]
                if abs(c) > 1e-10:
                    lines.append(f"{pre}{c:+.4g} × {self.design_.design_name(k)}  (clipped to "
                                 f"[{format_value(self.linear_['low'][i])}, {format_value(self.linear_['high'][i])}])")
        rules = self.rules_
        if rules:
            if form == "set":
                lines.append(format_rule_set(rules))
            else:
                pre = len(outs) > 1
                leaves = [Rule(conditions=r.conditions, support=r.support,
                               prediction=f"{'[' + format_value(r.prediction) + '] ' if pre else ''}{r.weight:+.4g}")
                          for r in rules]
                lines.append(format_rule_tree(leaves, ordered=False))
        return "\n".join(lines)

    def __str__(self) -> str:
        try:
            check_is_fitted(self, "rule_coef_")
        except Exception:
            return super().__repr__()
        return self.to_text()

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.allow_nan = False
        return tags


class RuleFitRegressor(RegressorMixin, RuleFit):
    """RuleFit for regression: lasso on rules from a boosted tree ensemble and linear terms.

    Parameters are those of :class:`RuleFit`.

    Attributes
    ----------
    rules_ : list of Rule
        Rules with a nonzero coefficient (``weight``), most important first.
    rule_conditions_ : list of tuple of Condition
    rule_coef_ : ndarray (n_rules, 1)
    rule_support_ : ndarray (n_rules,)
        Training rows each rule covers.
    linear_ : dict
        Linear terms kept: design ``column``, winsorizing ``low`` / ``high``,
        ``scale`` (0.4 / std), ``std`` and ``coef`` (n_linear, 1) on the scaled term.
    intercept_ : ndarray (1,)
    alpha_ : float
        The chosen lasso penalty.
    n_candidate_rules_ : int
        Rules the trees generated (before removing duplicates).
    feature_importances_ : ndarray (n_features,)
        Normalized feature importances (paper eq. 35).
    n_features_in_, feature_names_in_ : as in scikit-learn.

    References
    ----------
    Friedman, J. H., & Popescu, B. E. (2008). Predictive learning via rule
    ensembles. The Annals of Applied Statistics, 2(3), 916-954.

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from unboxed.rules import RuleFitRegressor
    >>> X, y = load_diabetes(return_X_y=True, as_frame=True)
    >>> m = RuleFitRegressor(max_rules=10, random_state=0).fit(X, y)
    >>> m.n_rules_ <= 10
    True
    """

    def fit(self, X: Any, y: Any) -> RuleFitRegressor:
        """Fit on X (n_rows, n_features) and a numeric target y (n_rows,). Returns self."""
        design, Z = _fit_design(self, X)
        yv = _regression_target(y, Z.shape[0], type(self).__name__)
        self._fit(design, Z, yv[:, None], yv[:, None], "regression")
        return self

    def predict(self, X: Any) -> np.ndarray:
        """Predictions (n_rows,)."""
        return self._decision(X)[:, 0]

    def _meaning(self) -> str:
        return "prediction = intercept + linear terms + weights of the rules that hold"


class RuleFitClassifier(ClassifierMixin, RuleFit):
    """RuleFit for classification: L1 logistic regression on rules and linear terms.

    Parameters are those of :class:`RuleFit`. Two classes: one model of the
    log-odds of ``classes_[1]``. More classes: one-vs-rest, one L1 logistic model
    per class with a common penalty; ``predict_proba`` normalizes the per-class
    probabilities (as scikit-learn's one-vs-rest does); ``max_rules`` counts a
    term once whatever the number of classes that use it.

    Attributes
    ----------
    classes_ : ndarray
    rule_coef_ : ndarray (n_rules, n_outputs)
        n_outputs is 1 for two classes, else the number of classes.
    Others as in :class:`RuleFitRegressor`.

    References
    ----------
    Friedman, J. H., & Popescu, B. E. (2008). Predictive learning via rule
    ensembles. The Annals of Applied Statistics, 2(3), 916-954.

    Examples
    --------
    >>> from sklearn.datasets import load_breast_cancer
    >>> from unboxed.rules import RuleFitClassifier
    >>> X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    >>> m = RuleFitClassifier(max_rules=20, random_state=0).fit(X, y)
    >>> m.predict_proba(X[:3]).shape
    (3, 2)
    """

    def fit(self, X: Any, y: Any) -> RuleFitClassifier:
        """Fit on X (n_rows, n_features) and class labels y (n_rows,). Returns self."""
        design, Z = _fit_design(self, X)
        self.classes_, yi = _classification_target(y, Z.shape[0], type(self).__name__)
        K = self.classes_.size
        Y = (yi == 1).astype(np.float64)[:, None] if K == 2 else np.eye(K)[yi]
        self._fit(design, Z, Y, Y, "classification")
        return self

    def decision_function(self, X: Any) -> np.ndarray:
        """Log-odds: (n_rows,) for two classes, else (n_rows, n_classes) one-vs-rest."""
        d = self._decision(X)
        return d[:, 0] if d.shape[1] == 1 else d

    def predict_proba(self, X: Any) -> np.ndarray:
        """Class probabilities (n_rows, n_classes)."""
        return _ovr_proba(self._decision(X))

    def predict(self, X: Any) -> np.ndarray:
        """Predicted class labels (n_rows,)."""
        d = self._decision(X)
        if d.shape[1] == 1:
            return self.classes_[(d[:, 0] > 0).astype(np.intp)]
        return self.classes_[np.argmax(d, axis=1)]

    def _output_names(self) -> tuple[str, ...]:
        if self.classes_.size == 2:
            return (str(self.classes_[1]),)
        return tuple(str(c) for c in self.classes_)

    def _space(self) -> str:
        return "log_odds"

    def _meaning(self) -> str:
        if self.classes_.size == 2:
            return f"log-odds of {format_value(self.classes_[1])} = intercept + linear terms + weights of the " \
                   "rules that hold"
        return "per class, one-vs-rest log-odds = intercept + linear terms + weights of the rules that hold"
