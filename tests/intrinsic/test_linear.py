"""coefficients / explain_linear: standard errors from their definitions, statsmodels, Linear SHAP, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import Lasso, LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from unboxed.intrinsic import coefficients, explain_linear

from conftest import assert_unmodified


@pytest.fixture(scope="module")
def reg():
    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 3)) * [1, 5, 0.2] + [0, 10, 3], columns=["a", "b", "c"])
    y = 1 + 2 * X["a"] - 0.3 * X["b"] + rng.normal(size=120)
    return X, y.to_numpy()


@pytest.fixture(scope="module")
def clf():
    rng = np.random.default_rng(1)
    X = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "b", "c"])
    p = 1 / (1 + np.exp(-(0.5 + X["a"] - 0.7 * X["b"])))
    return X, (rng.random(300) < p).astype(int)


def test_ols_standard_errors_from_the_definition(reg):
    X, y = reg
    tab = coefficients(LinearRegression().fit(X, y), X, y)
    Xd = np.column_stack([np.ones(len(X)), X])
    beta = np.linalg.lstsq(Xd, y, rcond=None)[0]
    resid = y - Xd @ beta
    df = len(y) - 4
    se = np.sqrt(resid @ resid / df * np.diag(np.linalg.inv(Xd.T @ Xd)))
    np.testing.assert_allclose(tab["coef"], beta, rtol=1e-8)
    np.testing.assert_allclose(tab["std_error"], se, rtol=1e-8)
    np.testing.assert_allclose(tab["p_value"], 2 * stats.t.sf(np.abs(beta / se), df), rtol=1e-8)
    crit = stats.t.ppf(0.975, df)
    np.testing.assert_allclose(tab["ci_upper"], beta + crit * se, rtol=1e-8)
    np.testing.assert_allclose(tab["std_effect"][1:], beta[1:] * X.std(ddof=1).to_numpy(), rtol=1e-8)
    assert list(tab["term"]) == ["(intercept)", "a", "b", "c"] and set(tab["se_method"]) == {"ols"}


def test_ols_matches_statsmodels(reg):
    sm = pytest.importorskip("statsmodels.api")
    X, y = reg
    tab = coefficients(LinearRegression().fit(X, y), X, y, confidence=0.9)
    res = sm.OLS(y, sm.add_constant(X)).fit()
    np.testing.assert_allclose(tab["std_error"], res.bse, rtol=1e-8)
    np.testing.assert_allclose(tab[["ci_lower", "ci_upper"]], res.conf_int(0.1), rtol=1e-8)


def test_logistic_fisher_standard_errors(clf):
    X, y = clf
    m = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    tab = coefficients(m, X, y)
    Xd = np.column_stack([np.ones(len(X)), X])
    p = m.predict_proba(X)[:, 1]
    se = np.sqrt(np.diag(np.linalg.inv((Xd * (p * (1 - p))[:, None]).T @ Xd)))
    np.testing.assert_allclose(tab["std_error"], se, rtol=1e-8)
    np.testing.assert_allclose(tab["odds_ratio"], np.exp(tab["coef"]), rtol=1e-12)
    assert set(tab["se_method"]) == {"fisher"} and "Fisher" in tab.attrs["note"]
    sm = pytest.importorskip("statsmodels.api")
    res = sm.Logit(y, sm.add_constant(X)).fit(disp=0, tol=1e-12)
    np.testing.assert_allclose(tab["coef"], res.params, rtol=1e-5)
    np.testing.assert_allclose(tab["std_error"], res.bse, rtol=1e-5)


def test_multinomial_contrasts_match_statsmodels():
    sm = pytest.importorskip("statsmodels.api")
    rng = np.random.default_rng(2)
    X = rng.normal(size=(400, 2))
    eta = np.column_stack([np.zeros(400), 1 + X[:, 0], -0.5 + X[:, 1]])
    P = np.exp(eta) / np.exp(eta).sum(1, keepdims=True)
    y = np.array([rng.choice(3, p=p) for p in P])
    m = LogisticRegression(C=np.inf, tol=1e-12, max_iter=10_000).fit(X, y)
    tab = coefficients(m, X, y)
    res = sm.MNLogit(y, sm.add_constant(X)).fit(disp=0, method="newton", tol=1e-12)
    theta = np.column_stack([m.intercept_, m.coef_])             # (K, 3), sum-to-zero over classes
    np.testing.assert_allclose(theta[1:] - theta[0], np.asarray(res.params).T, rtol=1e-5, atol=1e-6)
    # the pseudo-inverse of the multinomial information is the covariance of the sum-to-zero
    # coefficients: the contrasts it implies are MNLogit's (reference class 0) standard errors
    full = _full_cov(m, X)
    q = 3
    for k in (1, 2):
        v = (full[k * q:(k + 1) * q, k * q:(k + 1) * q] + full[:q, :q]
             - full[k * q:(k + 1) * q, :q] - full[:q, k * q:(k + 1) * q])
        np.testing.assert_allclose(np.sqrt(np.diag(v)), np.asarray(res.bse)[:, k - 1], rtol=1e-4)
    for k in range(3):  # and the table reports its diagonal blocks
        np.testing.assert_allclose(tab["std_error"][3 * k:3 * k + 3], np.sqrt(np.diag(full))[3 * k:3 * k + 3],
                                   rtol=1e-7)
    assert list(tab["output"]) == ["0"] * 3 + ["1"] * 3 + ["2"] * 3


def _full_cov(m, X):
    Xd = np.column_stack([np.ones(len(X)), X])
    P = m.predict_proba(X)
    K, q = P.shape[1], Xd.shape[1]
    info = np.zeros((K * q, K * q))
    for c in range(K):
        for d in range(K):
            w = P[:, c] * ((c == d) - P[:, d])
            info[c * q:(c + 1) * q, d * q:(d + 1) * q] = (Xd * w[:, None]).T @ Xd
    return np.linalg.pinv(info)


def test_scaler_pipeline_reports_original_units(reg):
    X, y = reg
    pipe = make_pipeline(StandardScaler(), LinearRegression()).fit(X, y)
    tab = coefficients(pipe, X, y)
    raw = coefficients(LinearRegression().fit(X, y), X, y)
    np.testing.assert_allclose(tab["coef_original"], raw["coef"], rtol=1e-8)
    np.testing.assert_allclose(tab["std_error_original"], raw["std_error"], rtol=1e-7)
    np.testing.assert_allclose(tab["statistic"][1:], raw["statistic"][1:], rtol=1e-7)  # scale-free
    np.testing.assert_allclose(tab["std_effect"], raw["std_effect"], rtol=1e-7)


def test_penalized_models_say_their_errors_are_approximate(reg, clf):
    X, y = reg
    alpha = 7.0
    tab = coefficients(Ridge(alpha=alpha).fit(X, y), X, y)
    Xc = X.to_numpy() - X.to_numpy().mean(0)
    A = np.linalg.inv(Xc.T @ Xc + alpha * np.eye(3))
    m = Ridge(alpha=alpha).fit(X, y)
    resid = y - m.predict(X)
    Xd = np.column_stack([np.ones(len(X)), X])
    P = np.diag([0, 1, 1, 1.0])
    Ainv = np.linalg.inv(Xd.T @ Xd + alpha * P)
    df = len(y) - np.trace(Xd @ Ainv @ Xd.T)
    cov = resid @ resid / df * Ainv @ Xd.T @ Xd @ Ainv
    np.testing.assert_allclose(tab["std_error"], np.sqrt(np.diag(cov)), rtol=1e-8)
    assert "APPROXIMATE" in tab.attrs["note"] and A.shape == (3, 3)
    Xl, yl = clf
    tl = coefficients(LogisticRegression(C=0.5).fit(Xl, yl), Xl, yl)
    assert "APPROXIMATE" in tl.attrs["note"] and np.isfinite(tl["std_error"]).all()
    la = coefficients(Lasso(alpha=0.1).fit(X, y), X, y)
    assert la["std_error"].isna().all() and "no standard errors" in la.attrs["note"]
    bare = coefficients(LinearRegression().fit(X, y))
    assert bare["std_error"].isna().all() and list(bare["term"][1:]) == ["a", "b", "c"]


def test_explain_linear_is_linear_shap(clf):
    shap = pytest.importorskip("shap")
    X, y = clf
    m = LogisticRegression().fit(X, y)
    bg = X.iloc[:100]
    a = explain_linear(m, X.iloc[:20], background=bg)
    np.testing.assert_allclose(a.total[:, 0], m.decision_function(X.iloc[:20]), rtol=0, atol=1e-10)
    ref = shap.LinearExplainer(m, bg.to_numpy()).shap_values(X.iloc[:20].to_numpy())
    np.testing.assert_allclose(a.values[:, :, 0], ref, rtol=0, atol=1e-10)
    assert a.output_space == "log_odds" and a.output_names == ("1",) and a.feature_names == ("a", "b", "c")


def test_explain_linear_pipelines_and_classes(reg):
    X, y = reg
    a = explain_linear(make_pipeline(StandardScaler(), Ridge()).fit(X, y), X)
    assert a.feature_names == ("a", "b", "c")
    np.testing.assert_allclose(a.values.sum(axis=0), 0, atol=1e-8)  # background = X: contributions center
    df = X.assign(g=np.where(X["a"] > 0, "hi", "lo"))
    ct = ColumnTransformer([("num", StandardScaler(), ["a", "b", "c"]), ("cat", OneHotEncoder(), ["g"])])
    pipe = make_pipeline(ct, LinearRegression()).fit(df, y)
    a = explain_linear(pipe, df.iloc[:7])
    assert a.values.shape == (7, 5, 1) and a.feature_names[-1].startswith("cat__g")
    np.testing.assert_allclose(a.total[:, 0], pipe.predict(df.iloc[:7]), rtol=0, atol=1e-9)
    from sklearn.datasets import load_iris
    Xi, yi = load_iris(return_X_y=True)
    mi = LogisticRegression(max_iter=1000).fit(Xi, yi)
    ai = explain_linear(mi, Xi[:5])
    assert ai.output_space == "decision" and ai.values.shape == (5, 4, 3)
    np.testing.assert_allclose(ai.total, mi.decision_function(Xi[:5]), rtol=0, atol=1e-10)


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 10_000), k=st.integers(1, 3))
def test_additivity_property(seed, k):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(30, 4)) * rng.uniform(0.1, 10, 4)
    Y = rng.normal(size=(30, k))
    m = LinearRegression().fit(X, Y if k > 1 else Y[:, 0])
    a = explain_linear(m, X[:5], background=X[5:])
    pred = m.predict(X[:5]).reshape(5, -1)
    np.testing.assert_allclose(a.total, pred, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(a.base_values[0], m.predict(X[5:].mean(0, keepdims=True)).ravel(), rtol=1e-9,
                               atol=1e-9)


def test_bad_input(reg):
    X, y = reg
    m = LinearRegression().fit(X, y)
    from sklearn.tree import DecisionTreeRegressor
    with pytest.raises(TypeError, match="linear model"):
        coefficients(DecisionTreeRegressor().fit(X, y), X, y)
    with pytest.raises(TypeError, match="linear model"):
        explain_linear(DecisionTreeRegressor().fit(X, y), X)
    bad = X.copy()
    bad.iloc[2, 1] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        explain_linear(m, bad)
    with pytest.raises(ValueError, match="columns differ"):
        explain_linear(m, X.rename(columns={"a": "z"}))
    with pytest.raises(ValueError, match="another order"):
        explain_linear(m, X[["b", "a", "c"]])
    with pytest.raises(ValueError, match="rows"):
        coefficients(m, X, y[:-1])
    with pytest.raises(ValueError, match="confidence"):
        coefficients(m, X, y, confidence=1.0)
    with pytest.raises(ValueError, match="no rows"):
        explain_linear(m, X.iloc[:0])
    strings = X.astype(object)
    strings.iloc[0, 0] = "oops"
    with pytest.raises((TypeError, ValueError), match="non-numeric|numeric"):
        explain_linear(m, strings)
    with pytest.raises(ValueError, match="background has no rows"):
        explain_linear(m, X, background=X.iloc[:0])
    one = explain_linear(m, X.iloc[:1])
    np.testing.assert_allclose(one.values, 0, atol=1e-12)  # background = the row itself


def test_caller_data_unmodified(reg):
    X, y = reg
    Xc, yc = X.copy(), y.copy()
    pipe = make_pipeline(StandardScaler(), LinearRegression()).fit(X, y)
    coefficients(pipe, X, y)
    explain_linear(pipe, X, background=X)
    assert_unmodified(Xc, X)
    assert_unmodified(yc, y)


def test_missing_values_filled_by_a_pipeline_imputer():
    # NaN is fine when an imputer fills it before the final estimator; the contributions still add
    # up to the decision function (oracle) and carry the user's column names
    from sklearn.impute import SimpleImputer

    rng = np.random.default_rng(0)
    X = pd.DataFrame(rng.normal(size=(120, 3)), columns=["a", "b", "c"])
    y = (X["a"] - X["b"] + rng.normal(scale=0.5, size=120) > 0).astype(int)
    X.iloc[::5, 1] = np.nan
    m = make_pipeline(SimpleImputer(), StandardScaler(), LogisticRegression()).fit(X, y)
    a = explain_linear(m, X.iloc[:10])
    assert a.feature_names == ("a", "b", "c")
    np.testing.assert_allclose(a.values.sum(axis=1)[:, 0] + a.base_values[:, 0], m.decision_function(X.iloc[:10]),
                               rtol=1e-10, atol=1e-10)
    table = coefficients(m, X, y)
    assert {"a", "b", "c"} <= set(table["term"])
    # without an imputer the missing values would reach the estimator: a clear error
    m2 = make_pipeline(StandardScaler(), LogisticRegression()).fit(X.fillna(0.0), y)
    with pytest.raises(ValueError, match="missing values that reach the final estimator"):
        explain_linear(m2, X.iloc[:10])


def test_linear_importance_is_the_table_as_an_importance_result():
    """OLS oracle (closed form): values = coef * sd(x), std = se * sd(x); plots.importance draws it."""
    import matplotlib
    matplotlib.use("Agg")
    from sklearn.datasets import load_diabetes
    from sklearn.linear_model import LinearRegression

    from unboxed import Importance, plots
    from unboxed.intrinsic import linear_importance

    X, y = load_diabetes(return_X_y=True)
    X, y = X[:200], y[:200]
    A = np.column_stack([np.ones(len(X)), X])
    beta = np.linalg.lstsq(A, y, rcond=None)[0]
    resid = y - A @ beta
    se = np.sqrt(np.diag(resid @ resid / (len(X) - A.shape[1]) * np.linalg.inv(A.T @ A)))
    model = LinearRegression().fit(X, y)
    imp = linear_importance(model, X, y)
    assert isinstance(imp, Importance) and imp.values.shape == (10, 1)
    sd = X.std(axis=0, ddof=1)
    np.testing.assert_allclose(imp.values[:, 0], beta[1:] * sd, rtol=1e-8)
    np.testing.assert_allclose(imp.std[:, 0], se[1:] * sd, rtol=1e-8)
    raw = linear_importance(model, X, y, kind="coef")
    np.testing.assert_allclose(raw.values[:, 0], beta[1:], rtol=1e-8)
    np.testing.assert_allclose(raw.std[:, 0], se[1:], rtol=1e-8)
    plots.importance(imp)
    with pytest.raises(ValueError, match="needs the training X"):
        linear_importance(model)
    with pytest.raises(ValueError, match="kind must be"):
        linear_importance(model, X, y, kind="odds")
