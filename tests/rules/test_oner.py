"""OneR against Holte's worked example, brute-force cross tables and a plain reimplementation."""

from __future__ import annotations

import warnings
from collections import Counter

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from unboxed.rules import Condition, OneR

PRICE = ("good,small,yes,high; good,big,no,high; good,big,no,high; bad,medium,no,medium; "
         "good,medium,only cats,medium; good,small,only cats,medium; bad,medium,yes,medium; bad,small,yes,low; "
         "bad,medium,yes,low; bad,small,no,low")


@pytest.fixture(scope="module")
def price():
    df = pd.DataFrame([r.strip().split(",") for r in PRICE.split(";")], columns=["Location", "Size", "Pets", "Price"])
    return df.drop(columns="Price"), df["Price"]


def fit(X, y, **kw):
    return OneR(progress=False, **kw).fit(X, y)


# ----------------------------------------------------------- worked example
def test_price_table(price):
    X, y = price
    m = fit(X, y)
    assert m.feature_ == "Size" and m.feature_index_ == 1
    assert m.errors_ == {"Location": 4, "Size": 3, "Pets": 4}
    assert str(m) == ("IF Size=small THEN Price=low\nELSE IF Size=medium THEN Price=medium\n"
                      "ELSE IF Size=big THEN Price=high")
    np.testing.assert_allclose(1 - m.score(X, y), 0.3, atol=1e-12)
    # Laplace-smoothed rule frequencies: Size=small has high 1, low 2, medium 1 -> (1+1, 2+1, 1+1) / (4+3)
    np.testing.assert_allclose(m.predict_proba(X.iloc[[0]]), [[2 / 7, 3 / 7, 2 / 7]], rtol=1e-12)
    assert [r.support for r in m.rules_] == [4, 4, 2]
    assert m.rules_[0].conditions == (Condition("Size", "==", "small"),)
    assert m.to_text("set").splitlines()[0].startswith("IF Size=small THEN Price=low  [P(Price=high)=0.29")
    frame = m.to_frame()
    assert list(frame["rule"]) == ["Size=small", "Size=medium", "Size=big"]
    np.testing.assert_allclose(frame["P(low)"], [3 / 7, 2 / 7, 1 / 5], rtol=1e-12)


def _crosstab_errors(x, y):
    table = pd.crosstab(pd.Series(x).astype(str), pd.Series(y))
    return int(table.to_numpy().sum() - table.max(axis=1).sum())


@pytest.mark.parametrize("seed", range(4))
def test_nominal_features_match_brute_force_cross_tables(seed):
    rng = np.random.default_rng(seed)
    n = 200
    X = pd.DataFrame({f"f{j}": rng.choice(list("abcdefg")[: 2 + j], n) for j in range(5)})
    y = np.where(rng.random(n) < 0.7, X["f3"].isin(["a", "b"]).astype(int), rng.integers(0, 3, n))
    m = fit(X, y)
    errors = {c: _crosstab_errors(X[c], y) for c in X.columns}
    assert m.errors_ == errors
    best = min(X.columns, key=lambda c: (errors[c], X[c].nunique(), list(X.columns).index(c)))
    assert m.feature_ == best
    # every prediction is the majority class of the row's level (ties: smallest label)
    table = pd.crosstab(X[best], y)
    majority = {lvl: table.columns[np.argmax(row)] for lvl, row in zip(table.index, table.to_numpy())}
    np.testing.assert_array_equal(m.predict(X), X[best].map(majority).to_numpy())


# --------------------------------------------------- Holte's discretization
def holte_reference(x, y, min_bucket):
    """Plain-Python Holte discretization (independent reimplementation of the documented method)."""
    classes = sorted(set(y))
    groups = []  # [value, Counter]
    for v, c in sorted(zip(x, y), key=lambda t: t[0]):
        if groups and groups[-1][0] == v:
            groups[-1][1][c] += 1
        else:
            groups.append([v, Counter({c: 1})])

    def majority(cnt):
        best = max(cnt.values())
        return min(c for c in classes if cnt[c] == best)

    intervals = []
    i = 0
    while i < len(groups):
        acc, j = Counter(), i
        while j < len(groups):
            acc.update(groups[j][1])
            j += 1
            if max(acc.values()) >= min_bucket:
                break
        maj = majority(acc)
        if acc[maj] >= min_bucket:
            while j < len(groups) and set(groups[j][1]) == {maj}:
                acc.update(groups[j][1])
                j += 1
        intervals.append([groups[i][0], groups[j - 1][0], acc, maj])
        i = j
    merged = []
    for iv in intervals:
        if merged and merged[-1][3] == iv[3]:
            merged[-1][1] = iv[1]
            merged[-1][2] = merged[-1][2] + iv[2]
        else:
            merged.append(iv)
    bounds = [(a[1] + b[0]) / 2 for a, b in zip(merged, merged[1:])]
    errors = sum(sum(iv[2].values()) - max(iv[2].values()) for iv in merged)
    return bounds, errors, [iv[3] for iv in merged]


def _bounds_of(model):
    out = []
    for r in model.rules_:
        (c,) = r.conditions
        out.append(c.value if c.op != "in" else c.value.right)
    return out[:-1]


def test_holte_hand_worked_example():
    x = np.arange(1, 11, dtype=float)
    y = np.array(list("aaabbbbaaa"))
    m = fit(x[:, None], y, min_bucket=3)
    assert str(m) == "IF x0 <= 3.5 THEN a\nELSE IF x0 in (3.5, 7.5] THEN b\nELSE IF x0 > 7.5 THEN a"
    assert m.errors_ == {"x0": 0}
    m4 = fit(x[:, None], y, min_bucket=4)  # [1..7] holds 4 b's before it may close; [8..10] is the rest
    assert str(m4) == "IF x0 <= 7.5 THEN b\nELSE IF x0 > 7.5 THEN a"
    assert m4.errors_ == {"x0": 3}


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("min_bucket", [1, 3, 6])
def test_numeric_discretization_matches_reference(seed, min_bucket):
    rng = np.random.default_rng(seed)
    n = 150
    x = np.round(rng.normal(size=n), 1)  # ties between rows
    y = np.where(x + rng.normal(scale=0.7, size=n) > 0, "hi", "lo")
    y[rng.random(n) < 0.1] = "mid"
    m = fit(x[:, None], y, min_bucket=min_bucket)
    bounds, errors, classes = holte_reference(x.tolist(), y.tolist(), min_bucket)
    assert m.errors_["x0"] == errors
    assert [r.prediction for r in m.rules_] == classes
    np.testing.assert_allclose(_bounds_of(m), bounds, rtol=0, atol=1e-12)


# ------------------------------------------------------ many-level weakness
def test_id_like_numeric_column_wins_without_min_bucket_and_loses_with_it():
    rng = np.random.default_rng(1)
    n = 300
    signal = np.round(rng.normal(size=n), 1)  # repeated values with both classes: some errors are unavoidable
    y = np.where(signal + rng.normal(scale=0.8, size=n) > 0, 1, 0)
    X = pd.DataFrame({"signal": signal, "row_id": rng.permutation(n).astype(float)})
    overfit = fit(X, y, min_bucket=1)
    assert overfit.feature_ == "row_id" and overfit.errors_["row_id"] == 0  # memorizes the training rows
    guarded = fit(X, y)  # min_bucket=6, Holte's default
    assert guarded.feature_ == "signal"
    X_new = pd.DataFrame({"signal": np.round(rng.normal(size=n), 1), "row_id": rng.permutation(n).astype(float) + 0.5})
    y_new = np.where(X_new["signal"] + rng.normal(scale=0.8, size=n) > 0, 1, 0)
    assert guarded.score(X_new, y_new) > overfit.score(X_new, y_new) + 0.1


def test_many_level_nominal_feature_warns_and_min_category_count_guards():
    rng = np.random.default_rng(2)
    n = 2000
    good = rng.choice(["u", "v"], n)
    y = np.where((good == "u") ^ (rng.random(n) < 0.15), "yes", "no")
    X = pd.DataFrame({"good": good, "customer": [f"c{i}" for i in range(n)]})
    with pytest.warns(UserWarning, match="'customer' has 2000 distinct levels"):
        naive = fit(X, y)
    assert naive.feature_ == "customer" and naive.errors_["customer"] == 0
    with pytest.warns(UserWarning):
        guarded = fit(X, y, min_category_count=6)
    assert guarded.feature_ == "good"
    # folded levels go to the default rule; with all 2000 levels folded it is the majority class
    assert guarded.errors_["customer"] == min(Counter(y).values())


def test_rare_levels_fold_into_a_printed_default_rule():
    X = pd.DataFrame({"s": ["a"] * 6 + ["b"] * 6 + ["c", "d"]})
    y = ["x"] * 5 + ["y"] + ["y"] * 6 + ["x", "x"]
    m = fit(X, y, min_category_count=3)
    assert str(m) == "IF s=a THEN x\nELSE IF s=b THEN y\nELSE x"
    assert m.rules_[-1] is m.default_rule_ and m.default_rule_.support == 2
    np.testing.assert_array_equal(m.apply(X), [0] * 6 + [1] * 6 + [2, 2])


# ---------------------------------------------------------- missing, unseen
def test_missing_values_get_their_own_rule():
    x = np.array([1, 2, 3, 4, 5, 6, 7, 8, np.nan, np.nan, np.nan], dtype=float)
    y = np.array(["a"] * 4 + ["b"] * 4 + ["c"] * 3)
    m = fit(x[:, None], y, min_bucket=2)
    assert m.rules_[-1].conditions == (Condition("x0", "is missing"),)
    np.testing.assert_array_equal(m.predict(np.array([[np.nan], [1.0], [8.0]])), ["c", "a", "b"])
    s = pd.DataFrame({"s": ["p", "p", None, None, "q", "q"]})
    ms = fit(s, [0, 0, 1, 1, 0, 0])
    assert str(ms) == "IF s=p THEN 0\nELSE IF s=q THEN 0\nELSE IF s is missing THEN 1"


def test_unseen_category_and_unseen_missing_fall_to_the_majority_default(price):
    X, y = price
    m = fit(X, y)
    new = pd.DataFrame({"Location": ["good", "good"], "Size": ["huge", None], "Pets": ["no", "no"]})
    np.testing.assert_array_equal(m.predict(new), ["medium", "medium"])  # medium is the majority (4 of 10)
    np.testing.assert_allclose(m.predict_proba(new)[0], [(3 + 1) / 13, (3 + 1) / 13, (4 + 1) / 13], rtol=1e-12)
    np.testing.assert_array_equal(m.apply(new), [-1, -1])
    assert not m.default_rule_.conditions and m.default_rule_ not in m.rules_


# ------------------------------------------------------------- input kinds
def test_numpy_category_bool_and_string_columns_give_the_same_model(price):
    X, y = price
    as_cat = X.astype("category")
    as_obj_np = X.to_numpy(dtype=object)
    m_cat, m_np = fit(as_cat, y), fit(as_obj_np, y.to_numpy())
    assert m_cat.errors_ == {"Location": 4, "Size": 3, "Pets": 4}
    assert list(m_np.errors_.values()) == [4, 3, 4] and m_np.feature_ == "x1"
    np.testing.assert_array_equal(m_cat.predict(as_cat), m_np.predict(as_obj_np))
    b = pd.DataFrame({"flag": [True, True, False, False, True, False]})
    mb = fit(b, ["y", "y", "n", "n", "y", "n"])
    assert str(mb) == "IF flag=True THEN y\nELSE IF flag=False THEN n"


def test_in_a_pipeline_and_on_german_credit(german):
    X, y = german
    m = fit(X, y)
    nominal = X.select_dtypes("category").columns
    assert {c: m.errors_[c] for c in nominal} == {c: _crosstab_errors(X[c], y) for c in nominal}
    assert m.errors_[m.feature_] == min(m.errors_.values())
    np.testing.assert_allclose(1 - m.score(X, y), m.errors_[m.feature_] / len(X), atol=1e-12)
    num = X.select_dtypes("number")
    pipe = make_pipeline(StandardScaler(), OneR(progress=False)).fit(num, y)
    assert pipe.score(num, y) >= 0.7


def test_rules_reproduce_predictions_on_the_raw_frame(german):
    X, y = german
    m = fit(X, y)
    pred = np.full(len(X), m.default_rule_.prediction, dtype=object)
    for r in reversed(m.rules_):
        pred[r.covers(X)] = r.prediction
    np.testing.assert_array_equal(pred, m.predict(X))


def test_bad_parameters():
    X, y = np.arange(20.0)[:, None], np.arange(20) % 2
    with pytest.raises(ValueError, match="min_bucket must be an integer >= 1"):
        fit(X, y, min_bucket=0)
    with pytest.raises(TypeError, match="min_category_count"):
        fit(X, y, min_category_count=2.5)
    with pytest.raises(ValueError, match="smoothing"):
        fit(X, y, smoothing=-1)


def test_no_warning_for_ordinary_data(german):
    X, y = german
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fit(X, y)


@settings(max_examples=15, deadline=None)
@given(data=st.lists(st.tuples(st.integers(-5, 5), st.integers(0, 3), st.integers(0, 2)), min_size=4, max_size=60),
       min_bucket=st.integers(1, 6))
def test_invariant_to_monotone_transforms_and_row_order(data, min_bucket):
    """Holte's intervals depend only on the order of the values: a strictly increasing transform of a
    numeric feature, or shuffling the rows, changes no error count and no prediction."""
    arr = np.array(data, dtype=float)
    X, y = arr[:, :2], arr[:, 2].astype(int)
    if np.unique(y).size < 2:
        return
    m = fit(X, y, min_bucket=min_bucket)
    Xt = np.column_stack([np.exp(X[:, 0]), 3 * X[:, 1] - 7])
    mt = fit(Xt, y, min_bucket=min_bucket)
    assert mt.errors_ == m.errors_
    np.testing.assert_array_equal(mt.predict(Xt), m.predict(X))
    perm = np.random.default_rng(len(data)).permutation(len(y))
    mp = fit(X[perm], y[perm], min_bucket=min_bucket)
    assert mp.errors_ == m.errors_
    np.testing.assert_array_equal(mp.predict(X), m.predict(X))
    np.testing.assert_allclose(m.predict_proba(X).sum(axis=1), 1.0, rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("min_category_count", [1, 8])
def test_fast_lookup_matches_evaluating_the_rules(seed, min_category_count):
    """OneR finds the deciding rule from one column; it must agree with evaluating every rule in order."""
    from unboxed.rules._base import check_predict_X, first_match
    rng = np.random.default_rng(seed)
    n = 300
    X = pd.DataFrame({"num": np.where(rng.random(n) < 0.1, np.nan, rng.normal(size=n).round(1)),
                      "cat": rng.choice(list("abcdefghij"), n, p=np.r_[[0.3, 0.3], np.full(8, 0.05)])})
    X.loc[rng.random(n) < 0.05, "cat"] = None
    y = np.where(X["num"].fillna(1) + (X["cat"] == "a") + rng.normal(scale=0.5, size=n) > 0.5, "p", "q")
    for cols in (["num"], ["cat"]):
        m = fit(X[cols], y, min_category_count=min_category_count, min_bucket=3)
        new = X[cols].copy()
        if cols == ["cat"]:
            new.loc[:5, "cat"] = "never seen"
        Z = check_predict_X(m, new)
        np.testing.assert_array_equal(m._rule_index(new), first_match(m._compiled, Z))
