"""FIGS: oracles (CART, imodels, exact additive recovery), constraints, categories, bad input, sklearn checks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.tree import DecisionTreeRegressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from unboxed.rules import FIGSClassifier, FIGSRegressor, Rule

from conftest import assert_unmodified


@parametrize_with_checks([FIGSClassifier(), FIGSRegressor(max_rules=8)], expected_failed_checks=lambda est: {})
def test_sklearn_compatible(estimator, check):
    # no expected failures
    check(estimator)


def _data(n=200, p=4, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(n, p))
    y = np.sin(4 * X[:, 0]) + (X[:, 1] > 0.4) * 2 + X[:, 2] * X[:, 3] + rng.normal(0, 0.1, n)
    return X, y


# ------------------------------------------------------------------ oracles
def test_one_split_is_the_cart_stump():
    X, y = _data()
    m = FIGSRegressor(max_rules=1).fit(X, y)
    stump = DecisionTreeRegressor(max_depth=1).fit(X, y)
    assert m.trees_[0]["feature"][0] == stump.tree_.feature[0]
    np.testing.assert_allclose(m.predict(X), stump.predict(X), rtol=0, atol=1e-10)


def test_single_tree_is_best_first_cart():
    # with one tree FIGS grows the leaf with the largest impurity decrease first: CART best-first
    X, y = _data(seed=1)
    for k in (3, 7):
        m = FIGSRegressor(max_rules=k, max_trees=1).fit(X, y)
        cart = DecisionTreeRegressor(max_leaf_nodes=k + 1).fit(X, y)
        np.testing.assert_allclose(m.predict(X), cart.predict(X), rtol=0, atol=1e-10)
        assert m.n_rules_ == k and len(m.trees_) == 1


def test_matches_imodels_regressor():
    imodels = pytest.importorskip("imodels")
    X, y = _data(n=150, seed=2)
    for k in (4, 10):
        ours = FIGSRegressor(max_rules=k).fit(X, y)
        ref = imodels.FIGSRegressor(max_rules=k).fit(X, y)
        np.testing.assert_allclose(ours.predict(X), ref.predict(X), rtol=0, atol=1e-6)
        assert len(ours.trees_) == len(ref.trees_)


def test_matches_imodels_classifier_labels():
    imodels = pytest.importorskip("imodels")
    rng = np.random.default_rng(3)
    X = rng.uniform(size=(200, 3))
    y = ((X[:, 0] > 0.5) ^ (X[:, 1] > 0.3)).astype(int)
    ours = FIGSClassifier(max_rules=6).fit(X, y)
    ref = imodels.FIGSClassifier(max_rules=6).fit(X, y)
    np.testing.assert_array_equal(ours.predict(X), ref.predict(X))


def test_finds_an_additive_model():
    rng = np.random.default_rng(4)
    X = rng.uniform(size=(300, 3))
    y = 3.0 * (X[:, 0] > 0.5) + 1.0 * (X[:, 1] > 0.2)
    m = FIGSRegressor(max_rules=2).fit(X, y)
    assert len(m.trees_) == 2  # a sum of two stumps, not one deeper tree
    assert [tr["feature"][0] for tr in m.trees_] == [0, 1]
    # leaf values are set when a leaf is made (as in the paper), so the first tree
    # keeps the average of the second effect: the fit is close, not exact
    assert m.score(X, y) > 0.99
    np.testing.assert_allclose(m.predict_trees(X).sum(axis=1)[:, 0], m.predict(X), rtol=0, atol=1e-12)


def test_rules_reproduce_the_predictions():
    X, y = _data(seed=5)
    Xf = pd.DataFrame(X, columns=list("abcd"))
    m = FIGSRegressor(max_rules=9).fit(Xf, y)
    pred = np.zeros(len(Xf))
    covered = np.zeros(len(Xf), dtype=int)
    for r in m.rules_:
        mask = r.covers(Xf)
        pred[mask] += r.weight
        covered += mask
    assert (covered == len(m.trees_)).all()  # one leaf per tree
    np.testing.assert_allclose(pred, m.predict(Xf), rtol=0, atol=1e-10)
    assert sum(r.support for r in m.rules_) == len(Xf) * len(m.trees_)


# ------------------------------------------------------------- classification
def test_binary_probabilities_and_text(breast_cancer):
    X, y = breast_cancer
    m = FIGSClassifier(max_rules=6).fit(X, y)
    p = m.predict_proba(X)
    assert p.shape == (len(X), 2)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert (p >= 0).all() and (p <= 1).all()
    np.testing.assert_array_equal(m.predict(X), m.classes_[p.argmax(axis=1)])
    assert m.score(X, y) > 0.9
    assert list(m.feature_names_in_) == list(X.columns)
    text = str(m)
    assert text.startswith("FIGSClassifier:") and "Tree 1:" in text and "worst" in text
    frame = m.to_frame()
    assert len(frame) == len(m.rules_) and {"tree", "rule", "support", "weight"} <= set(frame.columns)
    assert all(isinstance(r, Rule) for r in m.rules_)
    imp = m.feature_importance()
    np.testing.assert_allclose(imp.values[:, 0] / imp.values.sum(), m.feature_importances_, rtol=1e-12)


def test_multiclass_uses_one_indicator_per_class():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    m = FIGSClassifier(max_rules=5).fit(X, names)
    assert m.n_outputs_ == 3 and m.score(X, names) > 0.93
    p = m.predict_proba(X)
    np.testing.assert_allclose(p.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert set(m.predict(X)) <= set(m.classes_)
    # with one-hot targets each leaf vector sums to 1 (first tree) or 0 (later trees)
    for t, tr in enumerate(m.trees_):
        leaves = tr["feature"] < 0
        np.testing.assert_allclose(tr["value"][leaves].sum(axis=1), 1.0 if t == 0 else 0.0, atol=1e-10)


# -------------------------------------------------------- monotone constraints
def test_monotone_constraints_hold_and_are_checked():
    from unboxed.intrinsic import check_monotonicity
    rng = np.random.default_rng(6)
    X = rng.uniform(size=(400, 3))
    y = np.sin(6 * X[:, 0]) + X[:, 1] + rng.normal(0, 0.2, 400)  # x0 not monotone in truth
    free = FIGSRegressor(max_rules=15).fit(X, y)
    cons = FIGSRegressor(max_rules=15, monotonic_cst=[1, 1, 0]).fit(X, y)
    rep_free = check_monotonicity(free, X[:80], progress=False).set_index("feature")
    rep = check_monotonicity(cons, X[:80], progress=False).set_index("feature")
    assert rep_free.loc["x0", "direction"] == "not monotone"
    assert rep.loc["x0", "direction"] in ("increasing", "constant")
    assert rep.loc["x1", "direction"] in ("increasing", "constant")
    dec = FIGSRegressor(max_rules=10, monotonic_cst={"x1": -1}).fit(X, y)
    assert check_monotonicity(dec, X[:80], features="x1", progress=False)["direction"][0] in ("decreasing",
                                                                                            "constant")


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 10_000), sign=st.sampled_from([-1, 1]), rules=st.integers(1, 12))
def test_constrained_sum_is_monotone_property(seed, sign, rules):
    rng = np.random.default_rng(seed)
    X = rng.uniform(size=(120, 2))
    y = rng.normal(size=120) + np.sin(8 * X[:, 0])
    m = FIGSRegressor(max_rules=rules, monotonic_cst=[sign, 0]).fit(X, y)
    grid = np.linspace(-0.1, 1.1, 60)
    for x1 in (0.1, 0.5, 0.9):
        pred = m.predict(np.column_stack([grid, np.full(60, x1)]))
        assert (sign * np.diff(pred) >= -1e-12).all()


def test_bad_constraints():
    X, y = _data()
    with pytest.raises(ValueError, match="one entry per feature"):
        FIGSRegressor(monotonic_cst=[1, 0]).fit(X, y)
    with pytest.raises(ValueError, match="-1, 0 or 1"):
        FIGSRegressor(monotonic_cst=[2, 0, 0, 0]).fit(X, y)
    with pytest.raises(ValueError, match="not a column"):
        FIGSRegressor(monotonic_cst={"nope": 1}).fit(X, y)
    from sklearn.datasets import load_iris
    Xi, yi = load_iris(return_X_y=True)
    with pytest.raises(ValueError, match="more than two classes"):
        FIGSClassifier(monotonic_cst=[1, 0, 0, 0]).fit(Xi, yi)
    Xc = pd.DataFrame({"a": X[:, 0], "c": pd.Categorical(np.where(X[:, 1] > .5, "u", "v"))})
    with pytest.raises(ValueError, match="categorical feature 'c'"):
        FIGSRegressor(monotonic_cst=[0, 1]).fit(Xc, y)


# --------------------------------------------------------- categorical data
def test_categorical_columns(german):
    X, y = german
    X = X.iloc[:400]
    y = np.asarray(y)[:400]
    m = FIGSClassifier(max_rules=8).fit(X, y)
    text = m.to_text()
    cat_cols = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    assert any(f"{c}=" in text or f"{c}≠" in text for c in cat_cols)
    for r in m.rules_:  # printed rules are faithful on DataFrames with categories
        for c in r.conditions:
            assert c.feature in X.columns
    pred = np.zeros(len(X))
    for r in m.rules_:
        pred += r.covers(X) * r.weight
    np.testing.assert_allclose(np.clip(pred, 0, 1), m.predict_proba(X)[:, 1], atol=1e-10)


def test_strings_missing_categories_and_unseen():
    rng = np.random.default_rng(7)
    n = 150
    X = pd.DataFrame({"num": rng.normal(size=n), "txt": rng.choice(["a", "b", "c"], n).astype(object)})
    y = (X["txt"] == "a").astype(float) * 2 + X["num"]
    X.loc[::10, "txt"] = None
    m = FIGSRegressor(max_rules=4).fit(X, y)
    assert "txt" in m.to_text()
    assert np.isfinite(m.predict(X)).all()
    new = X.iloc[:3].copy()
    new.loc[new.index[0], "txt"] = "zzz"
    with pytest.raises(ValueError, match="not seen"):
        m.predict(new)
    Xo = X.to_numpy(dtype=object)  # numpy object array with strings works too
    mo = FIGSRegressor(max_rules=4).fit(Xo, y)
    np.testing.assert_allclose(mo.predict(Xo), m.predict(X), atol=1e-12)


# --------------------------------------------------------------- bad input
def test_bad_input():
    X, y = _data(n=50)
    with pytest.raises(ValueError, match="Unknown label type"):
        FIGSClassifier().fit(X, y)
    with pytest.raises(ValueError, match="2 classes"):
        FIGSClassifier().fit(X, np.ones(50))
    Xn = X.copy()
    Xn[3, 1] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        FIGSRegressor().fit(Xn, y)
    Xi = X.copy()
    Xi[0, 0] = np.inf
    with pytest.raises(ValueError, match="inf"):
        FIGSRegressor().fit(Xi, y)
    with pytest.raises(ValueError, match="rows"):
        FIGSRegressor().fit(X, y[:-1])
    with pytest.raises(ValueError, match="0 sample"):
        FIGSRegressor().fit(X[:0], y[:0])
    with pytest.raises(ValueError, match="max_rules"):
        FIGSRegressor(max_rules=0).fit(X, y)
    m = FIGSRegressor().fit(X, y)
    with pytest.raises(ValueError, match="features"):
        m.predict(X[:, :3])
    with pytest.raises(ValueError, match="NaN"):
        m.predict(Xn)
    Xf = pd.DataFrame(X, columns=list("abcd"))
    mf = FIGSRegressor().fit(Xf, y)
    with pytest.raises(ValueError, match="feature names"):
        mf.predict(Xf[list("bacd")].rename(columns={"b": "z"}))
    with pytest.raises(TypeError, match="sparse"):
        import scipy.sparse as sp
        FIGSRegressor().fit(sp.csr_matrix(X), y)


def test_single_row_and_constant_data():
    m = FIGSRegressor().fit(np.ones((1, 2)), [3.0])
    np.testing.assert_allclose(m.predict(np.zeros((2, 2))), 3.0)
    assert m.n_rules_ == 0 and len(m.rules_) == 1
    m = FIGSRegressor().fit(np.ones((10, 2)), np.arange(10.0))
    np.testing.assert_allclose(m.predict(np.ones((1, 2))), 4.5)


def test_caller_data_unmodified(german):
    X, y = german
    X = X.iloc[:200]
    y = np.asarray(y)[:200]
    Xc, yc = X.copy(), y.copy()
    m = FIGSClassifier(max_rules=5).fit(X, y)
    m.predict_proba(X)
    assert_unmodified(Xc, X)
    assert_unmodified(yc, y)


def test_printed_rules_cover_rows_with_a_missing_category():
    # a missing category is 0 in every one-hot indicator, so the model sends it down the "≠" branches; the
    # printed conditions used to say "txt≠a", which a missing value does not satisfy (Rule.covers disagreed)
    rng = np.random.default_rng(3)
    n = 200
    X = pd.DataFrame({"num": rng.normal(size=n), "txt": rng.choice(["a", "b", "c"], n).astype(object)})
    y = (X["txt"] == "a") * 2.0 + X["num"]
    X.loc[::7, "txt"] = None
    m = FIGSRegressor(max_rules=6).fit(X, y)
    rebuilt = np.zeros(n)
    for r in m.rules_:
        rebuilt += r.covers(X) * r.weight
    np.testing.assert_allclose(rebuilt, m.predict(X), rtol=0, atol=1e-12)
    assert any(c.op == "in" and None in c.value for r in m.rules_ for c in r.conditions)
    assert "or missing" in m.to_text()
    # without missing values in training the short "≠" form stays
    Xc = X.fillna({"txt": "b"})
    assert not any(c.op == "in" for r in FIGSRegressor(max_rules=6).fit(Xc, y).rules_ for c in r.conditions)


def test_multiclass_predict_agrees_with_predict_proba(monkeypatch):
    # sums of leaf vectors can exceed 1 for two classes at once (both clip to 1); predict
    # must still name a class of largest predict_proba, ties going to the larger raw sum
    from sklearn.datasets import load_wine

    X, y = load_wine(return_X_y=True)
    m = FIGSClassifier(max_rules=20).fit(X, y)
    P = m.predict_proba(X)
    pred = m.predict(X)
    idx = np.searchsorted(m.classes_, pred)
    np.testing.assert_array_equal(P[np.arange(len(pred)), idx], P.max(axis=1))
    raw = np.array([[1.3, 1.1, -0.2], [0.2, 0.9, 1.4], [-0.1, 0.4, 0.3]])
    monkeypatch.setattr(m, "_raw", lambda X: raw)
    np.testing.assert_array_equal(m.predict(X[:3]), m.classes_[[0, 2, 1]])
    np.testing.assert_allclose(m.predict_proba(X[:3])[0], [0.5, 0.5, 0.0])


def test_cached_sorted_values_give_the_same_model(monkeypatch):
    # the per-tree sorted values are cached between rounds; recomputing them every time is the oracle
    import unboxed.rules.figs as figs_mod
    rng = np.random.default_rng(4)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + X[:, 1] * X[:, 2] > 0).astype(int)
    fast = figs_mod.FIGSClassifier(max_rules=10).fit(X, y)
    plain = figs_mod._best_splits
    monkeypatch.setattr(figs_mod, "_best_splits", lambda *a: plain(*a[:10]))
    slow = figs_mod.FIGSClassifier(max_rules=10).fit(X, y)
    for a, b in zip(fast.trees_, slow.trees_, strict=True):
        for key in a:
            np.testing.assert_array_equal(a[key], b[key])


def test_three_printed_forms_on_diabetes():
    """list: one IF / ELSE IF list per tree whose leaves partition the rows (exactly one line per tree fires);
    set: one line per leaf; tree: the drawing. The leaves that hold add up to predict (oracle)."""
    from sklearn.datasets import load_diabetes
    d = load_diabetes(as_frame=True)
    X, y = d.data.iloc[:250], d.target.iloc[:250]
    m = FIGSRegressor(max_rules=6).fit(X, y)
    leaves = m.to_frame()
    rules = m.rules_
    lst, st_, tr = m.to_text("list"), m.to_text("set"), m.to_text("tree")
    assert tr == m.to_text() == str(m)
    assert lst.count("Tree ") == len(m.trees_) and lst.count("IF ") == len(rules)
    assert st_.count("\nIF ") == len(rules) and st_.count("support") == len(rules)
    pred = np.zeros(len(X))
    for t in range(len(m.trees_)):
        cover = np.stack([r.covers(X) for r, tt in zip(rules, leaves["tree"]) if tt == t])
        np.testing.assert_array_equal(cover.sum(axis=0), 1)  # disjoint and exhaustive: a rule list is exact
        pred += sum(r.covers(X) * r.weight for r, tt in zip(rules, leaves["tree"]) if tt == t)
    np.testing.assert_allclose(pred, m.predict(X), atol=1e-9)
    assert m.average_rule_length_ == pytest.approx(np.mean([r.length for r in rules]))
    with pytest.raises(ValueError, match="form must be"):
        m.to_text("graph")
