"""Sequential covering: planted rule lists are found; counts, FOIL gain and pruning match brute force."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from unboxed.rules import Condition, RuleList
from unboxed.rules._base import Binning, check_fit_X
from unboxed.rules.covering import _Candidates, _foil_gain, _grow, _prune, _ranges


def fit(X, y, **kw):
    kw.setdefault("random_state", 0)
    return RuleList(progress=False, **kw).fit(X, y)


def antecedents(model):
    return {frozenset(r.conditions) for r in model.rules_ if not r.is_default}


@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(0)
    n = 1500
    X = pd.DataFrame({"a": rng.integers(0, 10, n), "b": rng.choice(["x", "y", "z"], n),
                      "noise": rng.normal(size=n)})
    y = np.where(((X.a > 6) & (X.b == "x")) | (X.a <= 1), "yes", "no")
    return X, y


def test_planted_binary_rule_list_is_found(planted):
    X, y = planted
    m = fit(X, y)
    assert antecedents(m) == {frozenset({Condition("a", ">", 6), Condition("b", "==", "x")}),
                              frozenset({Condition("a", "<=", 1)})}
    assert m.rules_[-1].is_default and m.rules_[-1].prediction == "no"
    assert all(r.prediction == "yes" for r in m.rules_[:-1])
    assert m.score(X, y) == 1.0
    assert m.class_order_.tolist() == ["yes", "no"]  # the rarer class is learned, the frequent one is default


def test_planted_multiclass_rule_list_is_found():
    rng = np.random.default_rng(1)
    n = 2000
    X = pd.DataFrame({"a": rng.integers(0, 10, n), "b": rng.choice(["x", "y"], n)})
    y = np.select([X.a <= 1, (X.b == "y") & (X.a > 4)], ["A", "B"], "C")
    m = fit(X, y)
    assert m.class_order_.tolist() == ["A", "B", "C"]
    assert [(frozenset(r.conditions), r.prediction) for r in m.rules_] == [
        (frozenset({Condition("a", "<=", 1)}), "A"),
        (frozenset({Condition("b", "==", "y"), Condition("a", ">", 4)}), "B"),
        (frozenset(), "C"),
    ]
    assert m.score(X, y) == 1.0


def test_interval_conditions_on_one_feature_print_as_interval():
    rng = np.random.default_rng(3)
    x = rng.integers(0, 20, 1200)
    y = np.where((x > 5) & (x <= 12), 1, 0)
    m = fit(pd.DataFrame({"x": x}), y)
    assert m.rules_[0].conditions == (Condition("x", "in", pd.Interval(5, 12, closed="right")),)
    assert str(m).splitlines()[0] == "IF x in (5, 12] THEN 1"


# --------------------------------------------------------------- oracles
def _setup(X, y_pos, max_bins=8):
    schema, Z = check_fit_X(None, X)
    binning = Binning.fit(Z, schema, max_bins)
    B = binning.transform(Z)
    cands = _Candidates(binning)
    Boff = (B + cands.offset[None, :]).astype(np.int32)
    return binning, B, Boff, cands


@pytest.fixture(scope="module")
def mixed():
    rng = np.random.default_rng(5)
    n = 400
    X = pd.DataFrame({"num": rng.normal(size=n).round(1), "cat": rng.choice(["p", "q", "r"], n),
                      "gap": np.where(rng.random(n) < 0.2, np.nan, rng.integers(0, 5, n))})
    pos = ((X.num > 0.3) & (X.cat != "r")) | X.gap.isna()
    pos = np.where(rng.random(n) < 0.9, pos, ~pos)
    return X, np.asarray(pos, dtype=bool)


def test_candidate_counts_match_conditions_evaluated_on_raw_data(mixed):
    X, pos = mixed
    binning, B, Boff, cands = _setup(X, pos)
    rows = np.nonzero(pos)[0]
    counts = cands.counts(Boff, rows)
    for i in range(cands.j.size):
        cond = binning.range_condition(int(cands.j[i]), int(cands.a[i]), int(cands.b[i]))
        brute = int(cond.evaluate(X[cond.feature].to_numpy())[rows].sum())
        assert counts[i] == brute, cond


def test_first_grown_condition_has_the_largest_foil_gain(mixed):
    X, pos = mixed
    binning, B, Boff, cands = _setup(X, pos)
    rows = np.arange(len(X))
    seq = _grow(B, Boff, pos, rows, cands, max_conditions=1, min_support=1)
    p0, n0 = pos.sum(), (~pos).sum()
    best, best_gain = None, -np.inf
    for i in range(cands.j.size):  # brute force over every candidate condition
        cond = binning.range_condition(int(cands.j[i]), int(cands.a[i]), int(cands.b[i]))
        hit = cond.evaluate(X[cond.feature].to_numpy())
        p1, n1 = pos[hit].sum(), (~pos[hit]).sum()
        if p1 == 0 or p1 + n1 == p0 + n0:
            continue
        g = p1 * (np.log2(p1 / (p1 + n1)) - np.log2(p0 / (p0 + n0)))
        if g > best_gain:
            best, best_gain = i, g
    assert seq == [best]


def test_foil_gain_formula():
    got = _foil_gain(np.array([10, 0, 5]), np.array([0, 3, 5]), 20, 20)
    np.testing.assert_allclose(got[[0, 2]], [10 * (0 - np.log2(0.5)), 5 * (np.log2(0.5) - np.log2(0.5))],
                               rtol=1e-12, atol=1e-12)
    assert got[1] == -np.inf


def test_pruning_keeps_the_best_prefix_by_p_minus_n_over_p_plus_n(mixed):
    X, pos = mixed
    binning, B, Boff, cands = _setup(X, pos)
    rows = np.arange(len(X))
    seq = _grow(B, Boff, pos, rows[::2], cands, max_conditions=10, min_support=1)
    assert len(seq) >= 2
    prune_rows = rows[1::2]
    kept, precision = _prune(B, pos, prune_rows, cands, seq)
    values = []
    for k in range(1, len(seq) + 1):  # brute force with the readable conditions
        conds = [binning.range_condition(j, a, b) for j, (a, b) in _ranges(cands, seq[:k]).items()]
        hit = np.ones(len(X), dtype=bool)
        for c in conds:
            hit &= c.evaluate(X[c.feature].to_numpy())
        hit = hit[prune_rows]
        p, n = pos[prune_rows][hit].sum(), (~pos[prune_rows])[hit].sum()
        values.append((p - n) / (p + n) if p + n else -np.inf)
    k_best = int(np.argmax(values)) + 1
    assert kept == seq[:k_best]


# ------------------------------------------------------------- behaviour
def test_rules_reproduce_predictions_on_the_raw_frame(german):
    X, y = german
    m = fit(X, y)
    pred = np.empty(len(X), dtype=object)
    open_ = np.ones(len(X), dtype=bool)
    for r in m.rules_:
        hit = r.covers(X) & open_
        pred[hit] = r.prediction
        open_ &= ~hit
    np.testing.assert_array_equal(pred, m.predict(X))
    assert m.score(X, y) > 0.7


def test_same_seed_same_list_and_seed_is_recorded(german):
    X, y = german
    a, b = fit(X, y, random_state=7), fit(X, y, random_state=7)
    assert a.rules_ == b.rules_ and a.seed_ == 7
    c = RuleList(progress=False).fit(X, y)
    assert fit(X, y, random_state=c.seed_).rules_ == c.rules_


def test_missingness_can_be_a_rule():
    rng = np.random.default_rng(2)
    n = 800
    m_col = rng.normal(size=n)
    y = np.where(rng.random(n) < 0.3, 1, 0)
    m_col[y == 1] = np.nan
    X = pd.DataFrame({"m": m_col, "other": rng.normal(size=n)})
    model = fit(X, y)
    assert model.rules_[0].conditions == (Condition("m", "is missing"),)
    assert model.score(X, y) == 1.0


def test_unseen_categories_fall_through_to_the_default(planted):
    X, y = planted
    m = fit(X, y)
    new = pd.DataFrame({"a": [8, 0], "b": ["w", "w"], "noise": [0.0, 0.0]})
    pred = m.predict(new)
    assert pred[0] == "no"  # 'w' satisfies no b=x test: the a > 6 AND b=x rule cannot fire
    assert pred[1] == "yes"  # a <= 1 still fires


def test_limits_are_respected(german):
    X, y = german
    m = fit(X, y, max_rules=2, max_conditions=1)
    assert m.n_rules_ <= 2 and all(r.length <= 1 for r in m.rules_)
    assert m.average_rule_length_ <= 1


def test_multiclass_numpy_input():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    m = fit(X, y)
    assert m.classes_.tolist() == [0, 1, 2]
    assert m.score(X, y) > 0.9
    P = m.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(m.classes_[P.argmax(axis=1)], m.predict(X))


def test_bad_parameters():
    X, y = np.arange(30.0)[:, None], np.arange(30) % 2
    with pytest.raises(ValueError, match="prune_fraction must be below 1"):
        fit(X, y, prune_fraction=1.0)
    with pytest.raises(ValueError, match="max_bins must be an integer >= 2"):
        fit(X, y, max_bins=1)
    with pytest.raises(ValueError, match="max_rules"):
        fit(X, y, max_rules=0)


@settings(max_examples=12, deadline=None)
@given(seed=st.integers(0, 10_000), n=st.integers(20, 200))
def test_invariant_to_increasing_transforms(seed, n):
    """Cut points are data quantiles: an increasing transform of the features moves the thresholds with the
    data and changes no decision (same seed, same grow / prune splits)."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 3)).round(2)
    y = np.where(X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=n) > 0, "a", "b")
    if np.unique(y).size < 2:
        return
    m = fit(X, y, random_state=seed)
    Xt = np.column_stack([np.exp(X[:, 0]), 2 * X[:, 1] + 1, X[:, 2] ** 3])
    mt = fit(Xt, y, random_state=seed)
    assert [r.prediction for r in mt.rules_] == [r.prediction for r in m.rules_]
    assert [[c.feature for c in r.conditions] for r in mt.rules_] == [[c.feature for c in r.conditions]
                                                                      for r in m.rules_]
    np.testing.assert_array_equal(mt.predict(Xt), m.predict(X))
    np.testing.assert_allclose(mt.predict_proba(Xt), m.predict_proba(X), rtol=1e-12)
