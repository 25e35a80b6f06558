"""TreeShap on catboost models: catboost's own ShapValues / ShapInteractionValues, the brute-force
definition (path-dependent from the exported trees, interventional from the model's own predictions),
additivity against ``prediction_type="RawFormulaVal"`` on every row (NaN under nan_mode Min / Max, rows on
the borders), what is not supported and how ``explain`` falls back, and the caller's data left alone.

Tolerances: against catboost's ShapValues / ShapInteractionValues 1e-6 times the output scale (they agree
to ~1e-15: both float64); brute force 1e-10; additivity 1e-9 (catboost's leaf values and sums are float64).
catboost's own ShapValues for ``grow_policy="Lossguide"`` trees do not add up to its raw prediction, so
those trees are checked against the definition only.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings

import numpy as np
import pandas as pd
import pytest

import unboxed as ub
from unboxed.shapley.tree import TreeShap

from conftest import assert_unmodified

from .test_tree import brute_force_shapley

cb = pytest.importorskip("catboost")

KW = dict(thread_count=1, allow_writing_files=False, verbose=0, random_seed=0)


# ------------------------------------------------------------------ helpers
def _data(seed=0, n=300, p=5, nan=0.1):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)).round(1)  # repeated values: rows on borders
    X[rng.random(X.shape) < nan] = np.nan
    X[:, -1] = rng.normal(size=n)  # one column never missing in training
    z = np.nan_to_num(X)
    y = z[:, 0] * z[:, 1] + np.sin(2 * z[:, 2]) + 0.5 * z[:, -1] + rng.normal(scale=0.1, size=n)
    return X, y


def _raw(model, X):
    return np.asarray(model.predict(X, prediction_type="RawFormulaVal"), dtype=np.float64).reshape(len(X), -1)


def _catboost_shap(model, X):
    """catboost's ShapValues as (values (n, p, k), base (n, k))."""
    sv = model.get_feature_importance(data=cb.Pool(X), type="ShapValues")
    sv = sv[:, None, :] if sv.ndim == 2 else sv  # (n, k, p + 1)
    return sv[:, :, :-1].transpose(0, 2, 1), sv[:, :, -1]


def _rows_with_nan_and_borders(model, X):
    """Explained rows: NaN in every column (also one never missing in training) and values on borders."""
    R = X[:40].copy()
    R[:5] = np.nan
    R[5:10, -1] = np.nan
    for j, borders in model.get_borders().items():
        b = np.asarray(borders, dtype=np.float32).astype(np.float64)
        if b.size:
            R[10:10 + min(b.size, 20), int(j)] = b[:20]
    return R


def _model_json(model):
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "m.json")
        model.save_model(path, format="json")
        with open(path) as fh:
            return json.load(fh)


def _goes_right(x, split, nan_right):
    v = np.float32(x[split["float_feature_index"]])
    if np.isnan(v):
        return nan_right[split["float_feature_index"]]
    return bool(v > np.float32(split["border"]))


def json_path_value(model, x):
    """v(S) = E[raw | x_S] under the leaf weights, straight from catboost's JSON export (any tree layout)."""
    js = _model_json(model)
    scale, bias = js["scale_and_bias"]
    nan_right = {f["feature_index"]: f["nan_value_treatment"] == "AsTrue"
                 for f in js["features_info"]["float_features"]}

    def oblivious(tree, S):
        splits = tree["splits"]
        d = len(splits)
        w = np.asarray(tree["leaf_weights"], dtype=float)
        vals = np.asarray(tree["leaf_values"], dtype=float).reshape(1 << d, -1)

        def rec(level, prefix):  # the split of the highest bit first: catboost's order for ShapValues
            if level < 0:
                return vals[prefix]
            bit = 1 << level
            lo = [ell for ell in range(1 << d) if ell & ~(2 * bit - 1) == prefix]
            s = splits[level]
            if s["float_feature_index"] in S:
                return rec(level - 1, prefix | (bit if _goes_right(x, s, nan_right) else 0))
            wl = sum(w[ell] for ell in lo if not ell & bit)
            wr = sum(w[ell] for ell in lo if ell & bit)
            if wl + wr == 0:
                return rec(level - 1, prefix)
            return (wl * rec(level - 1, prefix) + wr * rec(level - 1, prefix | bit)) / (wl + wr)
        return rec(d - 1, 0)

    def weight(nd):
        return nd["weight"] if "split" not in nd else weight(nd["left"]) + weight(nd["right"])

    def general(nd, S):
        if "split" not in nd:
            return np.atleast_1d(np.asarray(nd["value"], dtype=float))
        s = nd["split"]
        if s["float_feature_index"] in S:
            return general(nd["right"] if _goes_right(x, s, nan_right) else nd["left"], S)
        wl, wr = weight(nd["left"]), weight(nd["right"])
        return (wl * general(nd["left"], S) + wr * general(nd["right"], S)) / (wl + wr)

    def v(S):
        if "oblivious_trees" in js:
            tot = sum(oblivious(t, S) for t in js["oblivious_trees"])
        else:
            tot = sum(general(t, S) for t in js["trees"])
        return scale * tot + np.asarray(bias, dtype=float)
    return v


# ----------------------------------------------------------- catboost's own
def _models():
    X, y = _data(0)
    yb = (y > 0).astype(int)
    y3 = np.digitize(y, [-0.5, 0.5])
    return X, {
        "regressor_min": cb.CatBoostRegressor(iterations=30, depth=4, **KW).fit(X, y),
        "regressor_max": cb.CatBoostRegressor(iterations=30, depth=4, nan_mode="Max", **KW).fit(X, y),
        "binary": cb.CatBoostClassifier(iterations=30, depth=3, **KW).fit(X, yb),
        "multiclass": cb.CatBoostClassifier(iterations=30, depth=3, loss_function="MultiClass", **KW).fit(X, y3),
        "depthwise": cb.CatBoostClassifier(iterations=20, depth=3, grow_policy="Depthwise",
                                           loss_function="MultiClass", **KW).fit(X, y3),
        "core_logloss": cb.CatBoost(dict(loss_function="Logloss", iterations=20, depth=3, **KW)).fit(X, yb),
        "weighted": cb.CatBoostRegressor(iterations=20, depth=3, **KW).fit(
            X, y, sample_weight=np.random.default_rng(1).uniform(0.2, 3.0, X.shape[0])),
    }


@pytest.fixture(scope="module")
def models():
    return _models()


@pytest.mark.parametrize("name", ["regressor_min", "regressor_max", "binary", "multiclass", "depthwise",
                                  "core_logloss", "weighted"])
def test_matches_catboost_shap_values_and_adds_up(models, name):
    X, ms = models
    model = ms[name]
    rows = _rows_with_nan_and_borders(model, X)
    attr = TreeShap(model, progress=False).explain(rows)
    raw = _raw(model, rows)
    k = raw.shape[1]
    assert attr.values.shape == (rows.shape[0], X.shape[1], k)
    assert attr.provenance.params["model_family"] == "catboost"
    vals, base = _catboost_shap(model, rows)
    scale = max(1.0, np.abs(raw).max())
    np.testing.assert_allclose(attr.values, vals, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(attr.base_values, base, rtol=0, atol=1e-6 * scale)
    np.testing.assert_allclose(attr.total, raw, rtol=0, atol=1e-9 * scale)


def test_trees_of_different_depths(models):
    X, y = _data(2)
    first = cb.CatBoostRegressor(iterations=5, depth=2, **KW).fit(X, y)
    model = cb.CatBoostRegressor(iterations=5, depth=5, **KW).fit(X, y, init_model=first)
    depths = {len(t["splits"]) for t in _model_json(model)["oblivious_trees"]}
    assert depths == {2, 5}
    rows = _rows_with_nan_and_borders(model, X)
    attr = TreeShap(model, progress=False).explain(rows)
    vals, base = _catboost_shap(model, rows)
    np.testing.assert_allclose(attr.values, vals, rtol=0, atol=1e-6 * max(1.0, np.abs(y).max()))
    np.testing.assert_allclose(attr.total, _raw(model, rows), rtol=0, atol=1e-9)


def test_interactions_match_catboost(models):
    X, ms = models
    for name in ("regressor_min", "multiclass"):
        model = ms[name]
        rows = X[:8]
        attr = TreeShap(model, progress=False).explain(rows, interactions=True)
        si = model.get_feature_importance(data=cb.Pool(rows), type="ShapInteractionValues")
        si = si[:, None] if si.ndim == 3 else si  # (n, k, p + 1, p + 1)
        si = si[:, :, :-1, :-1].transpose(0, 2, 3, 1)
        np.testing.assert_allclose(attr.interactions, si, rtol=0, atol=1e-6 * max(1.0, np.abs(_raw(model, X)).max()))
        np.testing.assert_allclose(attr.interactions.sum(axis=2), attr.values, rtol=0, atol=1e-10)


# -------------------------------------------------------------- brute force
@pytest.mark.parametrize("kind", ["oblivious", "oblivious_max", "multiclass", "lossguide"])
def test_path_dependent_matches_brute_force(kind):
    X, y = _data(3, n=200, p=4)
    if kind == "oblivious":
        model = cb.CatBoostRegressor(iterations=4, depth=3, **KW).fit(X, y)
    elif kind == "oblivious_max":
        model = cb.CatBoostRegressor(iterations=4, depth=3, nan_mode="Max", **KW).fit(X, y)
    elif kind == "multiclass":
        model = cb.CatBoostClassifier(iterations=3, depth=3, loss_function="MultiClass", **KW).fit(
            X, np.digitize(y, [-0.5, 0.5]))
    else:
        model = cb.CatBoostRegressor(iterations=4, depth=4, grow_policy="Lossguide", max_leaves=6, **KW).fit(X, y)
    rows = _rows_with_nan_and_borders(model, X)[[0, 6, 11, 12, 20, 30]]
    attr = TreeShap(model, progress=False).explain(rows)
    for i, x in enumerate(rows):
        v = json_path_value(model, x)
        phi = brute_force_shapley(v, X.shape[1])
        np.testing.assert_allclose(attr.values[i], phi.reshape(attr.values[i].shape), rtol=0, atol=1e-10)
        np.testing.assert_allclose(attr.base_values[i], v(frozenset()), rtol=0, atol=1e-10)
    np.testing.assert_allclose(attr.total, _raw(model, rows), rtol=0, atol=1e-9)


@pytest.mark.parametrize("kind", ["regressor", "multiclass", "binary"])
def test_interventional_matches_brute_force(kind):
    X, y = _data(4, n=200, p=4)
    if kind == "regressor":
        model = cb.CatBoostRegressor(iterations=10, depth=3, nan_mode="Max", **KW).fit(X, y)
        predict, output = (lambda H: _raw(model, H)), "auto"
    elif kind == "multiclass":
        model = cb.CatBoostClassifier(iterations=10, depth=3, loss_function="MultiClass", **KW).fit(
            X, np.digitize(y, [-0.5, 0.5]))
        predict, output = (lambda H: _raw(model, H)), "raw"
    else:  # log-odds (output="proba" rescales each background pair: additive, but not this definition)
        model = cb.CatBoostClassifier(iterations=10, depth=3, **KW).fit(X, (y > 0).astype(int))
        predict, output = (lambda H: _raw(model, H)), "log_odds"
    bg = X[100:108].copy()
    bg[0, 1] = np.nan
    rows = _rows_with_nan_and_borders(model, X)[[0, 6, 11, 25]]
    attr = TreeShap(model, bg, output=output, progress=False).explain(rows)
    assert attr.provenance.params["algorithm"] == "interventional"
    for i, x in enumerate(rows):
        def v(S, x=x):
            H = bg.copy()
            idx = sorted(S)
            H[:, idx] = x[idx]
            return predict(H).mean(axis=0)
        phi = brute_force_shapley(v, X.shape[1])
        np.testing.assert_allclose(attr.values[i], phi, rtol=0, atol=1e-9)
        np.testing.assert_allclose(attr.base_values[i], v(frozenset()), rtol=0, atol=1e-9)


# ----------------------------------------------------------- public routes
def test_explain_and_model_function_use_the_raw_formula_value(models):
    X, ms = models
    clf, reg = ms["binary"], ms["regressor_min"]
    rows = _rows_with_nan_and_borders(clf, X)[:20]
    a = ub.explain(clf, rows, progress=False)
    assert a.provenance.params["chosen_method"] == "tree"
    assert a.output_space == "log_odds" and a.output_names == ("1",)
    np.testing.assert_allclose(a.total, _raw(clf, rows), rtol=0, atol=1e-9)
    f = ub.model_function(clf, rows, output="raw")
    np.testing.assert_allclose(f(rows), _raw(clf, rows), rtol=0, atol=1e-12)
    g = ub.model_function(clf, rows, output="log_odds")
    np.testing.assert_allclose(g(rows), _raw(clf, rows), rtol=0, atol=1e-9)
    p = ub.explain(clf, rows, background=X[:60], output="proba", progress=False)
    assert p.provenance.params["chosen_method"] == "tree" and p.output_space == "proba"
    np.testing.assert_allclose(p.total, clf.predict_proba(rows), rtol=0, atol=1e-9)
    r = ub.explain(reg, rows, output="predict", progress=False)
    assert r.provenance.params["chosen_method"] == "tree" and r.output_names == ("prediction",)
    np.testing.assert_allclose(r.total[:, 0], reg.predict(rows), rtol=0, atol=1e-9)


def test_dataframe_names_and_column_order():
    X, y = _data(5, n=150, p=4)
    df = pd.DataFrame(X, columns=["age", "income", "debt", "score"])
    model = cb.CatBoostRegressor(iterations=10, depth=3, **KW).fit(df, y)
    attr = TreeShap(model, progress=False).explain(df.iloc[:10])
    assert attr.feature_names == ("age", "income", "debt", "score")
    np.testing.assert_allclose(attr.total[:, 0], _raw(model, df.iloc[:10])[:, 0], rtol=0, atol=1e-9)
    with pytest.raises(ValueError, match="columns"):
        TreeShap(model, progress=False).explain(df.iloc[:10][["income", "age", "debt", "score"]])


def test_caller_data_unmodified(models):
    X, ms = models
    rows = _rows_with_nan_and_borders(ms["binary"], X)
    before = rows.copy()
    df = pd.DataFrame(rows[:20])
    df_before = df.copy()
    bg = X[50:60]
    bg_before = bg.copy()
    TreeShap(ms["binary"], progress=False).explain(rows, interactions=True)
    TreeShap(ms["binary"], bg, output="proba", progress=False).explain(df)
    assert_unmodified(before, rows)
    assert_unmodified(df_before, df)
    assert_unmodified(bg_before, bg)


# ---------------------------------------------------------- not supported
def test_categorical_features_raise_and_explain_falls_back():
    X, y = _data(6, n=150, p=3)
    df = pd.DataFrame(X, columns=["a", "b", "c"])
    df["colour"] = np.where(y > 0, "red", "blue")
    df.loc[::5, "colour"] = "green"
    yb = (y + np.random.default_rng(0).normal(size=y.size) > 0).astype(int)
    model = cb.CatBoostClassifier(iterations=10, depth=3, cat_features=["colour"], **KW).fit(df, yb)
    assert not TreeShap.supports(model)
    with pytest.raises(TypeError, match="categorical features.*method='kernel'"):
        TreeShap(model)
    with pytest.raises(TypeError, match="categorical"):
        ub.explain(model, df.iloc[:5], method="tree", progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        attr = ub.explain(model, df.iloc[:6], progress=False)
    params = attr.provenance.params
    assert params["chosen_method"] == "exact"
    assert "categorical" in params["reason"]
    np.testing.assert_allclose(attr.total, model.predict_proba(df.iloc[:6]), rtol=0, atol=1e-9)


def test_not_fitted_raises():
    with pytest.raises(ValueError, match="not fitted"):
        TreeShap(cb.CatBoostRegressor(**KW))
    assert not TreeShap.supports(cb.CatBoostClassifier(**KW))


def test_multi_target_regression_and_poisson():
    X, y = _data(7, n=150, p=4)
    for model in (cb.CatBoostRegressor(iterations=10, depth=3, loss_function="MultiRMSE", **KW).fit(
                      X, np.c_[y, np.nan_to_num(X[:, 0])]),
                  cb.CatBoostRegressor(iterations=10, depth=3, loss_function="Poisson", **KW).fit(
                      X, np.round(np.exp(np.clip(y, -2, 2))))):
        rows = _rows_with_nan_and_borders(model, X)
        attr = TreeShap(model, progress=False).explain(rows)
        vals, base = _catboost_shap(model, rows)
        np.testing.assert_allclose(attr.values, vals, rtol=0, atol=1e-9)
        np.testing.assert_allclose(attr.total, _raw(model, rows), rtol=0, atol=1e-9)
