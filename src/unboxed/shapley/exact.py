"""Exact interventional Shapley values by enumeration of every coalition.

For ``n`` players, all ``2^n`` coalitions are evaluated against the background
(features outside a coalition take background values, averaged with the
background weights) in a few large model calls, and the Shapley values are the
matrix product of the coalition values with the Shapley weights — vectorised
over rows and outputs. The empty coalition (the base value) is evaluated once
for all rows and the full one costs one model row per explained row.

Practical up to about 16 players (features or groups); more than 20 is refused.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ._game import MAX_MODEL_ROWS, ShapleyExplainer, coalition_values, shapley_weights

__all__ = ["ExactShap", "MAX_EXACT_PLAYERS"]

#: Above this many players enumeration is refused (2^20 coalitions per row).
MAX_EXACT_PLAYERS = 20


def _masks(n: int, start: int, stop: int) -> np.ndarray:
    """Boolean coalition masks (stop - start, n) of the integers start..stop-1 (bit i = player i)."""
    ints = np.arange(start, stop, dtype=np.int64)
    return ((ints[:, None] >> np.arange(n, dtype=np.int64)[None, :]) & 1).astype(bool)


def _exact_chunk(rows: slice, *, f, Z, Zb, w, base, cfg) -> tuple[np.ndarray, None, int]:
    X = Z[rows]
    r = X.shape[0]
    n = cfg["n_players"]
    owner = cfg["owner"]
    w_in, w_out = shapley_weights(n)
    m = Zb.shape[0]
    vN = f(X)  # the full coalition: one model row per explained row
    n_evals = r
    # the empty and the full coalition enter every player's value with -1/n and +1/n
    phi = np.repeat(((vN - base[None, :]) / n)[:, None, :], n, axis=1)
    total = 2**n - 1  # coalitions 1 .. 2^n - 2
    per_block = max(1, cfg["max_rows"] // max(1, r * m))
    for start in range(1, total, per_block):
        stop = min(total, start + per_block)
        pm = _masks(n, start, stop)
        cm = pm[:, owner]
        vals, ne = coalition_values(f, X, [cm] * r, Zb, w, max_rows=cfg["max_rows"])
        n_evals += ne
        s = pm.sum(axis=1)
        W = np.where(pm, w_in[s][:, None], -w_out[s][:, None])  # (c, n)
        V = np.stack(vals, axis=0)  # (r, c, k)
        phi += np.einsum("rck,cn->rnk", V, W)
    return phi, None, n_evals


class ExactShap(ShapleyExplainer):
    """Exact interventional Shapley values by enumerating all coalitions.

    Parameters
    ----------
    model : estimator, Pipeline, xgboost / lightgbm model, callable or ModelFunction
        Anything :func:`unboxed.model_function` accepts.
    background : array-like, DataFrame or Background
        Rows whose values replace the features outside a coalition. Raw data
        with more than 100 rows is sampled down to 100 (with a warning); pass a
        :class:`~unboxed.shapley.background.Background` to choose.
    groups : dict, optional
        Group name -> list of columns; each group is one player.
    output : {"auto", "proba", "log_odds", "decision", "raw", "predict"}, default="auto"
        The model output to explain (``auto``: probabilities for classifiers).
        In ``log_odds`` the base value is the background average of the
        log-odds, not the log-odds of the average probability.
    backend : None, "processes" or dask.distributed.Client
    progress : bool, default=True

    Attributes
    ----------
    f_ : ModelFunction
    players_ : Players
    base_value_ : ndarray (n_outputs,)
        E[f(background)] (weighted).

    Notes
    -----
    Cost: ``(2^n - 2) * n_background + 1`` model rows per explained row for
    ``n`` players. The values satisfy efficiency, symmetry, dummy and
    linearity exactly (up to rounding).

    References
    ----------
    Shapley, L. S. (1953). A value for n-person games. Contributions to the
    Theory of Games II, 307-317.
    Janzing, D., Minorics, L. and Bloebaum, P. (2020). Feature relevance
    quantification in explainable AI: a causal problem. AISTATS.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> X = np.random.default_rng(0).normal(size=(50, 3))
    >>> model = LinearRegression().fit(X, X @ [1.0, 2.0, 3.0])
    >>> attr = ExactShap(model, X[:20], progress=False).explain(X[:2])
    >>> attr.values.shape
    (2, 3, 1)
    """

    _method = "exact_shap"
    _chunk_fn = staticmethod(_exact_chunk)

    def __init__(self, model: Any, background: Any, *, groups: Any = None, output: str = "auto",
                 backend: Any = None, progress: bool = True):
        self.model = model
        self.background = background
        self.groups = groups
        self.output = output
        self.backend = backend
        self.progress = progress
        self._setup(model, background, groups, output)
        if self.n_players > MAX_EXACT_PLAYERS:
            raise ValueError(f"ExactShap enumerates 2^n coalitions; {self.n_players} players is too many "
                             f"(at most {MAX_EXACT_PLAYERS}). Use KernelShap or PermutationShap, or group "
                             "features with groups=")

    def _unit_rows(self) -> int:
        return (2**self.n_players) * self._Zb.shape[0]

    def _cfg(self, seed: Any) -> dict:
        return {"n_players": self.n_players, "owner": self.players_.owner, "max_rows": MAX_MODEL_ROWS}

    def _params(self) -> dict:
        return {"n_coalitions": 2**self.n_players}
