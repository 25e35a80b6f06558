"""Bayesian rule lists against brute force: the posterior, its maximum, the sampler's stationary law, mining."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln

from unboxed.rules import BayesianRuleList, Condition
from unboxed.rules._base import check_fit_X, check_classification_target
from unboxed.rules.brl import _chain, build_problem, mine_itemsets, pack_rows, popcount_rows, proposal_weights

FAST = dict(n_iter=3000, n_chains=2, progress=False)


def fit(X, y, **kw):
    kw.setdefault("random_state", 0)
    return BayesianRuleList(**{**FAST, **kw}).fit(X, y)


def problem(X, y, **kw):
    schema, Z = check_fit_X(None, X)
    classes, y_idx, _ = check_classification_target(y, Z.shape[0])
    params = dict(min_support=0.1, max_cardinality=2, max_bins=4, list_length_prior=3.0, list_width_prior=1.0,
                  alpha=np.ones(classes.size))
    params.update(kw)
    return build_problem(Z, y_idx, schema, classes.size, **params), y_idx


def masks_of(X, antecedents):
    """Rows each antecedent covers, from its conditions evaluated on the raw frame."""
    out = []
    for a in antecedents:
        hit = np.ones(len(X), dtype=bool)
        for c in a:
            hit &= c.evaluate(X[c.feature].to_numpy())
        out.append(hit)
    return out


def brute_log_posterior(X, y_idx, antecedents, d, lam, eta, alpha, max_card, masks=None):
    """The paper's log prior + log likelihood, computed directly from the conditions on the raw frame."""
    masks = masks_of(X, antecedents) if masks is None else masks
    R = len(antecedents)
    card = [len(a) for a in antecedents]
    log_pois = lambda k, mu: k * np.log(mu) - mu - gammaln(k + 1)  # noqa: E731
    lp = log_pois(len(d), lam) - np.logaddexp.reduce([log_pois(m, lam) for m in range(R + 1)])
    remaining = {c: card.count(c) for c in range(1, max_card + 1)}
    for r in d:
        avail = [c for c in remaining if remaining[c] > 0]
        lp += log_pois(card[r], eta) - np.logaddexp.reduce([log_pois(c, eta) for c in avail])
        lp += -np.log(remaining[card[r]])
        remaining[card[r]] -= 1
    open_ = np.ones(len(X), dtype=bool)
    K = alpha.size
    for r in list(d) + [None]:
        hit = open_.copy()
        if r is not None:
            hit &= masks[r]
        N = np.bincount(y_idx[hit], minlength=K)
        lp += gammaln(alpha.sum()) - gammaln(alpha.sum() + N.sum()) + np.sum(gammaln(alpha + N) - gammaln(alpha))
        open_ &= ~hit
    return lp


@pytest.fixture(scope="module")
def small():
    rng = np.random.default_rng(3)
    n = 300
    X = pd.DataFrame({"a": rng.choice(["p", "q"], n), "b": rng.choice(["r", "s"], n),
                      "x": rng.integers(0, 6, n).astype(float)})
    logit = 1.5 * (X.a == "p") - 1.2 * (X.b == "s") + 0.4 * X.x - 1
    y = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    return X, y


# -------------------------------------------------------------- posterior
@pytest.mark.parametrize("lam, eta", [(3.0, 1.0), (1.0, 2.5)])
def test_log_posterior_matches_brute_force(small, lam, eta):
    X, y = small
    prob, y_idx = problem(X, y, list_length_prior=lam, list_width_prior=eta, alpha=np.array([1.0, 2.0]))
    R = len(prob.antecedents)
    assert R > 10 and set(prob.card.tolist()) == {1, 2}
    rng = np.random.default_rng(0)
    for _ in range(20):
        d = rng.permutation(R)[: rng.integers(0, 6)]
        got = prob.log_posterior(d)
        want = brute_log_posterior(X, y_idx, prob.antecedents, d, lam, eta, np.array([1.0, 2.0]), 2)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-9)


def _tiny():
    rng = np.random.default_rng(4)
    n = 400
    X = pd.DataFrame({"a": rng.choice(["p", "q"], n, p=[0.7, 0.3]), "b": rng.choice(["r", "s"], n, p=[0.6, 0.4]),
                      "c": rng.choice(["t", "u"], n, p=[0.75, 0.25])})
    y = np.where(((X.a == "p") & (X.b == "r")) ^ (rng.random(n) < 0.1), 1, 0)
    return X, y


def test_map_list_is_the_brute_force_maximum():
    X, y = _tiny()
    params = dict(min_support=0.65, max_cardinality=2)
    prob, y_idx = problem(X, y, **params)
    R = len(prob.antecedents)
    assert R == 6 and set(prob.card.tolist()) == {1, 2}
    lists = [d for m in range(R + 1) for d in itertools.permutations(range(R), m)]
    alpha = np.ones(2)
    masks = masks_of(X, prob.antecedents)
    scores = [brute_log_posterior(X, y_idx, prob.antecedents, d, 3.0, 1.0, alpha, 2, masks) for d in lists]
    best = lists[int(np.argmax(scores))]
    model = fit(X, y, **params, n_iter=4000)
    assert [r.conditions for r in model.rules_[:-1]] == [prob.antecedents[r] for r in best]
    np.testing.assert_allclose(model.log_posterior_, max(scores), rtol=1e-10)


def _small_posterior_problem():
    rng = np.random.default_rng(9)
    n = 40  # few rows: a flat posterior the chain explores widely
    X = pd.DataFrame({"a": rng.choice(["p", "q"], n, p=[0.7, 0.3]), "b": rng.choice(["r", "s"], n, p=[0.6, 0.4]),
                      "c": rng.choice(["t", "u"], n, p=[0.75, 0.25])})
    y = rng.integers(0, 2, n)
    return problem(X, y, min_support=0.5, max_cardinality=1)


@pytest.mark.parametrize("weighted", [False, True])
def test_sampler_stationary_law_on_a_flat_posterior(weighted):
    """Uniform add proposals (the paper's) and weighted ones must both leave the posterior invariant."""
    prob, _ = _small_posterior_problem()
    if weighted:
        prob.weights = np.geomspace(0.2, 8.0, len(prob.antecedents))
    R = len(prob.antecedents)
    lists = [d for m in range(R + 1) for d in itertools.permutations(range(R), m)]
    logp = np.array([prob.log_posterior(d) for d in lists])
    post = np.exp(logp - logp.max())
    post /= post.sum()
    assert post.max() < 0.5  # many lists carry weight: the Hastings ratios matter
    u = np.random.default_rng(1).random((300_000, 4))
    *_, trace = _chain(**prob.arrays(), init=np.empty(0, dtype=np.int64), u=u, record=True)
    base = (R + 1) ** np.arange(R + 1)
    code = lambda rows: ((np.asarray(rows) + 1) * base[: np.asarray(rows).shape[-1]]).sum(axis=-1)  # noqa: E731
    list_codes = np.array([code(list(d) + [-1] * (R + 1 - len(d))) for d in lists])
    visited = code(trace[10_000:])
    visits = np.array([(visited == c).sum() for c in list_codes], dtype=float)
    assert visits.sum() == visited.size  # every state is a valid list
    np.testing.assert_allclose(visits / visits.sum(), post, atol=0.01)


# ----------------------------------------------------------------- mining
def test_mining_matches_brute_force_enumeration():
    rng = np.random.default_rng(6)
    n, m = 300, 10
    items = rng.random((m, n)) < rng.uniform(0.2, 0.7, size=(m, 1))
    feature = np.repeat(np.arange(5), 2)  # pairs of items share a feature
    y = rng.integers(0, 3, n)
    cls = pack_rows(y[None, :] == np.arange(3)[:, None])
    got = mine_itemsets(pack_rows(items), feature, cls, np.bincount(y, minlength=3), 0.15, 3)
    want = []
    for c in range(1, 4):
        for s in itertools.combinations(range(m), c):
            if len(set(feature[list(s)])) < c:
                continue
            cover = items[list(s)].all(axis=0)
            if any(cover[y == k].sum() >= np.ceil(0.15 * (y == k).sum()) for k in range(3)):
                want.append(s)
    assert got == want


def test_proposal_weights_rank_antecedents_by_how_well_they_split_the_classes():
    y = np.array([0] * 50 + [1] * 50)
    covers = pack_rows(np.stack([y == 1, np.arange(100) % 2 == 0, np.arange(100) < 60]))
    cls = pack_rows(np.stack([y == 0, y == 1]))
    w = proposal_weights(covers, cls, np.ones(2), 1.0)
    np.testing.assert_allclose(w, [3.0, 1.0, 1.5], rtol=1e-12)  # (R / rank): perfect split, noise, partial
    np.testing.assert_array_equal(proposal_weights(covers, cls, np.ones(2), 0.0), np.ones(3))


def test_popcount_and_packing():
    rng = np.random.default_rng(7)
    mask = rng.random((5, 200)) < 0.3
    np.testing.assert_array_equal(popcount_rows(pack_rows(mask)), mask.sum(axis=1))


# --------------------------------------------------------------- the model
@pytest.fixture(scope="module")
def planted():
    rng = np.random.default_rng(10)
    n = 2000
    X = pd.DataFrame({"a": rng.choice(["p", "q"], n), "b": rng.choice(["r", "s"], n),
                      "c": rng.choice(["t", "u", "v"], n), "noise": rng.normal(size=n)})
    p1 = np.select([(X.a == "p") & (X.b == "r"), X.c == "t"], [0.97, 0.03], 0.9)
    y = np.where(rng.random(n) < p1, "yes", "no")
    return X, y


def test_planted_rule_list_is_recovered(planted):
    X, y = planted
    m = fit(X, y, n_iter=5000)
    assert [frozenset(r.conditions) for r in m.rules_] == [
        frozenset({Condition("a", "==", "p"), Condition("b", "==", "r")}),
        frozenset({Condition("c", "==", "t")}),
        frozenset(),
    ]
    assert [r.prediction for r in m.rules_] == ["yes", "no", "yes"]


def test_rule_probabilities_are_posterior_predictive(planted):
    X, y = planted
    m = fit(X, y, n_iter=5000, alpha=[2.0, 0.5])
    open_ = np.ones(len(X), dtype=bool)
    alpha = np.array([2.0, 0.5])
    for r in m.rules_:
        hit = r.covers(X) & open_
        N = np.array([(y[hit] == c).sum() for c in m.classes_])
        np.testing.assert_allclose(r.probabilities, (alpha + N) / (alpha.sum() + N.sum()), rtol=1e-12)
        assert r.support == hit.sum()
        open_ &= ~hit
    P = m.predict_proba(X)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)


def test_same_seed_same_list(small):
    X, y = small
    a, b = fit(X, y, random_state=3), fit(X, y, random_state=3)
    assert a.rules_ == b.rules_ and a.log_posterior_ == b.log_posterior_
    assert a.seed_ == 3


def test_more_chains_never_lower_the_posterior(small):
    X, y = small
    one = fit(X, y, n_chains=1)
    three = fit(X, y, n_chains=3)
    assert three.log_posterior_ >= one.log_posterior_  # chain 0 is the same in both


def test_multiclass_numeric_and_missing():
    from sklearn.datasets import load_iris
    X, y = load_iris(return_X_y=True)
    X = X.copy()
    X[::7, 0] = np.nan
    m = fit(X, y, alpha=[1.0, 1.0, 1.0])
    assert m.classes_.tolist() == [0, 1, 2] and m.score(X, y) > 0.85
    assert any(c.op == "is missing" for a in m.antecedents_ for c in a)
    with pytest.raises(ValueError, match="alpha must be a positive number or 3 positive numbers"):
        fit(X, y, alpha=[1.0, 1.0])


def test_no_frequent_antecedent_gives_the_default_only():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"id": [f"c{i}" for i in range(50)]})
    y = rng.integers(0, 2, 50)
    m = fit(X, y)
    assert len(m.rules_) == 1 and m.rules_[0].is_default and m.antecedents_ == []


def test_bad_parameters(small):
    X, y = small
    with pytest.raises(ValueError, match="min_support"):
        fit(X, y, min_support=0)
    with pytest.raises(ValueError, match="list_length_prior must be a positive number"):
        fit(X, y, list_length_prior=0)
    with pytest.raises(ValueError, match="n_iter"):
        fit(X, y, n_iter=0)
