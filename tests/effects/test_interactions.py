"""Friedman's H-statistic: brute force, closed forms, properties, backends and bad input."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from conftest import assert_unmodified
from hypothesis import given, settings
from hypothesis import strategies as st

import unboxed as ub
from unboxed import ModelError
from unboxed._validation import check_random_state
from unboxed.effects import interactions as h_module
from unboxed.effects.interactions import h_statistic


def wiggly(A):
    A = np.asarray(A, dtype=float)
    return np.sin(A[:, 0]) * A[:, 1] + A[:, 1] * A[:, 2] ** 2 + np.exp(0.2 * A[:, 2]) + 0.3 * A[:, 0]


def brute_force(f, X, kind):
    """H² and numerators from the definition, one model call per partial-dependence value."""
    n, p = X.shape

    def pd_at(cols, values):
        Z = X.copy()
        Z[:, cols] = values
        return f(Z).mean()

    def centred(v):
        v = np.asarray(v, dtype=float)
        return v - v.mean()

    out = {}
    if kind == "pairwise":
        pdj = {j: centred([pd_at([j], X[i, j]) for i in range(n)]) for j in range(p)}
        for j, k in itertools.combinations(range(p), 2):
            pjk = centred([pd_at([j, k], X[i, [j, k]]) for i in range(n)])
            num = np.mean((pjk - pdj[j] - pdj[k]) ** 2)
            out[(j, k)] = (num / np.mean(pjk ** 2), num)
    else:
        fx = centred(f(X))
        for j in range(p):
            rest = [c for c in range(p) if c != j]
            pj = centred([pd_at([j], X[i, j]) for i in range(n)])
            pr = centred([pd_at(rest, X[i, rest]) for i in range(n)])
            num = np.mean((fx - pj - pr) ** 2)
            out[(j,)] = (num / np.mean(fx ** 2), num)
    return out


@pytest.mark.parametrize("kind", ["pairwise", "overall"])
def test_equals_brute_force_on_tiny_data(kind, rng):
    X = rng.normal(size=(9, 3))
    X[:3, 0] = X[3, 0]  # repeated values exercise the de-duplication
    h = h_statistic(wiggly, X, kind=kind, progress=False)
    ref = brute_force(wiggly, X, kind)
    assert len(h) == len(ref)
    for label, key in zip(h.pairs, ref):
        assert label == tuple(f"x{j}" for j in key)
    np.testing.assert_allclose(h.values[:, 0], [v[0] for v in ref.values()], rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(h.numerator[:, 0], [v[1] for v in ref.values()], rtol=1e-12, atol=1e-14)
    assert h.statistic == "H2"


def test_additive_models_have_no_interaction(rng):
    from sklearn.linear_model import LinearRegression

    X = rng.normal(size=(120, 4))

    def add(A):
        return np.sin(A[:, 0]) + A[:, 1] ** 3 - np.abs(A[:, 2]) + 0.0 * A[:, 3]

    for kind in ("pairwise", "overall"):
        h = h_statistic(add, X, kind=kind, progress=False)
        assert np.all(np.abs(h.values) <= 1e-10)
    frame = pd.DataFrame(X, columns=list("abcd"))
    lr = LinearRegression().fit(frame, X @ np.array([1.0, -2.0, 0.5, 3.0]))
    h = h_statistic(lr, frame, progress=False)
    assert np.all(np.abs(h.values) <= 1e-10)
    assert h.pairs[0] == ("a", "b")


def test_pure_interaction_is_one():
    g = np.linspace(-2, 2, 9)
    X = np.array(list(itertools.product(g, g)))  # independent, centred features
    h = h_statistic(lambda A: A[:, 0] * A[:, 1], X, sample_size=None, progress=False)
    np.testing.assert_allclose(h.values, 1.0, rtol=1e-12)
    np.testing.assert_allclose(h.numerator[0, 0], np.mean((X[:, 0] * X[:, 1]) ** 2), rtol=1e-12)
    ho = h_statistic(lambda A: A[:, 0] * A[:, 1], X, kind="overall", sample_size=None, progress=False)
    np.testing.assert_allclose(ho.values, 1.0, rtol=1e-12)
    assert ho.pairs == (("x0",), ("x1",))


def test_subsample_is_seeded_and_equals_brute_force_on_it(rng):
    X = rng.normal(size=(60, 3))
    h1 = h_statistic(wiggly, X, kind="overall", sample_size=10, random_state=11, progress=False)
    h2 = h_statistic(wiggly, X, kind="overall", sample_size=10, random_state=11, progress=False)
    np.testing.assert_array_equal(h1.values, h2.values)
    rows = np.sort(check_random_state(11).choice(60, size=10, replace=False))
    ref = brute_force(wiggly, X[rows], "overall")
    np.testing.assert_allclose(h1.values[:, 0], [v[0] for v in ref.values()], rtol=1e-12)
    h3 = h_statistic(wiggly, X, kind="overall", sample_size=10, random_state=12, progress=False)
    assert not np.array_equal(h1.values, h3.values)
    assert h1.provenance.random_state == 11
    assert h1.provenance.n_evals == 3 * 10 * 10


def test_explicit_pairs_multiclass_and_categories(german):
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = german
    X = X.iloc[:200]
    y3 = np.where(X["age_in_years"] < 30, "young", np.where(y.iloc[:200] == "good", "good", "bad"))
    cat = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    pre = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), cat), remainder="passthrough")
    model = make_pipeline(pre, RandomForestClassifier(n_estimators=10, max_depth=6, random_state=0)).fit(X, y3)
    before = X.copy()
    h = h_statistic(model, X, pairs=[("purpose", "credit_amount"), ("age_in_years", "duration_in_month")],
                    sample_size=40, random_state=0, progress=False)
    assert_unmodified(before, X)
    assert h.pairs == (("purpose", "credit_amount"), ("age_in_years", "duration_in_month"))
    assert h.values.shape == (2, 3) and h.numerator.shape == (2, 3)
    assert h.output_names == ("bad", "good", "young")
    assert np.all(h.values >= 0) and np.all(h.numerator >= 0)
    frame = h.to_frame()
    assert set(frame.columns) >= {"feature", "other", "output", "H2", "numerator"}
    back = ub.load(h.to_json())
    np.testing.assert_array_equal(back.values, h.values)


def two_outputs(A):
    A = np.asarray(A, dtype=float)
    return np.column_stack([A[:, 0] * A[:, 1] + A[:, 2], np.cos(A[:, 1] * A[:, 2])])


@pytest.mark.parametrize("backend, kind", [("processes", "pairwise"), ("dask", "overall")])
def test_same_answer_on_every_backend(backend, kind, rng, monkeypatch, request):
    monkeypatch.setattr(h_module, "rows_per_chunk", lambda *a, **k: 7)
    X = rng.normal(size=(40, 3))
    client = request.getfixturevalue("dask_client") if backend == "dask" else backend
    local = h_statistic(two_outputs, X, kind=kind, sample_size=25, random_state=1, progress=False)
    other = h_statistic(two_outputs, X, kind=kind, sample_size=25, random_state=1, backend=client, progress=False)
    np.testing.assert_allclose(local.values, other.values, rtol=0, atol=1e-14)
    np.testing.assert_allclose(local.numerator, other.numerator, rtol=0, atol=1e-14)
    assert local.provenance.n_evals == other.provenance.n_evals
    assert other.provenance.backend == ("dask" if backend == "dask" else "processes")


@settings(max_examples=25, deadline=None)
@given(seed=st.integers(0, 2**16), a=st.floats(0.1, 50), c=st.floats(-100, 100), n=st.integers(3, 12))
def test_invariant_to_affine_rescaling_of_the_output(seed, a, c, n):
    X = np.random.default_rng(seed).normal(size=(n, 3))
    h = h_statistic(wiggly, X, progress=False)
    hs = h_statistic(lambda A: a * wiggly(A) + c, X, progress=False)
    np.testing.assert_allclose(hs.values, h.values, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(hs.numerator, a ** 2 * h.numerator, rtol=1e-6, atol=1e-9 * a ** 2)
    assert np.all(h.values >= 0)


def test_bad_input_messages(rng):
    X = rng.normal(size=(20, 3))
    with pytest.raises(ValueError, match="kind must be one of"):
        h_statistic(wiggly, X, kind="both", progress=False)
    with pytest.raises(ValueError, match="pairs= is for kind='pairwise'"):
        h_statistic(wiggly, X, kind="overall", pairs=[("x0", "x1")], progress=False)
    with pytest.raises(ValueError, match="not both"):
        h_statistic(wiggly, X, features=["x0", "x1"], pairs=[("x0", "x1")], progress=False)
    with pytest.raises(ValueError, match="two different features"):
        h_statistic(wiggly, X, pairs=[("x0", "x0")], progress=False)
    with pytest.raises(ValueError, match="each pair must be two features"):
        h_statistic(wiggly, X, pairs=[("x0",)], progress=False)
    with pytest.raises(TypeError, match="pairs must be a list"):
        h_statistic(wiggly, X, pairs="x0", progress=False)
    with pytest.raises(ValueError, match="at least two features"):
        h_statistic(wiggly, X, features=["x0"], progress=False)
    with pytest.raises(ValueError, match="features repeat"):
        h_statistic(wiggly, X, features=["x0", "x0"], progress=False)
    with pytest.raises(ValueError, match="unknown feature 'q'"):
        h_statistic(wiggly, X, features=["x0", "q"], progress=False)
    with pytest.raises(ValueError, match="sample_size must be an integer >= 2"):
        h_statistic(wiggly, X, sample_size=1, progress=False)
    with pytest.raises(ValueError, match="1 row"):
        h_statistic(wiggly, X[:1], progress=False)
    with pytest.raises(ValueError, match="no rows"):
        h_statistic(wiggly, X[:0], progress=False)
    Xi = X.copy()
    Xi[0, 0] = -np.inf
    with pytest.raises(ValueError, match="infinite"):
        h_statistic(wiggly, Xi, progress=False)
    with pytest.raises(ValueError, match="two features"):
        h_statistic(lambda A: A[:, 0], X[:, :1], kind="overall", progress=False)

    def raises(A):
        raise ValueError("bad batch")

    with pytest.raises(ModelError, match="bad batch"):
        h_statistic(raises, X, progress=False)
    with pytest.raises(ModelError, match="non-finite"), np.errstate(invalid="ignore", divide="ignore"):
        h_statistic(lambda A: np.log(A[:, 0]), X, progress=False)
    from sklearn.linear_model import LinearRegression
    lr = LinearRegression().fit(X, X[:, 0])
    with pytest.raises(ValueError, match="the model expects 3"):
        h_statistic(lr, X[:, :2], progress=False)
    frame = pd.DataFrame(X, columns=["a", "b", "c"])
    lr = LinearRegression().fit(frame, X[:, 0])
    with pytest.raises(ValueError, match="another order"):
        h_statistic(lr, frame[["c", "b", "a"]], progress=False)
    fn = ub.model_function(lambda d: d["x"].to_numpy(), pd.DataFrame({"x": [1.0, 2.0], "c": ["u", "v"]}))
    with pytest.raises(ValueError, match="not seen"):
        h_statistic(fn, pd.DataFrame({"x": [1.0, 2.0], "c": ["u", "w"]}), progress=False)
    bad = pd.DataFrame({"x": [1.0, "two"], "c": ["u", "v"]})
    with pytest.raises(TypeError, match="non-numeric"):
        h_statistic(fn, bad, progress=False)


def test_missing_values_reach_the_model(rng):
    X = rng.normal(size=(15, 3))
    X[2, 1] = np.nan
    h = h_statistic(lambda A: np.nan_to_num(A[:, 0] * A[:, 1]) + A[:, 2], X, progress=False)
    assert np.all(np.isfinite(h.values))
    assert h.values[0, 0] > 0.5 and h.values[1, 0] < 1e-10
