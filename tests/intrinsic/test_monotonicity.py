"""check_monotonicity: constrained models are monotone, x² and sin(x) are not; backends; bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

from unboxed.intrinsic import check_monotonicity

from conftest import assert_unmodified


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(0)
    X = rng.uniform(-2, 2, size=(300, 4))
    y = X[:, 0] - X[:, 1] + X[:, 2] ** 2 + np.sin(2 * X[:, 3]) + rng.normal(0, 0.1, 300)
    return X, y


def test_constrained_boosting_is_reported_monotone(data):
    X, y = data
    m = HistGradientBoostingRegressor(monotonic_cst=[1, -1, 0, 0], max_iter=40, random_state=0).fit(X, y)
    rep = check_monotonicity(m, X[:60], progress=False).set_index("feature")
    assert rep.loc["x0", "direction"] == "increasing" and rep.loc["x0", "share_increasing"] == 1
    assert rep.loc["x1", "direction"] == "decreasing" and rep.loc["x1", "largest_violation"] == 0
    assert rep.loc["x2", "direction"] == "not monotone" and rep.loc["x2", "largest_violation"] > 0.1
    assert rep.loc["x3", "direction"] == "not monotone"
    assert (rep["n_grid"] == 20).all()
    assert rep.attrs["provenance"].n_evals == 4 * 60 * 20


def test_closed_form_functions():
    X = np.column_stack([np.linspace(-3, 3, 41), np.linspace(0, 1, 41), np.full(41, 2.0)])

    def f(Z):
        Z = np.asarray(Z, dtype=float)
        return Z[:, 0] ** 2 + np.sin(6 * Z[:, 1]) + 0 * Z[:, 2]
    rep = check_monotonicity(f, X, progress=False).set_index("feature")
    assert rep.loc["x0", "direction"] == "not monotone"   # x²
    assert rep.loc["x1", "direction"] == "not monotone"   # sin over more than half a period
    assert rep.loc["x2", "direction"] == "constant" and rep.loc["x2", "n_grid"] == 1
    # the largest step against the main direction, found on the grid: x² falls by at most ~(3² - 2.7²)
    q = np.unique(np.quantile(X[:, 0], np.linspace(0, 1, 20)))
    worst = np.max(np.abs(np.diff(q ** 2))[np.diff(q ** 2) < 0])
    np.testing.assert_allclose(rep.loc["x0", "largest_violation"], worst, rtol=1e-12)
    inc = check_monotonicity(lambda Z: 3 * np.asarray(Z)[:, 0], X, features=["x0"], progress=False)
    assert inc["direction"][0] == "increasing"
    wiggle = check_monotonicity(lambda Z: np.asarray(Z)[:, 0] + 1e-9 * np.sin(50 * np.asarray(Z)[:, 0]), X,
                                features=0, tol=1e-6, progress=False)
    assert wiggle["direction"][0] == "increasing"


def test_classifier_categories_and_frames(data):
    X, y = data
    rng = np.random.default_rng(1)
    Xf = pd.DataFrame(X[:, :2], columns=["a", "b"])
    Xf["size"] = pd.Categorical(rng.choice(["S", "M", "L"], len(Xf)), categories=["S", "M", "L"], ordered=True)
    Xf["color"] = pd.Categorical(rng.choice(["r", "g"], len(Xf)))
    lab = (X[:, 0] + (Xf["size"].cat.codes.to_numpy()) > 1).astype(int)
    m = HistGradientBoostingClassifier(max_iter=20, categorical_features="from_dtype",
                                       monotonic_cst=[1, 0, 0, 0], random_state=0).fit(Xf, lab)
    rep = check_monotonicity(m, Xf.iloc[:40], progress=False).set_index("feature")
    assert list(rep["output"]) == ["1"] * 4            # binary: only the second class
    assert rep.loc["a", "direction"] in ("increasing", "constant")
    assert rep.loc["color", "direction"] == "unordered" and np.isnan(rep.loc["color", "share_increasing"])
    assert rep.loc["size", "n_grid"] == 3


@pytest.mark.parametrize("backend", ["processes", "dask"])
def test_same_answer_on_every_backend(backend, request, data):
    X, y = data
    be = request.getfixturevalue("dask_client") if backend == "dask" else backend
    m = HistGradientBoostingRegressor(max_iter=10, random_state=0).fit(X, y)
    local = check_monotonicity(m, X[:30], progress=False)
    other = check_monotonicity(m, X[:30], backend=be, progress=False)
    pd.testing.assert_frame_equal(local, other)
    assert local.attrs["provenance"].n_evals == other.attrs["provenance"].n_evals == 4 * 30 * 20


def test_bad_input(data):
    X, y = data
    m = HistGradientBoostingRegressor(max_iter=5).fit(X, y)
    with pytest.raises(ValueError, match="unknown feature"):
        check_monotonicity(m, X, features=["nope"], progress=False)
    with pytest.raises(ValueError, match="grid_resolution"):
        check_monotonicity(m, X, grid_resolution=1, progress=False)
    with pytest.raises(ValueError, match="tol"):
        check_monotonicity(m, X, tol=-1, progress=False)
    with pytest.raises(ValueError, match="columns"):
        check_monotonicity(m, X[:, :3], progress=False)
    with pytest.raises(ValueError, match="no rows"):
        check_monotonicity(m, X[:0], progress=False)
    with pytest.raises(ValueError, match="repeat"):
        check_monotonicity(m, X, features=[0, "x0"], progress=False)
    from unboxed import ModelError

    def broken(Z):
        raise RuntimeError("boom")
    with pytest.raises(ModelError, match="boom"):
        check_monotonicity(broken, X, progress=False)
    one = check_monotonicity(m, X[:1], progress=False)  # a single row: one ICE curve
    assert len(one) == 4


def test_caller_data_unmodified(data):
    X, y = data
    Xc = X.copy()
    check_monotonicity(HistGradientBoostingRegressor(max_iter=5).fit(X, y), X[:20], progress=False)
    assert_unmodified(Xc, X)
