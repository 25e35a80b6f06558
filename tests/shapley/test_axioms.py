"""Shapley axioms on random small games (hypothesis): efficiency, symmetry, dummy, linearity."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from unboxed.shapley.exact import ExactShap
from unboxed.shapley.kernel import KernelShap
from unboxed.shapley.linear import LinearShap
from unboxed.shapley.permutation import PermutationShap

SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


class Poly:
    """f(x) = a.x + sum_{i<j} B_ij x_i x_j + c x_0 x_1 x_2 + sin(d . x), from random coefficients."""

    def __init__(self, rng: np.random.Generator, p: int, unused: int | None = None, symmetric: bool = False):
        self.a = rng.normal(size=p)
        B = np.triu(rng.normal(size=(p, p)), 1)
        self.c = rng.normal() if p >= 3 else 0.0
        self.d = rng.normal(size=p) * 0.5
        if symmetric:  # invariant under swapping x0 and x1
            self.a[1] = self.a[0]
            self.d[1] = self.d[0]
            B[1, 2:] = B[0, 2:]
        if unused is not None:
            self.a[unused] = 0.0
            self.d[unused] = 0.0
            B[unused, :] = 0.0
            B[:, unused] = 0.0
            if unused < 3:
                self.c = 0.0
        self.B = B

    def __call__(self, X):
        X = np.asarray(X, dtype=float)
        out = X @ self.a + np.einsum("ni,ij,nj->n", X, self.B, X) + np.sin(X @ self.d)
        if X.shape[1] >= 3:
            out = out + self.c * X[:, 0] * X[:, 1] * X[:, 2]
        return out


games = st.tuples(st.integers(2, 5), st.integers(1, 6), st.integers(0, 2**31 - 1))


def _data(p, m, seed):
    rng = np.random.default_rng(seed)
    return rng, rng.normal(size=(m, p)), rng.normal(size=(2, p))


@SETTINGS
@given(games)
def test_efficiency(game):
    p, m, seed = game
    rng, bg, x = _data(p, m, seed)
    f = Poly(rng, p)
    expected = f(x) - f(bg).mean()
    for ex in (ExactShap(f, bg, progress=False),
               PermutationShap(f, bg, n_permutations=4, random_state=seed, progress=False)):
        attr = ex.explain(x)
        np.testing.assert_allclose(attr.values[..., 0].sum(axis=1), expected, rtol=0, atol=1e-9)
    if 2 ** p - 2 >= 2 * (p + 1):
        attr = KernelShap(f, bg, max_evals=2 * (p + 1), random_state=seed, progress=False).explain(x)
        np.testing.assert_allclose(attr.values[..., 0].sum(axis=1), expected, rtol=0, atol=1e-9)


@SETTINGS
@given(games)
def test_symmetry(game):
    p, m, seed = game
    rng, bg, x = _data(p, m, seed)
    f = Poly(rng, p, symmetric=True)
    bg[:, 1] = bg[:, 0]
    x[:, 1] = x[:, 0]
    attr = ExactShap(f, bg, progress=False).explain(x)
    np.testing.assert_allclose(attr.values[:, 0], attr.values[:, 1], rtol=0, atol=1e-9)
    full = KernelShap(f, bg, max_evals=2 ** p - 2, random_state=seed, progress=False).explain(x)
    np.testing.assert_allclose(full.values, attr.values, rtol=0, atol=1e-9)


@SETTINGS
@given(games, st.integers(0, 4))
def test_dummy(game, which):
    p, m, seed = game
    which = which % p
    rng, bg, x = _data(p, m, seed)
    f = Poly(rng, p, unused=which)
    attr = ExactShap(f, bg, progress=False).explain(x)
    np.testing.assert_allclose(attr.values[:, which], 0.0, atol=1e-9)
    attr = PermutationShap(f, bg, n_permutations=4, random_state=seed, progress=False).explain(x)
    np.testing.assert_allclose(attr.values[:, which], 0.0, atol=1e-12)  # no change in any ordering


@SETTINGS
@given(games, st.floats(-3, 3))
def test_linearity(game, alpha):
    p, m, seed = game
    rng, bg, x = _data(p, m, seed)
    f, g = Poly(rng, p), Poly(rng, p)

    def h(X):
        return alpha * f(X) + g(X)

    phi_f = ExactShap(f, bg, progress=False).explain(x).values
    phi_g = ExactShap(g, bg, progress=False).explain(x).values
    phi_h = ExactShap(h, bg, progress=False).explain(x).values
    np.testing.assert_allclose(phi_h, alpha * phi_f + phi_g, rtol=0, atol=1e-9)
    # the sampled estimators are linear in the game too, for the same random coalitions
    if 2 ** p - 2 >= 2 * (p + 1):
        ks = [KernelShap(fn, bg, max_evals=2 * (p + 1), random_state=1, progress=False, adjustment="linear")
              .explain(x).values for fn in (f, g, h)]
        np.testing.assert_allclose(ks[2], alpha * ks[0] + ks[1], rtol=0, atol=1e-8)


@SETTINGS
@given(st.integers(1, 5), st.integers(1, 8), st.integers(0, 2**31 - 1))
def test_linear_model_closed_form(p, m, seed):
    from sklearn.linear_model import LinearRegression
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(max(m, p + 2), p))
    model = LinearRegression().fit(X, rng.normal(size=X.shape[0]))
    x = rng.normal(size=(2, p))
    attr = LinearShap(model, X).explain(x)
    np.testing.assert_allclose(attr.values[..., 0], model.coef_ * (x - X.mean(axis=0)), rtol=0, atol=1e-9)
    np.testing.assert_allclose(attr.total[:, 0], model.predict(x), rtol=0, atol=1e-9)
