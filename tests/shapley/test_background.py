"""Background: samples, weighted k-means summaries, and their use in every explainer."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unboxed._data import Schema
from unboxed.shapley.background import Background, as_background
from unboxed.shapley.exact import ExactShap
from unboxed.shapley.kernel import KernelShap
from unboxed.shapley.linear import LinearShap
from unboxed.shapley.permutation import PermutationShap



def assert_unmodified(before, after):
    if isinstance(before, pd.DataFrame):
        pd.testing.assert_frame_equal(before, after)
    else:
        np.testing.assert_array_equal(before, after)


def test_sample_keeps_size_and_is_reproducible():
    X = np.random.default_rng(0).normal(size=(500, 4))
    Z1, w1 = Background(X, size=50, random_state=3).summarize()
    Z2, w2 = Background(X, size=50, random_state=3).summarize()
    assert Z1.shape == (50, 4)
    np.testing.assert_array_equal(Z1, Z2)
    np.testing.assert_allclose(w1, np.full(50, 1 / 50))
    assert all(any(np.array_equal(z, x) for x in X) for z in Z1[:5])
    Zall, wall = Background(X, size=None).summarize()
    np.testing.assert_array_equal(Zall, X)


def test_kmeans_weights_and_snapped_values(german):
    X, _ = german
    before = X.copy()
    bg = Background(X, method="kmeans", size=20, random_state=0)
    schema = Schema.from_data(X)
    Z, w = bg.summarize(schema)
    assert_unmodified(before, X)
    assert Z.shape[0] <= 20 and Z.shape[1] == X.shape[1]
    np.testing.assert_allclose(w.sum(), 1.0)
    assert (w > 0).all()
    decoded = schema.decode(Z)
    for col in X.columns:
        if isinstance(X[col].dtype, pd.CategoricalDtype):
            assert set(decoded[col].astype(str)) <= set(X[col].astype(str))
        elif schema[col].kind == "categorical":  # discrete numeric: real values only
            assert set(decoded[col]) <= set(X[col])
    # the cluster weights add up the rows of each cluster
    p = bg.params()
    assert p["background_method"] == "kmeans" and p["background_rows"] == Z.shape[0]


def test_kmeans_with_few_distinct_rows_returns_them_weighted():
    X = np.array([[0.0, 1.0]] * 6 + [[2.0, 3.0]] * 2)
    Z, w = Background(X, method="kmeans", size=5).summarize()
    order = np.argsort(Z[:, 0])
    np.testing.assert_array_equal(Z[order], [[0.0, 1.0], [2.0, 3.0]])
    np.testing.assert_allclose(w[order], [0.75, 0.25])


def _model(d):
    d = np.asarray(d, dtype=float)
    return np.column_stack([d[:, 0] * d[:, 1] + d[:, 2], np.tanh(d[:, 0] - d[:, 2])])


def test_weighted_kmeans_base_value_is_brute_force_weighted_average():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(400, 3))
    bg = Background(X, method="kmeans", size=12, random_state=0)
    for cls, kw in ((ExactShap, {}), (KernelShap, {"random_state": 0, "max_evals": 6}),
                    (PermutationShap, {"random_state": 0, "n_permutations": 4})):
        ex = cls(_model, bg, progress=False, **kw)
        Z, w = bg.summarize(ex.f_.schema)
        np.testing.assert_allclose(ex.base_value_, w @ _model(Z), rtol=0, atol=1e-12)
        attr = ex.explain(X[:3])
        np.testing.assert_allclose(attr.total, _model(X[:3]), atol=1e-10)
        assert attr.provenance.params["background_method"] == "kmeans"
        assert attr.provenance.params["background_rows"] == Z.shape[0]
    # exact values under the weighted summary = brute force over the centres with their weights
    ex = ExactShap(_model, bg, progress=False)
    Z, w = bg.summarize(ex.f_.schema)
    x = X[5]
    phi = np.zeros((3, 2))
    import itertools
    import math
    for i in range(3):
        others = [j for j in range(3) if j != i]
        for r in range(3):
            for S in itertools.combinations(others, r):
                wt = math.factorial(r) * math.factorial(3 - r - 1) / 6
                A = Z.copy()
                A[:, list(S)] = x[list(S)]
                B = A.copy()
                B[:, i] = x[i]
                phi[i] += wt * (w @ _model(B) - w @ _model(A))
    np.testing.assert_allclose(ex.explain(X[5:6]).values[0], phi, rtol=0, atol=1e-12)


def test_linear_with_weights():
    from sklearn.linear_model import LinearRegression
    rng = np.random.default_rng(2)
    X = rng.normal(size=(100, 3))
    model = LinearRegression().fit(X, X @ [1.0, -2.0, 0.5] + 1)
    w = rng.uniform(0, 3, size=100)
    attr = LinearShap(model, Background(X, size=None, weights=w)).explain(X[:4])
    mean = (w / w.sum()) @ X
    np.testing.assert_allclose(attr.values[..., 0], model.coef_ * (X[:4] - mean), atol=1e-10)


def test_raw_background_is_sampled_with_a_warning():
    X = np.random.default_rng(0).normal(size=(150, 2))
    with pytest.warns(UserWarning, match="sample of 100"):
        bg = as_background(X)
    assert bg.summarize()[0].shape == (100, 2)
    assert as_background(bg) is bg


def test_bad_background_arguments():
    X = np.zeros((5, 2))
    with pytest.raises(ValueError, match="method"):
        Background(X, method="median")
    with pytest.raises(ValueError, match="size"):
        Background(X, size=0)
    with pytest.raises(ValueError, match="shape"):
        Background(X, weights=[1.0, 2.0])
    with pytest.raises(ValueError, match="non-negative"):
        Background(X, weights=[1.0, -1.0, 1.0, 1.0, 1.0])
    with pytest.raises(ValueError, match="sum to zero"):
        Background(X, weights=np.zeros(5))
    with pytest.raises(ValueError, match="no rows"):
        Background(np.zeros((0, 2)))
    with pytest.raises(TypeError, match="None"):
        as_background(None)


def test_background_with_other_columns_than_x():
    df = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": [0.0, 1.0, 0.5]})
    ex = ExactShap(lambda d: d["a"].to_numpy() * 2 + d["b"].to_numpy(), df, progress=False)
    with pytest.raises(ValueError, match="missing.*b|unexpected"):
        ex.explain(pd.DataFrame({"a": [1.0], "c": [2.0]}))
