"""Partial dependence / ICE: oracles (sklearn brute, closed form), properties, chunking, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.compose import ColumnTransformer
from sklearn.datasets import load_iris, make_classification, make_regression
from sklearn.ensemble import GradientBoostingClassifier, HistGradientBoostingClassifier, RandomForestRegressor
from sklearn.inspection import partial_dependence as sk_pd
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import unboxed as ub
from unboxed import Effect, Effects, ModelError, model_function
from unboxed.effects import pdp as pdp_mod
from unboxed.effects.pdp import partial_dependence


def assert_unmodified(before, after):
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(before, after)
    else:
        np.testing.assert_array_equal(before, after)

TOL = 1e-10  # sklearn brute equality: same grid, same rows, only the summation order differs


def _compare_sklearn(ours: Effect, sk, cols=None):
    """ours (g..., k) vs sklearn (k', g...); cols maps sklearn's outputs to ours."""
    k_sk = sk["average"].shape[0]
    cols = list(range(k_sk)) if cols is None else cols
    for i, g in enumerate(sk["grid_values"]):
        if ours.kinds[i] == "numeric":
            np.testing.assert_array_equal(np.asarray(ours.grid[i], dtype=float), g)
        else:
            assert list(ours.grid[i]) == list(g)
    for a, c in enumerate(cols):
        np.testing.assert_allclose(ours.average[..., c], sk["average"][a], rtol=TOL, atol=TOL)
        if "individual" in sk:
            np.testing.assert_allclose(ours.individual[..., c], sk["individual"][a], rtol=TOL, atol=TOL)


@pytest.fixture(scope="module")
def reg_data():
    X, y = make_regression(n_samples=150, n_features=5, noise=1.0, random_state=0)
    return X, y


def test_sklearn_regressor_1d_and_2d(reg_data):
    X, y = reg_data
    model = RandomForestRegressor(n_estimators=10, max_depth=5, random_state=0).fit(X, y)
    res = partial_dependence(model, X, [0, 3, (1, 2)], kind="both", grid_resolution=15, progress=False)
    assert isinstance(res, Effects) and len(res) == 3
    for eff, feats in zip(res, [[0], [3], [1, 2]]):
        sk = sk_pd(model, X, feats, kind="both", method="brute", grid_resolution=15)
        _compare_sklearn(eff, sk)
    assert res[("x1", "x2")].average.shape == (15, 15, 1)
    assert res[("x1", "x2")].individual.shape == (150, 15, 15, 1)
    assert res[0].output_names == ("prediction",) and res[0].method == "pdp"


def test_sklearn_binary_classifier_percentiles():
    X, y = make_classification(n_samples=200, n_features=4, random_state=1)
    model = GradientBoostingClassifier(n_estimators=20, random_state=0).fit(X, y)
    res = partial_dependence(model, X, [1, (0, 2)], kind="both", grid_resolution=12, percentiles=(0.1, 0.8),
                             progress=False)
    assert res[0].output_names == ("0", "1")
    for eff, feats in zip(res, [[1], [0, 2]]):
        sk = sk_pd(model, X, feats, kind="both", method="brute", grid_resolution=12, percentiles=(0.1, 0.8))
        _compare_sklearn(eff, sk, cols=[1])  # sklearn keeps the positive class only
    np.testing.assert_allclose(res[0].average.sum(axis=-1), 1.0, rtol=1e-12)


def test_sklearn_multiclass_and_few_unique_values():
    X, y = load_iris(return_X_y=True)
    model = LogisticRegression(max_iter=500).fit(X, y)
    # petal width has 22 distinct values < grid_resolution: the grid is those values
    res = partial_dependence(model, X, 3, kind="both", grid_resolution=30, progress=False)[0]
    assert len(res.grid[0]) == np.unique(X[:, 3]).size
    _compare_sklearn(res, sk_pd(model, X, [3], kind="both", method="brute", grid_resolution=30))
    res2 = partial_dependence(model, X, [(0, 1)], kind="both", grid_resolution=8, progress=False)[0]
    _compare_sklearn(res2, sk_pd(model, X, [0, 1], kind="both", method="brute", grid_resolution=8))


@pytest.fixture(scope="module")
def mixed_frame():
    rng = np.random.default_rng(3)
    n = 160
    X = pd.DataFrame({
        "age": rng.normal(40, 10, n),
        "income": rng.lognormal(3, 0.5, n),
        "color": rng.choice(["red", "green", "blue"], n),
        "size": pd.Categorical(rng.choice(["S", "M", "L"], n), categories=["S", "M", "L"]),
    })
    logit = 0.05 * (X["age"] - 40) + (X["color"] == "red") * 1.0 - (X["size"] == "L") * 0.8
    y = (logit + rng.normal(0, 0.5, n) > 0).astype(int)
    pre = ColumnTransformer([("num", StandardScaler(), ["age", "income"]),
                             ("cat", OneHotEncoder(handle_unknown="ignore"), ["color", "size"])])
    model = make_pipeline(pre, LogisticRegression(max_iter=500)).fit(X, y)
    return X, y, model


def test_sklearn_pipeline_with_raw_categoricals(mixed_frame):
    X, _, model = mixed_frame
    before = X.copy()
    res = partial_dependence(model, X, ["age", "color", ("income", "color")], kind="both", grid_resolution=10,
                             progress=False)
    assert_unmodified(before, X)
    assert res["color"].kinds == ("categorical",)
    assert list(res["color"].grid[0]) == ["blue", "green", "red"]
    for eff, feats in zip(res, [["age"], ["color"], ["income", "color"]]):
        sk = sk_pd(model, X, feats, kind="both", method="brute", grid_resolution=10,
                   categorical_features=["color", "size"])
        _compare_sklearn(eff, sk, cols=[1])
    # counts: rows per category; deciles only for numeric features
    np.testing.assert_array_equal(res["color"].counts, X["color"].value_counts().sort_index().to_numpy())
    assert res["color"].deciles == (None,)
    from scipy.stats.mstats import mquantiles
    np.testing.assert_allclose(res["age"].deciles[0], mquantiles(X["age"], prob=np.arange(0.1, 1, 0.1)))


def test_pandas_category_all_levels_and_2d_counts(mixed_frame):
    X, _, model = mixed_frame
    res = partial_dependence(model, X, [("color", "size")], progress=False)
    eff = res[0]
    assert list(eff.grid[1]) == ["S", "M", "L"]  # the dtype's category order
    expected = pd.crosstab(X["color"], X["size"]).reindex(columns=["S", "M", "L"]).to_numpy()
    np.testing.assert_array_equal(eff.counts, expected)
    # every cell equals the mean prediction with both columns set
    Xc = X.copy()
    Xc["color"], Xc["size"] = "red", pd.Categorical(["M"] * len(X), categories=["S", "M", "L"])
    np.testing.assert_allclose(eff.average[2, 1], model.predict_proba(Xc).mean(axis=0), rtol=1e-12)


# ----------------------------------------------------------- closed form
A, B = 1.5, -2.0


def _closed_form(X):
    X = np.asarray(X, dtype=float)
    return A * X[:, 0] + B * X[:, 1] ** 2


def test_closed_form_callable():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    res = partial_dependence(_closed_form, X, [0, 1, (0, 1), 2], grid_resolution=25, progress=False)
    v0, v1 = res[0].grid[0], res[1].grid[0]
    np.testing.assert_allclose(res[0].average[:, 0], A * v0 + B * np.mean(X[:, 1] ** 2), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res[1].average[:, 0], A * X[:, 0].mean() + B * v1 ** 2, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res[2].average[..., 0], A * v0[:, None] + B * v1[None, :] ** 2,
                               rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(res[3].average[:, 0], _closed_form(X).mean(), rtol=1e-12)  # unused feature: flat
    # centered ICE of an additive model: every curve is the same, starting at zero
    c = partial_dependence(_closed_form, X, 1, kind="individual", centered=True, grid_resolution=25,
                           progress=False)[0]
    assert c.centered
    np.testing.assert_allclose(c.individual[:, 0, 0], 0.0, atol=1e-12)
    np.testing.assert_allclose(c.individual[..., 0], np.broadcast_to(B * (v1 ** 2 - v1[0] ** 2), (300, 25)),
                               atol=1e-10)


def _nonlinear(X):
    X = np.asarray(X, dtype=float)
    return np.column_stack([np.sin(X[:, 0]) * X[:, 1] + X[:, 2] ** 3, np.tanh(X[:, 0] * X[:, 2])])


@settings(max_examples=25, deadline=None)
@given(data=hnp.arrays(np.float64, st.tuples(st.integers(1, 12), st.just(3)),
                       elements=st.floats(-5, 5, allow_nan=False)),
       grid=st.lists(st.floats(-10, 10, allow_nan=False), min_size=1, max_size=6),
       feature=st.integers(0, 2), other=st.integers(0, 2))
def test_property_ice_mean_is_pdp(data, grid, feature, other):
    items = [feature] if other == feature else [feature, (feature, other)]
    res = partial_dependence(_nonlinear, data, items, kind="both", grid={feature: grid}, progress=False)
    for eff in res:
        np.testing.assert_allclose(eff.individual.mean(axis=0), eff.average, rtol=1e-12, atol=1e-12)
    # each ICE value is the model on the row with the feature replaced
    eff = res[0]
    i = data.shape[0] - 1
    rows = np.repeat(data[i:i + 1], len(grid), axis=0)
    rows[:, feature] = grid
    np.testing.assert_allclose(eff.individual[i], _nonlinear(rows), rtol=1e-12, atol=1e-12)
    cen = partial_dependence(_nonlinear, data, items, kind="both", grid={feature: grid}, centered=True,
                             progress=False)
    for eff in cen:
        np.testing.assert_allclose(eff.individual[(slice(None),) + (0,) * len(eff.features)], 0.0, atol=1e-12)
        np.testing.assert_allclose(eff.individual.mean(axis=0), eff.average, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------ options
def test_custom_grids_numeric_and_categorical(mixed_frame):
    X, _, model = mixed_frame
    res = partial_dependence(model, X, ["age", "color"], grid={"age": [20, 30.5, 60], "color": ["red", "blue"]},
                             progress=False)
    np.testing.assert_array_equal(res["age"].grid[0], [20, 30.5, 60])
    assert list(res["color"].grid[0]) == ["red", "blue"]
    Xc = X.copy()
    Xc["color"] = "blue"
    np.testing.assert_allclose(res["color"].average[1], model.predict_proba(Xc).mean(axis=0), rtol=1e-12)
    with pytest.raises(ValueError, match="not one of its categories"):
        partial_dependence(model, X, "color", grid={"color": ["purple"]}, progress=False)
    with pytest.raises(TypeError, match="must hold numbers"):
        partial_dependence(model, X, "age", grid={"age": ["old"]}, progress=False)
    with pytest.raises(ValueError, match="finite"):
        partial_dependence(model, X, "age", grid={"age": [1.0, np.inf]}, progress=False)
    with pytest.raises(ValueError, match="non-empty"):
        partial_dependence(model, X, "age", grid={"age": []}, progress=False)


def test_discrete_integer_column_is_categorical():
    rng = np.random.default_rng(1)
    X = pd.DataFrame({"n_children": rng.integers(0, 4, 100), "x": rng.normal(size=100)})
    res = partial_dependence(lambda d: d["n_children"].to_numpy() * 2.0 + d["x"].to_numpy(), X, "n_children",
                             progress=False)[0]
    assert res.kinds == ("categorical",)
    assert list(res.grid[0]) == [0, 1, 2, 3]
    np.testing.assert_allclose(res.average[:, 0], 2.0 * np.arange(4) + X["x"].mean(), rtol=1e-12)
    np.testing.assert_array_equal(res.counts, np.bincount(X["n_children"], minlength=4))


def test_integer_columns_get_integer_grids(german):
    X, _ = german
    seen = []

    def model(d):
        seen.append(d["credit_amount"].to_numpy())
        return d["credit_amount"].to_numpy() / 1000.0 + (d["age_in_years"].to_numpy() > 30)

    res = partial_dependence(model, X, ["credit_amount"], grid_resolution=7, progress=False)[0]
    g = np.asarray(res.grid[0], dtype=float)
    assert res.kinds == ("numeric",) and np.all(g == np.round(g)) and len(g) == 7
    np.testing.assert_allclose(res.average[:, 0], g / 1000.0 + np.mean(X["age_in_years"] > 30), rtol=1e-12)
    assert seen[-1].dtype.kind == "i"  # the model saw integers, exactly the grid values
    with pytest.raises(ValueError, match="must hold integers"):
        partial_dependence(model, X, "credit_amount", grid={"credit_amount": [1000.5]})


def test_sample_subsamples_rows_reproducibly():
    rng = np.random.default_rng(2)
    X = rng.normal(size=(200, 3))
    full = partial_dependence(_nonlinear, X, 0, kind="both", grid_resolution=8, progress=False)[0]
    a = partial_dependence(_nonlinear, X, 0, kind="both", grid_resolution=8, sample=30, random_state=5,
                           progress=False)[0]
    b = partial_dependence(_nonlinear, X, 0, kind="both", grid_resolution=8, sample=0.15, random_state=5,
                           progress=False)[0]
    assert a.individual.shape == (30, 8, 2)
    np.testing.assert_array_equal(a.individual, b.individual)  # 0.15 * 200 = 30 rows, same seed
    np.testing.assert_array_equal(a.grid[0], full.grid[0])  # the grid comes from all rows
    # each sampled ICE curve is one of the full ones (rows kept in data order)
    matches = [int(np.argmin(np.abs(full.individual - c).sum(axis=(1, 2)))) for c in a.individual]
    assert matches == sorted(matches) and len(set(matches)) == 30
    np.testing.assert_allclose(full.individual[matches], a.individual, rtol=0, atol=0)
    assert a.provenance.random_state == 5 and full.provenance.random_state is None
    c = partial_dependence(_nonlinear, X, 0, kind="both", grid_resolution=8, sample=30, random_state=6,
                           progress=False)[0]
    assert not np.array_equal(a.individual, c.individual)
    assert partial_dependence(_nonlinear, X, 0, sample=500, progress=False)[0].provenance.params["n_rows"] == 200


def test_huge_case_runs_in_bounded_chunks(monkeypatch):
    """20 000 rows x 200 grid points = 4 million model rows: never more than one chunk at once."""
    seen = []

    def model(Xm):
        seen.append(Xm.shape[0])
        return Xm[:, 0] + 2 * Xm[:, 1] - Xm[:, 2]

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 3))
    f = model_function(model, X, batch_size=10**9)  # the adapter does not split: we see the chunks
    seen.clear()  # the adapter's probe row
    res = partial_dependence(f, X, 1, grid_resolution=200, progress=False)[0]
    assert max(seen) <= pdp_mod.MAX_CHUNK_ROWS and sum(seen) == 20_000 * 200 and len(seen) > 10
    np.testing.assert_allclose(res.average[:, 0], X[:, 0].mean() + 2 * res.grid[0] - X[:, 2].mean(), rtol=1e-9)
    # a smaller bound gives the same answer, in more calls
    seen.clear()
    monkeypatch.setattr(pdp_mod, "MAX_CHUNK_ROWS", 1000)
    small = partial_dependence(f, X[:500], [1, (0, 2)], kind="both", grid_resolution=40, progress=False)
    assert max(seen) <= 1000
    ref = partial_dependence(model, X[:500], [1, (0, 2)], kind="both", grid_resolution=40, progress=False)
    for a, b in zip(small, ref):
        np.testing.assert_allclose(a.individual, b.individual, rtol=1e-12)
        np.testing.assert_allclose(a.average, b.average, rtol=1e-12)


def test_model_function_batches_are_respected():
    seen = []

    def model(Xm):
        seen.append(Xm.shape[0])
        return Xm.sum(axis=1)

    X = np.random.default_rng(0).normal(size=(300, 2))
    f = model_function(model, X, batch_size=777)
    partial_dependence(f, X, [0, 1], kind="both", grid_resolution=20, progress=False)
    assert max(seen) <= 777


def test_backends_agree(dask_client):
    X, y = make_classification(n_samples=120, n_features=4, random_state=0)
    model = LogisticRegression().fit(X, y)
    kw = dict(kind="both", grid_resolution=10, sample=80, random_state=3, progress=False)
    local = partial_dependence(model, X, [0, (1, 2)], **kw)
    # force several chunks so that the backends really split the work
    for backend in ("processes", dask_client):
        other = _with_small_chunks(lambda: partial_dependence(model, X, [0, (1, 2)], backend=backend, **kw))
        for a, b in zip(local, other):
            np.testing.assert_allclose(a.average, b.average, rtol=1e-12)
            np.testing.assert_allclose(a.individual, b.individual, rtol=1e-12)
        assert other[0].provenance.backend in ("processes", "dask")
        assert other[0].provenance.n_evals == local[0].provenance.n_evals


def _with_small_chunks(fn):
    old = pdp_mod.MAX_CHUNK_ROWS
    pdp_mod.MAX_CHUNK_ROWS = 4400  # 80 rows x 110 points: 2 chunks
    try:
        return fn()
    finally:
        pdp_mod.MAX_CHUNK_ROWS = old


def test_regression_kinds_outputs_and_json(reg_data):
    X, y = reg_data
    model = Ridge().fit(X, y)
    avg = partial_dependence(model, X, 0, grid_resolution=5, progress=False)[0]
    assert avg.individual is None and avg.average.shape == (5, 1)
    ind = partial_dependence(model, X, 0, kind="individual", grid_resolution=5, progress=False)[0]
    np.testing.assert_allclose(ind.average, avg.average, rtol=1e-12)
    assert ind.individual.shape == (150, 5, 1)
    assert ind.provenance.n_evals == 150 * 5
    # linear model: the PDP is a line with the coefficient as slope
    g = avg.grid[0]
    np.testing.assert_allclose(np.diff(avg.average[:, 0]) / np.diff(g), model.coef_[0], rtol=1e-9)
    back = ub.load(Effects((avg,)).to_json())
    np.testing.assert_array_equal(back[0].average, avg.average)
    # features=None: every feature; top-level tuple: a list of features
    assert len(partial_dependence(model, X, None, grid_resolution=3, progress=False)) == 5
    assert partial_dependence(model, X, (0, 1), grid_resolution=3, progress=False).features == [("x0",), ("x1",)]


def test_output_spaces():
    X, y = make_classification(n_samples=100, n_features=3, n_informative=2, n_redundant=0, random_state=0)
    model = LogisticRegression().fit(X, y)
    lo = partial_dependence(model, X, 0, output="log_odds", kind="both", grid_resolution=5, progress=False)[0]
    assert lo.n_outputs == 1
    rows = np.repeat(X, 5, axis=0)
    rows[:, 0] = np.tile(lo.grid[0], 100)
    np.testing.assert_allclose(lo.individual[..., 0].ravel(), model.decision_function(rows), rtol=1e-9, atol=1e-9)


def test_single_row_and_missing_values():
    X = np.array([[1.0, 2.0, 3.0]])
    res = partial_dependence(_nonlinear, X, [0], kind="both", progress=False)[0]
    assert res.individual.shape == (1, 1, 2)  # one distinct value: a one-point grid
    Xn = np.random.default_rng(0).normal(size=(50, 3))
    Xn[::7, 0] = np.nan
    model = HistGradientBoostingClassifier(max_iter=5).fit(Xn, (Xn[:, 1] > 0).astype(int))
    eff = partial_dependence(model, Xn, 0, grid_resolution=10, progress=False)[0]
    assert np.all(np.isfinite(eff.grid[0])) and len(eff.grid[0]) == 10


# ---------------------------------------------------------- bad input
def test_bad_arguments(mixed_frame):
    X, _, model = mixed_frame
    with pytest.raises(ValueError, match="kind must be one of"):
        partial_dependence(model, X, "age", kind="mean")
    with pytest.raises(ValueError, match="grid_resolution"):
        partial_dependence(model, X, "age", grid_resolution=1)
    with pytest.raises(TypeError, match="grid_resolution"):
        partial_dependence(model, X, "age", grid_resolution=2.5)
    with pytest.raises(ValueError, match="percentiles"):
        partial_dependence(model, X, "age", percentiles=(0.9, 0.1))
    with pytest.raises(ValueError, match="percentiles"):
        partial_dependence(model, X, "age", percentiles=(0.1,))
    with pytest.raises(ValueError, match="unknown feature 'agee'"):
        partial_dependence(model, X, "agee")
    with pytest.raises(ValueError, match="out of range"):
        partial_dependence(model, X, 9)
    with pytest.raises(ValueError, match="two different features"):
        partial_dependence(model, X, [("age", "age")])
    with pytest.raises(ValueError, match="a feature or a pair"):
        partial_dependence(model, X, [("age", "income", "color")])
    with pytest.raises(ValueError, match="features is empty"):
        partial_dependence(model, X, [])
    with pytest.raises(TypeError, match="features must be"):
        partial_dependence(model, X, {"age": 1})
    with pytest.raises(TypeError, match="grid must be a dict"):
        partial_dependence(model, X, "age", grid=[1, 2])
    with pytest.raises(ValueError, match="sample"):
        partial_dependence(model, X, "age", sample=0)
    with pytest.raises(ValueError, match="fractional sample"):
        partial_dependence(model, X, "age", sample=1.5)
    with pytest.raises(TypeError, match="centered"):
        partial_dependence(model, X, "age", centered="yes")
    with pytest.raises(ValueError, match="too close"):
        spike = np.r_[np.zeros((500, 2)), np.c_[np.r_[-1 - np.arange(12.0), 1 + np.arange(13.0)], np.ones(25)]]
        partial_dependence(_closed_form, spike, 0, grid_resolution=20)


def test_bad_data(mixed_frame):
    X, _, model = mixed_frame
    with pytest.raises(ValueError, match="no rows"):
        partial_dependence(model, X.iloc[:0], "age")
    with pytest.raises(ValueError, match="order"):
        partial_dependence(model, X[["income", "age", "color", "size"]], "age")
    with pytest.raises(ValueError, match="missing"):
        partial_dependence(model, X.drop(columns="size"), "age")
    Xi = X.copy()
    Xi.loc[3, "age"] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        partial_dependence(model, Xi, "age")
    f = model_function(model, X)
    Xs = X.copy().astype({"age": object})
    Xs.loc[0, "age"] = "forty"
    with pytest.raises(TypeError, match="non-numeric"):
        partial_dependence(f, Xs, "age")
    Xu = X.copy()
    Xu.loc[0, "color"] = "purple"
    with pytest.raises(ValueError, match="purple"):
        partial_dependence(f, Xu, "age")
    with pytest.raises(ValueError, match="1-D"):
        partial_dependence(_closed_form, np.arange(5.0), 0)


def test_bad_models():
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    with pytest.raises(ValueError, match="no predict_proba"):
        partial_dependence(Ridge().fit(X, y), X, 0, output="proba")

    def broken(Xm):
        raise RuntimeError("out of memory")

    with pytest.raises(ModelError, match="out of memory"):
        partial_dependence(broken, X, 0)

    def nan_model(Xm):
        out = np.asarray(Xm)[:, 0].copy()
        out[out > 1] = np.nan
        return out

    with pytest.raises(ModelError, match="non-finite"):
        partial_dependence(nan_model, X, 0, grid={0: [0.0, 2.0]})
    with pytest.raises(TypeError, match="model must be"):
        partial_dependence(42, X, 0)


def test_numpy_input_unmodified():
    X = np.random.default_rng(0).normal(size=(30, 3))
    before = X.copy()
    partial_dependence(_nonlinear, X, [0, (1, 2)], kind="both", centered=True, grid_resolution=4, progress=False)
    assert_unmodified(before, X)


def test_ice_curves_capped_on_large_data_average_from_all_rows():
    # kind="both" on many rows keeps the ICE curves of max_ice_rows rows (default 1000), in data
    # order; the average still comes from every row, and every kept curve is one of the full ones
    X = np.random.default_rng(7).normal(size=(1500, 3))
    kw = dict(kind="both", grid_resolution=4, random_state=2, progress=False)
    capped = partial_dependence(_nonlinear, X, [0, (0, 2)], **kw)
    full = partial_dependence(_nonlinear, X, [0, (0, 2)], max_ice_rows=None, **kw)
    for c, a in zip(capped, full):
        assert c.individual.shape[0] == 1000 and a.individual.shape[0] == 1500
        np.testing.assert_allclose(c.average, a.average, rtol=1e-12, atol=1e-12)
    assert capped[0].provenance.n_evals == 1500 * (4 + 16)
    assert capped[0].provenance.params["n_ice_rows"] == 1000
    rows = [int(np.argmin(np.abs(full[0].individual - cv).sum(axis=(1, 2)))) for cv in capped[0].individual]
    assert rows == sorted(rows) and len(set(rows)) == 1000
    np.testing.assert_allclose(full[0].individual[rows], capped[0].individual, rtol=0, atol=0)
    np.testing.assert_allclose(full[1].individual[rows], capped[1].individual, rtol=0, atol=0)
    small = partial_dependence(_nonlinear, X[:300], 0, max_ice_rows=50, **kw)
    assert small[0].individual.shape == (50, 4, 2)
    with pytest.raises(ValueError, match="max_ice_rows"):
        partial_dependence(_nonlinear, X, 0, kind="both", max_ice_rows=0)


def test_ice_subsample_spans_chunks(monkeypatch):
    # kept ICE rows are collected from every chunk of rows
    monkeypatch.setattr(pdp_mod, "MAX_CHUNK_ROWS", 64)
    X = np.random.default_rng(8).normal(size=(400, 3))
    kw = dict(kind="individual", grid_resolution=4, random_state=3, progress=False)
    a = partial_dependence(_nonlinear, X, 1, max_ice_rows=120, **kw)[0]
    monkeypatch.setattr(pdp_mod, "MAX_CHUNK_ROWS", 2**18)
    b = partial_dependence(_nonlinear, X, 1, max_ice_rows=120, **kw)[0]
    np.testing.assert_allclose(a.individual, b.individual, rtol=0, atol=0)
    np.testing.assert_allclose(a.average, b.average, rtol=1e-12)


def test_warns_when_grid_times_rows_is_huge(monkeypatch):
    monkeypatch.setattr(pdp_mod, "WARN_EVALS", 1000)
    X = np.random.default_rng(9).normal(size=(200, 3))
    with pytest.warns(UserWarning, match=r"200 rows x 25 grid points.*sample="):
        partial_dependence(_nonlinear, X, [(0, 1)], grid_resolution=5, progress=False)
