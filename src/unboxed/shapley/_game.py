"""The coalition value engine shared by the model-agnostic Shapley estimators.

For a row ``x`` and a coalition ``S`` of players, the interventional value is

    v(S) = sum_b w_b f(x_S, b_{not S})

over background rows ``b`` with weights ``w`` (summing to one): the columns of
the players in ``S`` take the row's values, the others the background's. The
engine builds the masked rows of many coalitions (and many rows) as one
encoded matrix, calls the model once per memory-bounded batch, and reduces
over the background with the weights. :class:`ShapleyExplainer` holds what
every estimator shares: the model function, the background, the players, the
base value E[f(background)], chunking over rows and the result.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numba
import numpy as np

from .._model import ModelFunction, prepare, provenance
from .._parallel import chunk_slices, map_chunks, rows_per_chunk
from .._results import Attribution
from .._validation import check_random_state
from ._groups import Players, resolve_players
from .background import Background, as_background

__all__ = ["ShapleyExplainer", "coalition_values", "shapley_weights", "comb", "dummy_players",
           "MAX_MODEL_ROWS"]

#: Rows handed to the model in one call when evaluating coalitions.
MAX_MODEL_ROWS = 2**18


def comb(n: int, k: int) -> int:
    """Binomial coefficient, 0 outside 0 <= k <= n."""
    if k < 0 or n < 0 or k > n:
        return 0
    return math.comb(n, k)


def shapley_weights(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights of v(S) in the Shapley value of a player in / not in S, by |S|.

    Returns ``(w_in, w_out)`` of length n + 1: ``phi_i = sum_S [i in S] w_in[|S|] v(S)
    - [i not in S] w_out[|S|] v(S)`` with ``w_in[s] = (s-1)!(n-s)!/n!`` and
    ``w_out[s] = s!(n-s-1)!/n!``.
    """
    w_in = np.zeros(n + 1)
    w_out = np.zeros(n + 1)
    for s in range(n + 1):
        if s >= 1:
            w_in[s] = 1.0 / (n * comb(n - 1, s - 1))
        if s <= n - 1:
            w_out[s] = 1.0 / (n * comb(n - 1, s))
    return w_in, w_out


def dummy_players(X: np.ndarray, Zb: np.ndarray, w: np.ndarray, owner: np.ndarray, n_players: int) -> np.ndarray:
    """Players whose columns equal every (weighted) background row, per row: bool (r, n_players).

    Such a player never changes v(S), so its Shapley value is exactly zero.
    """
    B = Zb[w > 0]
    eq = (B[None, :, :] == X[:, None, :]) | (np.isnan(B)[None, :, :] & np.isnan(X)[:, None, :])
    col_same = eq.all(axis=1)  # (r, p)
    out = np.ones((X.shape[0], n_players), dtype=bool)
    for i in range(n_players):
        out[:, i] = col_same[:, owner == i].all(axis=1)
    return out


@numba.njit(cache=True, nogil=True)
def _fill_masked(out, pos, x, Zb, masks):  # pragma: no cover - compiled
    """out[pos + a*m + b, j] = x[j] if masks[a, j] else Zb[b, j]."""
    c, p = masks.shape
    m = Zb.shape[0]
    for a in range(c):
        base = pos + a * m
        for b in range(m):
            for j in range(p):
                out[base + b, j] = x[j] if masks[a, j] else Zb[b, j]


def coalition_values(f: ModelFunction, X: np.ndarray, col_masks: list[np.ndarray], Zb: np.ndarray,
                     w: np.ndarray, *, max_rows: int = MAX_MODEL_ROWS) -> tuple[list[np.ndarray], int]:
    """Interventional values of coalitions for several rows, with few model calls.

    Parameters
    ----------
    f : ModelFunction
    X : ndarray (r, p)
        Encoded rows.
    col_masks : list of r boolean arrays (c_i, p)
        Column masks of the coalitions of each row (True: the row's value).
    Zb : ndarray (m, p)
        Encoded background rows.
    w : ndarray (m,)
        Background weights, summing to one.
    max_rows : int
        Model rows built and evaluated at once (memory bound).

    Returns
    -------
    values : list of r arrays (c_i, k)
    n_evals : int
        Model rows evaluated.
    """
    m, p = Zb.shape
    per_batch = max(1, max_rows // m)  # coalitions per model call
    pieces: list[tuple[int, int, int]] = []  # (row, start, stop) of its coalitions
    for i, M in enumerate(col_masks):
        c = M.shape[0]
        for s in range(0, c, per_batch):
            pieces.append((i, s, min(c, s + per_batch)))
    out = [np.empty((M.shape[0], 0)) for M in col_masks]
    parts: list[list[np.ndarray]] = [[] for _ in col_masks]
    n_evals = 0
    batch: list[tuple[int, int, int]] = []
    size = 0

    def flush() -> int:
        if not batch:
            return 0
        rows = sum((b - a) * m for _, a, b in batch)
        big = np.empty((rows, p))
        pos = 0
        for i, a, b in batch:
            _fill_masked(big, pos, X[i], Zb, np.ascontiguousarray(col_masks[i][a:b]))
            pos += (b - a) * m
        Y = f(big)
        k = Y.shape[1]
        pos = 0
        for i, a, b in batch:
            c = b - a
            Yi = Y[pos:pos + c * m].reshape(c, m, k)
            parts[i].append(np.einsum("cmk,m->ck", Yi, w))
            pos += c * m
        return Y.shape[0]

    for piece in pieces:
        c = piece[2] - piece[1]
        if size + c > per_batch and batch:
            n_evals += flush()
            batch, size = [], 0
        batch.append(piece)
        size += c
    n_evals += flush()
    for i in range(len(col_masks)):
        if parts[i]:
            out[i] = np.concatenate(parts[i], axis=0)
    return out, n_evals


class ShapleyExplainer:
    """Base of the model-agnostic Shapley explainers (not for direct use).

    Subclasses set ``_method`` and implement ``_chunk_fn`` (a module-level
    function ``fn(rows: slice, *, f, Z, Zb, w, base, cfg) -> (phi, stderr, n_evals)``),
    ``_unit_rows`` (model rows one explained row costs) and ``_params``.
    """

    _method = "shapley"
    _sampled = False

    def _setup(self, model: Any, background: Any, groups: Any, output: str) -> None:
        bg = as_background(background)
        f, Zraw = prepare(model, bg.data, name="background", output=output)
        Zb, w = bg.summarize(f.schema, Zraw)
        self.f_: ModelFunction = f
        self.background_: Background = bg
        self.players_: Players = resolve_players(f.schema, groups)
        self._Zb = np.ascontiguousarray(Zb)
        self._w = np.asarray(w, dtype=np.float64)
        n0 = f.n_evals
        self.base_value_ = self._w @ f(self._Zb)
        self._n_evals_setup = f.n_evals - n0
        self._warn_constant()

    def _warn_constant(self) -> None:
        Zb = self._Zb[self._w > 0]
        if Zb.shape[0] < 2:
            return
        same = (Zb == Zb[:1]) | (np.isnan(Zb) & np.isnan(Zb[:1]))
        const = np.nonzero(same.all(axis=0))[0]
        if const.size:
            names = [self.f_.schema.names[j] for j in const[:10]]
            warnings.warn(f"{const.size} feature(s) take a single value in the background: {names}. Their "
                          "attributions only say how the explained row differs from that value; use a "
                          "background that varies them if that is not intended.", UserWarning, stacklevel=3)

    @property
    def n_players(self) -> int:
        return self.players_.n_players

    @property
    def feature_names(self) -> tuple[str, ...]:
        return self.players_.names

    # ----------------------------------------------------------------- explain
    def _unit_rows(self) -> int:  # pragma: no cover - overridden
        raise NotImplementedError

    def _cfg(self, seed: int | None) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError

    def _params(self) -> dict:  # pragma: no cover - overridden
        raise NotImplementedError

    _chunk_fn: Any = None

    def explain(self, X: Any) -> Attribution:
        """Shapley values of the rows of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame (n_rows, n_features)
            Rows in the form the model takes (the background's columns).

        Returns
        -------
        Attribution
            ``values (n_rows, n_players, n_outputs)``, ``base_values`` = E[f(background)],
            ``stderr`` for sampled estimators.
        """
        f = self.f_
        schema = f.schema.with_categories_of(X)
        if schema is not f.schema:
            # a category of X that the background lacks: the row keeps its own value (the model decides
            # whether it knows it); background codes are unchanged
            f = f.with_schema(schema)
        Z = f.schema.encode(X, name="X")
        n, p = Z.shape
        seed = getattr(self, "_seed_for_call", lambda: None)()
        cfg = self._cfg(seed)
        per_chunk = rows_per_chunk(self._unit_rows(), p, max_rows=MAX_MODEL_ROWS)
        chunks = chunk_slices(n, per_chunk)
        fn = type(self)._chunk_fn
        results = map_chunks(fn, chunks, backend=self.backend, progress=self.progress,
                             desc=self._method, shared={"f": f, "Z": Z, "Zb": self._Zb, "w": self._w,
                                                        "base": self.base_value_, "cfg": cfg})
        phi = np.concatenate([r[0] for r in results], axis=0)
        se = None
        if self._sampled:
            se = np.concatenate([r[1] for r in results], axis=0)
            bad = np.isnan(se).any(axis=(1, 2))
            if bad.any():
                warnings.warn(f"standard errors are not available for {int(bad.sum())} of {n} rows (NaN): the "
                              "budget leaves too few coalitions beyond those needed to fit the values; raise "
                              "the budget for error estimates", UserWarning, stacklevel=2)
        n_evals = int(sum(r[2] for r in results)) + self._n_evals_setup
        k = phi.shape[2]
        base = np.broadcast_to(self.base_value_, (n, k))
        params = {"n_players": self.n_players, "groups": self.players_.to_param(), **self.background_.params(),
                  **self._params()}
        prov = provenance(self._method, f, params, random_state=seed, n_evals=n_evals, backend=self.backend)
        return Attribution(values=phi, base_values=base, feature_names=self.players_.names,
                           output_names=f.output_names, data=self.players_.display(f.schema, Z), stderr=se,
                           output_space=f.output, provenance=prov)

    __call__ = explain

    def __repr__(self) -> str:
        return f"{type(self).__name__}(players={self.n_players}, output={self.f_.output!r})"


def row_rng(seed: int, row: int) -> np.random.Generator:
    """The random stream of one explained row (the same on every backend)."""
    return check_random_state(seed, row)
