"""What linear and logistic regression say about themselves.

:func:`coefficients` is the regression table: coefficients with standard
errors, test statistics, p-values and confidence intervals, odds ratios for
logistic models, standardized effects, and, behind a scaler, the same in the
user's original units. :func:`explain_linear` splits each prediction into
per-feature contributions ``coef * (x - mean)`` (what Linear SHAP gives for
independent features), in log-odds for logistic models.

Standard errors — the rule
--------------------------
- Unpenalized linear regression (``LinearRegression``): classical OLS,
  ``sigma^2 (X'X)^-1`` with ``sigma^2 = RSS / (n - rank)``; t statistics with
  ``n - rank`` degrees of freedom.
- Unpenalized logistic regression (``C=inf``): the inverse Fisher information
  ``(X'WX)^-1``, ``W = diag(p(1-p))``; z statistics. More than two classes
  (multinomial): the pseudo-inverse of the multinomial Fisher information, i.e.
  the covariance under scikit-learn's sum-to-zero coefficients.
- L2-penalized models (``Ridge``, ``LogisticRegression`` with finite ``C``): the
  sandwich ``H^-1 I H^-1`` with ``H = I + penalty Hessian`` — *approximate*:
  conditional on the penalty, and the estimates are biased towards zero; z statistics.
- L1 / elastic-net penalties and other linear models: no standard errors
  (NaN); the lasso's estimates have no normal sampling distribution.
The column ``se_method`` and ``frame.attrs["note"]`` say which rule applied.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .._model import provenance
from .._results import Attribution, Importance, Provenance
from .._validation import check_fraction, describe
from ._common import ModelSpace, split_pipeline

__all__ = ["coefficients", "explain_linear", "linear_importance"]


def _linear_parts(final: Any) -> tuple[np.ndarray, np.ndarray]:
    """(W (k, q), b (k,)) of a fitted linear model."""
    if not hasattr(final, "coef_"):
        raise TypeError(f"expected a fitted linear model (with coef_ and intercept_) or a Pipeline ending in "
                        f"one, got {describe(final)}")
    W = np.atleast_2d(np.asarray(final.coef_, dtype=np.float64))
    b = np.atleast_1d(np.asarray(getattr(final, "intercept_", 0.0), dtype=np.float64))
    if b.size == 1 and W.shape[0] > 1:
        b = np.repeat(b, W.shape[0])
    return W, b


def _is_logistic(final: Any) -> bool:
    from sklearn.linear_model import LogisticRegression, LogisticRegressionCV
    return isinstance(final, (LogisticRegression, LogisticRegressionCV))


def _logistic_penalty(final: Any) -> tuple[str, float]:
    """('none' | 'l2' | 'l1' | 'elasticnet', C) as scikit-learn resolves it."""
    C = float(np.atleast_1d(getattr(final, "C_", final.C))[0]) if hasattr(final, "C_") else float(final.C)
    pen = getattr(final, "penalty", "l2")
    if pen == "deprecated":
        l1 = getattr(final, "l1_ratio", 0.0)
        l1 = np.atleast_1d(getattr(final, "l1_ratio_", l1))[0] if hasattr(final, "l1_ratio_") else l1
        pen = "l2" if l1 in (0, None) else ("l1" if l1 == 1 else "elasticnet")
        if np.isinf(C):
            pen = None
    if pen is None or pen == "none" or np.isinf(C):
        return "none", np.inf
    return str(pen), C


def _se_rule(final: Any) -> str:
    from sklearn.linear_model import LinearRegression, Ridge, RidgeCV
    if isinstance(final, LinearRegression):
        return "ols"
    if isinstance(final, (Ridge, RidgeCV)):
        return "ridge"
    if _is_logistic(final):
        pen, _ = _logistic_penalty(final)
        return {"none": "fisher", "l2": "logistic_l2"}.get(pen, "none")
    return "none"


def _design(X: np.ndarray, fit_intercept: bool) -> np.ndarray:
    return np.column_stack([np.ones(X.shape[0]), X]) if fit_intercept else X


def _covariances(final: Any, X: np.ndarray, y: np.ndarray | None, rule: str, W: np.ndarray, b: np.ndarray
                 ) -> tuple[list[np.ndarray | None], np.ndarray | None]:
    """Covariance of (intercept, coefs) per output, and the t degrees of freedom (or None for z)."""
    fi = bool(getattr(final, "fit_intercept", True))
    Xd = _design(X, fi)
    n, m = Xd.shape
    k = W.shape[0]
    if rule in ("ols", "ridge"):
        if y is None:
            return [None] * k, None
        Y = np.asarray(y, dtype=np.float64).reshape(n, -1)
        if Y.shape[1] != k:
            raise ValueError(f"y has {Y.shape[1]} columns, the model has {k} outputs")
        resid = Y - (X @ W.T + b)
        XtX = Xd.T @ Xd
        if rule == "ols":
            inv = np.linalg.pinv(XtX)
            rank = np.linalg.matrix_rank(Xd)
            df = n - rank
            if df <= 0:
                return [None] * k, None
            covs = [(resid[:, j] @ resid[:, j] / df) * inv for j in range(k)]
            return covs, np.full(k, float(df))
        alpha = float(np.atleast_1d(getattr(final, "alpha_", final.alpha))[0])
        Pm = np.eye(m)
        if fi:
            Pm[0, 0] = 0.0
        Ainv = np.linalg.pinv(XtX + alpha * Pm)
        hat_trace = np.trace(Xd @ Ainv @ Xd.T)
        df = max(n - hat_trace, 1.0)
        covs = [(resid[:, j] @ resid[:, j] / df) * (Ainv @ XtX @ Ainv) for j in range(k)]
        return covs, None
    if rule in ("fisher", "logistic_l2"):
        _, C = _logistic_penalty(final)
        lam = 0.0 if rule == "fisher" else 1.0 / C
        classes = np.asarray(final.classes_)
        if classes.size == 2 or W.shape[0] == 1:
            p = 1.0 / (1.0 + np.exp(-(X @ W[0] + b[0])))
            info = (Xd * (p * (1 - p))[:, None]).T @ Xd
            Pm = np.eye(m)
            if fi:
                Pm[0, 0] = 0.0
            H = info + lam * Pm
            Hinv = np.linalg.pinv(H)
            return [Hinv @ info @ Hinv], None
        # multinomial: parameters theta = [(b_c, w_c) for each class c]
        eta = X @ W.T + b
        eta -= eta.max(axis=1, keepdims=True)
        P = np.exp(eta)
        P /= P.sum(axis=1, keepdims=True)
        K = P.shape[1]
        info = np.zeros((K * m, K * m))
        for c in range(K):
            for d in range(c, K):
                wcd = P[:, c] * ((c == d) - P[:, d])
                block = (Xd * wcd[:, None]).T @ Xd
                info[c * m:(c + 1) * m, d * m:(d + 1) * m] = block
                info[d * m:(d + 1) * m, c * m:(c + 1) * m] = block.T
        Pm = np.eye(K * m)
        if fi:
            Pm[np.arange(K) * m, np.arange(K) * m] = 0.0
        H = info + lam * Pm
        Hinv = np.linalg.pinv(H)
        cov = Hinv @ info @ Hinv
        return [cov[c * m:(c + 1) * m, c * m:(c + 1) * m] for c in range(K)], None
    return [None] * k, None


def _output_names(final: Any, k: int) -> tuple[str, ...]:
    classes = getattr(final, "classes_", None)
    if classes is not None:
        classes = [str(c) for c in np.asarray(classes).tolist()]
        if len(classes) == k:
            return tuple(classes)
        if k == 1 and len(classes) == 2:
            return (classes[1],)
    return ("prediction",) if k == 1 else tuple(f"output_{j}" for j in range(k))


def coefficients(model: Any, X: Any = None, y: Any = None, *, confidence: float = 0.95) -> pd.DataFrame:
    """The regression table of a fitted linear or logistic model.

    Parameters
    ----------
    model : fitted linear model or Pipeline ending in one
        ``LinearRegression``, ``Ridge``, ``LogisticRegression`` (standard errors),
        any other scikit-learn linear model (coefficients only).
    X : array-like or DataFrame (n_rows, n_features), optional
        The training data; needed for standard errors and standardized effects.
    y : array-like (n_rows,), optional
        The training target; needed for the standard errors of linear regression.
    confidence : float, default=0.95
        Level of the confidence intervals.

    Returns
    -------
    pandas.DataFrame
        One row per (output, term), the intercept first. Columns: ``output``,
        ``term``, ``coef``, ``std_error``, ``statistic`` (t or z), ``p_value``,
        ``ci_lower``, ``ci_upper``, ``odds_ratio`` / ``odds_ratio_lower`` /
        ``odds_ratio_upper`` (logistic), ``std_effect`` (coef times the feature's
        standard deviation in X), ``se_method``; behind scalers that map each
        column by ``z = (x - c) / s``, also ``coef_original``,
        ``std_error_original``, ``ci_lower_original``, ``ci_upper_original`` (and
        ``odds_ratio_original``) in the user's units. ``frame.attrs["note"]``
        states how the standard errors were computed.

    Notes
    -----
    See the module docstring for the rule that picks the standard errors.

    References
    ----------
    Greene, W. H. (2012). Econometric Analysis (7th ed.), ch. 4 and 14.
    Hoerl, A. E., & Kennard, R. W. (1970). Ridge regression: biased estimation for
    nonorthogonal problems. Technometrics, 12(1), 55-67.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from unboxed.intrinsic import coefficients
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(100, 2)); y = 1 + 2 * X[:, 0] + rng.normal(size=100)
    >>> tab = coefficients(LinearRegression().fit(X, y), X, y)
    >>> list(tab["term"])
    ['(intercept)', 'x0', 'x1']
    """
    confidence = check_fraction(confidence, "confidence")
    if confidence >= 1:
        raise ValueError(f"confidence must be below 1, got {confidence}")
    prefix, final = split_pipeline(model)
    W, b = _linear_parts(final)
    k, q = W.shape
    rule = _se_rule(final)
    logistic = _is_logistic(final)
    space = None
    covs: list = [None] * k
    dfs = None
    names = None
    if X is not None:
        space = ModelSpace(model, X, name="X")
        Xt = space.Xt
        if Xt.shape[1] != q:
            raise ValueError(f"X maps to {Xt.shape[1]} inputs of the final estimator, which has {q} coefficients")
        names = space.names
        if y is not None:
            yv = np.asarray(y)
            if yv.shape[0] != Xt.shape[0]:
                raise ValueError(f"X has {Xt.shape[0]} rows but y has {yv.shape[0]}")
            if not logistic:
                try:
                    yv = yv.astype(np.float64)
                except (TypeError, ValueError):
                    raise TypeError(f"y must be numeric for a regression model, got {yv.dtype}") from None
                if not np.isfinite(yv).all():
                    raise ValueError("y has NaN or infinite values; expected finite numbers")
        else:
            yv = None
        covs, dfs = _covariances(final, Xt, yv, rule, W, b)
        sd = Xt.std(axis=0, ddof=1) if Xt.shape[0] > 1 else np.full(q, np.nan)
    else:
        sd = np.full(q, np.nan)
    if names is None:
        fn = getattr(final, "feature_names_in_", None)
        names = tuple(str(v) for v in fn) if fn is not None and len(fn) == q else tuple(f"x{j}" for j in range(q))
    fi = bool(getattr(final, "fit_intercept", True))
    terms = ["(intercept)"] + list(names)
    outs = _output_names(final, k)
    affine = space.affine if space is not None else (None if prefix else (np.zeros(q), np.ones(q)))
    if affine is not None and affine[0].shape != (q,):
        affine = None
    frames = []
    for j in range(k):
        coef = np.concatenate([[b[j]], W[j]])
        cov = covs[j]
        se = np.full(q + 1, np.nan)
        if cov is not None:
            diag = np.diag(cov)
            se_fit = np.sqrt(np.clip(diag, 0, None))
            se[(0 if fi else 1):] = se_fit
            if not fi:
                se[0] = np.nan
        stat = coef / se
        if dfs is not None:
            pval = 2 * stats.t.sf(np.abs(stat), dfs[j])
            crit = stats.t.ppf(0.5 + confidence / 2, dfs[j])
        else:
            pval = 2 * stats.norm.sf(np.abs(stat))
            crit = stats.norm.ppf(0.5 + confidence / 2)
        lo, hi = coef - crit * se, coef + crit * se
        row: dict[str, Any] = {"output": [outs[j]] * (q + 1), "term": terms, "coef": coef, "std_error": se,
                               "statistic": stat, "p_value": pval, "ci_lower": lo, "ci_upper": hi}
        if logistic:
            row["odds_ratio"] = np.exp(coef)
            row["odds_ratio_lower"] = np.exp(lo)
            row["odds_ratio_upper"] = np.exp(hi)
        row["std_effect"] = np.concatenate([[np.nan], W[j] * sd])
        row["se_method"] = [_SE_LABEL[rule] if cov is not None else "none"] * (q + 1)
        if affine is not None and prefix:
            c, s = affine
            # beta_orig = T theta with theta = (b, w): w_orig = w / s, b_orig = b - sum(w c / s)
            T = np.zeros((q + 1, q + 1))
            T[0, 0] = 1.0
            T[0, 1:] = -c / s
            T[np.arange(1, q + 1), np.arange(1, q + 1)] = 1.0 / s
            co = T @ coef
            se_o = np.full(q + 1, np.nan)
            if cov is not None:
                full = np.zeros((q + 1, q + 1))
                if fi:
                    full[:] = cov
                else:
                    full[1:, 1:] = cov
                se_o = np.sqrt(np.clip(np.diag(T @ full @ T.T), 0, None))
                if not fi:
                    se_o[0] = np.nan
            row["coef_original"] = co
            row["std_error_original"] = se_o
            row["ci_lower_original"] = co - crit * se_o
            row["ci_upper_original"] = co + crit * se_o
            if logistic:
                row["odds_ratio_original"] = np.exp(co)
        frames.append(pd.DataFrame(row))
    frame = pd.concat(frames, ignore_index=True)
    if not fi:
        frame = frame[frame["term"] != "(intercept)"].reset_index(drop=True)
    note = _NOTES[rule] if any(c is not None for c in covs) else (
        _NOTES["none"] if rule == "none" else "no standard errors: pass the training X (and y for linear "
        "regression) to get them")
    frame.attrs["note"] = note
    return frame



def linear_importance(model: Any, X: Any = None, y: Any = None, *, kind: str = "std_effect",
                      confidence: float = 0.95) -> Importance:
    """The regression table of :func:`coefficients` as an :class:`~unboxed.Importance`, so plots work on it.

    Parameters
    ----------
    model : fitted linear model or Pipeline ending in one
    X, y : the training data, as for :func:`coefficients` (X is needed for
        ``std_effect`` and for standard errors, y for those of linear regression)
    kind : {"std_effect", "coef"}, default "std_effect"
        ``std_effect``: coefficient times the feature's standard deviation in X
        (the change of the output for a one-standard-deviation change, which is
        comparable across features); ``coef``: the raw coefficient (log-odds for
        logistic models).
    confidence : float, default 0.95

    Returns
    -------
    Importance
        ``values (n_features, n_outputs)`` (signed; the intercept is left out),
        ``std``: the standard error on the same scale (0 where the model has
        none, see :func:`coefficients`), ``per_repeat`` unused. The full table,
        with intervals, p-values and odds ratios, is ``coefficients(...)``.
    """
    if kind not in ("std_effect", "coef"):
        raise ValueError(f"kind must be 'std_effect' or 'coef', got {kind!r}")
    if kind == "std_effect" and X is None:
        raise ValueError("kind='std_effect' needs the training X (the features' standard deviations); "
                         "pass X, or use kind='coef'")
    tab = coefficients(model, X, y, confidence=confidence)
    tab = tab[tab["term"] != "(intercept)"]
    outputs = tuple(dict.fromkeys(tab["output"].tolist()))
    terms = tuple(dict.fromkeys(tab["term"].tolist()))
    vals = np.empty((len(terms), len(outputs)))
    std = np.zeros_like(vals)
    for j, out in enumerate(outputs):
        sub = tab[tab["output"] == out].set_index("term").loc[list(terms)]
        coef = sub["coef"].to_numpy(dtype=float)
        se = sub["std_error"].to_numpy(dtype=float)
        if kind == "std_effect":
            scale = np.divide(sub["std_effect"].to_numpy(dtype=float), coef,
                              out=np.zeros_like(coef), where=coef != 0)
            vals[:, j] = sub["std_effect"].to_numpy(dtype=float)
            std[:, j] = np.nan_to_num(np.abs(se * scale), nan=0.0)
        else:
            vals[:, j] = coef
            std[:, j] = np.nan_to_num(se, nan=0.0)
    what = ("coefficient times the feature's standard deviation" if kind == "std_effect" else "coefficient")
    return Importance(values=vals, std=std, feature_names=tuple(str(t) for t in terms),
                      output_names=tuple(str(o) for o in outputs),
                      scoring=f"{what} (signed); std = standard error ({tab.attrs.get('note', '')})",
                      provenance=Provenance("linear_importance", params={"kind": kind, "confidence": confidence},
                                            model=type(split_pipeline(model)[1]).__name__))


_SE_LABEL = {"ols": "ols", "fisher": "fisher", "ridge": "sandwich (approximate: ridge penalty)",
             "logistic_l2": "sandwich (approximate: L2 penalty)", "none": "none"}
_NOTES = {
    "ols": "classical OLS standard errors sigma^2 (X'X)^-1, t tests with n - rank degrees of freedom",
    "fisher": "inverse Fisher information (X'WX)^-1 of the unpenalized logistic model, z tests",
    "ridge": "APPROXIMATE: sandwich covariance of the ridge estimator given its penalty; the estimates are "
             "biased towards zero, so intervals and p-values are indicative only",
    "logistic_l2": "APPROXIMATE: sandwich covariance H^-1 I H^-1 of the L2-penalized logistic model (H: penalized "
                   "Hessian, I: Fisher information); the estimates are biased towards zero",
    "none": "no standard errors for this model (L1 / elastic-net penalties or a model without a likelihood "
            "theory here); refit without penalty, or with LinearRegression / LogisticRegression(C=np.inf)",
}


def explain_linear(model: Any, X: Any, *, background: Any = None) -> Attribution:
    """Per-row contributions of a linear or logistic model: ``coef * (x - mean)``.

    Parameters
    ----------
    model : fitted linear model or Pipeline ending in one
    X : array-like or DataFrame (n_rows, n_features)
        Rows to explain.
    background : array-like or DataFrame, optional
        Data whose mean is the reference (default: X itself).

    Returns
    -------
    Attribution
        ``values (n_rows, n_inputs, n_outputs)``: contributions; ``base_values``:
        the model at the background mean, so ``base_values + values.sum(axis=1)``
        is the model's output exactly. The output is the prediction for
        regression, the log-odds of ``classes_[1]`` for binary classifiers
        (``output_space="log_odds"``), and the per-class decision function for
        more classes (``"decision"``). The inputs are the user's features when
        the steps before the model only rescale columns (a scaled feature's
        contribution does not depend on the scale); otherwise the final
        estimator's inputs (e.g. one-hot columns), named by
        ``get_feature_names_out``.

    References
    ----------
    Lundberg, S. M., & Lee, S.-I. (2017). A unified approach to interpreting model
    predictions. NeurIPS (linear models: Corollary 1).

    Examples
    --------
    >>> from sklearn.datasets import load_diabetes
    >>> from sklearn.linear_model import Ridge
    >>> from unboxed.intrinsic import explain_linear
    >>> X, y = load_diabetes(return_X_y=True)
    >>> a = explain_linear(Ridge().fit(X, y), X[:5])
    >>> a.values.shape
    (5, 10, 1)
    """
    space = ModelSpace(model, X, name="X")
    W, b = _linear_parts(space.final)
    k, q = W.shape
    Xt = space.Xt
    if Xt.shape[1] != q:
        raise ValueError(f"X maps to {Xt.shape[1]} inputs of the final estimator, which has {q} coefficients")
    ref = Xt if background is None else space.encode_other(background, "background")
    if ref.shape[0] == 0:
        raise ValueError("background has no rows; expected at least one")
    mean = ref.mean(axis=0)
    values = (Xt - mean)[:, :, None] * W.T[None, :, :]
    base = np.broadcast_to(W @ mean + b, (Xt.shape[0], k))
    original = space.affine is not None and (not space.prefix or Xt.shape[1] == space.schema.n_features)
    if original:
        names, data = space.schema.names, space.schema.display_values(space.Z)
    else:
        names = space.names
        data = np.asarray(Xt, dtype=object)
    final = space.final
    is_clf = hasattr(final, "classes_")
    if is_clf:
        out_space = "log_odds" if k == 1 else "decision"
    else:
        out_space = "predict"
    return Attribution(values=values, base_values=base, feature_names=names,
                       output_names=_output_names(final, k), data=data, output_space=out_space,
                       provenance=provenance("explain_linear", space.f,
                                             {"background": background is not None}, n_evals=0))
