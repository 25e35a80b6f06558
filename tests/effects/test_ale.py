"""Accumulated local effects: oracles, PyALE, properties, backends and bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import unboxed as ub
from unboxed import ModelError
from unboxed.effects import ale as ale_module
from unboxed.effects.ale import accumulated_local_effects

from conftest import assert_unmodified


# --------------------------------------------------------------- helpers
def additive(A):
    A = np.asarray(A, dtype=float)
    return np.abs(A[:, 0] - 0.3) * 3.0 + np.maximum(A[:, 1], 0.5) ** 1 + np.sin(3 * A[:, 2])


def product(A):
    A = np.asarray(A, dtype=float)
    return A[:, 0] * A[:, 1]


def interp_at(edges, curve, x):
    """The ALE curve (linear between edges) at the points x."""
    return np.interp(x, edges, curve)


# ------------------------------------------------------------ 1-D oracles
def test_additive_piecewise_linear_exact_with_knots_at_edges(rng):
    X = rng.uniform(size=(500, 3))
    knots = np.linspace(0.0, 1.0, 11)
    knots[0], knots[-1] = X[:, 0].min(), X[:, 0].max()
    slopes = rng.normal(size=10)
    values = np.concatenate([[0.0], np.cumsum(slopes * np.diff(knots))])

    def g(A):
        A = np.asarray(A, dtype=float)
        return np.interp(A[:, 0], knots, values) + A[:, 1] ** 2 - A[:, 2]

    eff = accumulated_local_effects(g, X, ["x0", "x2"], bins={"x0": knots}, progress=False)["x0"]
    np.testing.assert_array_equal(eff.grid[0], knots)
    expected = values - np.interp(X[:, 0], knots, values).mean()
    np.testing.assert_allclose(eff.average[:, 0], expected, rtol=0, atol=1e-12)
    # the curve has mean zero over the data
    assert abs(interp_at(eff.grid[0], eff.average[:, 0], X[:, 0]).mean()) < 1e-12
    np.testing.assert_allclose(eff.counts.sum(), 500)


def test_additive_smooth_components_recovered_within_bin_width(rng):
    X = rng.uniform(-1, 1, size=(2000, 3))
    effs = accumulated_local_effects(additive, X, bins=25, progress=False)
    comps = [lambda x: np.abs(x - 0.3) * 3.0, lambda x: np.maximum(x, 0.5), lambda x: np.sin(3 * x)]
    for j, g in enumerate(comps):
        e = effs[f"x{j}"]
        z, a = e.grid[0], e.average[:, 0]
        # local differences of an additive function are exact: the increments are exact
        np.testing.assert_allclose(np.diff(a), np.diff(g(z)), rtol=0, atol=1e-12)
        # the centring constant is exact up to the linear interpolation inside bins
        w = np.diff(z).max()
        tol = 9.0 * w ** 2 / 8 + (3.0 * w if j == 0 else 0) + (w if j == 1 else 0)
        np.testing.assert_allclose(a, g(z) - g(X[:, j]).mean(), rtol=0, atol=tol)
    assert effs["x0"].kinds == ("numeric",)
    assert effs["x0"].method == "ale"


def test_product_first_and_second_order_against_closed_form(rng):
    X = rng.uniform(size=(6000, 2))
    effs = accumulated_local_effects(product, X, ["x0", "x1", ("x0", "x1")], bins=8, progress=False)
    for j in (0, 1):
        e = effs[f"x{j}"]
        # f = x0 x1, independent U(0,1): ALE_j(z) = z/2 - 1/4
        np.testing.assert_allclose(e.average[:, 0], e.grid[0] / 2 - 0.25, atol=0.02)
    pair = effs[("x0", "x1")]
    z1, z2 = pair.grid
    assert pair.average.shape == (z1.size, z2.size, 1)
    assert pair.counts.shape == (z1.size - 1, z2.size - 1)
    # pure interaction (x0 - 1/2)(x1 - 1/2)
    np.testing.assert_allclose(pair.average[..., 0], np.outer(z1 - 0.5, z2 - 0.5), atol=0.03)


def _brute_force_pair(f, X, e1, e2):
    """The second-order ALE written out with loops, same conventions as unboxed."""
    n = X.shape[0]
    K1, K2 = e1.size - 1, e2.size - 1
    a = np.clip(np.searchsorted(e1, X[:, 0]) - 1, 0, K1 - 1)
    b = np.clip(np.searchsorted(e2, X[:, 1]) - 1, 0, K2 - 1)
    t1 = (X[:, 0] - e1[a]) / (e1[a + 1] - e1[a])
    t2 = (X[:, 1] - e2[b]) / (e2[b + 1] - e2[b])
    delta = np.zeros((K1, K2))
    for p in range(K1):
        for q in range(K2):
            rows = np.nonzero((a == p) & (b == q))[0]
            assert rows.size, "test data must fill every cell"
            d = []
            for i in rows:
                def at(u, v, i=i):
                    r = X[i].copy()
                    r[0], r[1] = u, v
                    return f(r[None])[0]
                d.append(at(e1[p + 1], e2[q + 1]) - at(e1[p], e2[q + 1]) - at(e1[p + 1], e2[q]) + at(e1[p], e2[q]))
            delta[p, q] = np.mean(d)
    h = np.zeros((K1 + 1, K2 + 1))
    for p in range(1, K1 + 1):
        for q in range(1, K2 + 1):
            h[p, q] = delta[:p, :q].sum()

    def h_at(p_lo, t, q_lo, s):
        return ((1 - t) * (1 - s) * h[p_lo, q_lo] + t * (1 - s) * h[p_lo + 1, q_lo]
                + (1 - t) * s * h[p_lo, q_lo + 1] + t * s * h[p_lo + 1, q_lo + 1])

    m1 = np.zeros(K1 + 1)
    for p in range(K1):
        rows = np.nonzero(a == p)[0]
        loc = [((1 - t2[i]) * (h[p + 1, b[i]] - h[p, b[i]]) + t2[i] * (h[p + 1, b[i] + 1] - h[p, b[i] + 1]))
               for i in rows]
        m1[p + 1] = m1[p] + np.mean(loc)
    m2 = np.zeros(K2 + 1)
    for q in range(K2):
        rows = np.nonzero(b == q)[0]
        loc = [((1 - t1[i]) * (h[a[i], q + 1] - h[a[i], q]) + t1[i] * (h[a[i] + 1, q + 1] - h[a[i] + 1, q]))
               for i in rows]
        m2[q + 1] = m2[q] + np.mean(loc)
    h = h - m1[:, None] - m2[None, :]
    c = np.mean([h_at(a[i], t1[i], b[i], t2[i]) for i in range(n)])
    return h - c


def test_second_order_equals_brute_force(rng):
    X = rng.normal(size=(160, 3))

    def f(A):
        A = np.asarray(A, dtype=float)
        return np.sin(A[:, 0]) * A[:, 1] ** 2 + A[:, 0] * A[:, 2] + np.exp(0.3 * A[:, 1])

    e = accumulated_local_effects(f, X, [("x0", "x1")], bins=3, progress=False)[0]
    expected = _brute_force_pair(f, X, *e.grid)
    np.testing.assert_allclose(e.average[..., 0], expected, rtol=0, atol=1e-12)


def test_second_order_is_pure_interaction(rng):
    """The surface has no first-order ALE of its own and reproduces itself."""
    from scipy.interpolate import RegularGridInterpolator

    X = rng.normal(size=(800, 2))
    X[:, 1] += 0.5 * X[:, 0]

    def f(A):
        A = np.asarray(A, dtype=float)
        return np.tanh(A[:, 0] * A[:, 1]) + A[:, 0] ** 2

    e = accumulated_local_effects(f, X, [("x0", "x1")], bins=6, progress=False)[0]
    z1, z2 = e.grid
    surface = RegularGridInterpolator((z1, z2), e.average[..., 0])

    def g(A):
        return surface(np.asarray(A, dtype=float))

    again = accumulated_local_effects(g, X, ["x0", "x1", ("x0", "x1")], bins={"x0": z1, "x1": z2},
                                      progress=False)
    np.testing.assert_allclose(again["x0"].average, 0.0, atol=1e-12)
    np.testing.assert_allclose(again["x1"].average, 0.0, atol=1e-12)
    np.testing.assert_allclose(again[("x0", "x1")].average, e.average, atol=1e-12)
    # mean zero over the data
    assert abs(g(X).mean()) < 1e-12


def test_additive_model_has_zero_second_order(rng):
    X = rng.uniform(size=(300, 3))
    e = accumulated_local_effects(additive, X, [("x0", "x2")], bins=5, progress=False)[0]
    np.testing.assert_allclose(e.average, 0.0, atol=1e-12)


# ------------------------------------------------------------------ PyALE
def test_matches_pyale_continuous_on_the_same_bins(rng):
    PyALE = pytest.importorskip("PyALE")
    from sklearn.ensemble import GradientBoostingRegressor

    X = pd.DataFrame(rng.normal(size=(400, 3)), columns=["a", "b", "c"])
    y = X["a"] ** 2 + X["a"] * X["b"] + rng.normal(scale=0.1, size=400)
    model = GradientBoostingRegressor(n_estimators=30, max_depth=3, random_state=0).fit(X, y)
    ref = PyALE.ale(X, model, ["a"], grid_size=10, include_CI=False, plot=False)
    edges = ref.index.to_numpy(dtype=float)
    ours = accumulated_local_effects(model, X, ["a"], bins={"a": edges}, progress=False)["a"]
    np.testing.assert_array_equal(ours.grid[0], edges)
    np.testing.assert_array_equal(ours.counts, ref["size"].to_numpy()[1:])
    a = ours.average[:, 0]
    # same increments; PyALE centres with bin midpoints (R's ALEPlot), we with each row's position
    np.testing.assert_allclose(np.diff(a), np.diff(ref["eff"].to_numpy()), rtol=0, atol=1e-10)
    n_k = ours.counts
    unc = a - a[0]
    pyale_centred = unc - ((unc[:-1] + unc[1:]) / 2 * n_k).sum() / n_k.sum()
    np.testing.assert_allclose(pyale_centred, ref["eff"].to_numpy(), rtol=0, atol=1e-10)


def test_matches_pyale_discrete(rng):
    PyALE = pytest.importorskip("PyALE")
    from sklearn.ensemble import RandomForestRegressor

    X = pd.DataFrame({"k": rng.integers(0, 6, size=300), "u": rng.normal(size=300)})
    y = np.where(X["k"] > 2, 1.0, 0.0) * X["u"] + X["k"] ** 0.5
    model = RandomForestRegressor(n_estimators=10, max_depth=4, random_state=0).fit(X, y)
    ref = PyALE.ale(X, model, ["k"], feature_type="discrete", include_CI=False, plot=False)
    ours = accumulated_local_effects(model, X, ["k"], progress=False)["k"]
    assert ours.kinds == ("categorical",)
    np.testing.assert_array_equal(ours.grid[0].astype(float), ref.index.to_numpy(dtype=float))
    np.testing.assert_allclose(ours.average[:, 0], ref["eff"].to_numpy(), rtol=0, atol=1e-10)
    np.testing.assert_array_equal(ours.counts, ref["size"].to_numpy())


# ------------------------------------------------------------ categorical
def test_categorical_known_jumps_exact(rng):
    n = 600
    cats = np.array(["north", "east", "south", "west"])
    value = {"north": 2.0, "east": -1.0, "south": 0.5, "west": 4.0}
    X = pd.DataFrame({"region": pd.Categorical(rng.choice(cats, size=n, p=[0.1, 0.2, 0.3, 0.4])),
                      "x": rng.normal(size=n)})

    def f(D):
        return D["region"].astype(str).map(value).to_numpy(dtype=float) + D["x"].to_numpy() ** 2

    e = accumulated_local_effects(f, X, ["region"], progress=False)["region"]
    assert e.kinds == ("categorical",)
    labels = list(e.grid[0])
    assert sorted(labels) == sorted(cats)
    counts = X["region"].value_counts()
    v = np.array([value[c] for c in labels])
    w = np.array([counts[c] for c in labels], dtype=float)
    np.testing.assert_allclose(e.average[:, 0], v - (v * w).sum() / w.sum(), rtol=0, atol=1e-12)
    np.testing.assert_array_equal(e.counts, w)


def test_categorical_order_follows_similarity(rng):
    n = 900
    centre = {"a_high": 10.0, "b_low": 0.0, "c_mid": 5.0}
    lab = rng.choice(list(centre), size=n)
    X = pd.DataFrame({"group": lab, "x": [centre[c] for c in lab] + rng.normal(scale=0.5, size=n),
                      "y": rng.normal(size=n)})

    def f(D):
        return D["x"].to_numpy() + (D["group"] == "c_mid").to_numpy() * 1.0

    e = accumulated_local_effects(f, X, ["group"], progress=False)["group"]
    assert list(e.grid[0]) in (["b_low", "c_mid", "a_high"], ["a_high", "c_mid", "b_low"])


def test_ordered_categorical_keeps_its_order(rng):
    levels = ["small", "medium", "large", "huge"]
    X = pd.DataFrame({"size": pd.Categorical(rng.choice(levels, size=200), categories=levels, ordered=True),
                      "x": rng.normal(size=200)})

    def f(D):
        return D["size"].cat.codes.to_numpy(dtype=float) ** 2 + D["x"].to_numpy()

    e = accumulated_local_effects(f, X, ["size"], progress=False)["size"]
    assert list(e.grid[0]) == levels
    assert np.all(np.diff(e.average[:, 0]) > 0)


# -------------------------------------------------------- real models
def test_multiclass_pipeline_with_categories_sums_to_zero(german):
    from sklearn.compose import ColumnTransformer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    X, y = german
    X = X.iloc[:300]
    y3 = np.where(X["age_in_years"] < 30, "young", np.where(y.iloc[:300] == "good", "good", "bad"))
    cat = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    num = [c for c in X.columns if c not in cat]
    pre = ColumnTransformer([("c", OneHotEncoder(handle_unknown="ignore"), cat), ("n", StandardScaler(), num)])
    model = make_pipeline(pre, LogisticRegression(max_iter=300)).fit(X, y3)
    before = X.copy()
    effs = accumulated_local_effects(model, X, ["credit_amount", "purpose", ("duration_in_month", "age_in_years")],
                                     bins=10, progress=False)
    assert_unmodified(before, X)
    for e in effs:
        assert e.output_names == tuple(sorted(set(y3)))
        # probabilities sum to one, so their effects sum to zero
        np.testing.assert_allclose(e.average.sum(axis=-1), 0.0, atol=1e-10)
    purpose = effs["purpose"]
    assert set(purpose.grid[0]) == set(X["purpose"].unique())
    assert purpose.average.shape == (len(purpose.grid[0]), 3)


def test_binary_classifier_numpy_boosting(breast_cancer):
    from sklearn.ensemble import GradientBoostingClassifier

    X, y = breast_cancer
    Xn = X.to_numpy()[:, :6]
    model = GradientBoostingClassifier(n_estimators=20, max_depth=2, random_state=0).fit(Xn, y)
    before = Xn.copy()
    effs = accumulated_local_effects(model, Xn, [0, 2], output="log_odds", bins=15, progress=False)
    assert_unmodified(before, Xn)
    assert effs[0].features == ("x0",)
    assert effs[0].average.shape[1] == 1
    assert effs[0].provenance.n_evals == 2 * 2 * len(Xn)


def test_integer_column_with_many_values_is_binned():
    X = pd.DataFrame({"age": np.arange(100) % 50 + 18, "z": np.linspace(0, 1, 100)})
    e = accumulated_local_effects(lambda D: D["age"].to_numpy() * 2.0, X, ["age"], bins=7, progress=False)["age"]
    assert e.kinds == ("numeric",)
    np.testing.assert_allclose(np.diff(e.average[:, 0]), 2 * np.diff(e.grid[0]), atol=1e-12)


# --------------------------------------------------------------- bootstrap
def test_bootstrap_band_equals_explicit_resamples(rng):
    from unboxed._validation import check_random_state

    X = rng.normal(size=(400, 2))
    f = product
    B = 30
    e = accumulated_local_effects(f, X, ["x0"], bins=5, n_bootstrap=B, confidence=0.9, random_state=7,
                                  progress=False)["x0"]
    edges = e.grid[0]
    curves = []
    for b in range(B):
        rows = check_random_state(7, b).integers(0, 400, size=400)
        r = accumulated_local_effects(f, X[rows], ["x0"], bins={"x0": edges}, progress=False)["x0"]
        assert np.all(r.counts > 0)
        curves.append(r.average)
    curves = np.asarray(curves)
    np.testing.assert_allclose(e.lower, np.quantile(curves, 0.05, axis=0), rtol=0, atol=1e-12)
    np.testing.assert_allclose(e.upper, np.quantile(curves, 0.95, axis=0), rtol=0, atol=1e-12)
    assert np.all(e.lower <= e.upper)


def test_bootstrap_categorical_and_pair_reproducible(rng):
    X = pd.DataFrame({"c": rng.choice(list("pqrs"), size=300), "a": rng.normal(size=300),
                      "b": rng.normal(size=300)})

    def f(D):
        return (D["c"] == "q").to_numpy() * D["a"].to_numpy() + D["a"].to_numpy() * D["b"].to_numpy()

    kw = dict(features=["c", ("a", "b")], bins=4, n_bootstrap=20, progress=False)
    e1 = accumulated_local_effects(f, X, random_state=3, **kw)
    e2 = accumulated_local_effects(f, X, random_state=3, **kw)
    e3 = accumulated_local_effects(f, X, random_state=4, **kw)
    for a, b, c in zip(e1, e2, e3):
        np.testing.assert_array_equal(a.lower, b.lower)
        np.testing.assert_array_equal(a.upper, b.upper)
        assert not np.array_equal(a.upper, c.upper)
        assert a.lower.shape == a.average.shape
        assert np.all(a.lower <= a.upper + 1e-12)
    assert e1[0].provenance.random_state == 3


# ---------------------------------------------------------------- backends
def cheap_model(A):
    A = np.asarray(A, dtype=float)
    return np.column_stack([A[:, 0] * A[:, 1] + np.sin(A[:, 2]), A[:, 1] ** 2])


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_same_answer_on_every_backend(backend, rng, monkeypatch, request):
    monkeypatch.setattr(ale_module, "rows_per_chunk", lambda *a, **k: 150)
    X = rng.normal(size=(200, 3))
    kw = dict(features=["x0", ("x1", "x2")], bins=6, n_bootstrap=10, random_state=5, progress=False)
    local = accumulated_local_effects(cheap_model, X, **kw)
    client = request.getfixturevalue("dask_client") if backend == "dask" else backend
    other = accumulated_local_effects(cheap_model, X, backend=client, **kw)
    for a, b in zip(local, other):
        np.testing.assert_allclose(a.average, b.average, rtol=0, atol=1e-14)
        np.testing.assert_allclose(a.lower, b.lower, rtol=0, atol=1e-14)
        np.testing.assert_allclose(a.upper, b.upper, rtol=0, atol=1e-14)
    assert other[0].provenance.n_evals == local[0].provenance.n_evals == 200 * 2 + 200 * 4
    assert other[0].provenance.backend == ("dask" if backend == "dask" else "processes")


# ------------------------------------------------------------- properties
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.integers(0, 2**16), beta=st.floats(-5, 5), c=st.floats(-5, 5), bins=st.integers(1, 12),
       n=st.integers(5, 60))
def test_linear_models_and_linearity(seed, beta, c, bins, n):
    r = np.random.default_rng(seed)
    X = r.normal(size=(n, 2)) * r.uniform(0.1, 10)

    def f1(A):
        return beta * A[:, 0] + np.cos(A[:, 1])

    def f2(A):
        return np.tanh(A[:, 0]) * A[:, 1]

    def combo(A):
        return 2.0 * f1(A) - 3.0 * f2(A) + c

    e1 = accumulated_local_effects(f1, X, ["x0"], bins=bins, progress=False)["x0"]
    # linear in the feature: ALE = beta * (z - mean x), whatever the data and bins
    np.testing.assert_allclose(e1.average[:, 0], beta * (e1.grid[0] - X[:, 0].mean()), rtol=1e-9, atol=1e-9)
    e2 = accumulated_local_effects(f2, X, ["x0"], bins=bins, progress=False)["x0"]
    ec = accumulated_local_effects(combo, X, ["x0"], bins=bins, progress=False)["x0"]
    np.testing.assert_allclose(ec.average, 2.0 * e1.average - 3.0 * e2.average, rtol=1e-9, atol=1e-9)
    # zero mean over the data
    assert abs(interp_at(e2.grid[0], e2.average[:, 0], X[:, 0]).mean()) <= 1e-9 * (1 + np.abs(e2.average).max())


# --------------------------------------------------------------- bad input
def test_bad_input_messages(rng):
    X = rng.normal(size=(50, 3))
    f = additive
    with pytest.raises(ValueError, match="unknown feature 'nope'"):
        accumulated_local_effects(f, X, ["nope"], progress=False)
    with pytest.raises(ValueError, match="bins must be an integer >= 1, got 0"):
        accumulated_local_effects(f, X, ["x0"], bins=0, progress=False)
    with pytest.raises(TypeError, match="bins"):
        accumulated_local_effects(f, X, ["x0"], bins="ten", progress=False)
    with pytest.raises(ValueError, match="strictly increasing"):
        accumulated_local_effects(f, X, ["x0"], bins={"x0": [0.0, 0.0, 1.0]}, progress=False)
    with pytest.raises(ValueError, match="unknown feature"):
        accumulated_local_effects(f, X, ["x0"], bins={"zz": 3}, progress=False)
    Xint = pd.DataFrame({"age": np.arange(40) + 18, "z": np.linspace(0, 1, 40)})
    with pytest.raises(ValueError, match="holds integers, so its bin edges must be whole numbers"):
        accumulated_local_effects(lambda d: d["age"].to_numpy() * 1.0, Xint, ["age"],
                                  bins={"age": [18, 30.5, 57]}, progress=False)
    with pytest.raises(ValueError, match="n_bootstrap must be an integer >= 0"):
        accumulated_local_effects(f, X, ["x0"], n_bootstrap=-1, progress=False)
    with pytest.raises(ValueError, match="confidence"):
        accumulated_local_effects(f, X, ["x0"], confidence=1.5, progress=False)
    with pytest.raises(ValueError, match="pair of features"):
        accumulated_local_effects(f, X, [("x0", "x1", "x2")], progress=False)
    with pytest.raises(ValueError, match="two different features"):
        accumulated_local_effects(f, X, [("x0", "x0")], progress=False)
    with pytest.raises(ValueError, match="features is empty"):
        accumulated_local_effects(f, X, [], progress=False)
    with pytest.raises(ValueError, match="backend"):
        accumulated_local_effects(f, X, ["x0"], backend="gpu", progress=False)
    Xc = X.copy()
    Xc[:, 0] = 1.0
    with pytest.raises(ValueError, match="single (distinct value|category)"):
        accumulated_local_effects(f, Xc, ["x0"], progress=False)
    Xn = X.copy()
    Xn[:, 1] = np.nan
    with pytest.raises(ValueError, match=r"feature 'x1' is missing in every row"):
        accumulated_local_effects(lambda A: np.nan_to_num(np.asarray(A)).sum(axis=1), Xn, ["x1"],
                                  progress=False)
    Xi = X.copy()
    Xi[2, 0] = np.inf
    with pytest.raises(ValueError, match="infinite"):
        accumulated_local_effects(f, Xi, ["x0"], progress=False)
    with pytest.raises(ValueError, match="1 row"):
        accumulated_local_effects(f, X[:1], ["x0"], progress=False)
    with pytest.raises(ValueError, match="no rows"):
        accumulated_local_effects(f, X[:0], ["x0"], progress=False)
    with pytest.raises(ValueError, match="1-D"):
        accumulated_local_effects(f, X[:, 0], ["x0"], progress=False)


def test_bad_input_with_categories_and_fitted_models(rng):
    from sklearn.linear_model import LinearRegression

    D = pd.DataFrame({"c": rng.choice(["a", "b"], size=40), "x": rng.normal(size=40), "y": rng.normal(size=40)})
    with pytest.raises(ValueError, match="2-D ALE needs two numeric features; 'c' is categorical"):
        accumulated_local_effects(lambda d: d["x"].to_numpy(), D, [("c", "x")], progress=False)
    Dm = D.copy()
    Dm["c"] = "a"
    with pytest.raises(ValueError, match="single category"):
        accumulated_local_effects(lambda d: d["x"].to_numpy(), Dm, ["c"], progress=False)
    num = D[["x", "y"]]
    lr = LinearRegression().fit(num, num["x"] + num["y"])
    with pytest.raises(ValueError, match="the model expects 2"):
        accumulated_local_effects(lr, rng.normal(size=(10, 3)), progress=False)
    with pytest.raises(ValueError, match="another order"):
        accumulated_local_effects(lr, num[["y", "x"]], progress=False)
    fn = ub.model_function(lambda d: d["x"].to_numpy(), D)
    bad = D.copy()
    bad.loc[0, "c"] = "zzz"
    with pytest.raises(ValueError, match="not seen"):
        accumulated_local_effects(fn, bad, ["x"], progress=False)
    bad = D.copy().astype({"x": object})
    bad.loc[1, "x"] = "oops"
    with pytest.raises(TypeError, match="non-numeric"):
        accumulated_local_effects(fn, bad, ["x"], progress=False)

    def raises(A):
        raise RuntimeError("boom")

    with pytest.raises(ModelError, match="boom"):
        accumulated_local_effects(raises, rng.normal(size=(10, 2)), progress=False)

    def nan_out(A):
        out = np.ones(len(A))
        out[-1] = np.nan
        return out

    with pytest.raises(ModelError, match="non-finite"):
        accumulated_local_effects(nan_out, rng.normal(size=(10, 2)), progress=False)
    with pytest.raises(TypeError, match="estimator with predict"):
        accumulated_local_effects(object(), rng.normal(size=(10, 2)), progress=False)
    with pytest.raises(ValueError, match="no 'proba' output"):
        accumulated_local_effects(lambda a: a[:, 0], rng.normal(size=(10, 2)), output="proba", progress=False)


def test_json_round_trip_and_alias(rng):
    X = rng.normal(size=(80, 2))
    effs = ub.ale(product, X, ["x0", ("x0", "x1")], bins=4, n_bootstrap=5, random_state=0, progress=False)
    back = ub.load(effs.to_json())
    for a, b in zip(effs, back):
        np.testing.assert_array_equal(a.average, b.average)
        np.testing.assert_array_equal(a.lower, b.lower)
        assert a.features == b.features
    assert ub.accumulated_local_effects is accumulated_local_effects


def test_numeric_missing_values_leave_their_rows_out(rng):
    # oracle: the ALE of a feature with missing values equals the ALE on the rows where it is observed
    X = rng.normal(size=(300, 3))
    Xn = X.copy()
    Xn[rng.choice(300, 30, replace=False), 1] = np.nan

    def f(A):
        A = np.asarray(A, dtype=float)
        return np.sin(A[:, 0]) + np.nan_to_num(A[:, 1]) ** 2 + A[:, 2]

    kept = ~np.isnan(Xn[:, 1])
    with pytest.warns(UserWarning, match="missing in 30 of 300 rows; those rows .* left out"):
        got = accumulated_local_effects(f, Xn, ["x1"], progress=False)["x1"]
    ref = accumulated_local_effects(f, Xn[kept], ["x1"], progress=False)["x1"]
    np.testing.assert_allclose(got.grid[0], ref.grid[0], rtol=0, atol=0)
    np.testing.assert_allclose(got.average, ref.average, rtol=1e-12, atol=1e-12)


def test_categorical_missing_is_one_more_category(rng):
    # oracle: NaN in a categorical column gives the same curve as an explicit category "missing"
    n = 400
    c = rng.choice(["a", "b", "c", "missing"], size=n)
    D = pd.DataFrame({"c": c, "x": rng.normal(size=n)})
    value = {"a": 0.0, "b": 1.5, "c": -1.0, "missing": 3.0}

    def f(d):
        cc = d["c"].astype(object).where(d["c"].notna(), "missing")
        return cc.map(value).to_numpy(dtype=float) + d["x"].to_numpy()

    Dn = D.copy()
    Dn["c"] = Dn["c"].where(Dn["c"] != "missing", None)
    ref = accumulated_local_effects(f, D, ["c"], progress=False)["c"]
    with pytest.warns(UserWarning, match="'missing' as one more category"):
        got = accumulated_local_effects(f, Dn, ["c"], progress=False)["c"]
    assert list(got.grid[0]) == list(ref.grid[0])
    np.testing.assert_allclose(got.average, ref.average, rtol=1e-12, atol=1e-12)
