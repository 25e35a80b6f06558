"""LinearShap: coef * (x - weighted mean), equal to exact values, Pipelines with one-hot columns."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, PolynomialFeatures, SplineTransformer, StandardScaler

from unboxed.shapley.background import Background
from unboxed.shapley.exact import ExactShap
from unboxed.shapley.linear import LinearShap


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 4))
    return X, X @ [1.0, -2.0, 0.5, 0.0] + 0.3 * rng.normal(size=120)


def test_closed_form_and_exact(data):
    X, y = data
    model = Ridge(alpha=0.1).fit(X, y)
    bg, rows = X[:40], X[60:65]
    before = rows.copy()
    attr = LinearShap(model, bg).explain(rows)
    np.testing.assert_array_equal(before, rows)
    np.testing.assert_allclose(attr.values[..., 0], model.coef_ * (rows - bg.mean(axis=0)), rtol=0, atol=1e-12)
    np.testing.assert_allclose(attr.total[:, 0], model.predict(rows), atol=1e-10)
    exact = ExactShap(model, bg, progress=False).explain(rows)
    np.testing.assert_allclose(attr.values, exact.values, rtol=0, atol=1e-10)
    np.testing.assert_allclose(attr.base_values, exact.base_values, rtol=0, atol=1e-10)
    assert attr.stderr is None and attr.output_space == "predict"


def test_weighted_background(data):
    X, y = data
    model = LinearRegression().fit(X, y)
    w = np.arange(1, 41, dtype=float)
    attr = LinearShap(model, Background(X[:40], weights=w, size=None)).explain(X[:3])
    mean = (w / w.sum()) @ X[:40]
    np.testing.assert_allclose(attr.values[..., 0], model.coef_ * (X[:3] - mean), atol=1e-12)


def test_logistic_binary_and_multiclass():
    X, y = load_iris(return_X_y=True)
    binary = LogisticRegression(max_iter=1000).fit(X, y == 2)
    attr = LinearShap(binary, X[::5]).explain(X[:3])
    assert attr.output_space == "log_odds" and attr.values.shape == (3, 4, 1)
    np.testing.assert_allclose(attr.values[..., 0], binary.coef_[0] * (X[:3] - X[::5].mean(axis=0)), atol=1e-12)
    exact = ExactShap(binary, X[::5], output="log_odds", progress=False).explain(X[:3])
    np.testing.assert_allclose(attr.values, exact.values, atol=1e-9)
    multi = LogisticRegression(max_iter=1000).fit(X, y)
    attr = LinearShap(multi, X[::5]).explain(X[:3])
    assert attr.output_space == "decision" and attr.values.shape == (3, 4, 3)
    np.testing.assert_allclose(attr.values, (X[:3] - X[::5].mean(axis=0))[:, :, None] * multi.coef_.T[None],
                               atol=1e-12)
    np.testing.assert_allclose(attr.total, multi.decision_function(X[:3]), atol=1e-10)
    with pytest.raises(ValueError, match="not linear"):
        LinearShap(multi, X[::5], output="proba")
    with pytest.raises(ValueError, match="binary"):
        LinearShap(multi, X[::5], output="log_odds")


def test_pipeline_one_hot_grouped_back_to_inputs(german):
    X, y = german
    X = X.iloc[:, :9]
    cat = X.select_dtypes("category").columns.tolist()
    num = [c for c in X.columns if c not in cat]
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), cat),
                                                 (StandardScaler(), num)),
                         LogisticRegression(max_iter=3000)).fit(X, y)
    bg, rows = X.iloc[:30], X.iloc[300:304]
    before = rows.copy()
    attr = LinearShap(pipe, bg).explain(rows)
    pd.testing.assert_frame_equal(before, rows)
    assert attr.feature_names == tuple(X.columns)
    exact = ExactShap(pipe, bg, output="log_odds", progress=False).explain(rows)
    np.testing.assert_allclose(attr.values, exact.values, rtol=0, atol=1e-9)
    groups = {"a": cat[:2], "b": num}
    g = LinearShap(pipe, bg, groups=groups).explain(rows)
    ge = ExactShap(pipe, bg, output="log_odds", groups=groups, progress=False).explain(rows)
    np.testing.assert_allclose(g.values, ge.values, rtol=0, atol=1e-9)


def test_spline_pipeline_is_additive(data):
    X, y = data
    pipe = make_pipeline(SplineTransformer(n_knots=4), Ridge()).fit(X, np.sin(X[:, 0]) + X[:, 1] ** 2)
    attr = LinearShap(pipe, X[:20]).explain(X[50:53])
    exact = ExactShap(pipe, X[:20], progress=False).explain(X[50:53])
    np.testing.assert_allclose(attr.values, exact.values, rtol=0, atol=1e-9)


def test_refusals(data):
    X, y = data
    poly = make_pipeline(PolynomialFeatures(2), LinearRegression()).fit(X, y)
    with pytest.raises(ValueError, match="mixes input columns"):
        LinearShap(poly, X[:20])
    with pytest.raises(TypeError, match="linear model"):
        LinearShap(RandomForestRegressor(n_estimators=2).fit(X, y), X[:20])
    model = LinearRegression().fit(X, y)
    ls = LinearShap(model, X[:20])
    with pytest.raises(ValueError, match="4 columns|expects 4"):
        ls.explain(X[:2, :3])
    with pytest.raises(ValueError, match="infinite"):
        ls.explain(np.array([[np.inf, 0, 0, 0]]))


def test_raw_background_is_used_whole_and_in_chunks(monkeypatch):
    # the closed form needs only the background mean: a raw background with more than 100 rows is
    # not sampled down (no warning), so the reference is the mean of all rows, as shap.LinearExplainer
    import warnings

    import unboxed.shapley.linear as lin_mod
    rng = np.random.default_rng(1)
    X = rng.normal(size=(450, 3))
    model = LinearRegression().fit(X, X @ [1.0, 2.0, -1.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        attr = LinearShap(model, X).explain(X[:4])
    np.testing.assert_allclose(attr.values[..., 0], model.coef_ * (X[:4] - X.mean(axis=0)), atol=1e-12)
    assert attr.provenance.params["background_rows"] == 450
    monkeypatch.setattr(lin_mod, "_CHUNK_ROWS", 64)  # the background reduced over 8 chunks: same answer
    chunked = LinearShap(model, X).explain(X[:4])
    np.testing.assert_allclose(chunked.values, attr.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(chunked.base_values, attr.base_values, rtol=0, atol=1e-12)
    monkeypatch.setattr(lin_mod, "MAX_BACKGROUND_ROWS", 200)
    with pytest.warns(UserWarning, match="sample of 200"):
        assert LinearShap(model, X).explain(X[:1]).provenance.params["background_rows"] == 200
