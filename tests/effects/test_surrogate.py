"""Global surrogate: recovery of a tree model, fidelity against sklearn metrics, rules, bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import assert_unmodified
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import accuracy_score, r2_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

import unboxed as ub
from unboxed import ModelError
from unboxed.effects.surrogate import GlobalSurrogate, Surrogate
from unboxed.rules import Condition, Rule


def _same_tree(a, b):
    ta, tb = a.tree_, b.tree_
    np.testing.assert_array_equal(ta.children_left, tb.children_left)
    np.testing.assert_array_equal(ta.children_right, tb.children_right)
    np.testing.assert_array_equal(ta.feature, tb.feature)
    np.testing.assert_array_equal(ta.threshold, tb.threshold)


def test_depth_two_tree_classifier_is_recovered(rng):
    X = pd.DataFrame(rng.uniform(size=(400, 3)), columns=["a", "b", "c"])
    y = np.where(X["a"] < 0.4, np.where(X["b"] < 0.7, "p", "q"), np.where(X["c"] < 0.2, "q", "r"))
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)
    s = GlobalSurrogate(model, max_depth=2, random_state=0).fit(X)
    assert s.fidelity_ == 1.0 and s.metric_ == "accuracy"
    _same_tree(model, s.surrogate_)
    np.testing.assert_array_equal(s.predict(X), model.predict(X))
    assert len(s.rules_) == 4
    assert all(isinstance(c, Condition) for r in s.rules_ for c in r.conditions)
    text = str(s)
    assert "a <= " in text and "a > " in text and "(n=" in text


def test_depth_two_tree_regressor_is_recovered(rng):
    X = rng.normal(size=(300, 4))
    y = np.where(X[:, 1] > 0.3, 5.0, -1.0) + np.where(X[:, 3] > -0.5, 2.0, 0.0)
    model = DecisionTreeRegressor(max_depth=2, random_state=0).fit(X, y)
    s = GlobalSurrogate(model, max_depth=2, random_state=0).fit(X)
    assert s.metric_ == "r2"
    np.testing.assert_allclose(s.fidelity_, 1.0, rtol=0, atol=1e-12)
    _same_tree(model, s.surrogate_)
    assert {c.feature for r in s.rules_ for c in r.conditions} == {"x1", "x3"}
    assert s.target_ == "prediction"


def test_fidelity_equals_sklearn_metrics_on_held_out_data(rng, breast_cancer):
    from sklearn.ensemble import GradientBoostingRegressor, RandomForestClassifier

    X, y = breast_cancer
    Xtr, Xte = X.iloc[:400], X.iloc[400:]
    rf = RandomForestClassifier(n_estimators=25, random_state=0).fit(Xtr, y.iloc[:400])
    s = GlobalSurrogate(rf, max_depth=3, random_state=0).fit(Xtr)
    np.testing.assert_allclose(s.fidelity_, accuracy_score(rf.predict(Xtr), s.predict(Xtr)), rtol=0, atol=1e-15)
    np.testing.assert_allclose(s.score(Xte), accuracy_score(rf.predict(Xte), s.predict(Xte)), rtol=0, atol=1e-15)
    assert set(np.unique(s.predict(Xte))) <= set(rf.classes_)

    A = rng.normal(size=(300, 3))
    t = np.sin(2 * A[:, 0]) + A[:, 1] * A[:, 2]
    gb = GradientBoostingRegressor(n_estimators=40, random_state=0).fit(A, t)
    r = GlobalSurrogate(gb, kind="rules", max_depth=4, random_state=0).fit(A[:200])
    np.testing.assert_allclose(r.fidelity_, r2_score(gb.predict(A[:200]), r.predict(A[:200])), rtol=1e-12)
    np.testing.assert_allclose(r.score(A[200:]), r2_score(gb.predict(A[200:]), r.predict(A[200:])), rtol=1e-12)


def test_rule_list_predicts_exactly_like_the_tree(german):
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import GradientBoostingClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    X, y = german
    cat = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    pre = make_column_transformer((OneHotEncoder(handle_unknown="ignore"), cat), remainder="passthrough")
    model = make_pipeline(pre, GradientBoostingClassifier(n_estimators=30, max_depth=3, random_state=0)).fit(X, y)
    before = X.copy()
    tree = GlobalSurrogate(model, kind="tree", max_depth=4, random_state=0).fit(X)
    rules = GlobalSurrogate(model, kind="rules", max_depth=4, random_state=0).fit(X)
    assert_unmodified(before, X)
    _same_tree(tree.surrogate_, rules.surrogate_)
    np.testing.assert_array_equal(rules.predict(X), tree.predict(X))
    assert rules.fidelity_ == tree.fidelity_
    assert rules.rules_[-1].is_default and not any(r.is_default for r in rules.rules_[:-1])
    assert len(rules.rules_) == len(tree.rules_)
    assert sum(r.length for r in rules.rules_) < sum(r.length for r in tree.rules_)
    text = str(rules).splitlines()
    assert text[0].startswith("IF ") and text[-1].startswith("ELSE ")
    assert all(line.startswith("ELSE IF ") for line in text[1:-1])
    # conditions speak the user's language: column names and category labels
    cats = {c: set(X[c].cat.categories) for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)}
    for r in rules.rules_ + tree.rules_:
        for c in r.conditions:
            assert c.feature in X.columns
            if c.op in ("==", "!="):
                assert c.value in cats[c.feature]
            elif c.op in ("in", "not in"):
                assert set(c.value) <= cats[c.feature]
            else:
                assert c.feature not in cats
    # a tree's leaves are a partition: exactly one rule covers each row, and it predicts the tree's class
    covers = np.column_stack([r.covers(X) for r in tree.rules_])
    np.testing.assert_array_equal(covers.sum(axis=1), 1)
    preds = np.asarray([tree.rules_[i].prediction for i in covers.argmax(axis=1)], dtype=object)
    np.testing.assert_array_equal(preds, tree.predict(X).astype(object))
    # the ordered list read as the user reads it (first rule that fires) gives the same answer
    first = np.full(len(X), -1)
    for i, r in reversed(list(enumerate(rules.rules_))):
        first[r.covers(X)] = i
    listed = np.asarray([rules.rules_[i].prediction for i in first], dtype=object)
    np.testing.assert_array_equal(listed, rules.predict(X).astype(object))


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**16), depth=st.integers(1, 5), leaves=st.sampled_from([None, 3, 6]))
def test_rule_list_equals_tree_on_new_data_with_missing_values(seed, depth, leaves):
    r = np.random.default_rng(seed)
    X = pd.DataFrame({"u": r.normal(size=120), "v": r.integers(0, 30, size=120).astype(float),
                      "k": r.choice(["a", "b", "c", "d"], size=120)})
    X.loc[r.random(120) < 0.1, "u"] = np.nan

    def model(D):
        u = np.nan_to_num(D["u"].to_numpy(dtype=float), nan=2.0)
        return u * (D["k"] == "b").to_numpy() + np.sqrt(np.abs(D["v"].to_numpy(dtype=float)))

    tree = GlobalSurrogate(model, max_depth=depth, max_leaves=leaves, random_state=seed).fit(X)
    lst = GlobalSurrogate(model, kind="rules", max_depth=depth, max_leaves=leaves, random_state=seed).fit(X)
    new = pd.DataFrame({"u": r.normal(size=200) * 2, "v": r.uniform(-5, 40, size=200),
                        "k": r.choice(["a", "b", "c", "d"], size=200)})
    new.loc[r.random(200) < 0.2, "u"] = np.nan
    np.testing.assert_allclose(lst.predict(new), tree.predict(new), rtol=0, atol=0)
    np.testing.assert_allclose(lst.score(new), tree.score(new), rtol=0, atol=1e-15)


def test_binary_proba_regression_target_and_multiclass(rng):
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression

    X, y = load_iris(return_X_y=True, as_frame=True)
    names = np.array(["setosa", "versicolor", "virginica"])[y]
    lr = LogisticRegression(max_iter=500).fit(X, names)
    s = GlobalSurrogate(lr, max_depth=2, random_state=0).fit(X)
    assert s.metric_ == "accuracy" and s.fidelity_ > 0.9
    assert set(s.classes_) == set(names)
    assert {r.prediction for r in s.rules_} <= set(names)
    with pytest.raises(ValueError, match="choose the one to imitate with target="):
        GlobalSurrogate(lr, output="proba").fit(X)
    p = GlobalSurrogate(lr, output="proba", target="virginica", max_depth=3, random_state=0).fit(X)
    assert p.metric_ == "r2" and p.target_ == "virginica"
    np.testing.assert_allclose(p.fidelity_, r2_score(lr.predict_proba(X)[:, 2], p.predict(X)), rtol=1e-12)
    binary = LogisticRegression(max_iter=500).fit(X, names == "setosa")
    b = GlobalSurrogate(binary, output="log_odds", random_state=0).fit(X)
    assert b.target_ == "True" and b.metric_ == "r2"
    d = GlobalSurrogate(binary, output="predict", random_state=0).fit(X)
    assert d.metric_ == "accuracy"
    np.testing.assert_allclose(d.fidelity_, accuracy_score(binary.predict(X), d.predict(X)), rtol=0, atol=1e-15)


def test_result_round_trips_through_json(german, tmp_path):
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OrdinalEncoder
    from sklearn.compose import make_column_transformer

    X, y = german
    cat = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
    pre = make_column_transformer((OrdinalEncoder(), cat), remainder="passthrough")
    model = make_pipeline(pre, RandomForestClassifier(n_estimators=20, max_depth=5, random_state=0)).fit(X, y)
    s = GlobalSurrogate(model, kind="rules", max_depth=3, random_state=1).fit(X)
    res = s.result()
    assert isinstance(res, Surrogate)
    back = Surrogate.from_json(res.to_json())
    assert back.rules == res.rules == str(s)
    assert back.fidelity == res.fidelity and back.metric == "accuracy" and back.kind == "rules"
    assert back.feature_names == tuple(X.columns)
    assert back.provenance.method == "global_surrogate" and back.provenance.random_state == 1
    path = tmp_path / "s.json"
    res.to_json(str(path))
    assert ub.load(str(path)).n_rules == len(s.rules_)
    frame = res.to_frame()
    assert len(frame) == len(res.rules.splitlines())
    assert "accuracy" in str(res)
    assert ub.GlobalSurrogate is GlobalSurrogate and ub.Surrogate is Surrogate


def test_load_imports_the_surrogate_module_on_demand(rng, monkeypatch):
    import sys

    from unboxed import _results

    text = GlobalSurrogate(lambda A: A[:, 0] > 0, random_state=0).fit(rng.normal(size=(40, 2))).result().to_json()
    # as in a fresh interpreter: the module is not imported, the type not registered
    monkeypatch.delitem(_results._REGISTRY, "Surrogate")
    monkeypatch.delitem(sys.modules, "unboxed.effects.surrogate")
    monkeypatch.delattr(ub, "Surrogate", raising=False)
    monkeypatch.delattr(ub, "GlobalSurrogate", raising=False)
    back = ub.load(text)
    assert type(back).__name__ == "Surrogate" and back.n_rules == 2


def test_rules_of_one_leaf_and_numpy_names(rng):
    X = rng.normal(size=(50, 2))
    s = GlobalSurrogate(lambda A: np.full(len(A), 3.0), kind="rules", random_state=0).fit(X)
    assert len(s.rules_) == 1 and s.rules_[0].is_default
    np.testing.assert_allclose(s.predict(X), 3.0)
    assert list(s.feature_names_in_) == ["x0", "x1"]
    t = GlobalSurrogate(lambda A: np.full(len(A), 3.0), random_state=0).fit(X)
    assert "3" in str(t)
    assert isinstance(t.rules_[0], Rule)


def test_bad_input(rng):
    from sklearn.linear_model import LinearRegression

    X = pd.DataFrame({"a": rng.normal(size=30), "c": rng.choice(["u", "v"], size=30)})
    f = lambda D: D["a"].to_numpy() * 2  # noqa: E731
    with pytest.raises(ValueError, match="kind must be one of"):
        GlobalSurrogate(f, kind="forest").fit(X)
    with pytest.raises(ValueError, match="max_depth must be an integer >= 1"):
        GlobalSurrogate(f, max_depth=0).fit(X)
    with pytest.raises(ValueError, match="max_leaves must be an integer >= 2"):
        GlobalSurrogate(f, max_leaves=1).fit(X)
    with pytest.raises(ValueError, match="not fitted"):
        GlobalSurrogate(f).predict(X)
    with pytest.raises(ValueError, match="not fitted"):
        GlobalSurrogate(f).result()
    assert str(GlobalSurrogate(f)) == "GlobalSurrogate (not fitted)"
    s = GlobalSurrogate(f, random_state=0).fit(X)
    with pytest.raises(ValueError, match="missing"):
        s.score(X[["a"]])
    with pytest.raises(ValueError, match="wrong order"):
        s.score(X[["c", "a"]])
    with pytest.raises(ValueError, match="not seen"):
        s.score(pd.DataFrame({"a": [0.1], "c": ["w"]}))
    with pytest.raises(TypeError, match="non-numeric"):
        s.predict(pd.DataFrame({"a": ["zero"], "c": ["u"]}))
    with pytest.raises(ValueError, match="infinite"):
        s.predict(pd.DataFrame({"a": [np.inf], "c": ["u"]}))
    with pytest.raises(ValueError, match="no rows"):
        s.predict(X.iloc[:0])
    with pytest.raises(ValueError, match="1 row"):
        GlobalSurrogate(f).fit(X.iloc[:1])
    with pytest.raises(ValueError, match="target 'zz' is not an output"):
        GlobalSurrogate(f, target="zz").fit(X)
    with pytest.raises(ValueError, match="out of range"):
        GlobalSurrogate(f, target=3).fit(X)
    with pytest.raises(TypeError, match="target must be"):
        GlobalSurrogate(f, target=1.5).fit(X)

    def boom(D):
        raise KeyError("no such column")

    with pytest.raises(ModelError, match="no such column"):
        GlobalSurrogate(boom).fit(X)
    with pytest.raises(ModelError, match="non-finite"):
        GlobalSurrogate(lambda D: np.full(len(D), np.nan)).fit(X)
    lr = LinearRegression().fit(rng.normal(size=(10, 3)), rng.normal(size=10))
    with pytest.raises(ValueError, match="the model expects 3"):
        GlobalSurrogate(lr).fit(rng.normal(size=(10, 2)))
    with pytest.raises(TypeError, match="estimator with predict"):
        GlobalSurrogate(42).fit(X)


def test_sklearn_conventions():
    s = GlobalSurrogate("model", kind="rules", max_depth=2, max_leaves=5, random_state=3)
    assert s.get_params()["max_depth"] == 2 and s.get_params()["kind"] == "rules"
    assert not hasattr(s, "surrogate_")
    s.set_params(max_depth=4)
    assert s.max_depth == 4


# ---------------------------------------------------------------- robustness sweep
def test_one_vs_one_svc_imitates_the_predicted_class():
    """SVC(decision_function_shape="ovo") gives one column per pair of classes, not per class."""
    from sklearn.datasets import load_iris
    from sklearn.svm import SVC
    X, y = load_iris(return_X_y=True, as_frame=True)
    labels = np.array(["setosa", "versicolor", "virginica", "other"])[np.where(X["sepal width (cm)"] > 3.8, 3, y)]
    svm = SVC(decision_function_shape="ovo").fit(X, labels)
    s = GlobalSurrogate(svm, max_depth=3, random_state=0).fit(X)
    assert set(s.classes_) == set(labels)
    assert s.fidelity_ == pytest.approx(accuracy_score(svm.predict(X), s.predict(X)))
    assert s.fidelity_ > 0.9


def test_predict_output_with_string_classes():
    from sklearn.datasets import load_iris
    from sklearn.linear_model import LogisticRegression
    X, y = load_iris(return_X_y=True, as_frame=True)
    m = LogisticRegression(max_iter=1000).fit(X, np.array(["a", "b", "c"])[y])
    s = GlobalSurrogate(m, output="predict", max_depth=2, random_state=0).fit(X)
    assert s.metric_ == "accuracy" and list(s.classes_) == ["a", "b", "c"]
    assert s.fidelity_ == pytest.approx(accuracy_score(m.predict(X), s.predict(X)))
