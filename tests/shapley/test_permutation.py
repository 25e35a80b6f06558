"""PermutationShap: efficiency per ordering, convergence to exact values, calibrated standard errors."""

from __future__ import annotations

import numpy as np
import pytest

from unboxed.shapley.exact import ExactShap
from unboxed.shapley.permutation import PermutationShap


def game(d):
    d = np.asarray(d, dtype=float)
    return np.column_stack([np.sin(d[:, 0] * d[:, 1]) + d[:, 2] * d[:, 3] * d[:, 4] + np.abs(d[:, 5]),
                            d[:, 0] - d[:, 5] * d[:, 2]])


@pytest.fixture(scope="module")
def setup():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 6))
    bg, rows = X[:12], X[50:80]
    return bg, rows, ExactShap(game, bg, progress=False).explain(rows)


def test_efficiency_and_convergence(setup):
    bg, rows, exact = setup
    errs = []
    for T in (4, 40, 400):
        a = PermutationShap(game, bg, n_permutations=T, random_state=0, progress=False).explain(rows)
        np.testing.assert_allclose(a.total, game(rows), rtol=0, atol=1e-10)
        errs.append(np.mean((a.values - exact.values) ** 2))
    assert errs[0] > errs[1] > errs[2]
    assert errs[2] < 0.05 * errs[0]


def test_stderr_coverage(setup):
    bg, rows, exact = setup
    z = []
    for seed in range(3):
        a = PermutationShap(game, bg, n_permutations=30, random_state=seed, progress=False).explain(rows)
        err, se = (a.values - exact.values).ravel(), a.stderr.ravel()
        exact_part = se < 1e-9  # pairwise and additive parts cancel exactly in antithetic pairs
        np.testing.assert_allclose(err[exact_part], 0.0, atol=1e-9)
        z.append(err[~exact_part] / se[~exact_part])
    z = np.concatenate(z)
    assert 0.88 <= np.mean(np.abs(z) < 1.96) <= 0.995


def test_backends_tol_and_arguments(setup, dask_client):
    bg, rows, _ = setup
    kw = dict(n_permutations=10, random_state=3, progress=False)
    local = PermutationShap(game, bg, **kw).explain(rows[:5])
    for backend in ("processes", dask_client):
        other = PermutationShap(game, bg, backend=backend, **kw).explain(rows[:5])
        np.testing.assert_allclose(other.values, local.values, rtol=0, atol=1e-12)
    plain = PermutationShap(game, bg, n_permutations=7, antithetic=False, random_state=0,
                            progress=False).explain(rows[:2])
    np.testing.assert_allclose(plain.total, game(rows[:2]), atol=1e-10)
    early = PermutationShap(game, bg, n_permutations=400, tol=0.05, random_state=0, progress=False).explain(rows[:3])
    assert early.provenance.n_evals < 400 * 5 * 12 * 3
    assert np.all(early.stderr <= 0.05)
    with pytest.raises(ValueError, match="even"):
        PermutationShap(game, bg, n_permutations=7)
    with pytest.raises(ValueError, match="at least 4"):
        PermutationShap(game, bg, n_permutations=2)
    with pytest.raises(TypeError, match="n_permutations"):
        PermutationShap(game, bg, n_permutations=3.0)
    with pytest.raises(ValueError, match="tol"):
        PermutationShap(game, bg, tol=0)


def test_groups_and_dummies(setup):
    bg, rows, _ = setup
    groups = {"a": [0, 1], "b": [2, 3, 4]}
    ex = ExactShap(game, bg, groups=groups, progress=False).explain(rows[:4])
    pe = PermutationShap(game, bg, groups=groups, n_permutations=2000, random_state=0,
                         progress=False).explain(rows[:4])
    assert pe.feature_names == ("a", "b", "x5")
    np.testing.assert_allclose(pe.values, ex.values, atol=6 * pe.stderr.max() + 1e-12)
    x = rows[:1].copy()
    x[0, 5] = bg[0, 5]
    b2 = bg.copy()
    b2[:, 5] = bg[0, 5]
    with pytest.warns(UserWarning, match="single value"):
        pe = PermutationShap(game, b2, n_permutations=4, random_state=0, progress=False)
    a = pe.explain(x)
    assert np.all(a.values[0, 5] == 0.0)


def test_few_samples_warn_and_early_stopping_waits_for_enough(setup):
    bg, rows, exact = setup
    # two antithetic pairs can agree by chance on a three-way interaction: a zero standard error
    with pytest.warns(UserWarning, match="2 antithetic pairs; standard errors from fewer than 20"):
        PermutationShap(game, bg, n_permutations=4, random_state=0, progress=False)
    # a huge tol is met at the first look, which comes only after 20 pairs (40 orderings)
    a = PermutationShap(game, bg, n_permutations=400, tol=10.0, random_state=0, progress=False).explain(rows[:3])
    n, m = 6, bg.shape[0]
    assert a.provenance.n_evals == m + 3 * (1 + 40 * (n - 1) * m)  # background once, then per row
