"""Interventional Tree SHAP: the definition with the background, shap.TreeExplainer, probability space,
weighted backgrounds, and the two background summaries (mask tables and distinct masks) agreeing.

Tolerances: against the brute-force definition (float64, the model's own predictions) 1e-9; against
shap 1e-6 times the output scale (shap's interventional C++ keeps path weights in float32).
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from sklearn.ensemble import GradientBoostingClassifier, RandomForestRegressor
from sklearn.tree import DecisionTreeRegressor

from unboxed._data import Schema
from unboxed.shapley._trees import parse_model
from unboxed.shapley._trees._interventional import (
    Summary, background_masks, interventional_shap, interventional_shap_pairs, summarize,
)
from unboxed.shapley.tree import TreeShap

shap = pytest.importorskip("shap")


def brute_force_interventional(predict, x, background, weights=None):
    """Shapley values of v(S) = sum_r w_r predict(x_S, r_notS), from the definition (p <= 7)."""
    p = x.size
    w = np.full(len(background), 1.0 / len(background)) if weights is None else np.asarray(weights)
    cache = {}

    def v(S):
        if S not in cache:
            H = background.copy()
            idx = list(S)
            H[:, idx] = x[idx]
            cache[S] = w @ predict(H)
        return cache[S]

    phi = []
    for i in range(p):
        acc = 0.0
        others = [j for j in range(p) if j != i]
        for r in range(p):
            for S in itertools.combinations(others, r):
                wt = math.factorial(r) * math.factorial(p - r - 1) / math.factorial(p)
                acc = acc + wt * (v(frozenset(S) | {i}) - v(frozenset(S)))
        phi.append(acc)
    return np.asarray(phi), v(frozenset())


def _data(seed, n, p):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p)).round(1)
    y = X[:, 0] * X[:, 1] + np.sin(2 * X[:, -1]) + X @ rng.normal(size=p) * 0.3
    return X, y


@pytest.mark.parametrize("seed,p,depth", [(0, 3, 3), (1, 5, 4), (2, 6, 4)])
def test_matches_the_definition_with_the_background(seed, p, depth):
    X, y = _data(seed, 300, p)
    model = RandomForestRegressor(n_estimators=4, max_depth=depth, random_state=seed).fit(X, y)
    bg = X[200:215]
    attr = TreeShap(model, bg, progress=False).explain(X[:5])
    assert attr.provenance.params["algorithm"] == "interventional"
    for i in range(5):
        phi, base = brute_force_interventional(model.predict, X[i], bg)
        np.testing.assert_allclose(attr.values[i, :, 0], phi, rtol=0, atol=1e-9)
        np.testing.assert_allclose(attr.base_values[i, 0], base, rtol=0, atol=1e-9)
    np.testing.assert_allclose(attr.total[:, 0], model.predict(X[:5]), rtol=0, atol=1e-9)


def test_weighted_background_equals_repeated_rows():
    X, y = _data(3, 300, 4)
    model = DecisionTreeRegressor(max_depth=4, random_state=0).fit(X, y)
    from unboxed.shapley.background import Background
    bg = X[:6]
    w = np.array([1, 2, 3, 1, 1, 2], dtype=float)
    a = TreeShap(model, Background(bg, size=None, weights=w), progress=False).explain(X[10:20])
    b = TreeShap(model, np.repeat(bg, w.astype(int), axis=0), progress=False).explain(X[10:20])
    np.testing.assert_allclose(a.values, b.values, rtol=0, atol=1e-12)
    np.testing.assert_allclose(a.base_values, b.base_values, rtol=0, atol=1e-12)
    phi, base = brute_force_interventional(model.predict, X[10], bg, w / w.sum())
    np.testing.assert_allclose(a.values[0, :, 0], phi, rtol=0, atol=1e-10)


def test_matches_shap_on_boosted_models(rng):
    xgb = pytest.importorskip("xgboost")
    lgb = pytest.importorskip("lightgbm")
    X = rng.normal(size=(400, 6))
    X[rng.random(X.shape) < 0.1] = np.nan
    y = np.nan_to_num(X[:, 0]) * 2 + (np.nan_to_num(X[:, 1]) > 0) + rng.normal(scale=0.1, size=400)
    bg, rows = X[:40], X[100:160]
    for model in (xgb.XGBRegressor(n_jobs=1, n_estimators=20, max_depth=4).fit(X, y),
                  lgb.LGBMRegressor(n_jobs=1, n_estimators=20, num_leaves=12, verbose=-1).fit(X, y)):
        attr = TreeShap(model, bg, progress=False).explain(rows)
        ex = shap.TreeExplainer(model, data=bg, feature_perturbation="interventional")
        s = ex.shap_values(rows, check_additivity=False)
        scale = max(1.0, np.abs(y).max())
        np.testing.assert_allclose(attr.values[:, :, 0], s, rtol=0, atol=1e-6 * scale)
        np.testing.assert_allclose(attr.base_values[0, 0], ex.expected_value, rtol=0, atol=1e-6 * scale)


def test_probability_space_matches_shap_and_adds_up(rng):
    xgb = pytest.importorskip("xgboost")
    X = rng.normal(size=(400, 5))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(scale=0.5, size=400) > 0).astype(int)
    bg, rows = X[:30], X[200:240]
    for model in (xgb.XGBClassifier(n_jobs=1, n_estimators=15, max_depth=3).fit(X, y),
                  GradientBoostingClassifier(n_estimators=15, max_depth=3, random_state=0).fit(X, y)):
        attr = TreeShap(model, bg, output="proba", progress=False).explain(rows)
        assert attr.output_names == ("0", "1") and attr.output_space == "proba"
        proba = model.predict_proba(rows)
        np.testing.assert_allclose(attr.total, proba, rtol=0, atol=1e-6)
        ex = shap.TreeExplainer(model, data=bg, model_output="probability",
                                feature_perturbation="interventional")
        s = np.asarray(ex.shap_values(rows, check_additivity=False))
        s = s[..., 1] if s.ndim == 3 else s
        np.testing.assert_allclose(attr.values[:, :, 1], s, rtol=0, atol=1e-6)
        np.testing.assert_allclose(attr.values[:, :, 0], -attr.values[:, :, 1], rtol=0, atol=0)


def test_probability_rescaling_per_pair_by_brute_force():
    X, y = _data(7, 300, 4)
    model = GradientBoostingClassifier(n_estimators=5, max_depth=2, random_state=0).fit(X, (y > 0).astype(int))
    bg = X[:5]
    x = X[50]
    attr = TreeShap(model, bg, output="proba", progress=False).explain(X[50:51])
    margin = model.decision_function
    mx = margin(x[None])[0]
    expected = np.zeros(4)
    for r in bg:
        phi_r, _ = brute_force_interventional(margin, x, r[None])
        mr = margin(r[None])[0]
        sig = lambda m: 1 / (1 + np.exp(-m))  # noqa: E731
        slope = (sig(mx) - sig(mr)) / (mx - mr) if abs(mx - mr) > 1e-12 else sig(mx) * (1 - sig(mx))
        expected += phi_r * slope / len(bg)
    np.testing.assert_allclose(attr.values[0, :, 1], expected, rtol=0, atol=1e-10)


def test_mask_tables_distinct_masks_and_pairs_agree():
    X, y = _data(11, 500, 6)
    model = RandomForestRegressor(n_estimators=3, max_depth=8, random_state=0).fit(X, y)
    schema = Schema.from_data(X)
    ens = parse_model(model, schema)
    Xm, Bm = ens.input_map(X[:30]), ens.input_map(X[300:340])
    w = np.full(40, 1 / 40)
    tables = interventional_shap(ens, summarize(ens, Bm, max_table_depth=12), Xm)
    lists = interventional_shap(ens, summarize(ens, Bm, max_table_depth=0), Xm)
    mixed = interventional_shap(ens, summarize(ens, Bm, max_table_depth=3), Xm)
    small = Summary(ens, background_masks(ens, Bm), budget_bytes=4096)  # memory cap: fewer tables
    assert small.max_table_depth < 12
    capped = interventional_shap(ens, small, Xm)
    pairs = interventional_shap_pairs(ens, background_masks(ens, Bm), Xm, np.broadcast_to(w[None, :, None],
                                                                                      (30, 40, 1)))
    for other in (lists, mixed, pairs, capped):
        np.testing.assert_allclose(other, tables, rtol=0, atol=1e-10)


def test_deep_forest_uses_distinct_masks_and_matches_shap(rng):
    X = rng.normal(size=(600, 8))
    y = X[:, 0] + np.sin(X[:, 1] * 3) + X[:, 2] * X[:, 3]
    model = RandomForestRegressor(n_estimators=3, random_state=0).fit(X, y)  # paths with > 12 features
    schema = Schema.from_data(X)
    ens = parse_model(model, schema)
    assert ens.paths()[1].max() > 6
    bg, rows = X[:25], X[300:330]
    attr = TreeShap(model, bg, progress=False).explain(rows)
    np.testing.assert_allclose(attr.total[:, 0], model.predict(rows), rtol=0, atol=1e-9)
    ex = shap.TreeExplainer(model, data=np.float32(bg).astype(float), feature_perturbation="interventional")
    s = ex.shap_values(np.float32(rows).astype(float), check_additivity=False)
    np.testing.assert_allclose(attr.values[:, :, 0], s, rtol=0, atol=1e-6 * np.abs(y).max())


def test_background_variants_and_errors(rng):
    X, y = _data(5, 200, 3)
    model = DecisionTreeRegressor(max_depth=3).fit(X, y)
    # one background row: the pair game
    attr = TreeShap(model, X[:1], progress=False).explain(X[5:8])
    for i in range(3):
        phi, _ = brute_force_interventional(model.predict, X[5 + i], X[:1])
        np.testing.assert_allclose(attr.values[i, :, 0], phi, rtol=0, atol=1e-12)
    # path-dependent even with a background when asked
    a = TreeShap(model, X[:20], algorithm="path", progress=False).explain(X[5:8])
    b = TreeShap(model, progress=False).explain(X[5:8])
    np.testing.assert_allclose(a.values, b.values, atol=1e-14)
    with pytest.raises(ValueError, match="no rows"):
        TreeShap(model, X[:0])
    with pytest.raises(ValueError, match="infinite"):
        bad = X[:5].copy()
        bad[0, 0] = np.inf
        TreeShap(model, bad)
