"""ExactShap: against shap.ExactExplainer and a brute-force enumeration written here."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from unboxed import ModelError
from unboxed.shapley.background import Background
from unboxed.shapley.exact import ExactShap



def assert_unmodified(before, after):
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(before, after)
    else:
        np.testing.assert_array_equal(before, after)


def brute_force(predict, x: pd.DataFrame, bg: pd.DataFrame, groups: list[list[str]], weights=None):
    """Shapley values of one row by enumeration, hybrid rows built with pandas (independent of unboxed)."""
    n = len(groups)
    w = np.full(len(bg), 1 / len(bg)) if weights is None else np.asarray(weights) / np.sum(weights)
    v = {}
    for r in range(n + 1):
        for S in itertools.combinations(range(n), r):
            rows = bg.copy()
            for g in S:
                for c in groups[g]:
                    rows[c] = x[c].iloc[0] if isinstance(x, pd.DataFrame) else x[c]
            out = np.asarray(predict(rows), dtype=float)
            out = out.reshape(len(bg), -1)
            v[S] = w @ out
    phi = np.zeros((n, len(v[()])))
    for i in range(n):
        for S, val in v.items():
            if i in S:
                continue
            s = len(S)
            wt = math.factorial(s) * math.factorial(n - s - 1) / math.factorial(n)
            phi[i] += wt * (v[tuple(sorted(S + (i,)))] - val)
    return phi, v[()]


@pytest.fixture(scope="module")
def reg_data():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 6))
    y = X[:, 0] * X[:, 1] + np.sin(X[:, 2]) + X[:, 3] ** 2 + X[:, 4]
    model = RandomForestRegressor(n_estimators=15, max_depth=5, random_state=0).fit(X, y)
    return X, model


def _blackbox(d):
    d = np.asarray(d, dtype=float)
    return np.sin(d[:, 0] * d[:, 1]) + d[:, 2] * d[:, 3] * d[:, 4] + np.abs(d[:, 5]) + d[:, 0] ** 2


def test_equals_shap_exact_explainer(reg_data):  # regression and multi-class
    shap = pytest.importorskip("shap")
    X, _ = reg_data
    bg, rows = X[:25], X[100:104]
    ours = ExactShap(_blackbox, bg, progress=False).explain(rows)
    ref = shap.ExactExplainer(_blackbox, shap.maskers.Independent(bg, max_samples=25))(rows)
    np.testing.assert_allclose(ours.values[:, :, 0], ref.values, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.base_values[:, 0], ref.base_values, rtol=0, atol=1e-10)
    assert ours.stderr is None
    # multi-class probabilities (one shap compilation for both checks)
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    ours = ExactShap(model, X[::10], progress=False).explain(X[:3])
    ref = shap.ExactExplainer(model.predict_proba, shap.maskers.Independent(X[::10], max_samples=100))(X[:3])
    assert ours.values.shape == (3, 4, 3)
    assert ours.output_names == ("0", "1", "2")
    np.testing.assert_allclose(ours.values, ref.values, rtol=0, atol=1e-10)
    np.testing.assert_allclose(ours.total, model.predict_proba(X[:3]), rtol=0, atol=1e-10)


def test_pipeline_with_categorical_dataframe_and_groups(german):
    X, y = german
    X = X.iloc[:, :8]
    cat = X.select_dtypes("category").columns.tolist()
    num = [c for c in X.columns if c not in cat]
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), cat),
                                                 (StandardScaler(), num)),
                         RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0)).fit(X, y)
    bg, rows = X.iloc[:12], X.iloc[100:102]
    before = rows.copy()
    groups = {"status": [cat[0], cat[1]], "money": num[:2]}
    attr = ExactShap(pipe, bg, groups=groups, progress=False).explain(rows)
    assert_unmodified(before, rows)
    names = attr.feature_names
    assert "status" in names and "money" in names and len(names) == 8 - 2
    col_groups = [[c] if c not in ("status", "money") else groups[c] for c in names]
    for r in range(2):
        phi, base = brute_force(pipe.predict_proba, rows.iloc[[r]], bg, col_groups)
        np.testing.assert_allclose(attr.values[r], phi, rtol=0, atol=1e-12)
        np.testing.assert_allclose(attr.base_values[r], base, rtol=0, atol=1e-12)
    assert "=" in str(attr.data[0, list(names).index("status")])
    assert attr.provenance.params["groups"] is not None


def test_weighted_background_equals_replicated_rows(reg_data):
    X, model = reg_data
    bg = X[:6]
    weights = np.array([1, 2, 3, 1, 1, 4])
    rows = X[50:52]
    weighted = ExactShap(model, Background(bg, weights=weights, size=None), progress=False).explain(rows)
    replicated = ExactShap(model, np.repeat(bg, weights, axis=0), progress=False).explain(rows)
    np.testing.assert_allclose(weighted.values, replicated.values, rtol=0, atol=1e-12)
    phi, base = brute_force(lambda d: model.predict(d.to_numpy()), pd.DataFrame(rows[:1]), pd.DataFrame(bg),
                            [[j] for j in range(6)], weights)
    np.testing.assert_allclose(weighted.values[0], phi, rtol=0, atol=1e-12)
    np.testing.assert_allclose(weighted.base_values[0], base, rtol=0, atol=1e-12)


def test_efficiency_single_row_regression(reg_data):
    X, model = reg_data
    attr = ExactShap(model, X[:10], progress=False).explain(X[7:8])
    np.testing.assert_allclose(attr.total[:, 0], model.predict(X[7:8]), rtol=0, atol=1e-10)
    assert attr.provenance.method == "exact_shap"
    assert attr.provenance.n_evals == 10 + 1 + 62 * 10  # base (probe row not counted), full, 62 coalitions


def test_backends_agree(reg_data, dask_client):
    X, model = reg_data
    ex = ExactShap(model, X[:8], progress=False)
    local = ex.explain(X[20:23])
    for backend in ("processes", dask_client):
        other = ExactShap(model, X[:8], progress=False, backend=backend).explain(X[20:23])
        np.testing.assert_allclose(other.values, local.values, rtol=0, atol=1e-12)


def test_refuses_too_many_players():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(5, 21))
    with pytest.raises(ValueError, match="at most 20"):
        ExactShap(lambda d: d.sum(axis=1), X)


def test_bad_inputs(german):
    X, y = german
    X = X.iloc[:, :5]
    model = make_pipeline(make_column_transformer(
        (OneHotEncoder(), X.select_dtypes("category").columns.tolist()), remainder="passthrough"),
        RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0)).fit(X, y)
    ex = ExactShap(model, X.iloc[:10], progress=False)
    with pytest.raises(ValueError, match="other columns|missing"):
        ex.explain(X.iloc[:2, :4])
    with pytest.raises(ValueError, match="wrong order"):
        ex.explain(X.iloc[:2, ::-1])
    bad = X.iloc[:1].copy()
    c = X.select_dtypes("category").columns[0]
    bad[c] = bad[c].astype(str)
    bad.loc[bad.index[0], c] = "no such category"
    with pytest.raises(ValueError, match="not seen"):
        ex.explain(bad)
    with pytest.raises(ValueError, match="no rows"):
        ex.explain(X.iloc[:0])
    num = np.random.default_rng(0).normal(size=(20, 3))
    ex = ExactShap(lambda d: d.sum(axis=1), num, progress=False)
    with pytest.raises(TypeError, match="non-numeric"):
        ex.explain(np.array([["a", 1.0, 2.0]], dtype=object))
    with pytest.raises(ValueError, match="infinite"):
        ex.explain(np.array([[np.inf, 1.0, 2.0]]))
    with pytest.raises(ValueError, match="3 columns|expects 3"):
        ex.explain(num[:2, :2])


def test_model_failures():
    X = np.random.default_rng(1).normal(size=(10, 3))

    def nan_hater(d):
        if np.isnan(d).any():
            raise ValueError("Input contains NaN")
        return d.sum(axis=1)

    ex = ExactShap(nan_hater, X, progress=False)
    with pytest.raises(ModelError, match="missing values"):
        ex.explain(np.array([[np.nan, 1.0, 2.0]]))
    ex = ExactShap(lambda d: np.where(d[:, 0] > 5, np.inf, d[:, 1]), X, progress=False)
    with pytest.raises(ModelError, match="non-finite"):
        ex.explain(np.array([[6.0, 1.0, 2.0]]))
    with pytest.raises(ModelError, match="raised"):
        ExactShap(lambda d: 1 / 0, X)
    with pytest.raises(TypeError, match="model"):
        ExactShap(object(), X)
    reg = RandomForestRegressor(n_estimators=2, random_state=0).fit(X, X[:, 0])
    with pytest.raises(ValueError, match="predict_proba"):
        ExactShap(reg, X, output="proba")


def test_constant_background_feature_warns_and_is_consistent():
    X = np.random.default_rng(2).normal(size=(10, 3))
    X[:, 2] = 1.5
    with pytest.warns(UserWarning, match="single value"):
        ex = ExactShap(lambda d: d[:, 0] * d[:, 2] + d[:, 1], X, progress=False)
    attr = ex.explain(np.array([[1.0, 2.0, 1.5], [1.0, 2.0, 3.0]]))
    assert attr.values[0, 2, 0] == pytest.approx(0.0, abs=1e-12)  # equal to the background: exactly dummy
    np.testing.assert_allclose(attr.total[:, 0], [1.0 * 1.5 + 2.0, 1.0 * 3.0 + 2.0], atol=1e-12)


def test_numpy_input_unmodified_and_result_fields(reg_data):
    X, model = reg_data
    bg, rows = X[:10].copy(), X[30:33].copy()
    bg0, rows0 = bg.copy(), rows.copy()
    attr = ExactShap(model, bg, progress=False)(rows)
    assert_unmodified(bg0, bg)
    assert_unmodified(rows0, rows)
    assert attr.feature_names == tuple(f"x{j}" for j in range(6))
    np.testing.assert_allclose(attr.data.astype(float), rows)
    assert attr.output_space == "predict"


def test_row_category_missing_from_the_background_sample():
    # the model knows category "c"; a small background sample lacks it. The row keeps its own value
    # (oracle: efficiency against the model, and the same values as a background that spells the
    # category out in its dtype); an empty background category set is not an error
    from sklearn.linear_model import LinearRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.compose import make_column_transformer
    from sklearn.preprocessing import OneHotEncoder

    rng = np.random.default_rng(0)
    X = pd.DataFrame({"g": rng.choice(["a", "b", "c"], size=200), "x": rng.normal(size=200)})
    y = (X["g"] == "c") * 2.0 + X["x"]
    m = make_pipeline(make_column_transformer((OneHotEncoder(), ["g"]), remainder="passthrough"),
                      LinearRegression()).fit(X, y)
    bg = X[X["g"] != "c"].iloc[:20]
    rows = X[X["g"] == "c"].iloc[:3]
    a = ExactShap(m, bg, progress=False).explain(rows)
    np.testing.assert_allclose(a.values.sum(axis=1)[:, 0] + a.base_values[:, 0], m.predict(rows), rtol=0,
                               atol=1e-10)
    assert list(a.data[:, 0]) == ["c", "c", "c"]
    cat = pd.CategoricalDtype(["a", "b", "c"])
    ref = ExactShap(m, bg.astype({"g": cat}), progress=False).explain(rows.astype({"g": cat}))
    np.testing.assert_allclose(a.values, ref.values, rtol=0, atol=1e-12)
    # a category the model itself never saw: the model's own refusal, with context
    from unboxed import ModelError

    odd = rows.copy()
    odd["g"] = "d"
    with pytest.raises(ModelError, match="unknown categor"):
        ExactShap(m, bg, progress=False).explain(odd)
