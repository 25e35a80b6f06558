"""KernelShap: exact with the full budget, converges to exact values, calibrated standard errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from unboxed.shapley.exact import ExactShap
from unboxed.shapley.kernel import KernelShap, _allocate, _strata, _unrank, _walsh_coefficients


def game(d):
    """A black box with interactions of order 2 and 3 and two outputs."""
    d = np.asarray(d, dtype=float)
    a = np.sin(d[:, 0] * d[:, 1]) + d[:, 2] * d[:, 3] * d[:, 4] + np.abs(d[:, 5] - d[:, 6]) + 0.5 * d[:, 7]
    b = np.tanh(d[:, 0] + d[:, 7] * d[:, 6]) + d[:, 1] * d[:, 2]
    return np.column_stack([a, b])


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 8))
    bg, rows = X[:15], X[100:130]
    exact = ExactShap(game, bg, progress=False).explain(rows)
    return bg, rows, exact


def rel_err(a, exact):
    return np.mean(np.sum((a.values - exact.values) ** 2, axis=(1, 2)) / np.sum(exact.values**2, axis=(1, 2)))


def test_full_budget_is_exact(setup):
    bg, rows, exact = setup
    for paired, sampling, adj in ((True, "leverage", "auto"), (False, "kernel", "quadratic"),
                                  (True, "kernel", "linear")):
        a = KernelShap(game, bg, max_evals=254, paired=paired, sampling=sampling, adjustment=adj,
                       random_state=0, progress=False).explain(rows[:4])
        np.testing.assert_allclose(a.values, exact.values[:4], rtol=0, atol=1e-10)
        np.testing.assert_array_equal(a.stderr, 0.0)


def test_converges_and_satisfies_efficiency(setup):
    bg, rows, exact = setup
    errs = []
    for budget in (20, 60, 160):
        a = KernelShap(game, bg, max_evals=budget, random_state=1, progress=False).explain(rows)
        np.testing.assert_allclose(a.total, game(rows), rtol=0, atol=1e-10)  # efficiency, always exact
        errs.append(rel_err(a, exact))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.02 * errs[0]


@pytest.mark.parametrize("kw", [{}, {"adjustment": "linear"}, {"paired": False}])
def test_stderr_coverage(setup, kw):
    """About 95% of the true errors lie within 1.96 standard errors (tolerance for 480 values)."""
    bg, rows, exact = setup
    z = []
    for seed in range(2):
        a = KernelShap(game, bg, max_evals=60, random_state=seed, progress=False, **kw).explain(rows)
        err, se = (a.values - exact.values).ravel(), a.stderr.ravel()
        exact_part = se < 1e-9
        np.testing.assert_allclose(err[exact_part], 0.0, atol=1e-9)
        z.append(err[~exact_part] / se[~exact_part])
    z = np.concatenate(z)
    assert 0.88 <= np.mean(np.abs(z) < 1.96) <= 0.995


def test_leverage_regression_adjusted_beats_plain_sampling(setup):
    bg, rows, exact = setup
    ours = np.mean([rel_err(KernelShap(game, bg, max_evals=120, random_state=s, progress=False).explain(rows),
                            exact) for s in range(2)])
    plain = np.mean([rel_err(KernelShap(game, bg, max_evals=120, random_state=s, progress=False,
                                        sampling="kernel", adjustment="linear", paired=False).explain(rows),
                             exact) for s in range(2)])
    assert ours < plain


def test_tol_stops_early(setup):
    bg, rows, exact = setup
    full = KernelShap(game, bg, max_evals=200, random_state=0, progress=False).explain(rows[:5])
    early = KernelShap(game, bg, max_evals=200, tol=0.05, random_state=0, progress=False).explain(rows[:5])
    assert early.provenance.n_evals < full.provenance.n_evals
    assert np.all(early.stderr <= 0.05)
    np.testing.assert_allclose(early.total, game(rows[:5]), atol=1e-10)


def test_same_seed_same_answer_on_every_backend(setup, dask_client):
    bg, rows, _ = setup
    kw = dict(max_evals=40, random_state=7, progress=False)
    local = KernelShap(game, bg, **kw).explain(rows[:6])
    again = KernelShap(game, bg, **kw).explain(rows[:6])
    np.testing.assert_array_equal(local.values, again.values)
    assert local.provenance.random_state == 7
    for backend in ("processes", dask_client):
        other = KernelShap(game, bg, backend=backend, **kw).explain(rows[:6])
        np.testing.assert_allclose(other.values, local.values, rtol=0, atol=1e-12)
        np.testing.assert_allclose(other.stderr, local.stderr, rtol=0, atol=1e-12)
    # a row's answer does not depend on the other rows explained with it
    one = KernelShap(game, bg, **kw).explain(rows[:1])
    np.testing.assert_allclose(one.values[0], local.values[0], atol=1e-12)


def test_dummy_features_get_exact_zero():
    rng = np.random.default_rng(3)
    bg = rng.normal(size=(10, 6))
    bg[:, 4] = 2.0
    x = rng.normal(size=(3, 6))
    x[:, 4] = 2.0
    with pytest.warns(UserWarning, match="single value"):
        ks = KernelShap(lambda d: d[:, 0] * d[:, 1] + d[:, 4] * d[:, 2] + d[:, 3] * d[:, 5], bg, max_evals=14,
                        random_state=0, progress=False)
    a = ks.explain(x)
    assert np.all(a.values[:, 4] == 0.0) and np.all(a.stderr[:, 4] == 0.0)


def test_never_drops_features_and_budget_checks(setup):
    bg, rows, exact = setup
    a = KernelShap(game, bg, max_evals=18, random_state=0, progress=False).explain(rows[:3])
    assert np.all(a.values != 0.0)  # no L1 selection
    with pytest.raises(ValueError, match="too small.*at least"):
        KernelShap(game, bg, max_evals=17)
    with pytest.raises(TypeError, match="max_evals"):
        KernelShap(game, bg, max_evals=2.5)
    with pytest.raises(ValueError, match="max_evals"):
        KernelShap(game, bg, max_evals="many")
    with pytest.raises(ValueError, match="sampling"):
        KernelShap(game, bg, sampling="uniform")
    with pytest.raises(ValueError, match="tol"):
        KernelShap(game, bg, tol=-1.0)
    with pytest.raises(TypeError, match="paired"):
        KernelShap(game, bg, paired="yes")
    ks = KernelShap(game, bg, progress=False)
    assert ks.max_evals_ == 254  # auto: every coalition when there are fewer than the default budget


def test_groups_equal_exact_grouped_game(setup):
    bg, rows, _ = setup
    groups = {"ab": [0, 1], "cde": [2, 3, 4]}
    ex = ExactShap(game, bg, groups=groups, progress=False).explain(rows[:4])
    ks = KernelShap(game, bg, groups=groups, max_evals=30, random_state=0, progress=False).explain(rows[:4])
    assert ks.feature_names == ("ab", "cde", "x5", "x6", "x7")
    np.testing.assert_allclose(ks.values, ex.values, rtol=0, atol=1e-10)  # all 2^5 - 2 coalitions: exact
    with pytest.warns(UserWarning, match="not available"):  # 6 pairs for 5 players: no error estimate
        few = KernelShap(game, bg, groups=groups, max_evals=12, random_state=0, progress=False).explain(rows[:4])
    np.testing.assert_allclose(few.total, ex.total, atol=1e-10)
    assert np.isnan(few.stderr).all()
    some = KernelShap(game, bg, groups=groups, max_evals=20, random_state=0, progress=False).explain(rows[:4])
    assert np.all(np.abs(some.values - ex.values) <= 5 * some.stderr + 1e-9)


def test_dataframe_pipeline_with_categories(german):
    from sklearn.compose import make_column_transformer
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder
    X, y = german
    X = X.iloc[:, :7]
    cat = X.select_dtypes("category").columns.tolist()
    pipe = make_pipeline(make_column_transformer((OneHotEncoder(handle_unknown="ignore"), cat),
                                                 remainder="passthrough"),
                         RandomForestClassifier(n_estimators=10, max_depth=4, random_state=0)).fit(X, y)
    rows = X.iloc[200:203]
    before = rows.copy()
    ex = ExactShap(pipe, X.iloc[:10], progress=False).explain(rows)
    ks = KernelShap(pipe, X.iloc[:10], max_evals=126, random_state=0, progress=False).explain(rows)
    pd.testing.assert_frame_equal(before, rows)
    np.testing.assert_allclose(ks.values, ex.values, rtol=0, atol=1e-10)
    assert ks.output_names == ("bad", "good") and ks.output_space == "proba"


def test_internals():
    # combination unranking enumerates every subset once, in order
    from itertools import combinations
    M = _unrank(np.arange(20), 6, 3)
    assert [tuple(np.nonzero(r)[0]) for r in M] == list(combinations(range(6), 3))
    # allocation spends the budget, keeps at least two units per stratum, never exceeds a stratum
    st = _strata(12, True)
    for budget in (26, 256, 2048, 4094):
        a = _allocate(st, budget, "leverage")
        cost = sum(int(x) * s["cost"] for x, s in zip(a, st))
        assert budget - 2 < cost <= budget
        assert all(0 < x <= s["N"] for x, s in zip(a, st))
    # projected Shapley values of Walsh terms: 2/t for odd t, 0 for even t
    np.testing.assert_allclose(_walsh_coefficients(10, 3), [0, 2, 0, 2 / 3], atol=1e-12)
