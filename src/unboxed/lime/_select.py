"""LIME for tables: feature selection and the weighted ridge fits, for many rows at once.

Everything is computed from the kernel-weighted, centred sufficient statistics of
each row's neighbourhood: the Gram matrix ``G = Xc' W Xc`` (d × d), the cross
products ``c = Xc' W yc`` (d × k) and ``syy = yc' W yc`` (k). A weighted ridge with
intercept on any subset ``A`` of the interpretable features solves
``(G[A, A] + alpha I) beta = c[A]``, exactly the normal equations scikit-learn's
``Ridge(fit_intercept=True).fit(X, y, sample_weight=w)`` solves, so every row and
output is fitted by one batched ``numpy.linalg.solve``.

Feature selection follows ``lime.lime_base.LimeBase.feature_selection``:

``none``
    all features.
``highest_weights``
    ridge (alpha 0.01) on all features, keep the ``num_features`` largest
    ``|coef_j * x0_j|`` (``x0`` is the row in the interpretable space).
``forward``
    greedy forward selection by the weighted R² of an unregularized fit. The
    gain of adding feature ``j`` to a set ``A`` is ``c_j|A² / G_jj|A`` on the
    Gram matrix swept on ``A``; one sweep per step updates every row and output.
``lasso``
    the last point of the lasso (LARS) path with at most ``num_features``
    non-zero coefficients, computed from the Gram matrix.
``auto``
    ``forward`` if ``num_features <= 6`` else ``highest_weights``.
"""

from __future__ import annotations

import numpy as np

__all__ = ["SELECTIONS", "local_fit", "resolve_selection", "sufficient_stats"]

SELECTIONS = ("auto", "forward", "lasso", "highest_weights", "none")
_ALIASES = {"forward_selection": "forward", "lasso_path": "lasso"}


def resolve_selection(method: str, num_features: int) -> str:
    """The selection method actually used (``auto`` and lime's names resolved)."""
    method = _ALIASES.get(method, method)
    if method == "auto":
        return "forward" if num_features <= 6 else "highest_weights"
    return method


_CONTROLLER = None


def _one_blas_thread():
    """Run BLAS on one thread: these small products are faster so, and their rounding
    then does not depend on how many threads a backend's workers give BLAS."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController
        _CONTROLLER = ThreadpoolController()
    return _CONTROLLER.limit(limits=1, user_api="blas")


def sufficient_stats(X: np.ndarray, Y: np.ndarray, w: np.ndarray):
    """Weighted means and centred second moments of each row's neighbourhood.

    Parameters
    ----------
    X : ndarray (n, S, d)
        Interpretable samples.
    Y : ndarray (n, S, k)
        Model outputs.
    w : ndarray (n, S)
        Kernel weights.

    Returns
    -------
    xbar (n, d), ybar (n, k), G (n, d, d), c (n, d, k), syy (n, k)
    """
    n, _, d = X.shape
    k = Y.shape[2]
    sw = w.sum(axis=1)
    xbar = np.empty((n, d))
    ybar = np.empty((n, k))
    G = np.empty((n, d, d))
    c = np.empty((n, d, k))
    syy = np.empty((n, k))
    for i in range(n):  # BLAS per row: numpy's stacked matmul does not call BLAS
        wi = w[i]
        r = np.sqrt(wi)[:, None]
        xbar[i] = wi @ X[i] / sw[i]
        ybar[i] = wi @ Y[i] / sw[i]
        Xs = np.subtract(X[i], xbar[i])
        Xs *= r
        Ys = (Y[i] - ybar[i]) * r
        G[i] = Xs.T @ Xs  # one operand the transpose of the other: numpy calls syrk
        c[i] = Xs.T @ Ys
        syy[i] = np.einsum("sk,sk->k", Ys, Ys)
    # a feature that does not vary around a row (e.g. a constant one) has no weight:
    # clear the rounding noise of its centred moments so that no selection picks it
    dg = np.diagonal(G, axis1=1, axis2=2)
    flat = dg <= 1e-12 * sw[:, None] * (1.0 + xbar * xbar)
    if flat.any():
        G = np.where(flat[:, :, None] | flat[:, None, :], 0.0, G)
        c = np.where(flat[:, :, None], 0.0, c)
    return xbar, ybar, G, c, syy


def _solve(M: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Batched solve with a pseudo-inverse fallback for singular systems (alpha = 0)."""
    try:
        return np.linalg.solve(M, b)
    except np.linalg.LinAlgError:
        return np.matmul(np.linalg.pinv(M, hermitian=True), b)


def _highest_weights(G: np.ndarray, c: np.ndarray, x0: np.ndarray, K: int) -> np.ndarray:
    d = G.shape[1]
    beta = _solve(G + 0.01 * np.eye(d), c)                       # (n, d, k)
    key = np.abs(beta * x0[:, :, None])
    order = np.argsort(-key, axis=1, kind="stable")[:, :K, :]   # (n, K, k)
    return order.transpose(0, 2, 1)                              # (n, k, K)


def _forward(G: np.ndarray, c: np.ndarray, K: int) -> np.ndarray:
    n, d, _ = G.shape
    k = c.shape[2]
    nk = n * k
    Gs = np.broadcast_to(G[:, None], (n, k, d, d)).reshape(nk, d, d).copy()
    cs = c.transpose(0, 2, 1).reshape(nk, d).copy()
    diag0 = np.diagonal(Gs, axis1=1, axis2=2).copy()
    tol = 1e-12 * np.maximum(diag0, 1e-300)
    used = np.zeros((nk, d), dtype=bool)
    sel = np.empty((nk, K), dtype=np.intp)
    items = np.arange(nk)
    for t in range(K):
        dg = np.diagonal(Gs, axis1=1, axis2=2)
        ok = dg > tol
        gain = np.where(ok, cs * cs / np.where(ok, dg, 1.0), 0.0)
        gain[used] = -np.inf
        j = np.argmax(gain, axis=1)
        sel[:, t] = j
        used[items, j] = True
        if t == K - 1:
            break
        gjj = dg[items, j].copy()
        live = ok[items, j]
        gj = Gs[items, :, j] * live[:, None]                     # (nk, d)
        inv = np.where(live, 1.0 / np.where(live, gjj, 1.0), 0.0)
        cj = cs[items, j].copy()
        Gs -= gj[:, :, None] * (gj * inv[:, None])[:, None, :]
        cs -= gj * (cj * inv)[:, None]
    return sel.reshape(n, k, K)


def _lasso(G: np.ndarray, c: np.ndarray, K: int, n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    from sklearn.linear_model import lars_path_gram
    n, d, _ = G.shape
    k = c.shape[2]
    chosen = []
    for i in range(n):
        for o in range(k):
            _, _, coefs = lars_path_gram(c[i, :, o].copy(), G[i].copy(), n_samples=n_samples, method="lasso")
            nonzero = np.arange(d)
            for s in range(coefs.shape[1] - 1, 0, -1):
                nonzero = np.nonzero(coefs[:, s])[0]
                if nonzero.size <= K:
                    break
            chosen.append(nonzero)
    width = max(1, max(a.size for a in chosen))
    A = np.zeros((n * k, width), dtype=np.intp)
    valid = np.zeros((n * k, width), dtype=bool)
    for r, a in enumerate(chosen):
        A[r, :a.size] = a
        valid[r, :a.size] = True
    return A.reshape(n, k, width), valid.reshape(n, k, width)


def select(G: np.ndarray, c: np.ndarray, x0: np.ndarray, method: str, num_features: int,
           n_samples: int) -> tuple[np.ndarray, np.ndarray]:
    """Selected features per row and output: ``A`` (n, k, K) positions and a validity mask."""
    n, d, _ = G.shape
    k = c.shape[2]
    K = min(int(num_features), d)
    if method == "none":
        A = np.broadcast_to(np.arange(d), (n, k, d)).copy()
        return A, np.ones(A.shape, dtype=bool)
    if method == "highest_weights":
        A = _highest_weights(G, c, x0, K)
    elif method == "forward":
        A = _forward(G, c, K)
    elif method == "lasso":
        return _lasso(G, c, K, n_samples)
    else:  # pragma: no cover - validated by the caller
        raise ValueError(f"unknown feature selection {method!r}")
    return A, np.ones(A.shape, dtype=bool)


def local_fit(X: np.ndarray, Y: np.ndarray, w: np.ndarray, *, num_features: int, method: str,
              alpha: float) -> dict:
    """Select features and fit LIME's weighted ridge for every row and output.

    Parameters
    ----------
    X : ndarray (n, S, d)
        Interpretable samples; ``X[:, 0]`` is the row.
    Y : ndarray (n, S, k)
        Model outputs of the samples.
    w : ndarray (n, S)
        Kernel weights (the row itself has weight 1 with the default kernel).
    num_features : int
    method : {"forward", "lasso", "highest_weights", "none"}
        A resolved selection method (see :func:`resolve_selection`).
    alpha : float
        Ridge penalty of the final fit (lime: 1.0).

    Returns
    -------
    dict with ``coef`` (n, d, k; 0 for features not selected), ``intercept``
    (n, k), ``score`` (n, k; the weighted R² of the local model on the
    neighbourhood), ``local_pred`` (n, k; the local model at the row), ``stderr``
    (n, d, k; Monte-Carlo standard errors of ``coef`` given the selected features, by the
    sandwich covariance of the weighted ridge; 0 for features not selected).
    """
    with _one_blas_thread():
        return _local_fit(X, Y, w, num_features=num_features, method=method, alpha=alpha)


def _local_fit(X, Y, w, *, num_features, method, alpha):
    n, S, d = X.shape
    k = Y.shape[2]
    xbar, ybar, G, c, syy = sufficient_stats(X, Y, w)
    x0 = X[:, 0, :]
    A, valid = select(G, c, x0, method, num_features, S)
    K = A.shape[2]
    ii = np.arange(n)[:, None, None]
    oo = np.arange(k)[None, :, None]
    GA = G[ii[..., None], A[..., :, None], A[..., None, :]]          # (n, k, K, K)
    vv = valid[..., :, None] & valid[..., None, :]
    GA = np.where(vv, GA, 0.0)
    eye = np.eye(K, dtype=bool)
    GA = GA + np.where(eye, np.where(valid, float(alpha), 1.0)[..., :, None], 0.0)
    cA = np.where(valid, c[ii, A, oo], 0.0)                            # (n, k, K)
    beta = _solve(GA, cA[..., None])[..., 0]
    beta = np.where(valid, beta, 0.0)
    coef = np.zeros((n, k, d))
    np.put_along_axis(coef, A, beta, axis=2)  # padded slots carry 0 and never overwrite a real one
    if not valid.all():
        coef = np.zeros((n, k, d))
        for slot in range(K):
            sl = valid[:, :, slot]
            r, o = np.nonzero(sl)
            coef[r, o, A[r, o, slot]] = beta[r, o, slot]
    coef = coef.transpose(0, 2, 1).copy()                              # (n, d, k)
    intercept = ybar - np.einsum("nd,ndk->nk", xbar, coef)
    ss_res = np.empty((n, k))
    stderr = np.zeros((n, d, k))
    Ainv = np.linalg.pinv(GA, hermitian=True)                          # (n, k, K, K)
    for i in range(n):
        Xc = X[i] - xbar[i]
        resid = (Y[i] - ybar[i]) - Xc @ coef[i]                        # (S, k)
        ss_res[i] = w[i] @ (resid * resid)
        # Monte-Carlo standard errors of the weighted ridge: the sandwich (HC0) covariance
        # A^-1 [sum_s w_s^2 e_s^2 x_s x_s'] A^-1 with A = Xc' W Xc + alpha I on the selected features
        we = w[i][:, None] * resid                                     # (S, k)
        for o in range(k):
            idx = A[i, o][valid[i, o]]
            if idx.size == 0:
                continue
            Xs = Xc[:, idx] * we[:, o:o + 1]
            meat = Xs.T @ Xs
            m = idx.size
            Ai = Ainv[i, o][:m, :m] if valid[i, o].all() else Ainv[i, o][np.ix_(valid[i, o], valid[i, o])]
            var = np.einsum("ab,bc,ac->a", Ai, meat, Ai)
            stderr[i, idx, o] = np.sqrt(np.maximum(var, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        score = np.where(syy > 0, 1.0 - ss_res / np.where(syy > 0, syy, 1.0),
                         np.where(ss_res > 0, 0.0, 1.0))
    local_pred = intercept + np.einsum("nd,ndk->nk", x0, coef)
    return {"coef": coef, "intercept": intercept, "score": score, "local_pred": local_pred, "stderr": stderr}
